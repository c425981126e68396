//! The ARM template function library, one file per category of Microsoft's function reference
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions>):
//!
//! | file | functions |
//! |---|---|
//! | `array.rs` | array, concat, contains, createArray, empty, first, flatten, indexOf, intersection, last, lastIndexOf, length, range, skip, take, tryGet, indexFromEnd, tryIndexFromEnd, union, min, max |
//! | `cidr.rs` | parseCidr, cidrSubnet, cidrHost |
//! | `comparison.rs` | coalesce, equals, greater, greaterOrEquals, less, lessOrEquals |
//! | `date.rs` | dateTimeAdd, dateTimeFromEpoch, dateTimeToEpoch, utcNow |
//! | `deployment.rs` | parameters, variables, copyIndex, deployment, deployer, environment, extensions, fail |
//! | `hash.rs` | uniqueString, guid, newGuid (Azure's exact algorithms) |
//! | `lambda.rs` | filter, groupBy, map, mapValues, reduce, sort, toObject |
//! | `logical.rs` | and, bool, false, not, or, true (`if` and `lambda` are special forms in the evaluator) |
//! | `numeric.rs` | add, div, float, int, mod, mul, sub |
//! | `object.rs` | createObject, items, json, null, objectKeys, shallowMerge |
//! | `resource.rs` | resourceId, subscriptionResourceId, tenantResourceId, extensionResourceId, managementGroupResourceId, reference, references, list*, pickZones, providers |
//! | `scope.rs` | resourceGroup, subscription, tenant, managementGroup |
//! | `string.rs` | base64, base64ToJson, base64ToString, dataUri, dataUriToString, endsWith, format, join, padLeft, replace, split, startsWith, string, substring, toLower, toUpper, trim, uri, uriComponent, uriComponentToString, lastIndexOf (strings) ... |
//!
//! Polymorphic functions (`concat`, `contains`, `length`, ...) live in one file and handle every
//! argument type there.

mod array;
mod cidr;
mod comparison;
pub(crate) mod date;
mod deployment;
mod hash;
mod lambda;
mod logical;
mod numeric;
mod object;
mod resource;
mod scope;
mod string;

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use crate::arm::expr::Evaluator;
use crate::arm::value::{SymbolBuilder, UnknownReason, Value};
use crate::limits::{STRING_BYTES, SYMBOL_BYTES, VALUE_WALK_NODES};

pub use hash::{guid, unique_string};
pub use resource::{
    ParsedResourceId, UnknownParts, parse_resource_id, parse_resource_id_symbol,
    parse_resource_id_value, split_segments,
};

/// One built-in function.
pub struct FunctionDef {
    /// Canonical spelling (as Microsoft documents it).
    pub name: &'static str,
    pub min_args: usize,
    /// `None`: variadic.
    pub max_args: Option<usize>,
    /// When false, the evaluator returns an unknown as soon as a top-level argument is unknown and
    /// never calls `func` with one. Unknowns nested inside arrays or objects still reach `func`.
    pub handles_unknown: bool,
    pub func: fn(&mut FnCall<'_, '_>) -> Value,
}

/// A call in progress: evaluated arguments and access to the evaluator (lambdas, context).
pub struct FnCall<'a, 'c> {
    pub name: &'static str,
    pub args: Vec<Value>,
    pub ev: &'a mut Evaluator<'c>,
}

impl FnCall<'_, '_> {
    pub fn arg(&self, i: usize) -> &Value {
        self.args.get(i).unwrap_or(&Value::Null)
    }
    /// The unknown result of this call, symbolic when the arguments are.
    pub fn unknown(&self, reason: impl Into<std::sync::Arc<UnknownReason>>) -> Value {
        Value::unknown(reason, crate::arm::expr::call_symbol(self.name, &self.args))
    }
    /// Unknown because of the first unknown found in the arguments (deep).
    pub fn unknown_from_args(&self) -> Value {
        let reason = self
            .args
            .iter()
            .find_map(Value::first_unknown)
            .map(|u| u.reason.clone())
            .unwrap_or_else(|| UnknownReason::Error("lambda used as a value".into()).into());
        self.unknown(reason)
    }
    /// The error result (the deployment would fail) for this function.
    pub fn error(&self, msg: impl std::fmt::Display) -> Value {
        Value::error(format!("{}(): {msg}", self.name))
    }
    /// The arguments, when walking all of them is affordable ([`VALUE_WALK_NODES`] logical nodes
    /// together); else the limit unknown to return instead.
    pub fn walkable_args(&self) -> Result<(), Value> {
        let nodes = self
            .args
            .iter()
            .fold(0u64, |n, a| n.saturating_add(a.shape().nodes));
        if nodes > VALUE_WALK_NODES {
            return Err(Value::limit(format!(
                "{}(): the arguments have more than {VALUE_WALK_NODES} elements once their \
                 shared parts are counted",
                self.name
            )));
        }
        Ok(())
    }
    /// Charge cells this call builds beyond its result's own elements (nested values it creates,
    /// like `json()`'s); false when the evaluation budget is spent.
    pub fn charge_cells(&mut self, cells: u64) -> bool {
        self.ev.ctx.charge_cells(cells)
    }
}

fn all_functions() -> impl Iterator<Item = &'static FunctionDef> {
    [
        array::FUNCTIONS,
        cidr::FUNCTIONS,
        comparison::FUNCTIONS,
        date::FUNCTIONS,
        deployment::FUNCTIONS,
        hash::FUNCTIONS,
        lambda::FUNCTIONS,
        logical::FUNCTIONS,
        numeric::FUNCTIONS,
        object::FUNCTIONS,
        resource::FUNCTIONS,
        scope::FUNCTIONS,
        string::FUNCTIONS,
    ]
    .into_iter()
    .flatten()
}

