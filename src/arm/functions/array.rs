//! Array functions, including the ones ARM applies to strings and objects too: array, concat,
//! contains, createArray, empty, first, flatten, indexOf, intersection, last, lastIndexOf, length,
//! range, skip, take, tryGet, indexFromEnd, tryIndexFromEnd, union, min, max.

use super::numeric::int_arg;
use super::object::distinct_entries;
use super::string::{find_ignore_case, too_large, utf16_len, utf16_slice};
use super::{FnCall, FunctionDef, concat_strings};
use crate::arm::value::{Object, Tri, UnknownReason, Value, equals};
use crate::limits::STRING_BYTES;

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "array",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: array,
    },
    FunctionDef {
        name: "concat",
        min_args: 1,
        max_args: None,
        handles_unknown: true,
        func: concat,
    },
    FunctionDef {
        name: "contains",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: true,
        func: contains,
    },
    FunctionDef {
        name: "createArray",
        min_args: 0,
        max_args: None,
        handles_unknown: true,
        func: create_array,
    },
    FunctionDef {
        name: "empty",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: true,
        func: empty,
    },
    FunctionDef {
        name: "first",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: first,
    },
    FunctionDef {
        name: "flatten",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: flatten,
    },
    FunctionDef {
        name: "indexOf",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: index_of,
    },
    FunctionDef {
        name: "intersection",
        min_args: 2,
        max_args: None,
        handles_unknown: false,
        func: intersection,
    },
    FunctionDef {
        name: "last",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: last,
    },
    FunctionDef {
        name: "lastIndexOf",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: last_index_of,
    },
    FunctionDef {
        name: "length",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: length,
    },
    FunctionDef {
        name: "range",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: range,
    },
    FunctionDef {
        name: "skip",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: skip,
    },
    FunctionDef {
        name: "take",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: take,
    },
    FunctionDef {
        name: "tryGet",
        min_args: 2,
        max_args: None,
        handles_unknown: false,
        func: try_get,
    },
    FunctionDef {
        name: "indexFromEnd",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: index_from_end,
    },
    FunctionDef {
        name: "tryIndexFromEnd",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: try_index_from_end,
    },
    FunctionDef {
        name: "union",
        min_args: 2,
        max_args: None,
        handles_unknown: false,
        func: union,
    },
    FunctionDef {
        name: "min",
        min_args: 1,
        max_args: None,
        handles_unknown: false,
        func: min,
    },
    FunctionDef {
        name: "max",
        min_args: 1,
        max_args: None,
        handles_unknown: false,
        func: max,
    },
];

use crate::limits::{ARRAY_LEN, AZURE_RANGE_COUNT, PAIRWISE, PAIRWISE_WORK};

fn open_object(c: &FnCall) -> Value {
    c.unknown(UnknownReason::Runtime("object properties".into()))
}

fn array(c: &mut FnCall) -> Value {
    match c.arg(0) {
        v @ Value::Array(_) => v.clone(),
        Value::Lambda(_) => c.error("a lambda is not a value"),
        other => Value::array(vec![other.clone()]),
    }
}

fn create_array(c: &mut FnCall) -> Value {
    if c.args.iter().any(|a| matches!(a, Value::Lambda(_))) {
        return c.error("a lambda is not a value");
    }
    Value::array(c.args.clone())
}

