//! The compile-time `load*()` calls (`loadTextContent`, `loadJsonContent`, `loadYamlContent`,
//! `loadFileAsBase64`), done before lowering: each call with literal arguments is replaced by
//! the literal value of what it loads (a string, or the JSON as Bicep objects and arrays), at
//! the call's span, the way the compiler inlines it. Files are read through the caller's
//! [`ModuleSource::read_relative_bytes`]; one that cannot be read is an error at the call.

use std::collections::HashMap;
use std::path::Path;

use crate::source::Span;
use crate::source::bicep::syntax::{
    ArrayItem, BicepFile, Expr, ExprKind, Ident, ObjectItem, ObjectKey, StatementKind, StringLit,
    StringPart, UnaryOp,
};

use super::lower_builtins::{is_load_function, load_path, loaded_value};
use super::lower_expression::LowerError;
use super::module_source::ModuleSource;
use super::rewrite_walk::walk_statement;

/// `file` with its `load*()` calls replaced by their values, or `None` when it has none.
pub fn resolve_loads(
    file: &BicepFile,
    path: &Path,
    modules: &mut dyn ModuleSource,
    errors: &mut Vec<LowerError>,
) -> Option<BicepFile> {
    let mut loaded = file.clone();
    let mut replaced = false;
    let constants = constant_strings(file);
    let mut visit = |expr: &mut Expr| -> bool {
        let ExprKind::Call { target, name, args } = &expr.kind else {
            return true;
        };
        let namespaced = match target.as_deref().map(|t| &t.kind) {
            None => true,
            Some(ExprKind::Ident(ns)) => ns.name == "sys",
            Some(_) => false,
        };
        if !namespaced || !is_load_function(&name.name) {
            return true;
        }
        replaced = true;
        // The path may be built from compile-time constants: `'scripts/${scriptName}'`.
        let mut args = args.clone();
        if let Some(first) = args.first_mut()
            && let Some(text) = constant_text(first, &constants, crate::limits::EXPRESSION_DEPTH)
        {
            first.kind = ExprKind::String(StringLit {
                span: first.span,
                parts: vec![StringPart::Text {
                    text,
                    span: first.span,
                }],
                multiline: false,
            });
        }
        match load(path, modules, &name.name, &args, expr.span) {
            Ok(value) => *expr = value,
            Err(error) => {
                // Reported once, here: the call is not lowered again.
                errors.push(error);
                expr.kind = ExprKind::Null;
            }
        }
        false
    };
    for statement in &mut loaded.statements {
        walk_statement(statement, &mut visit, crate::limits::BICEP_DEPTH);
    }
    replaced.then_some(loaded)
}

/// The variables whose value is a string known at compile time: a literal, or an interpolation
/// of other such variables (the compiler folds them where a `load*()` path needs a constant).
fn constant_strings(file: &BicepFile) -> HashMap<String, String> {
    let vars: Vec<(&str, &Expr)> = file
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Var { name, value, .. } => Some((name.name.as_str(), value)),
            _ => None,
        })
        .collect();
    let mut known = HashMap::new();
    // Each round settles at least one more variable or stops: at most one round per variable.
    for _ in 0..vars.len() {
        let before = known.len();
        for (name, value) in &vars {
            if known.contains_key(*name) {
                continue;
            }
            if let Some(text) = constant_text(value, &known, crate::limits::EXPRESSION_DEPTH) {
                known.insert((*name).to_string(), text);
            }
        }
        if known.len() == before {
            break;
        }
    }
    known
}

/// `expr` as a compile-time string, when it is one.
fn constant_text(expr: &Expr, known: &HashMap<String, String>, depth: usize) -> Option<String> {
    let depth = depth.checked_sub(1)?;
    match &expr.kind {
        ExprKind::String(lit) => {
            let mut out = String::new();
            for part in &lit.parts {
                match part {
                    StringPart::Text { text, .. } => out.push_str(text),
                    StringPart::Expr(inner) => out.push_str(&constant_text(inner, known, depth)?),
                }
                if out.len() > crate::limits::STRING_BYTES {
                    return None;
                }
            }
            Some(out)
        }
        ExprKind::Ident(ident) => known.get(&ident.name).cloned(),
        ExprKind::Paren(inner) => constant_text(inner, known, depth),
        _ => None,
    }
}

