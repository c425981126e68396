//! Capacity reservation and scale set membership rules, and the model they share
//! (capacity-reservations spec, section 3).

pub mod duplicate_reservation;
pub mod fault_domain_count;
pub mod flex_vm_crg_mismatch;
pub mod flex_vm_missing_crg;
pub mod invalid_crg_reference;
pub mod location_mismatch;
pub mod member_of_non_flexible;
pub mod member_placement;
pub mod member_zone_mismatch;
pub mod over_reserved;
pub mod reservation_not_associated;
pub mod reservation_zone_invalid;
pub mod single_placement_group;
pub mod size_not_reserved;
pub mod uneven_zone_reservation;
pub mod unreserved_burst;
pub mod unsupported_combination;
pub mod vm_series;
pub mod zone_mismatch;

use crate::arm::graph::{ResourceGraph, Target};
use crate::arm::template::ResourceInstance;
use crate::arm::value::Tri;

/// The capacity model the capacity rules read (built in `crate::capacity`).
pub use crate::capacity::model;
pub use crate::capacity::{Orchestration, SCALE_SETS, VIRTUAL_MACHINES, declared_orchestration};

/// A VM that takes part in the deployment (not `existing`, not excluded by a condition).
pub fn is_deployed_vm(inst: &ResourceInstance) -> bool {
    inst.is_type(VIRTUAL_MACHINES) && !inst.existing && inst.deployed != Tri::False
}

/// The scale set a VM joins (`properties.virtualMachineScaleSet.id`), when it resolves with
/// certainty to a declared scale set.
pub fn member_scale_set(graph: &ResourceGraph, vm: &ResourceInstance) -> Option<usize> {
    let id = vm.get("properties.virtualMachineScaleSet.id")?;
    match graph.resolve(&id) {
        Target::Node {
            index,
            certain: true,
        } => graph
            .instances()
            .get(index)
            .filter(|s| s.is_type(SCALE_SETS))
            .map(|_| index),
        _ => None,
    }
}

/// The deployed VMs that join a scale set declared here (not `existing`): (VM index, VM,
/// scale set index, scale set).
pub fn memberships<'g>(
    graph: &'g ResourceGraph,
) -> impl Iterator<Item = (usize, &'g ResourceInstance, usize, &'g ResourceInstance)> + 'g {
    graph
        .instances()
        .iter()
        .enumerate()
        .filter(|(_, vm)| is_deployed_vm(vm))
        .filter_map(move |(i, vm)| {
            let ss = member_scale_set(graph, vm)?;
            let set = graph.instances().get(ss).filter(|s| !s.existing)?;
            Some((i, vm, ss, set))
        })
}

/// [`memberships`] of scale sets not declared Uniform: a VM cannot join a Uniform set at all,
/// which is VMSS001's finding and nobody else's.
pub fn flexible_memberships<'g>(
    graph: &'g ResourceGraph,
) -> impl Iterator<Item = (usize, &'g ResourceInstance, usize, &'g ResourceInstance)> + 'g {
    memberships(graph)
        .filter(|(_, _, _, set)| declared_orchestration(set) != Some(Orchestration::Uniform))
}

/// A group for messages: `'crg'`.
pub fn group_label(model: &model::CapacityModel, g: usize) -> String {
    match model.group(g) {
        Some(group) => format!("'{}'", group.name),
        None => "'<unknown>'".into(),
    }
}

/// The ID expression to write for group `g`: the one the template already uses at `path` of
/// `node` when it is a plain string there, else `resourceId(...)` of a declared group, else the
/// referenced ID.
pub fn group_id_expression(
    ctx: &crate::rules::RuleContext<'_>,
    node: usize,
    path: &str,
    g: usize,
) -> String {
    if let Some(text) = ctx.source_text(&ctx.property_pointer(node, path)) {
        return text;
    }
    let model = ctx.capacity();
    match model.group(g) {
        Some(group) if group.node.is_some() => {
            let name = group
                .node
                .and_then(|n| ctx.source_text(&format!("{}/name", ctx.decl_pointer(n))))
                .filter(|n| !n.starts_with('['))
                .map(|n| format!("'{}'", n.replace('\'', "''")))
                .unwrap_or_else(|| format!("'{}'", group.name.replace('\'', "''")));
            format!("[resourceId('{}', {name})]", model::GROUPS)
        }
        Some(group) => group.id.text().to_string(),
        None => String::new(),
    }
}

/// Help text: the `capacityReservation` object to add under `under` (`properties`, or
/// `properties.virtualMachineProfile`), with the group's ID expression.
pub fn association_help(
    ctx: &crate::rules::RuleContext<'_>,
    node: usize,
    path: &str,
    g: usize,
    under: &str,
) -> String {
    let id = group_id_expression(ctx, node, path, g);
    let mut quoted = String::new();
    crate::arm::value::write_json_string(&mut quoted, &id);
    format!(
        "add to `{under}`: \"capacityReservation\": {{\"capacityReservationGroup\": {{\"id\": {quoted}}}}}"
    )
}

/// ` (and 2 more copies)` for a finding that stands for `count` instances of one declaration.
pub fn more_copies(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        2 => " (and 1 more copy)".into(),
        n => format!(" (and {} more copies)", n - 1),
    }
}

/// A consumer for messages: `VM 'vm1'`, `scale set 'ss'` (see [`capitalize`] to start a sentence).
pub fn consumer_label(ctx: &crate::rules::RuleContext<'_>, con: &model::Consumer) -> String {
    let what = match con.kind {
        model::ConsumerKind::ScaleSet => "scale set",
        _ => "VM",
    };
    format!("{what} '{}'", ctx.display_name(con.node))
}

/// The text with its first letter upper-cased.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where a consumer names its group: the VM's own property, or the scale set's VM profile.
pub fn consumer_group_path(con: &model::Consumer) -> &'static str {
    match con.kind {
        model::ConsumerKind::ScaleSet => model::PROFILE_GROUP_PATH,
        _ => model::VM_GROUP_PATH,
    }
}

/// Where a consumer's size is written: `hardwareProfile.vmSize`, or the scale set's `sku.name`.
pub fn consumer_size_path(con: &model::Consumer) -> &'static str {
    match con.kind {
        model::ConsumerKind::ScaleSet => "sku.name",
        _ => "properties.hardwareProfile.vmSize",
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}