/// `concat`: all arrays, or strings (with integers and bools written as text, nulls skipped).
/// Unknown strings keep the literal parts in the result's symbol.
fn concat(c: &mut FnCall) -> Value {
    let args = &c.args;
    let first_unknown = args
        .iter()
        .find_map(Value::as_unknown)
        .map(|u| u.reason.clone());
    if args.iter().any(|a| matches!(a, Value::Array(_))) {
        if let Some(bad) = args
            .iter()
            .find(|a| !matches!(a, Value::Array(_) | Value::Unknown(_)))
        {
            return c.error(format!(
                "cannot concatenate arrays with a {}",
                bad.type_name()
            ));
        }
        if let Some(reason) = first_unknown {
            // The length of an unknown array is unknown, so nothing about the result is.
            return c.unknown(reason);
        }
        let total: usize = args
            .iter()
            .filter_map(Value::as_array)
            .map(<[Value]>::len)
            .sum();
        if total > ARRAY_LEN {
            return too_large(c);
        }
        let mut out = Vec::with_capacity(total);
        for a in args.iter().filter_map(Value::as_array) {
            out.extend(a.iter().cloned());
        }
        return Value::array(out);
    }
    // Without a known argument the call could still concatenate arrays: keep it whole.
    if args.iter().all(Value::is_unknown) {
        return c.unknown(
            first_unknown.unwrap_or_else(|| UnknownReason::Runtime("concat()".into()).into()),
        );
    }
    let mut total = 0usize;
    let mut parts = Vec::with_capacity(args.len());
    for a in args {
        match a {
            Value::Null => {}
            Value::String(s) => {
                total = total.saturating_add(s.len());
                parts.push(a.clone());
            }
            Value::Int(_) | Value::Bool(_) | Value::Unknown(_) => parts.push(a.clone()),
            other => {
                return c.error(format!(
                    "cannot concatenate strings with a {}",
                    other.type_name()
                ));
            }
        }
    }
    if total > STRING_BYTES {
        return too_large(c);
    }
    concat_strings(&parts)
}

/// `contains`: substring (case-sensitive), object key (case-insensitive) or array element (deep
/// equality). A known match decides even when other elements are unknown.
fn contains(c: &mut FnCall) -> Value {
    let (container, item) = (c.arg(0), c.arg(1));
    if matches!(item, Value::Lambda(_)) {
        return c.error("a lambda is not a value");
    }
    match container {
        Value::Unknown(u) => c.unknown(u.reason.clone()),
        Value::String(s) => match item {
            Value::String(x) => Value::Bool(s.contains(&**x)),
            Value::Unknown(u) => c.unknown(u.reason.clone()),
            other => c.error(format!(
                "cannot search a string for a {}",
                other.type_name()
            )),
        },
        Value::Object(o) => match item {
            Value::String(k) => match o.get(k) {
                Some(_) => Value::Bool(true),
                None if o.open => open_object(c),
                None => Value::Bool(false),
            },
            Value::Unknown(u) if !o.is_empty() || o.open => c.unknown(u.reason.clone()),
            Value::Unknown(_) => Value::Bool(false),
            other => c.error(format!(
                "object keys are strings, not {}",
                other.type_name()
            )),
        },
        Value::Array(a) => {
            // Each comparison walks at most the element's nodes: the container bounds them all.
            if let Err(limit) = c.walkable_args() {
                return limit;
            }
            let mut undecided = false;
            for e in a.iter() {
                match equals(e, item) {
                    Tri::True => return Value::Bool(true),
                    Tri::Unknown => undecided = true,
                    Tri::False => {}
                }
            }
            if undecided {
                c.unknown_from_args()
            } else {
                Value::Bool(false)
            }
        }
        other => c.error(format!("cannot search a {}", other.type_name())),
    }
}

fn empty(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Unknown(u) if u.non_empty_string => Value::Bool(false),
        Value::Unknown(_) => c.unknown_from_args(),
        Value::Null => Value::Bool(true),
        Value::String(s) => Value::Bool(s.is_empty()),
        Value::Array(a) => Value::Bool(a.is_empty()),
        Value::Object(o) if !o.is_empty() => Value::Bool(false),
        Value::Object(o) if o.open => open_object(c),
        Value::Object(_) => Value::Bool(true),
        other => c.error(format!(
            "cannot test whether a {} is empty",
            other.type_name()
        )),
    }
}

