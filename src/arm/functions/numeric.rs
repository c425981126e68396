//! Numeric functions: add, sub, mul, div, mod, int, float. ARM integers are 64-bit; overflow and
//! division by zero fail the deployment.

use super::{FnCall, FunctionDef};
use crate::arm::value::Value;

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "add",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: add,
    },
    FunctionDef {
        name: "sub",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: sub,
    },
    FunctionDef {
        name: "mul",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: mul,
    },
    FunctionDef {
        name: "div",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: div,
    },
    FunctionDef {
        name: "mod",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: modulo,
    },
    FunctionDef {
        name: "int",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: int,
    },
    FunctionDef {
        name: "float",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: float,
    },
];

/// An integer argument. ARM's integer-typed parameters reject strings and fractions; a JSON float with
/// no fraction is accepted because parameter files may write `2.0`.
pub(super) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        _ => None,
    }
}

/// The integer argument `i`, or the error result naming it.
pub(super) fn int_arg(c: &FnCall, i: usize, what: &str) -> Result<i64, Value> {
    as_int(c.arg(i)).ok_or_else(|| match c.arg(i) {
        // ARM calls every number "int", which would read "must be an integer, not int".
        Value::Float(f) => c.error(format!(
            "{what} must be an integer, not the number {}",
            serde_json::Number::from_f64(*f).map_or_else(|| f.to_string(), |n| n.to_string())
        )),
        other => c.error(format!(
            "{what} must be an integer, not {}",
            other.type_name()
        )),
    })
}

fn binary(c: &FnCall, op: fn(i64, i64) -> Option<i64>) -> Value {
    let a = match int_arg(c, 0, "the first argument") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let b = match int_arg(c, 1, "the second argument") {
        Ok(v) => v,
        Err(e) => return e,
    };
    match op(a, b) {
        Some(r) => Value::Int(r),
        None => c.error(format!("overflow computing with {a} and {b}")),
    }
}

fn add(c: &mut FnCall) -> Value {
    binary(c, i64::checked_add)
}

fn sub(c: &mut FnCall) -> Value {
    binary(c, i64::checked_sub)
}

fn mul(c: &mut FnCall) -> Value {
    binary(c, i64::checked_mul)
}

fn div(c: &mut FnCall) -> Value {
    if as_int(c.arg(1)) == Some(0) {
        return c.error("division by zero");
    }
    // Integer division truncates toward zero, as .NET does.
    binary(c, i64::checked_div)
}

fn modulo(c: &mut FnCall) -> Value {
    if as_int(c.arg(1)) == Some(0) {
        return c.error("division by zero");
    }
    // The remainder takes the dividend's sign, as .NET's `%` does.
    binary(c, i64::checked_rem)
}

fn int(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Int(i) => Value::Int(*i),
        // .NET long.Parse allows surrounding white space and a leading sign.
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => c.error(format!("'{s}' is not an integer")),
        },
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(*f as i64),
        other => c.error(format!(
            "cannot convert a {} to an integer",
            other.type_name()
        )),
    }
}

fn float(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Int(i) => Value::Float(*i as f64),
        Value::Float(f) => Value::Float(*f),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Value::Float(f),
            _ => c.error(format!("'{s}' is not a number")),
        },
        other => c.error(format!("cannot convert a {} to a float", other.type_name())),
    }
}
