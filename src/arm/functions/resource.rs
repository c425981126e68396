//! Resource functions: resourceId and its scoped variants, reference, references, list*, pickZones,
//! providers; and [`parse_resource_id`], which reads IDs back (also partially known ones).

use super::{FnCall, FunctionDef, concat_strings};
use crate::arm::value::{Symbol, UnknownReason, Value, split_outside};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "roleDefinitions",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: true,
        func: role_definitions,
    },
    FunctionDef {
        name: "resourceId",
        min_args: 2,
        max_args: None,
        handles_unknown: true,
        func: resource_id,
    },
    FunctionDef {
        name: "subscriptionResourceId",
        min_args: 2,
        max_args: None,
        handles_unknown: true,
        func: subscription_resource_id,
    },
    FunctionDef {
        name: "tenantResourceId",
        min_args: 2,
        max_args: None,
        handles_unknown: true,
        func: tenant_resource_id,
    },
    FunctionDef {
        name: "extensionResourceId",
        min_args: 3,
        max_args: None,
        handles_unknown: true,
        func: extension_resource_id,
    },
    FunctionDef {
        name: "managementGroupResourceId",
        min_args: 2,
        max_args: None,
        handles_unknown: true,
        func: management_group_resource_id,
    },
    FunctionDef {
        name: "reference",
        min_args: 1,
        max_args: Some(3),
        handles_unknown: true,
        func: reference,
    },
    FunctionDef {
        name: "references",
        min_args: 1,
        max_args: Some(2),
        handles_unknown: true,
        func: reference,
    },
    FunctionDef {
        name: "pickZones",
        min_args: 3,
        max_args: Some(5),
        handles_unknown: true,
        func: runtime,
    },
    FunctionDef {
        name: "providers",
        min_args: 1,
        max_args: Some(2),
        handles_unknown: true,
        func: runtime,
    },
];

/// Every `list*` function (listKeys, listSecrets, listAccountSas, ...): runtime values, never known.
pub const LIST_FUNCTION: FunctionDef = FunctionDef {
    name: "list",
    min_args: 1,
    max_args: None,
    handles_unknown: true,
    func: runtime,
};

fn runtime(c: &mut FnCall) -> Value {
    Value::unknown(UnknownReason::Runtime(format!("{}()", c.name)), None)
}

/// `roleDefinitions('Contributor')`: the built-in role's `{id, name}`; the role table lives in Azure.
fn role_definitions(c: &mut FnCall) -> Value {
    Value::unknown(
        UnknownReason::Runtime("roleDefinitions()".into()),
        crate::arm::expr::call_symbol(c.name, &c.args),
    )
}

fn reference(c: &mut FnCall) -> Value {
    let args = std::mem::take(&mut c.args);
    let r = c.ev.ctx.reference(c.name, &args);
    c.args = args;
    r
}

/// Index of the first argument that looks like a resource type (`Namespace/type`).
fn type_position(args: &[Value]) -> Option<usize> {
    args.iter()
        .position(|a| a.as_str().is_some_and(|s| s.contains('/')))
}

/// `/providers/{ns}/{t1}/{n1}/{t2}/{n2}` from a type and names (names may themselves contain `/`).
fn provider_path(c: &FnCall, ty: &str, names: &[Value]) -> Result<Vec<Value>, Value> {
    let ty = ty.trim_matches('/');
    let mut segs = ty.split('/');
    let namespace = segs.next().unwrap_or("");
    let types: Vec<&str> = segs.collect();
    if types.is_empty() {
        return Err(c.error(format!("'{ty}' is not a resource type")));
    }
    let known_name_segments: usize = names
        .iter()
        .map(|n| {
            n.as_str()
                .map_or(1, |s| s.trim_matches('/').split('/').count())
        })
        .sum();
    if known_name_segments != types.len() && names.iter().all(|n| n.as_str().is_some()) {
        return Err(c.error(format!(
            "resource type '{ty}' needs {} name segment(s), {} given",
            types.len(),
            known_name_segments
        )));
    }
    // Concatenation, not `format!`: this runs for every resource ID built.
    let mut parts = vec![Value::string(["/providers/", namespace].concat())];
    let mut t = types.iter();
    for n in names {
        match n {
            Value::String(s) => {
                for seg in s.trim_matches('/').split('/') {
                    let ty: &str = t.next().unwrap_or(&"");
                    parts.push(Value::string(["/", ty, "/", seg].concat()));
                }
            }
            other => {
                let ty: &str = t.next().unwrap_or(&"");
                parts.push(Value::string(["/", ty, "/"].concat()));
                parts.push(other.clone());
            }
        }
    }
    Ok(parts)
}