fn length(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Null => Value::Int(0),
        Value::String(s) => Value::Int(utf16_len(s) as i64),
        Value::Array(a) => Value::Int(a.len() as i64),
        Value::Object(o) if o.open => open_object(c),
        Value::Object(o) => Value::Int(distinct_entries(o).len() as i64),
        other => c.error(format!("a {} has no length", other.type_name())),
    }
}

/// `first` / `last`: null for null or an empty array, the empty string for an empty string.
fn end_element(c: &FnCall, last: bool) -> Value {
    match c.arg(0) {
        Value::Null => Value::Null,
        Value::Array(a) => {
            let e = if last { a.last() } else { a.first() };
            e.cloned().unwrap_or(Value::Null)
        }
        Value::String(s) => {
            let n = utf16_len(s);
            if n == 0 {
                Value::string("")
            } else if last {
                Value::string(utf16_slice(s, n - 1, n))
            } else {
                Value::string(utf16_slice(s, 0, 1))
            }
        }
        other => c.error(format!(
            "expects an array or a string, not {}",
            other.type_name()
        )),
    }
}

fn first(c: &mut FnCall) -> Value {
    end_element(c, false)
}

fn last(c: &mut FnCall) -> Value {
    end_element(c, true)
}

fn flatten(c: &mut FnCall) -> Value {
    let Value::Array(outer) = c.arg(0) else {
        return c.error(format!(
            "expects an array of arrays, not {}",
            c.arg(0).type_name()
        ));
    };
    let mut out = Vec::new();
    for (i, inner) in outer.iter().enumerate() {
        match inner {
            Value::Array(a) => {
                if out.len() + a.len() > ARRAY_LEN {
                    return too_large(c);
                }
                out.extend(a.iter().cloned());
            }
            Value::Unknown(u) => return c.unknown(u.reason.clone()),
            other => {
                return c.error(format!(
                    "element {i} is a {}, not an array",
                    other.type_name()
                ));
            }
        }
    }
    Value::array(out)
}

/// `indexOf` / `lastIndexOf`: strings case-insensitively, arrays by deep equality.
fn find_index(c: &FnCall, last: bool) -> Value {
    let (container, item) = (c.arg(0), c.arg(1));
    match container {
        Value::Null => Value::Int(-1),
        Value::String(s) => match item {
            Value::String(x) => {
                if x.is_empty() {
                    // .NET: the empty string is found at the start (or, searching backwards, the end).
                    return Value::Int(if last { utf16_len(s) as i64 } else { 0 });
                }
                Value::Int(find_ignore_case(s, x, last).map_or(-1, |i| i as i64))
            }
            other => c.error(format!(
                "cannot search a string for a {}",
                other.type_name()
            )),
        },
        Value::Array(a) => {
            if matches!(item, Value::Lambda(_)) {
                return c.error("a lambda is not a value");
            }
            if let Err(limit) = c.walkable_args() {
                return limit;
            }
            let mut order: Box<dyn Iterator<Item = (usize, &Value)>> = if last {
                Box::new(a.iter().enumerate().rev())
            } else {
                Box::new(a.iter().enumerate())
            };
            for (i, e) in &mut order {
                match equals(e, item) {
                    Tri::True => return Value::Int(i as i64),
                    // An unknown element before the first match may be the match.
                    Tri::Unknown => return c.unknown_from_args(),
                    Tri::False => {}
                }
            }
            Value::Int(-1)
        }
        other => c.error(format!(
            "expects an array or a string, not {}",
            other.type_name()
        )),
    }
}

fn index_of(c: &mut FnCall) -> Value {
    find_index(c, false)
}

fn last_index_of(c: &mut FnCall) -> Value {
    find_index(c, true)
}

/// All arguments must be arrays, or all objects.
enum Kind {
    Arrays,
    Objects,
}

fn same_kind(c: &FnCall) -> Result<Kind, Value> {
    if c.args.iter().all(|a| matches!(a, Value::Array(_))) {
        Ok(Kind::Arrays)
    } else if c.args.iter().all(|a| matches!(a, Value::Object(_))) {
        Ok(Kind::Objects)
    } else {
        let types: Vec<&str> = c.args.iter().map(Value::type_name).collect();
        Err(c.error(format!(
            "expects all arrays or all objects, not {}",
            types.join(", ")
        )))
    }
}

