//! Top-level statements (declarations), decorators, imports and extensions. Each statement
//! ends at a newline; after an error the parser skips to the next line and goes on.

use super::lexer::{StrPiece, Tok};
use super::parse_expression::missing;
use super::parser::Parser;
use super::syntax::{
    Decorator, Extension, ExtensionKeyword, ExtensionSpec, FuncParam, Ident, Import, ImportItem,
    ImportKind, OutputType, Statement, StatementKind, StringLit,
};

impl Parser<'_> {
    pub fn statements(&mut self) -> Vec<Statement> {
        let mut out = Vec::new();
        loop {
            self.skip_blank_lines();
            if self.at(&Tok::Eof) {
                return out;
            }
            let before = self.position();
            let start = self.start();
            let decorators = self.decorators();
            if let Some(s) = self.statement(start, decorators) {
                out.push(s);
            }
            if !self.at(&Tok::NewLine) && !self.at(&Tok::Eof) {
                if !self.error_already_here() {
                    self.error_here("Expected a new line character at this location");
                }
                self.recover(&[]);
            }
            if self.position() == before {
                self.bump();
            }
        }
    }

    /// `@expr` lines before a declaration, property or tuple item.
    pub fn decorators(&mut self) -> Vec<Decorator> {
        let mut out = Vec::new();
        while self.at(&Tok::At) {
            let start = self.start();
            self.bump();
            let expr = self.postfix();
            out.push(Decorator {
                span: self.span_from(start),
                expr,
            });
            self.skip_blank_lines();
        }
        out
    }

    fn statement(
        &mut self,
        start: u32,
        decorators: Vec<crate::source::bicep::syntax::Decorator>,
    ) -> Option<Statement> {
        let keyword = self.peek().clone();
        if keyword.kind != Tok::Ident {
            self.error_here("Expected a declaration (param, var, resource, module, output, type, func, import, …) at this location");
            return None;
        }
        let kind = match self.text_of(keyword.span) {
            "targetScope" => {
                self.bump();
                self.expect(&Tok::Assign, "'='")?;
                StatementKind::TargetScope(self.expr())
            }
            "metadata" => {
                self.named_value(|name, value| StatementKind::Metadata { name, value })?
            }
            "assert" => self.named_value(|name, value| StatementKind::Assert { name, value })?,
            "param" => self.param()?,
            "var" => self.var()?,
            "output" => self.output()?,
            "resource" => return self.resource_statement(start, decorators),
            "module" | "test" => self.module(),
            "type" => {
                self.bump();
                let name = self.expect_ident("a type name")?;
                self.expect(&Tok::Assign, "'='")?;
                StatementKind::Type {
                    name,
                    ty: self.type_expr(),
                }
            }
            "func" => self.func()?,
            "import" => self.import()?,
            "extension" => StatementKind::Extension(self.extension(ExtensionKeyword::Extension)?),
            "provider" => StatementKind::Extension(self.extension(ExtensionKeyword::Provider)?),
            "using" => self.using()?,
            "extensionConfig" if self.params_file => {
                self.bump();
                let name = self.expect_ident("an extension alias")?;
                if !self.at_ident("with") {
                    self.error_here("Expected the 'with' keyword at this location");
                    return None;
                }
                self.bump();
                StatementKind::ExtensionConfig {
                    name,
                    config: self.expr(),
                }
            }
            "extends" => {
                self.bump();
                StatementKind::Extends {
                    path: self.string("a path string")?,
                }
            }
            _ => {
                self.error_here("This declaration type is not recognized. Specify a metadata, parameter, variable, resource, or output declaration");
                return None;
            }
        };
        Some(Statement {
            span: self.span_from(start),
            decorators,
            kind,
        })
    }

    fn named_value(
        &mut self,
        make: fn(Ident, super::syntax::Expr) -> StatementKind,
    ) -> Option<StatementKind> {
        self.bump();
        let name = self.expect_ident("a name")?;
        self.expect(&Tok::Assign, "'='")?;
        Some(make(name, self.expr()))
    }

    /// A string literal where one is required (a path, a resource type).
    pub fn string(&mut self, what: &str) -> Option<StringLit> {
        match self.peek_kind() {
            Tok::Str(StrPiece::Complete | StrPiece::Left, _) | Tok::MultilineStr(_) => {
                self.string_lit()
            }
            _ => {
                self.error_here(format!("Expected {what} at this location"));
                None
            }
        }
    }

    fn param(&mut self) -> Option<StatementKind> {
        self.bump();
        let name = self.expect_ident("a parameter name")?;
        let ty = if self.at(&Tok::Assign) && self.params_file {
            None
        } else {
            Some(self.type_expr())
        };
        let value = self.eat(&Tok::Assign).map(|_| self.expr());
        Some(StatementKind::Param { name, ty, value })
    }

    fn var(&mut self) -> Option<StatementKind> {
        self.bump();
        let name = self.expect_ident("a variable name")?;
        let ty = (!self.at(&Tok::Assign)).then(|| self.type_expr());
        self.expect(&Tok::Assign, "'='")?;
        Some(StatementKind::Var {
            name,
            ty,
            value: self.expr(),
        })
    }

    fn output(&mut self) -> Option<StatementKind> {
        self.bump();
        let name = self.expect_ident("an output name")?;
        let resource_type = self.at_ident("resource")
            && matches!(self.peek_nth(1).kind, Tok::Str(..) | Tok::MultilineStr(_));
        let ty = if resource_type {
            self.bump();
            OutputType::Resource(self.string("a resource type string")?)
        } else {
            OutputType::Type(self.type_expr())
        };
        self.expect(&Tok::Assign, "'='")?;
        Some(StatementKind::Output {
            name,
            ty,
            value: self.expr(),
        })
    }

    /// `resource name 'type@version' [existing] = body` (top level or nested in a body).
    pub fn resource_statement(
        &mut self,
        start: u32,
        decorators: Vec<Decorator>,
    ) -> Option<Statement> {
        self.bump();
        let name = self.expect_ident("a resource name")?;
        let type_name = self.string("a resource type string")?;
        let existing = self.at_ident("existing");
        if existing {
            self.bump();
        }
        self.expect(&Tok::Assign, "'='")?;
        if self.body_follows_newlines() {
            self.skip_blank_lines();
        }
        let body = self.declaration_body()?;
        Some(Statement {
            span: self.span_from(start),
            decorators,
            kind: StatementKind::Resource {
                name,
                type_name,
                existing,
                body,
            },
        })
    }

    fn module(&mut self) -> StatementKind {
        let is_test = self.at_ident("test");
        self.bump();
        let parsed = (|| {
            let name = self.expect_ident("a module name")?;
            let path = self.string("a module path string")?;
            self.expect(&Tok::Assign, "'='")?;
            if self.body_follows_newlines() {
                self.skip_blank_lines();
            }
            Some((name, path))
        })();
        let at = self.start();
        let Some((name, path)) = parsed else {
            let name = Ident {
                name: String::new(),
                span: crate::source::Span { start: at, end: at },
            };
            let path = StringLit {
                span: name.span,
                parts: Vec::new(),
                multiline: false,
            };
            return StatementKind::Module {
                name,
                path,
                body: missing(at),
            };
        };
        let Some(body) = self.declaration_body() else {
            return StatementKind::Module {
                name,
                path,
                body: missing(at),
            };
        };
        if is_test {
            StatementKind::Test { name, path, body }
        } else {
            StatementKind::Module { name, path, body }
        }
    }

    fn func(&mut self) -> Option<StatementKind> {
        self.bump();
        let name = self.expect_ident("a function name")?;
        let mut params = Vec::new();
        self.with_newlines(true, |p| {
            p.expect(&Tok::LParen, "'('")?;
            while p.at(&Tok::Ident) {
                let start = p.start();
                let name = p.expect_ident("a parameter name")?;
                let ty = p.type_expr();
                params.push(FuncParam {
                    span: p.span_from(start),
                    name,
                    ty,
                });
                if p.eat(&Tok::Comma).is_none() {
                    break;
                }
            }
            p.expect(&Tok::RParen, "')'")
        })?;
        let result = self.type_expr();
        self.expect(&Tok::Arrow, "'=>'")?;
        self.skip_blank_lines();
        Some(StatementKind::Func {
            name,
            params,
            result,
            body: self.expr(),
        })
    }

    fn import(&mut self) -> Option<StatementKind> {
        let kind = match self.peek_nth(1).kind {
            Tok::LBrace => {
                self.bump();
                ImportKind::Items(self.import_items())
            }
            Tok::Star => {
                self.bump();
                self.bump();
                if !self.at_ident("as") {
                    self.error_here("Expected the 'as' keyword at this location");
                    return None;
                }
                self.bump();
                ImportKind::Wildcard {
                    alias: self.expect_ident("an alias")?,
                }
            }
            _ => {
                let ext = self.extension(ExtensionKeyword::Import)?;
                return Some(StatementKind::Import(Import {
                    kind: ImportKind::Provider(ext),
                    from: None,
                }));
            }
        };
        if !self.at_ident("from") {
            self.error_here("Expected the 'from' keyword at this location");
            return None;
        }
        self.bump();
        let from = Some(self.string("a path string")?);
        Some(StatementKind::Import(Import { kind, from }))
    }

    fn import_items(&mut self) -> Vec<ImportItem> {
        let mut items = Vec::new();
        self.with_newlines(true, |p| {
            p.bump();
            while !p.at(&Tok::RBrace) && !p.at(&Tok::Eof) {
                let before = p.position();
                let start = p.start();
                let name = match p.peek_kind() {
                    Tok::Str(..) => p.string_lit().map(|s| Ident {
                        name: s.as_plain().unwrap_or_default(),
                        span: s.span,
                    }),
                    _ => p.expect_ident("an imported name"),
                };
                let alias = if p.at_ident("as") {
                    p.bump();
                    p.expect_ident("an alias")
                } else {
                    None
                };
                if let Some(name) = name {
                    let span = p.span_from(start);
                    items.push(ImportItem { span, name, alias });
                }
                // Items on separate lines need no comma.
                let next_item = matches!(p.peek_kind(), Tok::Ident | Tok::Str(..));
                if p.eat(&Tok::Comma).is_none() && !p.at(&Tok::RBrace) && !next_item {
                    p.error_here("Expected ',' or '}' at this location");
                    p.recover(&[Tok::Comma, Tok::RBrace]);
                }
                if p.position() == before {
                    p.bump();
                }
            }
            p.expect(&Tok::RBrace, "'}'");
        });
        items
    }

    /// `extension|provider|import spec [with {…}] [as alias]`
    fn extension(&mut self, keyword: ExtensionKeyword) -> Option<Extension> {
        self.bump();
        let spec = if self.at(&Tok::Ident) {
            ExtensionSpec::Name(self.expect_ident("an extension name")?)
        } else {
            ExtensionSpec::String(self.string("an extension name or string")?)
        };
        let config = if self.at_ident("with") {
            self.bump();
            Some(self.expr())
        } else {
            None
        };
        let alias = if self.at_ident("as") {
            self.bump();
            Some(self.expect_ident("an alias")?)
        } else {
            None
        };
        Some(Extension {
            keyword,
            spec,
            config,
            alias,
        })
    }

    fn using(&mut self) -> Option<StatementKind> {
        self.bump();
        if self.at_ident("none") {
            self.bump();
            return Some(StatementKind::Using {
                path: None,
                config: None,
            });
        }
        let path = self.string("a path string or 'none'")?;
        let config = if self.at_ident("with") {
            self.bump();
            Some(self.expr())
        } else {
            None
        };
        Some(StatementKind::Using {
            path: Some(path),
            config,
        })
    }
}
