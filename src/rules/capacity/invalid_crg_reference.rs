use std::collections::BTreeMap;

use super::model::{GROUPS, GroupRef, PROFILE_GROUP_PATH, VM_GROUP_PATH};
use crate::arm::functions::parse_resource_id_symbol;
use crate::arm::graph::Target;
use crate::arm::value::{Piece, Symbol, UnknownReason, Value};
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `capacityReservationGroup.id` (of a VM, or of a scale set's VM profile) that
    /// evaluates to an empty string, or to a resource ID that is not a capacity reservation group's:
    /// the ID of one of the group's reservations, of an availability set, or with a misspelt type
    /// such as the singular `Microsoft.Compute/CapacityReservationGroup`. A `null` ID is not
    /// reported: it means "no association".
    ///
    /// ## Why is this bad?
    /// Azure accepts only the resource ID of a capacity reservation group
    /// (`Microsoft.Compute/capacityReservationGroups`) there and rejects the deployment otherwise.
    /// A VM is associated with the group, never with one of its reservations: Azure picks the
    /// reservation that matches the VM's size and zone.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups/capacityReservations', 'crg', 'd2')]"}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Associate a VM to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-vm)
    /// - [Associate a virtual machine scale set to Uniform Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    /// - [Remove a VM association from a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-remove-vm)
    pub InvalidCrgReference {
        id: "CRG015",
        name: "invalid-crg-reference",
        severity: Error,
        category: "capacity",
        summary: "a capacity reservation group reference is an empty string or not a capacity reservation group ID",
    }
}

const RESERVATION_TYPE: &str = "microsoft.compute/capacityreservationgroups/capacityreservations";

/// One bad reference: the first instance of a declaration and how many instances share it.
struct BadRef {
    node: usize,
    count: usize,
    path: &'static str,
    what: &'static str,
    group: GroupRef,
}

impl Rule for InvalidCrgReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        let bad = |g: &GroupRef| matches!(g, GroupRef::Empty | GroupRef::NotAGroup(_));
        let mut refs: Vec<(usize, &'static str, &'static str, &GroupRef)> = Vec::new();
        for con in &model.consumers {
            // Scale sets come from `scale_sets` below (also those without profile instances).
            if con.kind != super::model::ConsumerKind::ScaleSet && bad(&con.group) {
                refs.push((con.node, VM_GROUP_PATH, "VM", &con.group));
            }
        }
        for set in &model.scale_sets {
            let existing = ctx.instance(set.node).is_none_or(|i| i.existing);
            if !existing && bad(&set.profile_group) {
                refs.push((
                    set.node,
                    PROFILE_GROUP_PATH,
                    "scale set",
                    &set.profile_group,
                ));
            }
        }
        // One finding per declaration, counting its instances.
        let mut by_decl: BTreeMap<usize, BadRef> = BTreeMap::new();
        for (node, path, what, group) in refs {
            let Some(inst) = ctx.instance(node) else {
                continue;
            };
            by_decl
                .entry(inst.decl)
                .and_modify(|b| b.count += 1)
                .or_insert_with(|| BadRef {
                    node,
                    count: 1,
                    path,
                    what,
                    group: group.clone(),
                });
        }
        for b in by_decl.into_values() {
            out.push(finding(ctx, &b));
        }
    }
}

