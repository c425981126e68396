//! Bicep values → JSON values in the template, the way the compiler writes them: object and array
//! literals stay JSON objects and arrays, literals stay JSON literals, a plain string is a JSON
//! string (a leading `[` doubled so ARM does not read it as an expression), and anything else is
//! an `"[expression]"` string. Each value written is recorded in the span map.

use crate::source::bicep::syntax::{ArrayItem, Expr, ExprKind, ObjectItem, ObjectKey, UnaryOp};

use super::json_writer::JsonWriter;
use super::lower_expression::{LowerError, Symbols, lower_expression};
use super::span_map::{BicepFileId, BicepSpan};

/// Where values come from (the file being lowered) and how names resolve in it.
pub struct ValueContext<'a> {
    pub file: BicepFileId,
    pub symbols: &'a dyn Symbols,
}

impl ValueContext<'_> {
    pub fn origin(&self, expr: &Expr) -> Option<BicepSpan> {
        self.origin_span(expr.span)
    }

    pub fn origin_span(&self, span: crate::source::Span) -> Option<BicepSpan> {
        Some(BicepSpan {
            file: self.file,
            span,
        })
    }
}

/// `[text]` for an ARM expression string.
pub fn bracketed(expression: &str) -> String {
    format!("[{expression}]")
}

/// A literal string as ARM reads it: a leading `[` is escaped as `[[` when the string would
/// otherwise read as an expression (it also ends with `]`); any other string is taken as written,
/// so escaping `[\n "one"\n]\n` would change its value.
pub fn literal_string(text: &str) -> String {
    if text.starts_with('[') && text.ends_with(']') {
        format!("[{text}")
    } else {
        text.to_string()
    }
}

/// Writes `expr` as the next JSON value. `depth` bounds recursion (limits::VALUE_DEPTH).
pub fn write_value(
    w: &mut JsonWriter,
    expr: &Expr,
    cx: &ValueContext<'_>,
    depth: usize,
) -> Result<(), LowerError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(expr.span, "value nested too deeply"));
    };
    let origin = cx.origin(expr);
    match &expr.kind {
        ExprKind::Int(digits) => match digits.parse::<i64>() {
            Ok(n) => w.integer(n, origin),
            Err(_) => {
                return Err(LowerError::new(
                    expr.span,
                    format!("the integer {digits} is out of range"),
                ));
            }
        },
        // `-2` is a JSON number, as the compiler writes it.
        ExprKind::Unary {
            op: UnaryOp::Minus,
            operand,
        } if matches!(&operand.kind, ExprKind::Int(d) if format!("-{d}").parse::<i64>().is_ok()) => {
            if let ExprKind::Int(digits) = &operand.kind {
                w.integer(
                    format!("-{digits}").parse::<i64>().unwrap_or_default(),
                    origin,
                );
            }
        }
        ExprKind::Bool(b) => w.boolean(*b, origin),
        ExprKind::Null => w.null(origin),
        ExprKind::String(lit) if lit.as_plain().is_some() => {
            let plain = lit.as_plain().unwrap_or_default();
            w.string(&literal_string(&plain), origin);
        }
        ExprKind::Paren(inner) => write_value(w, inner, cx, depth)?,
        ExprKind::Object(items)
            if items
                .iter()
                .all(|i| !matches!(i, ObjectItem::Spread { .. })) =>
        {
            write_object(w, expr, items, cx, depth)?
        }
        ExprKind::Array(items) if items.iter().all(|i| matches!(i, ArrayItem::Value(_))) => {
            w.begin_array(origin);
            for item in items {
                if let ArrayItem::Value(value) = item {
                    write_value(w, value, cx, depth)?;
                }
            }
            w.end_array();
        }
        // A variable the compiler inlines is written in place, as a JSON value where it can be.
        ExprKind::Ident(ident) if cx.symbols.inline_value(&ident.name).is_some() => {
            match cx.symbols.inline_value(&ident.name) {
                // Variables inlined into each other can multiply the output.
                Some(_) if w.len() > crate::limits::FILE_BYTES => {
                    return Err(LowerError::new(
                        expr.span,
                        "the lowered template is too large",
                    ));
                }
                Some(value) => write_value(w, value, cx, depth)?,
                None => return Err(LowerError::new(expr.span, "internal: inlined variable")),
            }
        }
        _ => {
            let text = lower_expression(expr, cx.symbols, crate::limits::EXPRESSION_DEPTH)?;
            write_lowered(w, &text, origin);
        }
    }
    Ok(())
}

/// Writes lowered ARM expression `text` as a JSON value: a single string literal (`'x'`, what
/// `r.name` or `r.type` often lower to) as the plain string, as the compiler writes it;
/// anything else as an `"[expression]"` string.
pub fn write_lowered(w: &mut JsonWriter, text: &str, origin: Option<BicepSpan>) {
    match arm_literal(text) {
        Some(plain) => w.string(&literal_string(&plain), origin),
        None => w.string(&bracketed(text), origin),
    }
}

