//! A compact S-expression dump of a syntax tree, for snapshot tests and debugging: node kinds
//! with their byte spans (`@start..end`), one statement or object member per line.

use super::syntax::*;
use crate::source::Span;
use std::fmt::Write as _;

pub fn dump(file: &BicepFile) -> String {
    let mut d = Dumper { out: String::new() };
    for s in &file.statements {
        d.statement(s, 0);
    }
    for c in &file.comments {
        let _ = writeln!(d.out, "(comment {:?}{})", c.kind, at(c.span));
    }
    for e in &file.errors {
        let _ = writeln!(d.out, "(error{} {:?})", at(e.span), e.message);
    }
    d.out
}

fn at(span: Span) -> String {
    format!("@{}..{}", span.start, span.end)
}

struct Dumper {
    out: String,
}

impl Dumper {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn statement(&mut self, s: &Statement, indent: usize) {
        for d in &s.decorators {
            let text = format!("(decorator{} {})", at(d.span), expr(&d.expr));
            self.line(indent, &text);
        }
        let head = statement_head(&s.kind);
        self.line(indent, &format!("({head}{}", at(s.span)));
        match &s.kind {
            StatementKind::Resource { body, .. }
            | StatementKind::Module { body, .. }
            | StatementKind::Test { body, .. } => self.body(body, indent + 1),
            _ => {}
        }
        self.line(indent, ")");
    }

    /// A resource body: its properties one per line, child resources nested.
    fn body(&mut self, e: &Expr, indent: usize) {
        match &e.kind {
            ExprKind::Object(items) => {
                self.line(indent, &format!("(object{}", at(e.span)));
                for item in items {
                    match item {
                        ObjectItem::Resource(s) => self.statement(s, indent + 1),
                        other => self.line(indent + 1, &object_item(other)),
                    }
                }
                self.line(indent, ")");
            }
            ExprKind::If { condition, body } => {
                self.line(indent, &format!("(if{} {}", at(e.span), expr(condition)));
                self.body(body, indent + 1);
                self.line(indent, ")");
            }
            ExprKind::For(f) => {
                let head = format!(
                    "(for{} {} in {}",
                    at(e.span),
                    for_var(&f.variable),
                    expr(&f.iterable)
                );
                self.line(indent, &head);
                self.body(&f.body, indent + 1);
                self.line(indent, ")");
            }
            _ => self.line(indent, &expr(e)),
        }
    }
}

fn statement_head(kind: &StatementKind) -> String {
    use StatementKind as S;
    match kind {
        S::TargetScope(e) => format!("targetScope {}", expr(e)),
        S::Metadata { name, value } => format!("metadata {} {}", name.name, expr(value)),
        S::Param { name, ty, value } => format!(
            "param {} {} {}",
            name.name,
            ty.as_ref().map_or("-".into(), ty_),
            value.as_ref().map_or("-".into(), expr)
        ),
        S::Var { name, ty, value } => format!(
            "var {} {} {}",
            name.name,
            ty.as_ref().map_or("-".into(), ty_),
            expr(value)
        ),
        S::Output { name, ty, value } => {
            let t = match ty {
                OutputType::Type(t) => ty_(t),
                OutputType::Resource(s) => format!("(resource {})", string(s)),
            };
            format!("output {} {t} {}", name.name, expr(value))
        }
        S::Resource {
            name,
            type_name,
            existing,
            ..
        } => {
            let ex = if *existing { " existing" } else { "" };
            format!("resource {} {}{ex}", name.name, string(type_name))
        }
        S::Module { name, path, .. } => format!("module {} {}", name.name, string(path)),
        S::Test { name, path, .. } => format!("test {} {}", name.name, string(path)),
        S::Type { name, ty } => format!("type {} {}", name.name, ty_(ty)),
        S::Func {
            name,
            params,
            result,
            body,
        } => {
            let ps: Vec<String> = params
                .iter()
                .map(|p| format!("{} {}", p.name.name, ty_(&p.ty)))
                .collect();
            format!(
                "func {} ({}) {} {}",
                name.name,
                ps.join(", "),
                ty_(result),
                expr(body)
            )
        }
        S::Import(i) => import(i),
        S::Extension(e) => extension(e),
        S::Assert { name, value } => format!("assert {} {}", name.name, expr(value)),
        S::Using { path, config } => format!(
            "using {} {}",
            path.as_ref().map_or("none".into(), string),
            config.as_ref().map_or("-".into(), expr)
        ),
        S::ExtensionConfig { name, config } => {
            format!("extensionConfig {} {}", name.name, expr(config))
        }
        S::Extends { path } => format!("extends {}", string(path)),
    }
}

fn import(i: &Import) -> String {
    let from = i
        .from
        .as_ref()
        .map_or(String::new(), |f| format!(" from {}", string(f)));
    match &i.kind {
        ImportKind::Items(items) => {
            let names: Vec<String> = items
                .iter()
                .map(|it| match &it.alias {
                    Some(a) => format!("{} as {}", it.name.name, a.name),
                    None => it.name.name.clone(),
                })
                .collect();
            format!("import {{{}}}{from}", names.join(", "))
        }
        ImportKind::Wildcard { alias } => format!("import * as {}{from}", alias.name),
        ImportKind::Provider(e) => extension(e),
    }
}

fn extension(e: &Extension) -> String {
    let spec = match &e.spec {
        ExtensionSpec::Name(n) => n.name.clone(),
        ExtensionSpec::String(s) => string(s),
    };
    let with = e
        .config
        .as_ref()
        .map_or(String::new(), |c| format!(" with {}", expr(c)));
    let alias = e
        .alias
        .as_ref()
        .map_or(String::new(), |a| format!(" as {}", a.name));
    format!("{:?} {spec}{with}{alias}", e.keyword).to_lowercase()
}

