//! Comparison functions: coalesce, equals, greater, greaterOrEquals, less, lessOrEquals.

use std::cmp::Ordering;

use super::{FnCall, FunctionDef};
use crate::arm::value::{Tri, UnknownReason, Value, equals as value_equals};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "coalesce",
        min_args: 1,
        max_args: None,
        handles_unknown: true,
        func: coalesce,
    },
    FunctionDef {
        name: "equals",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: equals,
    },
    FunctionDef {
        name: "greater",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: greater,
    },
    FunctionDef {
        name: "greaterOrEquals",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: greater_or_equals,
    },
    FunctionDef {
        name: "less",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: less,
    },
    FunctionDef {
        name: "lessOrEquals",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: less_or_equals,
    },
];

/// The first argument that is not null. An unknown before it may itself be null or not, so the
/// result is then unknown.
fn coalesce(c: &mut FnCall) -> Value {
    if c.args.iter().any(|a| matches!(a, Value::Lambda(_))) {
        return c.error("a lambda is not a value");
    }
    for a in &c.args {
        match a {
            Value::Null => continue,
            Value::Unknown(u) => return c.unknown(u.reason.clone()),
            other => return other.clone(),
        }
    }
    Value::Null
}

fn equals(c: &mut FnCall) -> Value {
    if c.args.iter().any(|a| matches!(a, Value::Lambda(_))) {
        return c.error("a lambda is not a value");
    }
    if let Err(limit) = c.walkable_args() {
        // A value compared with itself needs no walk.
        if value_equals(c.arg(0), c.arg(1)) != Tri::True {
            return limit;
        }
    }
    match value_equals(c.arg(0), c.arg(1)) {
        Tri::True => Value::Bool(true),
        Tri::False => Value::Bool(false),
        Tri::Unknown => {
            // Open objects compare as unknown without any unknown leaf to blame.
            let reason = c
                .args
                .iter()
                .find_map(Value::first_unknown)
                .map(|u| u.reason.clone())
                .unwrap_or_else(|| UnknownReason::Runtime("object properties".into()).into());
            c.unknown(reason)
        }
    }
}

/// Order two numbers, or two strings the way .NET's invariant culture does; other types fail.
fn compare(c: &FnCall) -> Result<Ordering, Value> {
    match (c.arg(0), c.arg(1)) {
        (Value::String(a), Value::String(b)) => Ok(compare_invariant(a, b)),
        (Value::Int(a), Value::Int(b)) => Ok(a.cmp(b)),
        (a @ (Value::Int(_) | Value::Float(_)), b @ (Value::Int(_) | Value::Float(_))) => {
            let f = |v: &Value| match v {
                Value::Int(i) => *i as f64,
                Value::Float(x) => *x,
                _ => 0.0,
            };
            f(a).partial_cmp(&f(b))
                .ok_or_else(|| c.error("cannot compare NaN"))
        }
        (a, b) => Err(c.error(format!(
            "cannot compare {} with {}",
            a.type_name(),
            b.type_name()
        ))),
    }
}

fn with_order(c: &FnCall, test: fn(Ordering) -> bool) -> Value {
    match compare(c) {
        Ok(o) => Value::Bool(test(o)),
        Err(e) => e,
    }
}

fn greater(c: &mut FnCall) -> Value {
    with_order(c, Ordering::is_gt)
}

fn greater_or_equals(c: &mut FnCall) -> Value {
    with_order(c, Ordering::is_ge)
}

fn less(c: &mut FnCall) -> Value {
    with_order(c, Ordering::is_lt)
}

fn less_or_equals(c: &mut FnCall) -> Value {
    with_order(c, Ordering::is_le)
}

/// Primary collation class of a character: punctuation and symbols, then digits, then letters.
fn class(ch: char) -> u8 {
    if ch.is_alphabetic() {
        2
    } else if ch.is_numeric() {
        1
    } else {
        0
    }
}

fn fold(ch: char) -> char {
    let mut l = ch.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => ch,
    }
}

/// An approximation of `string.Compare(a, b, StringComparison.InvariantCulture)`: letters compare
/// case-insensitively first (digits before letters), and only then does case decide, lower case
/// first. ARM documents `greater('A', 'a')` as true, which ordinal comparison would get wrong.
fn compare_invariant(a: &str, b: &str) -> Ordering {
    let primary = a
        .chars()
        .map(|ch| (class(ch), fold(ch)))
        .cmp(b.chars().map(|ch| (class(ch), fold(ch))));
    if primary != Ordering::Equal {
        return primary;
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            match (x.is_lowercase(), y.is_lowercase()) {
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                _ => return x.cmp(&y),
            }
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invariant_comparison_puts_lower_case_first() {
        assert_eq!(compare_invariant("A", "a"), Ordering::Greater);
        assert_eq!(compare_invariant("a", "B"), Ordering::Less);
        assert_eq!(compare_invariant("Test1", "Test2"), Ordering::Less);
        assert_eq!(compare_invariant("abc", "abc"), Ordering::Equal);
        assert_eq!(compare_invariant("9", "a"), Ordering::Less);
        assert_eq!(compare_invariant("ab", "abc"), Ordering::Less);
    }
}
