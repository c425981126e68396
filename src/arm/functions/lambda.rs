//! Lambda functions: filter, groupBy, map, mapValues, reduce, sort, toObject.
//!
//! Results that are unknown carry no symbol: a call's symbol would render its lambda as an opaque
//! placeholder, so two different lambdas over the same input would compare equal.

use std::sync::Arc;

use super::{FnCall, FunctionDef};
use crate::arm::expr::Lambda;
use crate::arm::value::{Object, UnknownReason, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "filter",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: filter,
    },
    FunctionDef {
        name: "groupBy",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: group_by,
    },
    FunctionDef {
        name: "map",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: map,
    },
    FunctionDef {
        name: "mapValues",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: map_values,
    },
    FunctionDef {
        name: "reduce",
        min_args: 3,
        max_args: Some(3),
        handles_unknown: true,
        func: reduce,
    },
    FunctionDef {
        name: "sort",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: sort,
    },
    FunctionDef {
        name: "toObject",
        min_args: 2,
        max_args: Some(3),
        handles_unknown: true,
        func: to_object,
    },
];

/// An unknown result without a symbol, for the reason of `v` (or of the arguments).
fn anonymous(c: &FnCall, v: Option<&Value>) -> Value {
    let reason = v
        .and_then(Value::first_unknown)
        .or_else(|| c.args.iter().find_map(Value::first_unknown))
        .map(|u| u.reason.clone())
        .unwrap_or_else(|| UnknownReason::Runtime(format!("{}()", c.name)).into());
    Value::unknown(reason, None)
}

/// The lambda argument `i`, checking it takes between `min` and `max` parameters.
fn lambda_arg(c: &FnCall, i: usize, min: usize, max: usize) -> Result<Arc<Lambda>, Value> {
    match c.arg(i) {
        Value::Lambda(l) if (min..=max).contains(&l.params.len()) => Ok(l.clone()),
        Value::Lambda(l) => Err(c.error(if min == max {
            format!(
                "the lambda must take {min} parameter(s), not {}",
                l.params.len()
            )
        } else {
            format!(
                "the lambda must take {min} to {max} parameters, not {}",
                l.params.len()
            )
        })),
        other => Err(c.error(format!(
            "argument {} must be a lambda, not {}",
            i + 1,
            other.type_name()
        ))),
    }
}

/// The input array (argument 0); `Err` holds the result for unknown or wrongly typed input.
fn array_arg(c: &FnCall) -> Result<Arc<crate::arm::value::Array>, Value> {
    match c.arg(0) {
        Value::Array(a) => Ok(a.clone()),
        Value::Unknown(_) => Err(anonymous(c, None)),
        other => Err(c.error(format!("expects an array, not {}", other.type_name()))),
    }
}

/// Call with the element, and its index when the lambda declares a second parameter.
fn call_indexed(c: &mut FnCall, l: &Lambda, e: &Value, i: usize) -> Value {
    if l.params.len() >= 2 {
        c.ev.call_lambda(l, &[e.clone(), Value::Int(i as i64)])
    } else {
        c.ev.call_lambda(l, std::slice::from_ref(e))
    }
}

fn filter(c: &mut FnCall) -> Value {
    let l = match lambda_arg(c, 1, 1, 2) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let input = match array_arg(c) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut out = Vec::new();
    for (i, e) in input.iter().enumerate() {
        match call_indexed(c, &l, e, i) {
            Value::Bool(true) => out.push(e.clone()),
            Value::Bool(false) => {}
            r @ Value::Unknown(_) => {
                return if is_error(&r) {
                    r
                } else {
                    anonymous(c, Some(&r))
                };
            }
            other => {
                return c.error(format!(
                    "the lambda must return a bool, not {}",
                    other.type_name()
                ));
            }
        }
    }
    Value::array(out)
}

fn is_error(v: &Value) -> bool {
    matches!(
        v.as_unknown().map(|u| &*u.reason),
        Some(UnknownReason::Error(_))
    )
}

/// A lambda's result as a value; `Err` holds the result to give up with (an error, including a
/// lambda returned as a value, which ARM cannot represent).
fn checked(c: &FnCall, r: Value) -> Result<Value, Value> {
    match r {
        Value::Lambda(_) => Err(c.error("a lambda cannot return a lambda")),
        r if is_error(&r) => Err(r),
        r => Ok(r),
    }
}

fn map(c: &mut FnCall) -> Value {
    let l = match lambda_arg(c, 1, 1, 2) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let input = match array_arg(c) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut out = Vec::with_capacity(input.len());
    for (i, e) in input.iter().enumerate() {
        let r = call_indexed(c, &l, e, i);
        match checked(c, r) {
            Ok(r) => out.push(r),
            Err(e) => return e,
        }
    }
    Value::array(out)
}

/// The string key a key lambda returned, or the result to give up with.
fn key_of(c: &FnCall, r: Value) -> Result<Arc<str>, Value> {
    match r {
        Value::String(k) => Ok(k),
        r if is_error(&r) => Err(r),
        r @ Value::Unknown(_) => Err(anonymous(c, Some(&r))),
        other => Err(c.error(format!(
            "the key lambda must return a string, not {}",
            other.type_name()
        ))),
    }
}

