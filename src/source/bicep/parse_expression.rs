//! Expressions, by Bicep's precedence (lowest first): `?:` (right-associative), `??`, `||`,
//! `&&`, `== != =~ !~`, `< <= > >=`, `+ -`, `* / %` (all left-associative), unary `! -`, then
//! postfix member access, indexing, calls and the non-null `!`.

use super::lexer::{StrPiece, Tok};
use super::parser::Parser;
use super::syntax::{
    ArrayItem, BinaryOp, Expr, ExprKind, ForExpr, ForVariable, Ident, LambdaParam, ObjectItem,
    ObjectKey, UnaryOp,
};
use crate::source::Span;

pub fn missing(at: u32) -> Expr {
    Expr {
        span: Span { start: at, end: at },
        kind: ExprKind::Missing,
    }
}

fn binary_op(kind: &Tok) -> Option<(BinaryOp, u8)> {
    Some(match kind {
        Tok::DoubleQuestion => (BinaryOp::Coalesce, 1),
        Tok::Or => (BinaryOp::Or, 2),
        Tok::And => (BinaryOp::And, 3),
        Tok::Eq => (BinaryOp::Eq, 4),
        Tok::NotEq => (BinaryOp::NotEq, 4),
        Tok::EqI => (BinaryOp::EqI, 4),
        Tok::NotEqI => (BinaryOp::NotEqI, 4),
        Tok::Less => (BinaryOp::Less, 5),
        Tok::LessEq => (BinaryOp::LessEq, 5),
        Tok::Greater => (BinaryOp::Greater, 5),
        Tok::GreaterEq => (BinaryOp::GreaterEq, 5),
        Tok::Plus => (BinaryOp::Add, 6),
        Tok::Minus => (BinaryOp::Sub, 6),
        Tok::Star => (BinaryOp::Mul, 7),
        Tok::Slash => (BinaryOp::Div, 7),
        Tok::Percent => (BinaryOp::Mod, 7),
        _ => return None,
    })
}

/// Tokens that close a construct: an expression parser reports a missing expression before
/// them without consuming them, so the enclosing construct can recover.
fn is_structural(kind: &Tok) -> bool {
    matches!(
        kind,
        Tok::NewLine
            | Tok::Eof
            | Tok::RBrace
            | Tok::RBracket
            | Tok::RParen
            | Tok::Comma
            | Tok::Colon
            | Tok::Str(StrPiece::Middle | StrPiece::Right, _)
    )
}

