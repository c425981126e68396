//! Resource functions: resourceId and its scoped variants, reference, references, list*, pickZones,
//! providers; and [`parse_resource_id`], which reads IDs back (also partially known ones).

use super::{FnCall, FunctionDef, concat_strings};
use crate::arm::value::{SYM_CLOSE, SYM_OPEN, UnknownReason, Value};

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
                        Some(format!("{SYM_OPEN}managementGroup().name{SYM_CLOSE}")),
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
/// (`⟪parameters('name')⟫`). Everything is lower-cased for case-insensitive comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParsedResourceId {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    /// For extension resources: the ID of the resource they extend (lower-cased), else `None`.
    pub parent_scope: Option<String>,
    /// `microsoft.compute/virtualmachines/extensions`
    pub resource_type: String,
    /// One name per type segment after the namespace.
    pub names: Vec<String>,
}

impl ParsedResourceId {
    /// True when any part is (or contains) a symbol of an unknown value.
    pub fn is_symbolic(&self) -> bool {
        let has = |s: &str| s.contains(SYM_OPEN);
        self.subscription.as_deref().is_some_and(has)
            || self.resource_group.as_deref().is_some_and(has)
            || self.names.iter().any(|n| has(n))
    }
}

/// Split on `/` outside symbol brackets.
pub fn split_segments(s: &str) -> Vec<&str> {
    // Bytes, not chars: IDs are hot. The symbol brackets are three-byte characters; `/` never
    // occurs inside a multi-byte character, so slicing at it is always on a boundary.
    const OPEN: &[u8] = "⟪".as_bytes();
    const CLOSE: &[u8] = "⟫".as_bytes();
    debug_assert!(SYM_OPEN.len_utf8() == 3 && SYM_CLOSE.len_utf8() == 3);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(8);
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'/' {
            if depth == 0 {
                out.push(s.get(start..i).unwrap_or_default());
                start = i + 1;
            }
        } else if OPEN.first() == Some(&b) {
            let rest = bytes.get(i..).unwrap_or_default();
            if rest.starts_with(OPEN) {
                depth += 1;
            } else if rest.starts_with(CLOSE) {
                depth = depth.saturating_sub(1);
            }
        }
        i += 1;
    }
    out.push(s.get(start..).unwrap_or_default());
    out
}

/// Parse `/subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{type}/{name}...]`
/// (leading slash optional; extension resources `.../providers/X/y/z/providers/A/b/c` keep their
/// parent in `parent_scope`). Returns `None` for text that is not a resource ID.
pub fn parse_resource_id(id: &str) -> Option<ParsedResourceId> {
    // ASCII folding: resource types and names are ASCII; symbols' brackets pass through.
    let lower = id.trim().to_ascii_lowercase();
    let segs: Vec<&str> = split_segments(lower.trim_start_matches('/'));
    if segs.iter().any(|s| s.is_empty()) {
        return None;
    }
    let mut i = 0;
    let mut subscription = None;
    let mut resource_group = None;
    if segs.first() == Some(&"subscriptions") {
        subscription = Some(segs.get(1)?.to_string());
        i = 2;
        if segs.get(2) == Some(&"resourcegroups") {
            resource_group = Some(segs.get(3)?.to_string());
            i = 4;
        }
    }
    // The last `providers` segment starts the resource's own type; anything between is a parent scope.
    let last_provider = segs.iter().rposition(|s| *s == "providers")?;
    if last_provider < i {
        return None;
    }
    let parent_scope = (last_provider > i)
        .then(|| format!("/{}", segs.get(..last_provider).unwrap_or(&[]).join("/")));
    let rest = segs.get(last_provider + 1..)?;
    let namespace = rest.first()?;
    if !namespace.contains('.') && !namespace.contains(SYM_OPEN) {
        return None;
    }
    let pairs = rest.get(1..)?;
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return None;
    }
    let mut resource_type = namespace.to_string();
    let mut names = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks_exact(2) {
        if let [type_segment, name] = pair {
            resource_type.push('/');
            resource_type.push_str(type_segment);
            names.push(name.to_string());
        }
    }
    Some(ParsedResourceId {
        subscription,
        resource_group,
        parent_scope,
        resource_type,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_slashes_outside_symbols() {
        let sym = format!("{SYM_OPEN}parameters('a/b'){SYM_CLOSE}");
        let id =
            format!("subscriptions/{sym}/x/{SYM_OPEN}f({SYM_OPEN}g('/'){SYM_CLOSE}){SYM_CLOSE}é/");
        let segs = split_segments(&id);
        assert_eq!(
            segs,
            vec![
                "subscriptions",
                sym.as_str(),
                "x",
                format!("{SYM_OPEN}f({SYM_OPEN}g('/'){SYM_CLOSE}){SYM_CLOSE}é").as_str(),
                ""
            ]
        );
        assert_eq!(split_segments(""), vec![""]);
        assert_eq!(split_segments("a//b"), vec!["a", "", "b"]);
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
        assert!(ext.parent_scope.unwrap().ends_with("virtualmachines/vm"));
    }

    #[test]
    fn symbols_stay_single_segments() {
        let p = parse_resource_id(
            "/subscriptions/⟪subscription().subscriptionid⟫/resourceGroups/⟪x/y⟫/providers/Microsoft.Compute/virtualMachines/⟪parameters('n')⟫",
        )
        .unwrap();
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