fn finding(ctx: &RuleContext<'_>, b: &BadRef) -> Finding {
    let name = ctx.display_name(b.node);
    let copies = super::more_copies(b.count);
    let owner = format!("{} '{name}'{copies}", b.what);
    let mut related = Vec::new();
    let (message, fix) = match &b.group {
        GroupRef::NotAGroup(text) => {
            let (is, fix) = describe(ctx, b.node, text);
            related = declared_targets(ctx, text);
            (
                format!(
                    "`capacityReservationGroup.id` of {owner} must be a capacity reservation group ID; {is}"
                ),
                fix,
            )
        }
        _ => (
            format!(
                "`capacityReservationGroup.id` of {owner} is an empty string, which Azure rejects; it must be a capacity reservation group ID, or null for no association"
            ),
            None,
        ),
    };
    let id = fix.or_else(|| only_declared_group(ctx, b.node));
    let help = match id {
        Some(id) => format!(
            "set `{}` to \"{id}\", or to null (or remove `capacityReservation`) for no association",
            b.path
        ),
        None => format!(
            "set `{}` to the group's ID, \"[resourceId('{GROUPS}', '<group name>')]\", or to null (or remove `capacityReservation`) for no association",
            b.path
        ),
    };
    Finding {
        instance: b.node,
        pointer: ctx.property_pointer(b.node, b.path),
        message,
        help: Some(help),
        related,
        severity: None,
    }
}

/// What the ID is instead of a group's, and the group ID expression to write when the ID itself
/// says which group was meant.
fn describe(ctx: &RuleContext<'_>, node: usize, id: &Symbol) -> (String, Option<String>) {
    let text = id.text();
    let Some(parsed) = parse_resource_id_symbol(id) else {
        let scalar = text.parse::<f64>().is_ok() || text == "true" || text == "false";
        if !scalar && !text.starts_with(['{', '[', '"']) && !text.contains('/') {
            // A group's name where its ID belongs.
            let shown = display_text(id);
            return (
                format!("'{shown}' is a name, not a resource ID"),
                Some(group_expression(ctx, node, None, None, &arg_expression(id))),
            );
        }
        return (format!("'{}' is not a resource ID", display_text(id)), None);
    };
    let shown = display_id(id);
    let original = original_segments(id);
    let scope = |i: usize| original.get(i).cloned();
    let (sub, rg) = match original.first() {
        Some(s) if is_keyword(s, "subscriptions") => (
            scope(1),
            original
                .get(2)
                .filter(|s| is_keyword(s, "resourceGroups"))
                .and_then(|_| scope(3)),
        ),
        _ => (None, None),
    };
    let providers = original.iter().rposition(|s| is_keyword(s, "providers"));
    // The first name after the namespace: the group's name for a reservation or a misspelt type.
    let first_name = providers
        .and_then(|p| original.get(p + 3))
        .map(arg_expression);
    let ty = parsed.resource_type.as_str();
    let group_fix = |name: Option<String>| {
        name.map(|n| group_expression(ctx, node, sub.clone(), rg.clone(), &n))
    };
    let original_type = providers
        .map(|p| {
            let mut t = original
                .get(p + 1)
                .map(|s| s.text().to_string())
                .unwrap_or_default();
            let mut i = p + 2;
            while let Some(seg) = original.get(i) {
                t.push('/');
                t.push_str(seg.text());
                i += 2;
            }
            t
        })
        .unwrap_or_else(|| parsed.resource_type.clone());
    match ty {
        RESERVATION_TYPE => {
            // The group is the reservation's parent: resolve it to reuse a declared group's name.
            let parent = parent_id(id);
            let declared = parent.and_then(|p| declared_group_expression(ctx, node, &p));
            (
                format!("'{shown}' is a capacity reservation, not its group"),
                declared.or_else(|| group_fix(first_name)),
            )
        }
        _ if ty.ends_with("/capacityreservationgroup") => (
            format!(
                "'{shown}' names the type '{original_type}', which does not exist (the group type is '{GROUPS}', plural)"
            ),
            group_fix(first_name),
        ),
        _ => (
            format!("'{shown}' is {}", kind_of(ty, &original_type)),
            None,
        ),
    }
}

fn kind_of(ty: &str, original: &str) -> String {
    let known = match ty {
        "microsoft.compute/availabilitysets" => "an availability set",
        "microsoft.compute/proximityplacementgroups" => "a proximity placement group",
        "microsoft.compute/hostgroups" => "a dedicated host group",
        "microsoft.compute/hostgroups/hosts" => "a dedicated host",
        "microsoft.compute/virtualmachines" => "a virtual machine",
        "microsoft.compute/virtualmachinescalesets" => "a virtual machine scale set",
        RESERVATION_TYPE => "a capacity reservation",
        "microsoft.compute/capacityreservationgroups" => "a capacity reservation group",
        _ => return format!("a resource of type '{original}'"),
    };
    known.to_string()
}