impl Parser<'_> {
    pub fn expr(&mut self) -> Expr {
        let start = self.start();
        if self.enter().is_err() {
            return missing(start);
        }
        let e = self.ternary();
        self.leave();
        e
    }

    fn ternary(&mut self) -> Expr {
        let start = self.start();
        let condition = self.binary(1);
        if !self.continues_with(&Tok::Question) {
            return condition;
        }
        self.bump();
        let then = self.expr();
        self.continues_with(&Tok::Colon);
        self.expect(&Tok::Colon, "':'");
        let otherwise = self.expr();
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Ternary {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
        }
    }

    fn binary(&mut self, min: u8) -> Expr {
        let start = self.start();
        let mut left = self.unary();
        loop {
            let kind = self.peek_kind();
            let Some((op, prec)) = binary_op(&kind) else {
                break;
            };
            if prec < min {
                break;
            }
            self.bump();
            let right = self.binary(prec + 1);
            left = Expr {
                span: self.span_from(start),
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
            };
        }
        left
    }

    fn unary(&mut self) -> Expr {
        let start = self.start();
        let op = match self.peek_kind() {
            Tok::Bang => UnaryOp::Not,
            Tok::Minus => UnaryOp::Minus,
            Tok::Caret => UnaryOp::FromEnd,
            _ => return self.postfix(),
        };
        self.bump();
        if self.enter().is_err() {
            return missing(start);
        }
        // Bicep takes no unary operator directly after another (`!!x` is an error).
        let operand = self.postfix();
        self.leave();
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        }
    }

    /// A primary expression and its member accesses, indexes, method calls and `!`.
    pub fn postfix(&mut self) -> Expr {
        let start = self.start();
        let mut e = self.primary();
        loop {
            e = match self.peek_kind() {
                Tok::Dot => self.member(start, e),
                Tok::LBracket => self.index(start, e),
                Tok::DoubleColon => {
                    self.bump();
                    let Some(name) = self.expect_ident("a nested resource name") else {
                        return e;
                    };
                    Expr {
                        span: self.span_from(start),
                        kind: ExprKind::ChildResource {
                            base: Box::new(e),
                            name,
                        },
                    }
                }
                Tok::Bang => {
                    self.bump();
                    Expr {
                        span: self.span_from(start),
                        kind: ExprKind::NonNull(Box::new(e)),
                    }
                }
                _ => return e,
            };
        }
    }

    fn member(&mut self, start: u32, base: Expr) -> Expr {
        self.bump();
        let safe = self.eat(&Tok::Question).is_some();
        let Some(name) = self.expect_ident("a property or function name") else {
            return base;
        };
        if !safe && self.at(&Tok::LParen) {
            let args = self.call_args();
            return Expr {
                span: self.span_from(start),
                kind: ExprKind::Call {
                    target: Some(Box::new(base)),
                    name,
                    args,
                },
            };
        }
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Property {
                base: Box::new(base),
                name,
                safe,
            },
        }
    }

    fn index(&mut self, start: u32, base: Expr) -> Expr {
        self.with_newlines(true, |p| {
            p.bump();
            let safe = p.eat(&Tok::Question).is_some();
            let index = p.expr();
            p.expect(&Tok::RBracket, "']'");
            Expr {
                span: p.span_from(start),
                kind: ExprKind::Index {
                    base: Box::new(base),
                    index: Box::new(index),
                    safe,
                },
            }
        })
    }

    /// `( arg, … )`; newlines inside are insignificant.
    pub fn call_args(&mut self) -> Vec<Expr> {
        self.with_newlines(true, |p| {
            p.bump();
            let mut args = Vec::new();
            while !p.at(&Tok::RParen) && !p.at(&Tok::Eof) {
                let before = p.position();
                args.push(p.expr());
                let comma = p.eat(&Tok::Comma).is_some();
                if comma && p.at(&Tok::RParen) {
                    p.error_here("Expected an expression at this location");
                } else if !comma && !p.at(&Tok::RParen) {
                    p.error_here("Expected ',' or ')' at this location");
                    p.recover(&[Tok::Comma, Tok::RParen]);
                    p.eat(&Tok::Comma);
                }
                if p.position() == before {
                    p.bump();
                }
            }
            p.expect(&Tok::RParen, "')'");
            args
        })
    }

    fn ident_token(&mut self) -> Ident {
        let t = self.bump();
        Ident {
            name: self.text_of(t.span).to_string(),
            span: t.span,
        }
    }

    fn primary(&mut self) -> Expr {
        let start = self.start();
        let kind = match self.peek_kind() {
            Tok::Int => {
                let t = self.bump();
                ExprKind::Int(self.text_of(t.span).to_string())
            }
            Tok::Ident => return self.identifier_expr(start),
            Tok::Str(..) | Tok::MultilineStr(_) => match self.string_lit() {
                Some(s) => ExprKind::String(s),
                None => ExprKind::Missing,
            },
            Tok::LBrace => self.object(),
            Tok::LBracket if self.peek_is_for() => self.for_expr(false),
            Tok::LBracket => self.array(),
            Tok::LParen if self.paren_is_lambda() => return self.lambda(start),
            Tok::LParen => self.with_newlines(true, |p| {
                p.bump();
                let inner = p.expr();
                p.expect(&Tok::RParen, "')'");
                ExprKind::Paren(Box::new(inner))
            }),
            other => {
                self.error_here("Expected an expression at this location");
                if !is_structural(&other) {
                    self.bump();
                }
                ExprKind::Missing
            }
        };
        Expr {
            span: self.span_from(start),
            kind,
        }
    }

    fn identifier_expr(&mut self, start: u32) -> Expr {
        if self.peek_nth(1).kind == Tok::Arrow {
            return self.lambda(start);
        }
        let name = self.ident_token();
        let kind = match name.name.as_str() {
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "null" => ExprKind::Null,
            _ if self.at(&Tok::LParen) => {
                let args = self.call_args();
                ExprKind::Call {
                    target: None,
                    name,
                    args,
                }
            }
            _ => ExprKind::Ident(name),
        };
        Expr {
            span: self.span_from(start),
            kind,
        }
    }

    fn peek_is_for(&mut self) -> bool {
        let t = self.with_newlines(true, |p| p.peek_nth(1).clone());
        t.kind == Tok::Ident && self.text_of(t.span) == "for"
    }

    fn lambda(&mut self, start: u32) -> Expr {
        let mut params = Vec::new();
        if self.at(&Tok::Ident) {
            let name = self.ident_token();
            params.push(LambdaParam { name, ty: None });
        } else {
            self.with_newlines(true, |p| {
                p.bump();
                while p.at(&Tok::Ident) {
                    let name = p.ident_token();
                    // A parameter's type is on its line: `(a\n b) =>` is two names missing a
                    // comma, as the compiler reads it, not `a` of type `b`.
                    let next = p.peek().span.start;
                    let gap = Span {
                        start: name.span.end,
                        end: next.max(name.span.end),
                    };
                    let same_line = !p.text_of(gap).contains('\n');
                    let ty = (same_line && !p.at(&Tok::Comma) && !p.at(&Tok::RParen))
                        .then(|| p.type_expr());
                    params.push(LambdaParam { name, ty });
                    if p.eat(&Tok::Comma).is_none() {
                        break;
                    }
                }
                p.expect(&Tok::RParen, "')'");
            });
        }
        self.expect(&Tok::Arrow, "'=>'");
        let body = self.expr();
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Lambda {
                params,
                body: Box::new(body),
            },
        }
    }

    /// Items separated by newlines or commas, until `close`; `item` parses one item.
    pub fn separated_items(&mut self, close: &Tok, mut item: impl FnMut(&mut Self)) {
        loop {
            while self.eat(&Tok::NewLine).is_some() {}
            if self.at(close) || self.at(&Tok::Eof) {
                return;
            }
            let before = self.position();
            if self.at(&Tok::Comma) {
                // A comma with no item before it (`a,,b`).
                self.error_here("Expected an item before ',' at this location");
                self.bump();
                continue;
            }
            item(self);
            let comma = self.eat(&Tok::Comma).is_some();
            let next = self.peek_kind();
            if !comma && next != Tok::NewLine && &next != close {
                if !self.error_already_here() {
                    self.error_here("Expected a new line or comma character at this location");
                }
                self.recover(&[Tok::Comma, close.clone()]);
            }
            if self.position() == before {
                self.bump();
            }
        }
    }

    fn object(&mut self) -> ExprKind {
        let mut items = Vec::new();
        self.with_newlines(false, |p| {
            p.bump();
            p.separated_items(&Tok::RBrace, |p| {
                if let Some(item) = p.object_item() {
                    items.push(item);
                }
            });
            p.expect(&Tok::RBrace, "'}'");
        });
        ExprKind::Object(items)
    }

    fn object_item(&mut self) -> Option<ObjectItem> {
        let start = self.start();
        let decorators = self.decorators();
        if self.eat(&Tok::Ellipsis).is_some() {
            let value = self.expr();
            return Some(ObjectItem::Spread {
                span: self.span_from(start),
                value,
            });
        }
        if self.at_ident("resource") && self.peek_nth(1).kind == Tok::Ident {
            let statement = self.resource_statement(start, decorators)?;
            return Some(ObjectItem::Resource(Box::new(statement)));
        }
        let key = self.object_key()?;
        self.expect(&Tok::Colon, "':'")?;
        let value = self.expr();
        Some(ObjectItem::Property {
            span: self.span_from(start),
            decorators,
            key,
            value,
        })
    }

    /// An identifier (keywords included) or a quoted, possibly interpolated, key.
    pub fn object_key(&mut self) -> Option<ObjectKey> {
        match self.peek_kind() {
            Tok::Ident => Some(ObjectKey::Ident(self.ident_token())),
            Tok::Str(StrPiece::Complete | StrPiece::Left, _) => {
                self.string_lit().map(ObjectKey::String)
            }
            _ => {
                self.error_here("Expected a property name at this location");
                None
            }
        }
    }

    fn array(&mut self) -> ExprKind {
        let mut items = Vec::new();
        self.with_newlines(false, |p| {
            p.bump();
            p.separated_items(&Tok::RBracket, |p| {
                let start = p.start();
                if p.eat(&Tok::Ellipsis).is_some() {
                    let value = p.expr();
                    let span = p.span_from(start);
                    items.push(ArrayItem::Spread { span, value });
                } else {
                    items.push(ArrayItem::Value(p.expr()));
                }
            });
            p.expect(&Tok::RBracket, "']'");
        });
        ExprKind::Array(items)
    }

    /// `[for …: body]`; `strict` for a resource or module loop, whose body is `{…}` or `if`.
    fn for_expr(&mut self, strict: bool) -> ExprKind {
        self.with_newlines(false, |p| {
            p.bump();
            p.skip_blank_lines();
            p.bump(); // `for`
            let variable = p.for_variable();
            if !p.at_ident("in") {
                p.error_here("Expected the 'in' keyword at this location");
            } else {
                p.bump();
            }
            let iterable = p.expr();
            p.expect(&Tok::Colon, "':'");
            p.skip_blank_lines();
            let body = if strict {
                p.strict_body(false)
            } else {
                p.body()
            };
            p.skip_blank_lines();
            if p.expect(&Tok::RBracket, "']'").is_none() {
                p.recover(&[Tok::RBracket]);
                p.eat(&Tok::RBracket);
            }
            let variable = variable.unwrap_or(ForVariable::Item(Ident {
                name: String::new(),
                span: iterable.span,
            }));
            ExprKind::For(Box::new(ForExpr {
                variable,
                iterable,
                body,
            }))
        })
    }

    fn for_variable(&mut self) -> Option<ForVariable> {
        if self.at(&Tok::Ident) {
            return Some(ForVariable::Item(self.ident_token()));
        }
        self.with_newlines(false, |p| {
            p.expect(&Tok::LParen, "an identifier or '('")?;
            let item = p.expect_ident("the item variable")?;
            p.expect(&Tok::Comma, "','")?;
            let index = p.expect_ident("the index variable")?;
            p.expect(&Tok::RParen, "')'")?;
            Some(ForVariable::ItemIndex { item, index })
        })
    }

    /// A resource or module declaration's value: `{…}`, `if (…) {…}` or `[for …]`; anything
    /// else is an error (and `None`).
    pub fn declaration_body(&mut self) -> Option<Expr> {
        let start = self.start();
        if self.at(&Tok::LBracket) {
            if !self.peek_is_for() {
                self.with_newlines(true, |p| {
                    p.bump();
                    p.error_here("Expected the \"for\" keyword at this location");
                });
                return None;
            }
            let kind = self.for_expr(true);
            return Some(Expr {
                span: self.span_from(start),
                kind,
            });
        }
        let body = self.strict_body(true);
        (body.kind != ExprKind::Missing).then_some(body)
    }

    /// `{…}` or `if (cond) {…}` (and `[for …]` when `loops`), else an error.
    fn strict_body(&mut self, loops: bool) -> Expr {
        let start = self.start();
        if self.at(&Tok::LBrace) {
            return self.expr();
        }
        if !self.at_ident("if") {
            self.error_here(if loops {
                "Expected the \"{\" character, the \"[\" character, or the \"if\" keyword at this location"
            } else {
                "Expected the \"{\" character or the \"if\" keyword at this location"
            });
            return missing(start);
        }
        if self.peek_nth(1).kind != Tok::LParen {
            self.bump();
            self.error_here("Expected the \"(\" character at this location");
            return missing(start);
        }
        let body = self.body();
        if let ExprKind::If { body: inner, .. } = &body.kind
            && !matches!(inner.kind, ExprKind::Object(_))
        {
            let span = inner.span;
            self.error_at(span, "Expected the \"{\" character at this location");
        }
        body
    }

    /// A resource or module body (or a `for` body): `{…}`, `if (cond) {…}`, `[for …]`, or (for
    /// plain `for` expressions) any expression.
    pub fn body(&mut self) -> Expr {
        let start = self.start();
        if !self.at_ident("if") || self.peek_nth(1).kind != Tok::LParen {
            return self.expr();
        }
        self.bump();
        let condition = self.with_newlines(true, |p| {
            p.bump();
            let c = p.expr();
            p.expect(&Tok::RParen, "')'");
            c
        });
        let body = self.expr();
        Expr {
            span: self.span_from(start),
            kind: ExprKind::If {
                condition: Box::new(condition),
                body: Box::new(body),
            },
        }
    }
}
