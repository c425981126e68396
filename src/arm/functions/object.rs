//! Object functions: createObject, items, json, null, objectKeys, shallowMerge. (`contains`,
//! `empty`, `intersection`, `length` and `union` handle objects in `array.rs`.)

use super::{FnCall, FunctionDef};
use std::sync::Arc;

use crate::arm::value::{Object, UnknownReason, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "createObject",
        min_args: 0,
        max_args: None,
        handles_unknown: true,
        func: create_object,
    },
    FunctionDef {
        name: "items",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: items,
    },
    FunctionDef {
        name: "json",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: json,
    },
    FunctionDef {
        name: "null",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: null,
    },
    FunctionDef {
        name: "objectKeys",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: object_keys,
    },
    FunctionDef {
        name: "shallowMerge",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: shallow_merge,
    },
];

/// The unknown for an object whose property names are not all known.
fn open_object(c: &FnCall) -> Value {
    c.unknown(UnknownReason::Runtime("object properties".into()))
}

/// `createObject(key1, value1, ...)`: values may be unknown; an unknown key makes the whole object
/// unknown.
fn create_object(c: &mut FnCall) -> Value {
    if !c.args.len().is_multiple_of(2) {
        return c.error(format!(
            "expects key/value pairs, but {} arguments were given",
            c.args.len()
        ));
    }
    if c.args.iter().any(|a| matches!(a, Value::Lambda(_))) {
        return c.error("a lambda is not a value");
    }
    let mut o = Object::with_capacity(c.args.len() / 2);
    for pair in c.args.chunks_exact(2) {
        let [k, v] = pair else { continue };
        let key = match k {
            Value::String(s) => s.clone(),
            Value::Unknown(u) => return c.unknown(u.reason.clone()),
            other => {
                return c.error(format!(
                    "property names must be strings, not {}",
                    other.type_name()
                ));
            }
        };
        if o.entries.iter().any(|(existing, _)| **existing == *key) {
            return c.error(format!("duplicate property name '{key}'"));
        }
        o.insert(key, v.clone());
    }
    Value::object(o)
}

/// The properties of an object as ARM sees them: a key repeated (case-insensitively) counts once,
/// at its first position, with its last value (Json.NET replaces duplicates).
pub(super) fn distinct_entries(o: &Object) -> Vec<(&Arc<str>, &Value)> {
    let mut out: Vec<(&Arc<str>, &Value)> = Vec::with_capacity(o.entries.len());
    for (k, v) in &o.entries {
        match out
            .iter_mut()
            .find(|(seen, _)| seen.eq_ignore_ascii_case(k))
        {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

/// `items(object)`: `[{key, value}]` sorted by key, case-insensitively (as ARM does).
fn items(c: &mut FnCall) -> Value {
    let Value::Object(o) = c.arg(0) else {
        return c.error(format!("expects an object, not {}", c.arg(0).type_name()));
    };
    if o.open {
        return open_object(c);
    }
    let mut entries = distinct_entries(o);
    entries.sort_by(|a, b| {
        let fold = |s: &str| {
            s.chars()
                .map(|ch| ch.to_ascii_uppercase())
                .collect::<String>()
        };
        fold(a.0).cmp(&fold(b.0))
    });
    let out = entries
        .into_iter()
        .map(|(k, v)| {
            let mut item = Object::with_capacity(2);
            item.insert("key", Value::String(k.clone()));
            item.insert("value", v.clone());
            Value::object(item)
        })
        .collect();
    Value::array(out)
}

fn json(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::String(s) => match parse_json(s) {
            Some(v) => charged(c, v),
            None => c.error("the argument is not valid JSON"),
        },
        // ARM turns a null argument into an empty object.
        Value::Null => Value::object(Object::new()),
        other => c.error(format!("expects a string, not {}", other.type_name())),
    }
}

/// A value this call built in full (every node new), charged to the evaluation budget.
pub(super) fn charged(c: &mut FnCall, v: Value) -> Value {
    if c.charge_cells(v.shape().nodes) {
        v
    } else {
        Value::limit("the evaluation budget is spent")
    }
}

/// Parse JSON as Json.NET does for ARM: standard JSON, and also single-quoted strings
/// (`json('{''a'': ''b''}')` is documented to work). `null` parses to null.
pub(super) fn parse_json(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        return Some(Value::from_serde(&v));
    }
    // Json.NET also reads comments (Bicep's `loadTextContent` of a `.jsonc` file).
    if let Ok(root) = crate::source::json::parse(text) {
        return Some(crate::arm::template::literal_value(&root));
    }
    let converted = single_to_double_quotes(text)?;
    serde_json::from_str::<serde_json::Value>(&converted)
        .ok()
        .map(|v| Value::from_serde(&v))
}

/// Rewrite single-quoted JSON strings as double-quoted ones; `None` when there is nothing to rewrite.
fn single_to_double_quotes(text: &str) -> Option<String> {
    if !text.contains('\'') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '"' => {
                out.push('"');
                let mut escaped = false;
                for x in chars.by_ref() {
                    out.push(x);
                    if escaped {
                        escaped = false;
                    } else if x == '\\' {
                        escaped = true;
                    } else if x == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                out.push('"');
                let mut escaped = false;
                for x in chars.by_ref() {
                    if escaped {
                        // `\'` needs no escape inside double quotes.
                        if x != '\'' {
                            out.push('\\');
                        }
                        out.push(x);
                        escaped = false;
                    } else if x == '\\' {
                        escaped = true;
                    } else if x == '\'' {
                        break;
                    } else if x == '"' {
                        out.push_str("\\\"");
                    } else {
                        out.push(x);
                    }
                }
                out.push('"');
            }
            other => out.push(other),
        }
    }
    Some(out)
}

fn null(_c: &mut FnCall) -> Value {
    Value::Null
}

fn object_keys(c: &mut FnCall) -> Value {
    let Value::Object(o) = c.arg(0) else {
        return c.error(format!("expects an object, not {}", c.arg(0).type_name()));
    };
    if o.open {
        return open_object(c);
    }
    Value::array(
        distinct_entries(o)
            .into_iter()
            .map(|(k, _)| Value::String(k.clone()))
            .collect(),
    )
}

/// `shallowMerge(arrayOfObjects)`: later objects' top-level properties replace earlier ones.
fn shallow_merge(c: &mut FnCall) -> Value {
    let Value::Array(items) = c.arg(0) else {
        return c.error(format!(
            "expects an array of objects, not {}",
            c.arg(0).type_name()
        ));
    };
    let mut out = Object::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Object(o) => {
                for (k, v) in &o.entries {
                    out.insert(k.clone(), v.clone());
                }
                out.open |= o.open;
            }
            Value::Unknown(_) => return c.unknown_from_args(),
            other => {
                return c.error(format!(
                    "element {i} is a {}, not an object",
                    other.type_name()
                ));
            }
        }
    }
    Value::object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_accepts_single_quotes() {
        let v = parse_json("{'a': 'b', \"c\": 'it\\'s \"x\"'}").expect("parses");
        assert_eq!(v.to_json_string(), r#"{"a":"b","c":"it's \"x\""}"#);
        assert!(parse_json("'test'").is_some_and(|v| v.as_str() == Some("test")));
        assert!(parse_json("{").is_none());
        assert!(parse_json("null").is_some_and(|v| v.is_null()));
    }
}
