//! The ARM template expression language: `"[concat(parameters('a'), '-x')]"`.
//!
//! [`parse_template_string`] decides whether a JSON string is an expression (`[...]`), an escaped
//! literal (`[[...`) or plain text, and parses expressions into [`Expr`]. [`eval`] evaluates them
//! partially: the result is a [`Value`](crate::arm::value::Value) that may contain unknowns.

mod eval;
mod parser;
mod quick_check;
mod standalone;

pub use eval::{EvalContext, EvalStats, Evaluator, call_symbol, fresh_cells, index_value, member};
pub use parser::{ParseError, parse_expression, validate_expression};
pub use standalone::StandaloneContext;

use std::sync::Arc;

use crate::arm::value::Value;

/// A parsed expression. Spans are byte offsets into the expression text (the JSON string's content).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    String(Arc<str>),
    Int(i64),
    Bool(bool),
    Null,
    Call(Box<Call>),
    /// `target.name`
    Member(Box<Expr>, Box<str>),
    /// `target[index]`
    Index(Box<Expr>, Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// For user-defined functions: `namespace.name(...)`.
    pub namespace: Option<Box<str>>,
    pub name: Box<str>,
    pub args: Vec<Expr>,
    pub start: u32,
    pub end: u32,
    /// What the name refers to, resolved once when the expression is parsed (expressions are
    /// parsed once per file and evaluated many times).
    pub kind: CallKind,
}

/// The function a call names.
#[derive(Clone, Copy)]
pub enum CallKind {
    /// `if()`, `lambda()` and `lambdaVariables()`: special forms whose arguments are not all
    /// evaluated up front.
    If,
    Lambda,
    LambdaVariables,
    Builtin(&'static crate::arm::functions::FunctionDef),
    /// Not a built-in function (or a user-defined one, which has a namespace).
    NotBuiltin,
}

impl CallKind {
    pub fn resolve(name: &str) -> CallKind {
        if name.eq_ignore_ascii_case("if") {
            CallKind::If
        } else if name.eq_ignore_ascii_case("lambda") {
            CallKind::Lambda
        } else if name.eq_ignore_ascii_case("lambdaVariables") {
            CallKind::LambdaVariables
        } else {
            crate::arm::functions::lookup(name).map_or(CallKind::NotBuiltin, CallKind::Builtin)
        }
    }

    fn label(&self) -> &'static str {
        match self {
            CallKind::If => "if",
            CallKind::Lambda => "lambda",
            CallKind::LambdaVariables => "lambdaVariables",
            CallKind::Builtin(def) => def.name,
            CallKind::NotBuiltin => "",
        }
    }
}

impl PartialEq for CallKind {
    fn eq(&self, other: &Self) -> bool {
        self.label() == other.label()
    }
}

impl std::fmt::Debug for CallKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CallKind({})", self.label())
    }
}

/// The value of `lambda('x', 'y', body)`: parameter names, body, and the lambda variables visible
/// where it was created (nested lambdas see their enclosing lambda's variables).
#[derive(Debug)]
pub struct Lambda {
    pub params: Vec<Arc<str>>,
    pub body: Expr,
    pub captured: Vec<(Arc<str>, Value)>,
}

/// What a JSON string in a template means.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplateString<'s> {
    /// Plain text (also the result of an `[[` escape, with the first `[` removed).
    Literal(std::borrow::Cow<'s, str>),
    Expression(Expr),
}

/// Classify and parse a template string the way ARM does: a string that starts with `[` and ends with
/// `]` is an expression, unless it starts with `[[`, which escapes a literal `[`.
pub fn parse_template_string(s: &str) -> Result<TemplateString<'_>, ParseError> {
    if !is_expression(s) {
        if let Some(rest) = s.strip_prefix("[[") {
            // `[[...` is the literal `[...`; only strings that also end with `]` are escapes.
            if s.ends_with(']') {
                return Ok(TemplateString::Literal(std::borrow::Cow::Owned(format!(
                    "[{rest}"
                ))));
            }
        }
        return Ok(TemplateString::Literal(std::borrow::Cow::Borrowed(s)));
    }
    let inner = &s[1..s.len() - 1];
    parse_expression(inner, 1).map(TemplateString::Expression)
}

/// Check a template string the way [`parse_template_string`] reads it, building nothing.
pub fn validate_template_string(s: &str) -> Result<(), ParseError> {
    if !is_expression(s) {
        return Ok(());
    }
    let inner = &s[1..s.len() - 1];
    parser::validate_expression(inner, 1)
}

/// True for `[...]` strings that are not `[[` escapes.
pub fn is_expression(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

impl Expr {
    /// Canonical text used for symbols: function names lower-cased, strings single-quoted.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            Expr::String(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            Expr::Int(i) => out.push_str(&i.to_string()),
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Null => out.push_str("null"),
            Expr::Call(c) => {
                if let Some(ns) = &c.namespace {
                    out.push_str(&ns.to_ascii_lowercase());
                    out.push('.');
                }
                out.push_str(&c.name.to_ascii_lowercase());
                out.push('(');
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    a.write_canonical(out);
                }
                out.push(')');
            }
            Expr::Member(t, name) => {
                t.write_canonical(out);
                out.push('.');
                out.push_str(&name.to_ascii_lowercase());
            }
            Expr::Index(t, i) => {
                t.write_canonical(out);
                out.push('[');
                i.write_canonical(out);
                out.push(']');
            }
        }
    }

    /// Visit every function call in the expression (for counting unsupported functions).
    pub fn for_each_call(&self, f: &mut dyn FnMut(&Call)) {
        match self {
            Expr::Call(c) => {
                f(c);
                for a in &c.args {
                    a.for_each_call(f);
                }
            }
            Expr::Member(t, _) => t.for_each_call(f),
            Expr::Index(t, i) => {
                t.for_each_call(f);
                i.for_each_call(f);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_template_strings() {
        assert_eq!(
            parse_template_string("plain").unwrap(),
            TemplateString::Literal("plain".into())
        );
        assert_eq!(
            parse_template_string("[[not an expression]").unwrap(),
            TemplateString::Literal("[not an expression]".into())
        );
        assert!(matches!(
            parse_template_string("[parameters('a')]").unwrap(),
            TemplateString::Expression(Expr::Call(_))
        ));
        // Only a string that both starts and ends with brackets is an expression.
        assert_eq!(
            parse_template_string("[a").unwrap(),
            TemplateString::Literal("[a".into())
        );
    }
}
