//! Type expressions: names, literals, unions, `T[]`, tuples, object types, `T?`,
//! `resource<'…'>`-style parameterized types and accesses `T.prop`, `T[*]`, `T[0]`.

use super::lexer::{StrPiece, Tok};
use super::parser::Parser;
use super::syntax::{
    Expr, ExprKind, TupleItem, TypeExpr, TypeKind, TypeProperty, TypePropertyKey, UnaryOp,
};
use crate::source::Span;

fn missing_type(at: u32) -> TypeExpr {
    TypeExpr {
        span: Span { start: at, end: at },
        kind: TypeKind::Missing,
    }
}

impl Parser<'_> {
    pub fn type_expr(&mut self) -> TypeExpr {
        let start = self.start();
        if self.enter().is_err() {
            return missing_type(start);
        }
        let t = self.union_type(start);
        self.leave();
        t
    }

    fn union_type(&mut self, start: u32) -> TypeExpr {
        // A multi-line union may start each line with `|`, the first one included.
        let leading = self.continues_with(&Tok::Pipe);
        if leading {
            self.bump();
        }
        let first = self.postfix_type();
        if !leading && !self.continues_with(&Tok::Pipe) {
            return first;
        }
        let mut members = vec![first];
        while self.continues_with(&Tok::Pipe) {
            self.bump();
            members.push(self.postfix_type());
        }
        TypeExpr {
            span: self.span_from(start),
            kind: TypeKind::Union(members),
        }
    }

    fn postfix_type(&mut self) -> TypeExpr {
        let start = self.start();
        let mut t = self.primary_type();
        loop {
            let kind = match self.peek_kind() {
                Tok::Question => {
                    self.bump();
                    TypeKind::Nullable(Box::new(t))
                }
                Tok::Bang => {
                    self.bump();
                    TypeKind::NonNullable(Box::new(t))
                }
                Tok::Dot if self.peek_nth(1).kind == Tok::Star => {
                    self.bump();
                    self.bump();
                    TypeKind::AdditionalProperties(Box::new(t))
                }
                Tok::Dot => {
                    self.bump();
                    let Some(name) = self.expect_ident("a type or property name") else {
                        return t;
                    };
                    if self.at(&Tok::Less) {
                        // `sys.resourceInput<'…'>`: the namespace is dropped.
                        let args = self.type_args();
                        TypeKind::Parameterized { name, args }
                    } else {
                        TypeKind::Property {
                            base: Box::new(t),
                            name,
                        }
                    }
                }
                Tok::LBracket => self.type_brackets(t),
                _ => return t,
            };
            t = TypeExpr {
                span: self.span_from(start),
                kind,
            };
        }
    }

    /// `T[]`, `T[*]` or `T[0]`.
    fn type_brackets(&mut self, base: TypeExpr) -> TypeKind {
        self.with_newlines(true, |p| {
            p.bump();
            if p.eat(&Tok::RBracket).is_some() {
                return TypeKind::Array(Box::new(base));
            }
            let index = if p.eat(&Tok::Star).is_some() {
                None
            } else {
                Some(p.expr())
            };
            p.expect(&Tok::RBracket, "']'");
            TypeKind::Index {
                base: Box::new(base),
                index,
            }
        })
    }

    fn primary_type(&mut self) -> TypeExpr {
        let start = self.start();
        let kind = match self.peek_kind() {
            Tok::Ident => {
                let t = self.peek().clone();
                match self.text_of(t.span) {
                    "true" | "false" | "null" => TypeKind::Literal(self.postfix_literal()),
                    _ if self.peek_nth(1).kind == Tok::Less => self.parameterized_type(),
                    _ => match self.expect_ident("a type") {
                        Some(name) => TypeKind::Name(name),
                        None => TypeKind::Missing,
                    },
                }
            }
            Tok::Int | Tok::Str(StrPiece::Complete | StrPiece::Left, _) | Tok::MultilineStr(_) => {
                TypeKind::Literal(self.postfix_literal())
            }
            Tok::Minus | Tok::Bang => TypeKind::Literal(self.negative_literal()),
            Tok::LBrace => self.object_type(),
            Tok::LBracket => self.tuple_type(),
            Tok::LParen => self.with_newlines(true, |p| {
                p.bump();
                let inner = p.type_expr();
                p.expect(&Tok::RParen, "')'");
                TypeKind::Paren(Box::new(inner))
            }),
            _ => {
                self.error_here("Expected a type at this location");
                TypeKind::Missing
            }
        };
        TypeExpr {
            span: self.span_from(start),
            kind,
        }
    }

    /// A literal usable as a type (string, integer, `true`, `false`, `null`).
    fn postfix_literal(&mut self) -> Expr {
        let start = self.start();
        let t = self.peek().clone();
        let kind = match t.kind {
            Tok::Int => {
                self.bump();
                ExprKind::Int(self.text_of(t.span).to_string())
            }
            Tok::Ident => {
                self.bump();
                match self.text_of(t.span) {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    _ => ExprKind::Null,
                }
            }
            _ => match self.string_lit() {
                Some(s) => ExprKind::String(s),
                None => ExprKind::Missing,
            },
        };
        Expr {
            span: self.span_from(start),
            kind,
        }
    }

    /// `-1` or `!true` as a literal type.
    fn negative_literal(&mut self) -> Expr {
        let start = self.start();
        let op = if self.bump().kind == Tok::Bang {
            UnaryOp::Not
        } else {
            UnaryOp::Minus
        };
        let operand = if self.at(&Tok::Int) || self.at(&Tok::Ident) {
            self.postfix_literal()
        } else {
            self.error_here("Expected an integer at this location");
            super::parse_expression::missing(start)
        };
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        }
    }

    /// `name<arg, …>`
    fn parameterized_type(&mut self) -> TypeKind {
        let Some(name) = self.expect_ident("a type") else {
            return TypeKind::Missing;
        };
        let args = self.type_args();
        TypeKind::Parameterized { name, args }
    }

    /// `<arg, …>`
    fn type_args(&mut self) -> Vec<TypeExpr> {
        let mut args = Vec::new();
        self.with_newlines(true, |p| {
            p.bump();
            while !p.at(&Tok::Greater) && !p.at(&Tok::Eof) {
                let before = p.position();
                args.push(p.type_expr());
                if p.eat(&Tok::Comma).is_none() {
                    break;
                }
                if p.position() == before {
                    break;
                }
            }
            p.expect(&Tok::Greater, "'>'");
        });
        args
    }

    fn object_type(&mut self) -> TypeKind {
        let mut props = Vec::new();
        self.with_newlines(false, |p| {
            p.bump();
            p.separated_items(&Tok::RBrace, |p| {
                if let Some(prop) = p.type_property() {
                    props.push(prop);
                }
            });
            p.expect(&Tok::RBrace, "'}'");
        });
        TypeKind::Object(props)
    }

    fn type_property(&mut self) -> Option<TypeProperty> {
        let start = self.start();
        let decorators = self.decorators();
        let key = if let Some(star) = self.eat(&Tok::Star) {
            TypePropertyKey::Wildcard(star.span)
        } else {
            TypePropertyKey::Key(self.object_key()?)
        };
        let optional = self.eat(&Tok::Question).is_some();
        self.expect(&Tok::Colon, "':'")?;
        let ty = self.type_expr();
        Some(TypeProperty {
            span: self.span_from(start),
            decorators,
            key,
            optional,
            ty,
        })
    }

    fn tuple_type(&mut self) -> TypeKind {
        let mut items = Vec::new();
        self.with_newlines(false, |p| {
            p.bump();
            p.separated_items(&Tok::RBracket, |p| {
                let start = p.start();
                let decorators = p.decorators();
                let ty = p.type_expr();
                items.push(TupleItem {
                    span: p.span_from(start),
                    decorators,
                    ty,
                });
            });
            p.expect(&Tok::RBracket, "']'");
        });
        TypeKind::Tuple(items)
    }
}