fn string(s: &StringLit) -> String {
    if let Some(text) = s.as_plain() {
        return format!("{text:?}");
    }
    let parts: Vec<String> = s
        .parts
        .iter()
        .map(|p| match p {
            StringPart::Text { text, .. } => format!("{text:?}"),
            StringPart::Expr(e) => expr(e),
        })
        .collect();
    format!("(interp {})", parts.join(" "))
}

fn for_var(v: &ForVariable) -> String {
    match v {
        ForVariable::Item(i) => i.name.clone(),
        ForVariable::ItemIndex { item, index } => format!("({}, {})", item.name, index.name),
    }
}

fn decorators(ds: &[Decorator]) -> String {
    ds.iter().map(|d| format!("@{} ", expr(&d.expr))).collect()
}

fn object_item(item: &ObjectItem) -> String {
    match item {
        ObjectItem::Property {
            decorators: ds,
            key,
            value,
            span,
        } => {
            format!(
                "{}{}{}: {}",
                decorators(ds),
                key_(key),
                at(*span),
                expr(value)
            )
        }
        ObjectItem::Spread { value, .. } => format!("...{}", expr(value)),
        ObjectItem::Resource(s) => format!("({})", statement_head(&s.kind)),
    }
}

fn key_(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Ident(i) => i.name.clone(),
        ObjectKey::String(s) => string(s),
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(" ")
}

fn expr(e: &Expr) -> String {
    use ExprKind as E;
    let body = match &e.kind {
        E::Int(t) => return t.clone(),
        E::Bool(b) => return b.to_string(),
        E::Null => return "null".into(),
        E::String(s) => return string(s),
        E::Ident(i) => return i.name.clone(),
        E::Missing => return "<missing>".into(),
        E::Property { base, name, safe } => {
            format!(
                "{} {} {}",
                if *safe { ".?" } else { "." },
                expr(base),
                name.name
            )
        }
        E::ChildResource { base, name } => format!(":: {} {}", expr(base), name.name),
        E::Index { base, index, safe } => {
            format!(
                "{} {} {}",
                if *safe { "[?]" } else { "[]" },
                expr(base),
                expr(index)
            )
        }
        E::Call { target, name, args } => {
            let t = target
                .as_ref()
                .map_or(String::new(), |t| format!("{}.", expr(t)));
            format!("call {t}{} {}", name.name, list(args.iter().map(expr)))
        }
        E::NonNull(x) => format!("! {}", expr(x)),
        E::Unary { op, operand } => format!("{op:?} {}", expr(operand)),
        E::Binary { op, left, right } => format!("{op:?} {} {}", expr(left), expr(right)),
        E::Ternary {
            condition,
            then,
            otherwise,
        } => {
            format!("? {} {} {}", expr(condition), expr(then), expr(otherwise))
        }
        E::Lambda { params, body } => {
            let ps = list(params.iter().map(|p| p.name.name.clone()));
            format!("lambda ({ps}) {}", expr(body))
        }
        E::Object(items) => format!(
            "object {}",
            items.iter().map(object_item).collect::<Vec<_>>().join(", ")
        ),
        E::Array(items) => format!(
            "array {}",
            list(items.iter().map(|i| match i {
                ArrayItem::Value(v) => expr(v),
                ArrayItem::Spread { value, .. } => format!("...{}", expr(value)),
            }))
        ),
        E::Paren(x) => format!("paren {}", expr(x)),
        E::For(f) => format!(
            "for {} {} {}",
            for_var(&f.variable),
            expr(&f.iterable),
            expr(&f.body)
        ),
        E::If { condition, body } => format!("if {} {}", expr(condition), expr(body)),
    };
    format!("({body}{})", at(e.span))
}

fn ty_(t: &TypeExpr) -> String {
    use TypeKind as T;
    let body = match &t.kind {
        T::Name(n) => return n.name.clone(),
        T::Missing => return "<missing>".into(),
        T::Literal(e) => return expr(e),
        T::Property { base, name } => format!(". {} {}", ty_(base), name.name),
        T::AdditionalProperties(b) => format!(".* {}", ty_(b)),
        T::Index { base, index } => {
            format!(
                "[] {} {}",
                ty_(base),
                index.as_ref().map_or("*".into(), expr)
            )
        }
        T::Union(ms) => format!("| {}", list(ms.iter().map(ty_))),
        T::Array(b) => format!("array {}", ty_(b)),
        T::Tuple(items) => format!(
            "tuple {}",
            list(
                items
                    .iter()
                    .map(|i| format!("{}{}", decorators(&i.decorators), ty_(&i.ty)))
            )
        ),
        T::Object(props) => format!(
            "object {}",
            props
                .iter()
                .map(|p| {
                    let key = match &p.key {
                        TypePropertyKey::Key(k) => key_(k),
                        TypePropertyKey::Wildcard(_) => "*".into(),
                    };
                    let opt = if p.optional { "?" } else { "" };
                    format!("{}{key}{opt}: {}", decorators(&p.decorators), ty_(&p.ty))
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        T::Nullable(b) => format!("nullable {}", ty_(b)),
        T::NonNullable(b) => format!("non-null {}", ty_(b)),
        T::Parameterized { name, args } => format!("{} {}", name.name, list(args.iter().map(ty_))),
        T::Paren(b) => format!("paren {}", ty_(b)),
    };
    format!("({body}{})", at(t.span))
}