/// The ID of a child resource's parent: the ID without its last type and name segments.
fn parent_id(id: &Symbol) -> Option<Symbol> {
    let segs = id.split_ranges(b'/');
    let keep = segs.len().checked_sub(2)?;
    let end = keep
        .checked_sub(1)
        .and_then(|k| segs.get(k))
        .map_or(0, |r| r.end);
    Some(id.slice(0..end))
}

/// A segment that is the known keyword `word` (any case).
fn is_keyword(seg: &Symbol, word: &str) -> bool {
    !seg.has_unknown() && seg.text().eq_ignore_ascii_case(word)
}

/// Related locations for an ID that names a resource declared here (the reservation it points
/// at, and that reservation's group), so the report shows both ends.
fn declared_targets(ctx: &RuleContext<'_>, id: &Symbol) -> Vec<RelatedFinding> {
    let mut out = Vec::new();
    let Target::Node { index, .. } = ctx.graph.resolve(&id_value(id)) else {
        return out;
    };
    let Some(inst) = ctx.instance(index) else {
        return out;
    };
    let ty = inst.resource_type.to_ascii_lowercase();
    out.push(RelatedFinding {
        pointer: ctx.decl_pointer(index),
        message: format!(
            "the ID names {}, declared here",
            kind_of(&ty, &inst.resource_type)
        ),
    });
    if ty == RESERVATION_TYPE
        && let Some(g) = parent_id(id).and_then(|p| match ctx.graph.resolve(&id_value(&p)) {
            Target::Node { index, .. } => Some(index),
            _ => None,
        })
    {
        out.push(RelatedFinding {
            pointer: ctx.decl_pointer(g),
            message: "its capacity reservation group, declared here".into(),
        });
    }
    out
}

/// A value whose ID is `id` (unknown parts kept), for [`ResourceGraph::resolve`].
fn id_value(id: &Symbol) -> Value {
    if id.has_unknown() {
        Value::unknown(UnknownReason::Context("the ID".into()), Some(id.clone()))
    } else {
        Value::string(id.text())
    }
}

/// The expression of a declared group whose ID is `text`, when it resolves to one.
fn declared_group_expression(ctx: &RuleContext<'_>, node: usize, id: &Symbol) -> Option<String> {
    let Target::Node { index, .. } = ctx.graph.resolve(&id_value(id)) else {
        return None;
    };
    let model = ctx.capacity();
    let g = model.groups.iter().position(|g| g.node == Some(index))?;
    declared_group_id(ctx, node, g)
}

/// When the template declares exactly one capacity reservation group, its ID expression.
fn only_declared_group(ctx: &RuleContext<'_>, node: usize) -> Option<String> {
    let model = ctx.capacity();
    let mut declared = model
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.node.is_some());
    let (g, _) = declared.next()?;
    if declared.next().is_some() {
        return None;
    }
    declared_group_id(ctx, node, g)
}

/// `[resourceId('Microsoft.Compute/capacityReservationGroups', <name>)]` for declared group `g`,
/// written for the consumer `node`: the group's name expression when both are in the same
/// deployment (so its parameters are in scope), else its evaluated name.
fn declared_group_id(ctx: &RuleContext<'_>, node: usize, g: usize) -> Option<String> {
    let model = ctx.capacity();
    let group = model.group(g)?;
    let gn = group.node?;
    let same_deployment =
        ctx.instance(gn).map(|i| i.deployment) == ctx.instance(node).map(|i| i.deployment);
    let written = ctx.source_text(&format!("{}/name", ctx.decl_pointer(gn)));
    let name = match written {
        Some(w) if !w.starts_with('[') => quote(&w),
        Some(w) if same_deployment && !w.starts_with("[[") => w
            .strip_prefix('[')
            .and_then(|w| w.strip_suffix(']'))
            .map(|e| e.trim().to_string())?,
        _ => quote(ctx.instance(gn)?.name_str()?),
    };
    Some(group_expression(ctx, node, None, None, &name))
}