fn table() -> &'static FxHashMap<String, &'static FunctionDef> {
    static TABLE: OnceLock<FxHashMap<String, &'static FunctionDef>> = OnceLock::new();
    TABLE.get_or_init(|| {
        all_functions()
            .map(|f| (f.name.to_ascii_lowercase(), f))
            .collect()
    })
}

/// Every built-in function, for documentation and tests.
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = all_functions().map(|f| f.name).collect();
    v.sort_unstable_by_key(|n| n.to_ascii_lowercase());
    v
}

/// Find a function by name, case-insensitively. `list*` functions (listKeys, listSecrets, ...) all
/// resolve to the runtime-only `list` definition.
pub fn lookup(name: &str) -> Option<&'static FunctionDef> {
    let mut buf = [0u8; 64];
    let bytes = name.as_bytes();
    let lower = buf.get_mut(..bytes.len())?;
    lower.copy_from_slice(bytes);
    lower.make_ascii_lowercase();
    let key = std::str::from_utf8(lower).ok()?;
    if let Some(def) = table().get(key) {
        return Some(def);
    }
    if key.starts_with("list") {
        return Some(&resource::LIST_FUNCTION);
    }
    None
}

/// Concatenate values as strings, keeping partial knowledge: with unknown parts the result is an
/// unknown whose symbol is the literal text with the unknown parts' symbols in place
/// (`/subscriptions/⟪subscription().subscriptionid⟫/...`).
pub fn concat_strings(parts: &[Value]) -> Value {
    // Sized for the string parts up front: IDs are built from many short pieces.
    let mut text = SymbolBuilder::with_capacity(
        parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.len(),
                Value::Unknown(u) => u.symbol.as_ref().map_or(0, |s| s.len()),
                _ => 8,
            })
            .sum(),
    );
    let mut first_reason: Option<std::sync::Arc<UnknownReason>> = None;
    let mut anonymous = false;
    // Some known part is not empty: so is the result.
    let mut literal = false;
    for p in parts {
        match p {
            Value::String(s) => {
                literal |= !s.is_empty();
                text.push_known(s);
            }
            Value::Unknown(u) => {
                if first_reason.is_none() {
                    first_reason = Some(u.reason.clone());
                }
                match &u.symbol {
                    Some(s) => text.push_symbol(s),
                    None => anonymous = true,
                }
            }
            other if other.has_anonymous_unknown() => {
                anonymous = true;
                if first_reason.is_none() {
                    first_reason = other.first_unknown().map(|u| u.reason.clone());
                }
            }
            Value::Array(_) | Value::Object(_) if !p.is_fully_known() => {
                if first_reason.is_none() {
                    first_reason = p.first_unknown().map(|u| u.reason.clone());
                }
                if p.shape().bytes > SYMBOL_BYTES as u64 {
                    anonymous = true;
                } else {
                    text.open();
                    text.push_known(&p.to_json_string());
                    text.close();
                }
            }
            other => match string_of_bounded(other, STRING_BYTES) {
                Some(s) => {
                    literal |= !s.is_empty();
                    text.push_known(&s);
                }
                None => {
                    return Value::limit("the concatenated text is too large");
                }
            },
        }
    }
    match first_reason {
        None => Value::string(text.text()),
        Some(r) => Value::Unknown(crate::arm::value::Unknown {
            non_empty_string: literal,
            // A symbol that long is of no use for comparing, and would be copied into every
            // symbol built from it.
            ..crate::arm::value::Unknown::new(
                r,
                (!anonymous && text.len() <= SYMBOL_BYTES).then(|| text.finish()),
            )
        }),
    }
}

/// ARM's `string()` of a known value: strings as is, everything else as compact JSON. For display
/// and small values; a result that must be exact uses [`string_of_bounded`].
pub fn string_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        other => other.to_json_string(),
    }
}

/// [`string_of`], or `None` when the text would be longer than `max_bytes` (refused before it is
/// written when the value's shape says so).
pub fn string_of_bounded(v: &Value, max_bytes: usize) -> Option<String> {
    match v {
        Value::String(s) if s.len() > max_bytes => None,
        Value::String(_) | Value::Bool(_) => Some(string_of(v)),
        other => other.try_to_json_string(max_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_covers_list_functions() {
        assert_eq!(lookup("CONCAT").map(|f| f.name), Some("concat"));
        assert_eq!(lookup("listKeys").map(|f| f.name), Some("list"));
        assert!(lookup("noSuchFunction").is_none());
        assert!(lookup(&"x".repeat(100)).is_none());
    }

    #[test]
    fn no_function_is_registered_twice() {
        let mut seen = std::collections::HashSet::new();
        for f in all_functions() {
            assert!(
                seen.insert(f.name.to_ascii_lowercase()),
                "{} registered twice",
                f.name
            );
        }
    }

    #[test]
    fn concat_keeps_literal_parts_of_unknowns() {
        let p = Value::unknown(
            UnknownReason::Parameter("n".into()),
            Some(crate::arm::value::Symbol::expression("parameters('n')")),
        );
        let v = concat_strings(&[Value::string("/x/"), p, Value::Int(1)]);
        let u = v.as_unknown().expect("unknown");
        let symbol = u.symbol.as_ref().expect("symbol");
        assert_eq!(symbol.text(), "/x/⟪parameters('n')⟫1");
        assert_eq!(symbol.unknown_ranges().collect::<Vec<_>>(), vec![3..24]);
    }
}