fn intersection(c: &mut FnCall) -> Value {
    let kind = match same_kind(c) {
        Ok(k) => k,
        Err(e) => return e,
    };
    if c.args.iter().any(|a| !a.is_fully_known()) {
        return c.unknown_from_args();
    }
    if let Err(limit) = pairwise_walkable(c) {
        return limit;
    }
    match kind {
        Kind::Arrays => {
            let arrays: Vec<&[Value]> = c.args.iter().filter_map(Value::as_array).collect();
            if arrays.iter().map(|a| a.len()).sum::<usize>() > PAIRWISE {
                return too_large(c);
            }
            let mut out: Vec<Value> = Vec::new();
            for e in arrays.first().copied().unwrap_or(&[]) {
                let everywhere = arrays
                    .iter()
                    .skip(1)
                    .all(|a| a.iter().any(|x| equals(x, e) == Tri::True));
                if everywhere && !out.iter().any(|x| equals(x, e) == Tri::True) {
                    out.push(e.clone());
                }
            }
            Value::array(out)
        }
        Kind::Objects => {
            let objects: Vec<&Object> = c.args.iter().filter_map(Value::as_object).collect();
            let mut out = Object::new();
            for (k, v) in objects
                .first()
                .map(|o| distinct_entries(o))
                .unwrap_or_default()
            {
                if objects
                    .iter()
                    .skip(1)
                    .all(|o| last_value(o, k).is_some_and(|w| equals(v, w) == Tri::True))
                {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::object(out)
        }
    }
}

/// `union`: arrays keep the first occurrence of each distinct element; objects are merged deeply
/// (nested objects merge, anything else is replaced by the later value).
fn union(c: &mut FnCall) -> Value {
    let kind = match same_kind(c) {
        Ok(k) => k,
        Err(e) => return e,
    };
    match kind {
        Kind::Arrays => {
            if c.args.iter().any(|a| !a.is_fully_known()) {
                return c.unknown_from_args();
            }
            let total: usize = c
                .args
                .iter()
                .filter_map(Value::as_array)
                .map(<[Value]>::len)
                .sum();
            if total > PAIRWISE {
                return too_large(c);
            }
            if let Err(limit) = pairwise_walkable(c) {
                return limit;
            }
            let mut out: Vec<Value> = Vec::new();
            for e in c.args.iter().filter_map(Value::as_array).flatten() {
                if !out.iter().any(|x| equals(x, e) == Tri::True) {
                    out.push(e.clone());
                }
            }
            Value::array(out)
        }
        Kind::Objects => {
            // Merging walks the objects nested in both sides.
            if let Err(limit) = c.walkable_args() {
                return limit;
            }
            let mut acc = Object::new();
            for o in c.args.iter().filter_map(Value::as_object) {
                merge_into(&mut acc, o);
            }
            Value::object(acc)
        }
    }
}

/// The arguments of a pairwise function (every element compared with every other), when that
/// work stays within [`PAIRWISE_WORK`]; else the limit unknown to return.
fn pairwise_walkable(c: &FnCall) -> Result<(), Value> {
    c.walkable_args()?;
    let (elements, nodes) = c.args.iter().fold((0u64, 0u64), |(e, n), a| {
        let len = match a {
            Value::Array(x) => x.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        (
            e.saturating_add(len as u64),
            n.saturating_add(a.shape().nodes),
        )
    });
    if elements.saturating_mul(nodes) > PAIRWISE_WORK {
        return Err(Value::limit(format!(
            "{}(): comparing every element with every other is too much work",
            c.name
        )));
    }
    Ok(())
}

/// Recursion is bounded by [`crate::limits::VALUE_DEPTH`], the work by the caller's size check.
fn merge_into(target: &mut Object, patch: &Object) {
    target.open |= patch.open;
    for (k, v) in patch.iter() {
        let merged = match (target.get(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => {
                let mut inner = (**a).clone();
                merge_into(&mut inner, b);
                Value::object(inner)
            }
            // Whether these merge depends on the unknown's type: only the result's reason is known.
            (Some(Value::Object(_)), Value::Unknown(u))
            | (Some(Value::Unknown(u)), Value::Object(_)) => Value::unknown(u.reason.clone(), None),
            _ => v.clone(),
        };
        target.insert(k, merged);
    }
}

/// The value of `key` (case-insensitive); with a repeated key, the last one, as Json.NET keeps.
fn last_value<'a>(o: &'a Object, key: &str) -> Option<&'a Value> {
    o.entries
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn range(c: &mut FnCall) -> Value {
    let start = match int_arg(c, 0, "the start index") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let count = match int_arg(c, 1, "the count") {
        Ok(v) => v,
        Err(e) => return e,
    };
    if !(0..=AZURE_RANGE_COUNT).contains(&count) {
        return c.error(format!(
            "the count must be between 0 and {AZURE_RANGE_COUNT}, not {count}"
        ));
    }
    // ARM's range is .NET's Enumerable.Range: 32-bit, and the last value must fit too.
    if start < i64::from(i32::MIN) || start > i64::from(i32::MAX) - count + 1 {
        return c.error(format!(
            "range({start}, {count}) goes beyond 32-bit integers"
        ));
    }
    Value::array((start..start + count).map(Value::Int).collect())
}

/// `skip` / `take` on arrays and strings; counts out of range clamp.
fn skip_take(c: &FnCall, skip: bool) -> Value {
    let n = match int_arg(c, 1, "the count") {
        Ok(v) => v.max(0) as usize,
        Err(e) => return e,
    };
    match c.arg(0) {
        Value::Null => Value::Null,
        Value::Array(a) => {
            let n = n.min(a.len());
            let part = if skip { a.get(n..) } else { a.get(..n) };
            Value::array(part.unwrap_or(&[]).to_vec())
        }
        Value::String(s) => {
            let len = utf16_len(s);
            let n = n.min(len);
            Value::string(if skip {
                utf16_slice(s, n, len)
            } else {
                utf16_slice(s, 0, n)
            })
        }
        other => c.error(format!(
            "expects an array or a string, not {}",
            other.type_name()
        )),
    }
}

fn skip(c: &mut FnCall) -> Value {
    skip_take(c, true)
}

fn take(c: &mut FnCall) -> Value {
    skip_take(c, false)
}

/// One property or index step; `strict` makes a missing key an error instead of null.
fn dereference(c: &FnCall, root: &Value, key: &Value, strict: bool) -> Value {
    match (root, key) {
        (Value::Unknown(u), _) => c.unknown(u.reason.clone()),
        (Value::Lambda(_), _) => c.error("a lambda is not a value"),
        (_, k) if !matches!(k, Value::String(_) | Value::Int(_)) => c.error(format!(
            "keys must be strings or integers, not {}",
            k.type_name()
        )),
        (Value::Object(o), Value::String(k)) => match o.get(k) {
            Some(v) => v.clone(),
            None if o.open => open_object(c),
            None if strict => c.error(format!("the object has no property '{k}'")),
            None => Value::Null,
        },
        (Value::Array(a), Value::Int(i)) => match usize::try_from(*i).ok().and_then(|i| a.get(i)) {
            Some(v) => v.clone(),
            None if strict => c.error(format!("index {i} is out of range (length {})", a.len())),
            None => Value::Null,
        },
        (r, k) if strict => c.error(format!(
            "cannot index a {} with {}",
            r.type_name(),
            k.type_name()
        )),
        _ => Value::Null,
    }
}

/// `tryGet(value, key, more...)`: the first step yields null when it cannot be taken; the further
/// steps are ordinary property accesses (ARM fails them when missing).
fn try_get(c: &mut FnCall) -> Value {
    let mut cur = dereference(c, c.arg(0), c.arg(1), false);
    if cur.is_null() {
        return Value::Null;
    }
    for key in c.args.iter().skip(2) {
        cur = dereference(c, &cur, key, true);
        if cur.is_unknown() {
            return cur;
        }
    }
    cur
}

/// `tryIndexFromEnd(array, n)`: the n-th element from the end (1 is the last), or null.
fn try_index_from_end(c: &mut FnCall) -> Value {
    let Value::Array(a) = c.arg(0) else {
        return c.error(format!("expects an array, not {}", c.arg(0).type_name()));
    };
    let n = match int_arg(c, 1, "the index") {
        Ok(v) => v,
        Err(e) => return e,
    };
    match usize::try_from(n) {
        Ok(n) if n >= 1 && n <= a.len() => a.get(a.len() - n).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// `indexFromEnd(array, n)` (Bicep's `a[^n]`): the n-th element from the end (1 is the last);
/// out of range fails, as an index does.
fn index_from_end(c: &mut FnCall) -> Value {
    let Value::Array(a) = c.arg(0) else {
        return c.error(format!("expects an array, not {}", c.arg(0).type_name()));
    };
    let n = match int_arg(c, 1, "the index") {
        Ok(v) => v,
        Err(e) => return e,
    };
    match usize::try_from(n) {
        Ok(n) if n >= 1 && n <= a.len() => a.get(a.len() - n).cloned().unwrap_or(Value::Null),
        _ => c.error(format!(
            "index {n} from the end is out of range for an array of {} elements",
            a.len()
        )),
    }
}

/// `min` / `max` of integers (and floats), given as arguments or as one array.
fn extreme(c: &FnCall, want_max: bool) -> Value {
    let items: &[Value] = match c.args.as_slice() {
        [Value::Array(a)] => a,
        args => args,
    };
    if items.is_empty() {
        return c.error("expects at least one number");
    }
    let mut best: Option<Value> = None;
    for v in items {
        match v {
            Value::Int(_) | Value::Float(_) => {}
            Value::Unknown(_) => return c.unknown_from_args(),
            other => return c.error(format!("expects numbers, not {}", other.type_name())),
        }
        let better = match (&best, v) {
            (None, _) => true,
            (Some(Value::Int(b)), Value::Int(x)) => {
                if want_max {
                    x > b
                } else {
                    x < b
                }
            }
            (Some(b), x) => {
                let f = |v: &Value| match v {
                    Value::Int(i) => *i as f64,
                    Value::Float(f) => *f,
                    _ => 0.0,
                };
                if want_max { f(x) > f(b) } else { f(x) < f(b) }
            }
        };
        if better {
            best = Some(v.clone());
        }
    }
    // With any float among them, ARM answers with a float.
    match best {
        Some(Value::Int(i)) if items.iter().any(|v| matches!(v, Value::Float(_))) => {
            Value::Float(i as f64)
        }
        Some(v) => v,
        None => Value::Null,
    }
}

fn min(c: &mut FnCall) -> Value {
    extreme(c, false)
}

fn max(c: &mut FnCall) -> Value {
    extreme(c, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_merge_replaces_arrays_and_merges_objects() {
        let v = crate::arm::functions::object::parse_json(
            r#"{"p":{"one":"a","three":"c1"},"n":[1,2]}"#,
        )
        .unwrap();
        let w = crate::arm::functions::object::parse_json(
            r#"{"p":{"three":"c2","four":"d"},"n":[3,4]}"#,
        )
        .unwrap();
        let mut acc = Object::new();
        merge_into(&mut acc, v.as_object().unwrap());
        merge_into(&mut acc, w.as_object().unwrap());
        assert_eq!(
            Value::object(acc).to_json_string(),
            r#"{"n":[3,4],"p":{"one":"a","three":"c2","four":"d"}}"#
        );
    }
}