/// `[resourceId(<subscription>, <resource group>, 'Microsoft.Compute/capacityReservationGroups', name)]`,
/// leaving out the scope arguments that are the consumer's own deployment scope.
fn group_expression(
    ctx: &RuleContext<'_>,
    node: usize,
    sub: Option<Symbol>,
    rg: Option<Symbol>,
    name: &str,
) -> String {
    let scope = ctx
        .instance(node)
        .and_then(|i| ctx.graph.expansion.deployments.get(i.deployment))
        .map(|d| d.scope.clone());
    let own = |seg: &Option<Symbol>, mine: Option<&Value>| -> bool {
        let (Some(seg), Some(mine)) = (seg, mine) else {
            return seg.is_none();
        };
        let mine = match mine {
            Value::String(s) => Symbol::known(s),
            Value::Unknown(u) => u.symbol.clone().unwrap_or_default(),
            _ => return false,
        };
        seg.to_ascii_lowercase() == mine.to_ascii_lowercase()
    };
    let same_sub = own(&sub, scope.as_ref().map(|s| &s.subscription_id));
    let same_rg = own(&rg, scope.as_ref().and_then(|s| s.resource_group.as_ref()));
    let mut args = Vec::new();
    if !same_sub && let Some(s) = &sub {
        args.push(arg_expression(s));
    }
    if !(same_sub && same_rg)
        && let Some(r) = &rg
    {
        args.push(arg_expression(r));
    }
    args.push(format!("'{GROUPS}'"));
    args.push(name.to_string());
    format!("[resourceId({})]", args.join(", "))
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An ID segment as an ARM expression argument: `'crg'`, `parameters('name')`, or a `concat` of
/// literal text and unknown fragments.
fn arg_expression(seg: &Symbol) -> String {
    let mut parts: Vec<String> = Vec::new();
    for piece in seg.pieces() {
        match piece {
            Piece::Unknown(expr) => parts.push(expr.to_string()),
            Piece::Known(text) => parts.push(quote(text)),
        }
    }
    match parts.len() {
        0 => "''".into(),
        1 => parts.pop().unwrap_or_default(),
        _ => format!("concat({})", parts.join(", ")),
    }
}

/// Text for messages: unknown fragments shown as the expressions they stand for.
fn display_text(s: &Symbol) -> String {
    s.pieces()
        .into_iter()
        .map(|piece| match piece {
            Piece::Unknown(expr) => format!("[{expr}]"),
            Piece::Known(text) => text.to_string(),
        })
        .collect()
}

/// An ID for messages, from the resource type on: `…/capacityReservationGroups/crg/capacityReservations/d2`.
fn display_id(id: &Symbol) -> String {
    let body = trimmed_id(id);
    let segs = body.split_ranges(b'/');
    let providers = segs
        .iter()
        .rposition(|r| is_keyword(&body.slice(r.clone()), "providers"));
    let rest = providers.and_then(|p| segs.get(p + 2..));
    match rest.and_then(|r| Some((r.first()?, r.last()?))) {
        Some((first, last)) => format!("…/{}", display_text(&body.slice(first.start..last.end))),
        None => display_text(id),
    }
}

/// The ID without surrounding white space and leading slashes.
fn trimmed_id(id: &Symbol) -> Symbol {
    let text = id.text();
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let body = trimmed.trim_start_matches('/');
    let start = start + (trimmed.len() - body.len());
    id.slice(start..start + body.len())
}

/// The segments of an ID as written (case kept), without a leading slash.
fn original_segments(id: &Symbol) -> Vec<Symbol> {
    trimmed_id(id).split_outside(b'/')
}
