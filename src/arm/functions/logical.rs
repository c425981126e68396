//! Logical functions: and, or, not, bool, true, false. `if` is a special form in the evaluator.
//!
//! `and` and `or` are three-valued: `false` decides `and` and `true` decides `or` even when another
//! argument is unknown.

use super::{FnCall, FunctionDef};
use crate::arm::value::{Tri, UnknownReason, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "and",
        min_args: 2,
        max_args: None,
        handles_unknown: true,
        func: and,
    },
    FunctionDef {
        name: "or",
        min_args: 2,
        max_args: None,
        handles_unknown: true,
        func: or,
    },
    FunctionDef {
        name: "not",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: not,
    },
    FunctionDef {
        name: "bool",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: bool_fn,
    },
    FunctionDef {
        name: "true",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: true_fn,
    },
    FunctionDef {
        name: "false",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: false_fn,
    },
];

/// Fold the arguments with `op`. ARM checks every argument is a bool before evaluating, so a known
/// non-bool argument is an error even when another argument would decide the result.
fn fold(c: &FnCall, start: Tri, op: fn(Tri, Tri) -> Tri) -> Value {
    let mut acc = start;
    let mut reason: Option<std::sync::Arc<UnknownReason>> = None;
    for a in &c.args {
        let t = match a {
            Value::Bool(b) => Tri::from_bool(*b),
            Value::Unknown(u) => {
                reason.get_or_insert_with(|| u.reason.clone());
                Tri::Unknown
            }
            other => return c.error(format!("expects bool arguments, not {}", other.type_name())),
        };
        acc = op(acc, t);
    }
    match acc {
        Tri::True => Value::Bool(true),
        Tri::False => Value::Bool(false),
        Tri::Unknown => c.unknown(
            reason.unwrap_or_else(|| UnknownReason::Runtime(format!("{}()", c.name)).into()),
        ),
    }
}

fn and(c: &mut FnCall) -> Value {
    fold(c, Tri::True, Tri::and)
}

fn or(c: &mut FnCall) -> Value {
    fold(c, Tri::False, Tri::or)
}

fn not(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Bool(b) => Value::Bool(!b),
        other => c.error(format!("expects a bool, not {}", other.type_name())),
    }
}

/// `bool()` converts like Json.NET's `ToObject<bool>()`: strings `true`/`false` in any case, numbers
/// by zero / non-zero.
fn bool_fn(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Bool(b) => Value::Bool(*b),
        Value::Int(i) => Value::Bool(*i != 0),
        Value::Float(f) => Value::Bool(*f != 0.0),
        Value::String(s) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") => Value::Bool(true),
            t if t.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => c.error(format!("'{s}' is not a bool")),
        },
        other => c.error(format!("cannot convert a {} to a bool", other.type_name())),
    }
}

fn true_fn(_c: &mut FnCall) -> Value {
    Value::Bool(true)
}

fn false_fn(_c: &mut FnCall) -> Value {
    Value::Bool(false)
}