fn resource_id(c: &mut FnCall) -> Value {
    let Some(tp) = type_position(&c.args) else {
        return unknown_or_error(c);
    };
    let Some(ty) = c.args.get(tp).and_then(Value::as_str).map(str::to_string) else {
        return unknown_or_error(c);
    };
    let names = c.args.get(tp + 1..).unwrap_or(&[]).to_vec();
    let provider = match provider_path(c, &ty, &names) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let scope = c.ev.ctx.scope().clone();
    let (sub, rg) = match tp {
        0 => (scope.subscription_id.clone(), scope.resource_group.clone()),
        1 => (scope.subscription_id.clone(), Some(c.arg(0).clone())),
        2 => (c.arg(0).clone(), Some(c.arg(1).clone())),
        _ => return c.error("too many arguments before the resource type"),
    };
    let mut parts = vec![Value::string("/subscriptions/"), sub];
    if let Some(rg) = rg {
        parts.push(Value::string("/resourceGroups/"));
        parts.push(rg);
    }
    parts.extend(provider);
    concat_strings(&parts)
}

fn subscription_resource_id(c: &mut FnCall) -> Value {
    let Some(tp) = type_position(&c.args) else {
        return unknown_or_error(c);
    };
    let Some(ty) = c.args.get(tp).and_then(Value::as_str).map(str::to_string) else {
        return unknown_or_error(c);
    };
    let names = c.args.get(tp + 1..).unwrap_or(&[]).to_vec();
    let provider = match provider_path(c, &ty, &names) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let sub = match tp {
        0 => c.ev.ctx.scope().subscription_id.clone(),
        1 => c.arg(0).clone(),
        _ => return c.error("too many arguments before the resource type"),
    };
    let mut parts = vec![Value::string("/subscriptions/"), sub];
    parts.extend(provider);
    concat_strings(&parts)
}

fn tenant_resource_id(c: &mut FnCall) -> Value {
    let Some(ty) = c.arg(0).as_str().map(str::to_string) else {
        return unknown_or_error(c);
    };
    let names = c.args.get(1..).unwrap_or(&[]).to_vec();
    match provider_path(c, &ty, &names) {
        Ok(p) => concat_strings(&p),
        Err(e) => e,
    }
}

fn extension_resource_id(c: &mut FnCall) -> Value {
    let Some(ty) = c.arg(1).as_str().map(str::to_string) else {
        return unknown_or_error(c);
    };
    let names = c.args.get(2..).unwrap_or(&[]).to_vec();
    let provider = match provider_path(c, &ty, &names) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let scope = match c.arg(0) {
        Value::String(s) => Value::string(s.trim_end_matches('/')),
        other => other.clone(),
    };
    let mut parts = vec![scope];
    parts.extend(provider);
    concat_strings(&parts)
}

fn management_group_resource_id(c: &mut FnCall) -> Value {
    let Some(tp) = type_position(&c.args) else {
        return unknown_or_error(c);
    };
    let Some(ty) = c.args.get(tp).and_then(Value::as_str).map(str::to_string) else {
        return unknown_or_error(c);
    };
    let names = c.args.get(tp + 1..).unwrap_or(&[]).to_vec();
    let provider = match provider_path(c, &ty, &names) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let mg = match tp {
        0 => {
            c.ev.ctx
                .scope()
                .management_group
                .clone()
                .unwrap_or_else(|| {
                    Value::unknown(
                        UnknownReason::Context("managementGroup()".into()),
                        Some(Symbol::expression("managementGroup().name")),
                    )
                })
        }
        1 => c.arg(0).clone(),
        _ => return c.error("too many arguments before the resource type"),
    };
    let mut parts = vec![
        Value::string("/providers/Microsoft.Management/managementGroups/"),
        mg,
    ];
    parts.extend(provider);
    concat_strings(&parts)
}

/// No known type argument: unknown when an argument is unknown (it may be the type), else an error.
fn unknown_or_error(c: &FnCall) -> Value {
    if c.args.iter().any(|a| !a.is_fully_known()) {
        c.unknown_from_args()
    } else {
        c.error("no argument is a resource type ('Namespace/type')")
    }
}

/// A resource ID read back into its parts. Segments may be symbols of unknown values
/// (`⟪parameters('name')⟫`, as shown); which ones are is kept in [`UnknownParts`], never read
/// back from the text. Everything is lower-cased for case-insensitive comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParsedResourceId {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    /// For extension resources: the ID of the resource they extend (lower-cased), else `None`.
    pub parent_scope: Option<Symbol>,
    /// `microsoft.compute/virtualmachines/extensions`
    pub resource_type: String,
    /// One name per type segment after the namespace.
    pub names: Vec<String>,
    /// Which parts hold an unknown fragment.
    pub unknown: UnknownParts,
}