/// The value of `text` when it is exactly one ARM string literal (`'it''s'` → `it's`).
pub fn arm_literal(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // Inside a literal a quote is always doubled; a lone one ends it early.
            if chars.next() != Some('\'') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}

fn write_object(
    w: &mut JsonWriter,
    expr: &Expr,
    items: &[ObjectItem],
    cx: &ValueContext<'_>,
    depth: usize,
) -> Result<(), LowerError> {
    w.begin_object(cx.origin(expr));
    // A property whose value is a for-expression is a property copy loop: an entry of the
    // object's `copy` array, named after the property.
    let mut loops = Vec::new();
    for item in items {
        let ObjectItem::Property {
            key, value, span, ..
        } = item
        else {
            continue;
        };
        if let Some(for_expr) = super::lower_loops::as_for(value) {
            let name = match key {
                ObjectKey::Ident(ident) => Some(ident.name.clone()),
                ObjectKey::String(lit) => lit.as_plain(),
            };
            let name = name.ok_or_else(|| {
                LowerError::new(key.span(), "a property loop needs a literal property name")
            })?;
            loops.push((name, for_expr));
            continue;
        }
        let key = match key {
            ObjectKey::Ident(ident) => ident.name.clone(),
            ObjectKey::String(lit) => match lit.as_plain() {
                Some(plain) => literal_string(&plain),
                None => {
                    let as_expr = Expr {
                        span: lit.span,
                        kind: ExprKind::String(lit.clone()),
                    };
                    bracketed(&lower_expression(
                        &as_expr,
                        cx.symbols,
                        crate::limits::EXPRESSION_DEPTH,
                    )?)
                }
            },
        };
        w.key_from(&key, cx.origin_span(*span));
        write_value(w, value, cx, depth)?;
    }
    if !loops.is_empty() {
        w.key("copy");
        w.begin_array(None);
        for (name, for_expr) in loops {
            super::lower_loops::write_copy_entry(w, cx, Some(&name), for_expr, depth)?;
        }
        w.end_array();
    }
    w.end_object();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::source::bicep::syntax::{Ident, StringLit, StringPart};

    #[test]
    fn only_a_string_that_would_read_as_an_expression_is_escaped() {
        assert_eq!(literal_string("[a]"), "[[a]");
        assert_eq!(literal_string("[\n  \"one\"\n]\n"), "[\n  \"one\"\n]\n");
        assert_eq!(literal_string("[a"), "[a");
        assert_eq!(literal_string("a]"), "a]");
    }

    struct Vars;
    impl Symbols for Vars {
        fn resolve(&self, name: &str) -> Option<String> {
            Some(format!("variables('{name}')"))
        }
    }

    fn e(start: usize, kind: ExprKind) -> Expr {
        Expr {
            span: Span::new(start, start + 1),
            kind,
        }
    }
    fn ident(name: &str) -> Ident {
        Ident {
            name: name.into(),
            span: Span::new(0, 1),
        }
    }
    fn plain(start: usize, text: &str) -> Expr {
        e(
            start,
            ExprKind::String(StringLit {
                span: Span::new(start, start + 1),
                parts: vec![StringPart::Text {
                    text: text.into(),
                    span: Span::new(start, start + 1),
                }],
                multiline: false,
            }),
        )
    }
    fn property(key: &str, value: Expr) -> ObjectItem {
        ObjectItem::Property {
            span: value.span,
            decorators: vec![],
            key: ObjectKey::Ident(ident(key)),
            value,
        }
    }

    #[test]
    fn literals_stay_json_and_expressions_become_bracketed_strings() {
        let body = e(
            0,
            ExprKind::Object(vec![
                property("name", plain(10, "[not an expression")),
                property("count", e(20, ExprKind::Int("3".into()))),
                property("ref", e(30, ExprKind::Ident(ident("v")))),
                property(
                    "list",
                    e(
                        40,
                        ExprKind::Array(vec![ArrayItem::Value(e(41, ExprKind::Bool(false)))]),
                    ),
                ),
            ]),
        );
        let mut w = JsonWriter::new(Default::default());
        let file = w.map_mut().file_id("main.bicep".into());
        let cx = ValueContext {
            file,
            symbols: &Vars,
        };
        write_value(&mut w, &body, &cx, 16).unwrap();
        let (text, map) = w.finish().unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"name": "[not an expression", "count": 3, "ref": "[variables('v')]", "list": [false]})
        );
        let at = text.find("[variables").unwrap();
        let origin = map.lookup(Span::new(at, at + 3)).unwrap();
        assert_eq!(origin.span, Span::new(30, 31));
        let at = text.find("false").unwrap();
        assert_eq!(
            map.lookup(Span::new(at, at + 1)).unwrap().span,
            Span::new(41, 42)
        );
    }
}