fn group_by(c: &mut FnCall) -> Value {
    let l = match lambda_arg(c, 1, 1, 1) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let input = match array_arg(c) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut groups: Vec<(Arc<str>, Vec<Value>)> = Vec::new();
    for e in input.iter() {
        let r = c.ev.call_lambda(&l, std::slice::from_ref(e));
        let key = match key_of(c, r) {
            Ok(k) => k,
            Err(v) => return v,
        };
        match groups
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            Some((_, members)) => members.push(e.clone()),
            None => groups.push((key, vec![e.clone()])),
        }
    }
    let mut o = Object::with_capacity(groups.len());
    for (k, members) in groups {
        o.insert(k, Value::array(members));
    }
    Value::object(o)
}

fn map_values(c: &mut FnCall) -> Value {
    let l = match lambda_arg(c, 1, 1, 1) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let input = match c.arg(0) {
        Value::Object(o) if o.open => return anonymous(c, None),
        Value::Object(o) => o.clone(),
        Value::Unknown(_) => return anonymous(c, None),
        other => return c.error(format!("expects an object, not {}", other.type_name())),
    };
    let mut out = Object::with_capacity(input.len());
    for (k, v) in &input.entries {
        let r = c.ev.call_lambda(&l, std::slice::from_ref(v));
        match checked(c, r) {
            Ok(r) => out.insert(k.clone(), r),
            Err(e) => return e,
        }
    }
    Value::object(out)
}

/// `reduce(array, initial, lambda(acc, next[, index]))`.
fn reduce(c: &mut FnCall) -> Value {
    let l = match lambda_arg(c, 2, 2, 3) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let input = match array_arg(c) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut acc = c.arg(1).clone();
    if matches!(acc, Value::Lambda(_)) {
        return c.error("the initial value cannot be a lambda");
    }
    for (i, e) in input.iter().enumerate() {
        let r = if l.params.len() >= 3 {
            c.ev.call_lambda(&l, &[acc, e.clone(), Value::Int(i as i64)])
        } else {
            c.ev.call_lambda(&l, &[acc, e.clone()])
        };
        acc = match checked(c, r) {
            Ok(r) => r,
            Err(e) => return e,
        };
    }
    acc
}

/// `sort(array, lambda(a, b))`: the lambda says whether `a` goes before `b`. A stable merge sort;
/// any unknown element or comparison makes the order unknown.
fn sort(c: &mut FnCall) -> Value {
    let l = match lambda_arg(c, 1, 2, 2) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let input = match array_arg(c) {
        Ok(a) => a,
        Err(e) => return e,
    };
    if !c.arg(0).is_fully_known() {
        return anonymous(c, None);
    }
    let mut items: Vec<Value> = input.to_vec();
    let mut buf: Vec<Value> = Vec::with_capacity(items.len());
    let mut width = 1;
    while width < items.len() {
        let mut start = 0;
        while start < items.len() {
            let mid = (start + width).min(items.len());
            let end = (start + 2 * width).min(items.len());
            let (mut i, mut j) = (start, mid);
            buf.clear();
            while i < mid && j < end {
                // Take from the right only when it must go strictly before the left: stable.
                let (Some(right), Some(left)) = (items.get(j), items.get(i)) else {
                    break;
                };
                match c.ev.call_lambda(&l, &[right.clone(), left.clone()]) {
                    Value::Bool(true) => {
                        buf.push(right.clone());
                        j += 1;
                    }
                    Value::Bool(false) => {
                        buf.push(left.clone());
                        i += 1;
                    }
                    r if is_error(&r) => return r,
                    r @ Value::Unknown(_) => return anonymous(c, Some(&r)),
                    other => {
                        return c.error(format!(
                            "the lambda must return a bool, not {}",
                            other.type_name()
                        ));
                    }
                }
            }
            buf.extend(items.get(i..mid).unwrap_or(&[]).iter().cloned());
            buf.extend(items.get(j..end).unwrap_or(&[]).iter().cloned());
            for (k, v) in buf.drain(..).enumerate() {
                if let Some(slot) = items.get_mut(start + k) {
                    *slot = v;
                }
            }
            start = end;
        }
        width *= 2;
    }
    Value::array(items)
}

/// `toObject(array, keyLambda[, valueLambda])`; later duplicates replace earlier ones.
fn to_object(c: &mut FnCall) -> Value {
    let key_lambda = match lambda_arg(c, 1, 1, 1) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let value_lambda = if c.args.len() > 2 {
        match lambda_arg(c, 2, 1, 1) {
            Ok(l) => Some(l),
            Err(e) => return e,
        }
    } else {
        None
    };
    let input = match array_arg(c) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut o = Object::with_capacity(input.len());
    for e in input.iter() {
        let r = c.ev.call_lambda(&key_lambda, std::slice::from_ref(e));
        let key = match key_of(c, r) {
            Ok(k) => k,
            Err(v) => return v,
        };
        let value = match &value_lambda {
            Some(vl) => c.ev.call_lambda(vl, std::slice::from_ref(e)),
            None => e.clone(),
        };
        match checked(c, value) {
            Ok(v) => o.insert(key, v),
            Err(e) => return e,
        }
    }
    Value::object(o)
}