/// The parts of a [`ParsedResourceId`] that are (or contain) unknown fragments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownParts {
    pub subscription: bool,
    pub resource_group: bool,
    /// The namespace or a type segment.
    pub resource_type: bool,
    /// Bit `k` for name `k` (names past the 64th share the last bit).
    pub names: u64,
}

impl UnknownParts {
    pub fn name(&self, k: usize) -> bool {
        self.names & (1 << k.min(63)) != 0
    }
}

impl ParsedResourceId {
    /// True when any part is (or contains) a symbol of an unknown value.
    pub fn is_symbolic(&self) -> bool {
        self.unknown.subscription || self.unknown.resource_group || self.unknown.names != 0
    }
}

/// Split known text on `/`.
pub fn split_segments(s: &str) -> Vec<&str> {
    s.split('/').collect()
}

/// Parse `/subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{type}/{name}...]`
/// (leading slash optional; extension resources `.../providers/X/y/z/providers/A/b/c` keep their
/// parent in `parent_scope`). Returns `None` for text that is not a resource ID.
pub fn parse_resource_id(id: &str) -> Option<ParsedResourceId> {
    parse_id_parts(id, &[])
}

/// [`parse_resource_id`] of a partly known ID.
pub fn parse_resource_id_symbol(id: &Symbol) -> Option<ParsedResourceId> {
    let unknown: Vec<_> = id.unknown_ranges().collect();
    parse_id_parts(id.text(), &unknown)
}

/// [`parse_resource_id`] of a known string or of an unknown's symbol.
pub fn parse_resource_id_value(id: &Value) -> Option<ParsedResourceId> {
    match id {
        Value::String(s) => parse_resource_id(s),
        Value::Unknown(u) => parse_resource_id_symbol(u.symbol.as_ref()?),
        _ => None,
    }
}

