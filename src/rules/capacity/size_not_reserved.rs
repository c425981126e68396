use std::collections::BTreeMap;

use super::model::{Consumer, ConsumerKind};
use super::{
    capitalize, consumer_group_path, consumer_label, consumer_size_path, group_label, join_and,
    more_copies,
};
use crate::arm::value::Value;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a virtual machine, or a scale set through its VM profile, that names a capacity
    /// reservation group declared in the template when none of the group's reservations is for
    /// the consumer's VM size (`hardwareProfile.vmSize`, or the scale set's `sku.name`; sizes
    /// compare case-insensitively). The rule only fires when all of the group's reservations are
    /// declared in the analysed files with known sizes.
    ///
    /// ## Why is this bad?
    /// A VM consumes a reservation of its own size only. When the group it names has no
    /// reservation of that size, Azure rejects the association and the deployment fails. This also
    /// happens when a VM is resized: add a reservation for the new size first.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D4s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Modify a capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-modify)
    /// - [Create a capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-create)
    pub SizeNotReserved {
        id: "CRG003",
        name: "size-not-reserved",
        severity: Error,
        category: "capacity",
        summary: "a VM or scale set names a capacity reservation group that has no reservation of its VM size",
    }
}

impl Rule for SizeNotReserved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // One finding per consumer declaration: (first consumer, group, instances).
        let mut unreserved: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
        for (c, con) in model.consumers.iter().enumerate() {
            let (Some(g), Some(size)) = (con.group.group(), con.size.as_deref()) else {
                continue;
            };
            if is_instance_mix(ctx, con) || model.reserves_size(g, size) != Some(false) {
                continue;
            }
            let Some(inst) = ctx.instance(con.node) else {
                continue;
            };
            unreserved
                .entry(inst.decl)
                .and_modify(|e| e.2 += 1)
                .or_insert((c, g, 1));
        }
        for (c, g, count) in unreserved.into_values() {
            if let Some(con) = model.consumers.get(c) {
                out.push(finding(ctx, con, g, count));
            }
        }
    }
}

/// A scale set with instance mix (`sku.name` `Mix` or a `skuProfile`) has no single size; that
/// reservations do not support it at all is CRG008's finding.
fn is_instance_mix(ctx: &RuleContext<'_>, con: &Consumer) -> bool {
    if con.kind != ConsumerKind::ScaleSet {
        return false;
    }
    let Some(inst) = ctx.instance(con.node) else {
        return false;
    };
    con.size
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("Mix"))
        || inst
            .get("properties.skuProfile")
            .is_some_and(|p| !matches!(p, Value::Null))
}

fn finding(ctx: &RuleContext<'_>, con: &Consumer, g: usize, count: usize) -> Finding {
    let model = ctx.capacity();
    let size = con.size.clone().unwrap_or_default();
    let group = group_label(model, g);
    let sizes = model.reserved_sizes(g);
    let reserves = if sizes.is_empty() {
        "which has no capacity reservations".to_string()
    } else {
        format!("which reserves only {}", join_and(&sizes))
    };
    // ` (and 2 more copies)` as `, and 2 more copies` inside the size's parentheses.
    let copies = more_copies(count)
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .to_string();
    let copies = if copies.is_empty() {
        copies
    } else {
        format!(", {copies}")
    };
    let in_profile = if con.kind == ConsumerKind::ScaleSet {
        " in its VM profile"
    } else {
        ""
    };
    let mut related = Vec::new();
    if let Some(n) = model.group(g).and_then(|g| g.node) {
        related.push(RelatedFinding {
            pointer: ctx.decl_pointer(n),
            message: format!("capacity reservation group {group} is declared here"),
        });
    }
    related.push(RelatedFinding {
        pointer: ctx.property_pointer(con.node, consumer_group_path(con)),
        message: format!("{} names group {group}", consumer_label(ctx, con)),
    });
    for r in model.reservations_of(g) {
        let pointer = ctx.property_pointer(r.node, "sku.name");
        if related.iter().any(|x| x.pointer == pointer) {
            continue;
        }
        related.push(RelatedFinding {
            pointer,
            message: format!(
                "reservation '{}' reserves {}",
                r.name,
                r.size.as_deref().unwrap_or("<unknown>")
            ),
        });
    }
    // The reservation to add: in the consumer's zone (one per zone of a zone-spanning scale set,
    // each taking its even share) and with the peak instance count of all the copies.
    // A peak past u64 is unknown: the finding then suggests no quantity.
    let peak = con
        .instances
        .map_or(1, |(_, hi)| hi.max(1))
        .checked_mul(count as u64);
    let zones = con.zones.known().unwrap_or_default();
    let capacity = peak.map_or_else(
        || "<instances per zone>".to_string(),
        |p| p.div_ceil(zones.len().max(1) as u64).to_string(),
    );
    let (zone, others) = match zones {
        [] => (String::new(), String::new()),
        [first, rest @ ..] => (
            format!(", \"zones\": [\"{first}\"]"),
            if rest.is_empty() {
                String::new()
            } else {
                match rest {
                    [one] => format!(" and one like it in zone {one}"),
                    _ => format!(" and one like it in each of zones {}", join_and(rest)),
                }
            },
        ),
    };
    let group_name = model.group(g).map(|g| g.name.clone()).unwrap_or_default();
    // A reservation sits in its group's location: write it as the group does.
    let location = model
        .group(g)
        .and_then(|g| g.node)
        .and_then(|n| ctx.source_text(&ctx.property_pointer(n, "location")))
        .map(|l| {
            let mut q = String::from(", \"location\": ");
            crate::arm::value::write_json_string(&mut q, &l);
            q
        })
        .unwrap_or_default();
    let mut help = format!(
        "add a reservation to group {group}: {{\"type\": \"Microsoft.Compute/capacityReservationGroups/capacityReservations\", \"name\": \"{group_name}/<name>\"{location}, \"sku\": {{\"name\": \"{size}\", \"capacity\": {capacity}}}{zone}}}{others}"
    );
    if !sizes.is_empty() {
        let field = if con.kind == ConsumerKind::ScaleSet {
            "`sku.name`"
        } else {
            "`vmSize`"
        };
        help.push_str(&format!(
            ", or change {field} to a reserved size ({})",
            sizes.join(", ")
        ));
    }
    Finding {
        instance: con.node,
        pointer: ctx.property_pointer(con.node, consumer_size_path(con)),
        message: format!(
            "{} ({size}{copies}) names capacity reservation group {group}{in_profile}, {reserves}; Azure rejects the association",
            capitalize(&consumer_label(ctx, con)),
        ),
        help: Some(help),
        related,
        severity: None,
    }
}