fn load(
    path: &Path,
    modules: &mut dyn ModuleSource,
    name: &str,
    args: &[Expr],
    span: Span,
) -> Result<Expr, LowerError> {
    let relative = load_path(args).map_err(|e| LowerError::new(span, e.message))?;
    let bytes = modules.read_relative_bytes(path, &relative, span)?;
    if bytes.len() > crate::limits::BICEP_LOADED_FILE_BYTES {
        return Err(LowerError::new(
            span,
            format!(
                "the file '{relative}' is larger than {} bytes",
                crate::limits::BICEP_LOADED_FILE_BYTES
            ),
        ));
    }
    let value = loaded_value(name, args, &bytes, span)?;
    json_expr(&value, span, crate::limits::VALUE_DEPTH)
}

/// A JSON value as the Bicep literal that means it (a fraction as `json('1.5')`).
fn json_expr(value: &serde_json::Value, span: Span, depth: usize) -> Result<Expr, LowerError> {
    use serde_json::Value as J;
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(span, "loaded value nested too deeply"));
    };
    let string = |text: &str| StringLit {
        span,
        parts: vec![StringPart::Text {
            text: text.to_string(),
            span,
        }],
        multiline: false,
    };
    let kind = match value {
        J::Null => ExprKind::Null,
        J::Bool(b) => ExprKind::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) if i < 0 => ExprKind::Unary {
                op: UnaryOp::Minus,
                operand: Box::new(Expr {
                    span,
                    kind: ExprKind::Int(i.unsigned_abs().to_string()),
                }),
            },
            Some(i) => ExprKind::Int(i.to_string()),
            None => ExprKind::Call {
                target: None,
                name: Ident {
                    name: "json".into(),
                    span,
                },
                args: vec![Expr {
                    span,
                    kind: ExprKind::String(string(&n.to_string())),
                }],
            },
        },
        J::String(s) => ExprKind::String(string(s)),
        J::Array(items) => ExprKind::Array(
            items
                .iter()
                .map(|v| json_expr(v, span, depth).map(ArrayItem::Value))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(entries) => {
            let mut items = Vec::with_capacity(entries.len());
            for (key, v) in entries {
                items.push(ObjectItem::Property {
                    span,
                    decorators: Vec::new(),
                    key: ObjectKey::String(string(key)),
                    value: json_expr(v, span, depth)?,
                });
            }
            ExprKind::Object(items)
        }
    };
    Ok(Expr { span, kind })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::bicep::lower_template::lower_template_with;
    use crate::arm::bicep::module_source::ModuleContent;
    use std::collections::HashMap;

    /// Files by relative path; no modules.
    struct Files(HashMap<&'static str, &'static [u8]>);
    impl ModuleSource for Files {
        fn load(&mut self, _: &Path, r: &str, span: Span) -> Result<ModuleContent, LowerError> {
            Err(LowerError::new(span, format!("no module {r}")))
        }
        fn read_relative_bytes(
            &mut self,
            _: &Path,
            relative: &str,
            span: Span,
        ) -> Result<Vec<u8>, LowerError> {
            self.0
                .get(relative)
                .map(|b| b.to_vec())
                .ok_or_else(|| LowerError::new(span, format!("cannot load '{relative}': missing")))
        }
    }

    /// From the compiler's `LoadFunctions_CRLF` baseline: the loaded values are inlined.
    #[test]
    fn loaded_files_become_literal_values() {
        let source = "var text = loadTextContent('a.txt')\nvar inText = 'Text: ${sys.loadTextContent('a.txt')}'\nvar obj = loadJsonContent('b.json')\nvar part = loadJsonContent('b.json', '$.list')\nvar bin = loadFileAsBase64('a.txt')\nvar yaml = loadYamlContent('c.yaml')\n";
        let file = crate::source::bicep::parse(source);
        let mut files = Files(HashMap::from([
            ("a.txt", &b"hi\r\n"[..]),
            (
                "b.json",
                &b"{\"n\": -2, \"f\": 1.5, \"list\": [true, null]}"[..],
            ),
            ("c.yaml", &b"k: v\n"[..]),
        ]));
        let lowered = lower_template_with(&file, "main.bicep".into(), &mut files).unwrap();
        let json: serde_json::Value = serde_json::from_str(&lowered.text).unwrap();
        assert_eq!(
            json["variables"],
            serde_json::json!({
                "text": "hi\r\n",
                "inText": "[format('Text: {0}', 'hi\r\n')]",
                "obj": {"f": "[json('1.5')]", "list": [true, null], "n": -2},
                "part": [true, null],
                "bin": "aGkNCg==",
                "yaml": {"k": "v"}
            })
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_an_error_at_the_call() {
        let source = "var text = loadTextContent('missing.txt')\n";
        let file = crate::source::bicep::parse(source);
        let errors = lower_template_with(&file, "main.bicep".into(), &mut Files(HashMap::new()))
            .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].span, Span::new(11, 41));
        assert!(errors[0].message.contains("cannot load 'missing.txt'"));
    }
}