fn parse_id_parts(id: &str, unknown: &[std::ops::Range<usize>]) -> Option<ParsedResourceId> {
    // ASCII folding: resource types and names are ASCII; symbols' brackets pass through, and
    // byte offsets stay where they are.
    let trimmed = id.trim();
    let body = trimmed.trim_start_matches('/');
    let offset = id.len() - id.trim_start().len() + (trimmed.len() - body.len());
    let unknown: Vec<std::ops::Range<usize>> = unknown
        .iter()
        .filter_map(|r| Some(r.start.checked_sub(offset)?..r.end.checked_sub(offset)?))
        .collect();
    let lower = body.to_ascii_lowercase();
    let ranges = split_outside(&lower, &unknown, b'/');
    let seg_unknown: Vec<bool> = ranges
        .iter()
        .map(|s| unknown.iter().any(|u| u.start < s.end && s.start < u.end))
        .collect();
    let segs: Vec<&str> = ranges
        .iter()
        .map(|r| lower.get(r.clone()).unwrap_or_default())
        .collect();
    if segs.iter().any(|s| s.is_empty()) {
        return None;
    }
    let is_unknown = |i: usize| seg_unknown.get(i).copied().unwrap_or(false);
    let mut parts = UnknownParts::default();
    let mut i = 0;
    let mut subscription = None;
    let mut resource_group = None;
    if segs.first() == Some(&"subscriptions") {
        subscription = Some(segs.get(1)?.to_string());
        parts.subscription = is_unknown(1);
        i = 2;
        if segs.get(2) == Some(&"resourcegroups") {
            resource_group = Some(segs.get(3)?.to_string());
            parts.resource_group = is_unknown(3);
            i = 4;
        }
    }
    // The last `providers` segment starts the resource's own type; anything between is a parent scope.
    let last_provider = segs
        .iter()
        .enumerate()
        .rposition(|(k, s)| *s == "providers" && !is_unknown(k))?;
    if last_provider < i {
        return None;
    }
    // Segments are contiguous in `lower`, so the parent is the text up to the last one before
    // `providers`, after a `/`.
    let parent_scope = (last_provider > i).then(|| {
        let end = last_provider
            .checked_sub(1)
            .and_then(|k| ranges.get(k))
            .map_or(0, |r| r.end);
        let text = format!("/{}", lower.get(..end).unwrap_or_default());
        let inside: Vec<_> = unknown
            .iter()
            .filter(|u| u.end <= end)
            .map(|u| u.start + 1..u.end + 1)
            .collect();
        Symbol::from_parts(text, &inside)
    });
    let rest = segs.get(last_provider + 1..)?;
    let namespace = rest.first()?;
    parts.resource_type = is_unknown(last_provider + 1);
    if !namespace.contains('.') && !parts.resource_type {
        return None;
    }
    let pairs = rest.get(1..)?;
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return None;
    }
    let mut resource_type = namespace.to_string();
    let mut names = Vec::with_capacity(pairs.len() / 2);
    for (k, pair) in pairs.chunks_exact(2).enumerate() {
        if let [type_segment, name] = pair {
            resource_type.push('/');
            resource_type.push_str(type_segment);
            names.push(name.to_string());
            let type_at = last_provider + 2 + 2 * k;
            parts.resource_type |= is_unknown(type_at);
            if is_unknown(type_at + 1) {
                parts.names |= 1 << k.min(63);
            }
        }
    }
    Some(ParsedResourceId {
        subscription,
        resource_group,
        parent_scope,
        resource_type,
        names,
        unknown: parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::value::SymbolBuilder;

    /// `subscriptions/⟪parameters('a/b')⟫/x/⟪f(⟪g('/')⟫)⟫é/`, built from its pieces.
    fn nested_symbol() -> Symbol {
        let mut b = SymbolBuilder::default();
        b.push_known("subscriptions/");
        b.push_symbol(&Symbol::expression("parameters('a/b')"));
        b.push_known("/x/");
        b.open();
        b.push_known("f(");
        b.push_symbol(&Symbol::expression("g('/')"));
        b.push_known(")");
        b.close();
        b.push_known("é/");
        b.finish()
    }

    #[test]
    fn splits_on_slashes_outside_symbols() {
        let id = nested_symbol();
        let segs: Vec<String> = id
            .split_outside(b'/')
            .iter()
            .map(|s| s.text().to_string())
            .collect();
        assert_eq!(
            segs,
            vec![
                "subscriptions",
                "⟪parameters('a/b')⟫",
                "x",
                "⟪f(⟪g('/')⟫)⟫é",
                ""
            ]
        );
        assert_eq!(split_segments(""), vec![""]);
        assert_eq!(split_segments("a//b"), vec!["a", "", "b"]);
    }

    #[test]
    fn literal_marks_are_text() {
        // A known ID whose text holds the marks is read as known text.
        let p = parse_resource_id(
            "/subscriptions/s/resourceGroups/⟪x⟫/providers/Microsoft.Compute/virtualMachines/vm",
        )
        .unwrap();
        assert!(!p.is_symbolic());
    }

    #[test]
    fn parses_ids_with_and_without_scope() {
        let p = parse_resource_id(
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/capacityReservationGroups/crg/capacityReservations/d2",
        )
        .unwrap();
        assert_eq!(p.subscription.as_deref(), Some("s"));
        assert_eq!(p.resource_group.as_deref(), Some("rg"));
        assert_eq!(
            p.resource_type,
            "microsoft.compute/capacityreservationgroups/capacityreservations"
        );
        assert_eq!(p.names, vec!["crg", "d2"]);

        let p = parse_resource_id(
            "subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm",
        )
        .unwrap();
        assert_eq!(p.names, vec!["vm"]);

        let ext = parse_resource_id(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Insights/diagnosticSettings/d",
        )
        .unwrap();
        assert_eq!(ext.resource_type, "microsoft.insights/diagnosticsettings");
        assert!(
            ext.parent_scope
                .unwrap()
                .text()
                .ends_with("virtualmachines/vm")
        );
    }

    #[test]
    fn symbols_stay_single_segments() {
        let mut b = SymbolBuilder::default();
        b.push_known("/subscriptions/");
        b.push_symbol(&Symbol::expression("subscription().subscriptionid"));
        b.push_known("/resourceGroups/");
        b.push_symbol(&Symbol::expression("x/y"));
        b.push_known("/providers/Microsoft.Compute/virtualMachines/");
        b.push_symbol(&Symbol::expression("parameters('n')"));
        let p = parse_resource_id_symbol(&b.finish()).unwrap();
        assert_eq!(p.resource_group.as_deref(), Some("⟪x/y⟫"));
        assert!(p.is_symbolic());
    }

    #[test]
    fn rejects_non_ids() {
        assert!(parse_resource_id("hello").is_none());
        assert!(parse_resource_id("/providers/Microsoft.Compute/virtualMachines").is_none());
        assert!(parse_resource_id("https://example.com/a/b").is_none());
        assert!(parse_resource_id("").is_none());
    }
}
