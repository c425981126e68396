use std::collections::BTreeMap;

use super::model::Reservation;
use super::more_copies;
use crate::arm::value::Tri;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a capacity reservation with the same VM size (`sku.name`, case-insensitive) and the
    /// same zone (or both without zone) as another reservation of the same group, including
    /// iterations of a copy loop that evaluate to the same size and zone.
    ///
    /// ## Why is this bad?
    /// A capacity reservation group holds one reservation per VM size and zone (one per size in a
    /// group without zones). Azure rejects the second reservation; to reserve more instances,
    /// raise the quantity (`sku.capacity`) of the first one.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2b", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "standard_d2s_v3", "capacity": 1},
    ///    "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1", "2"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2b", "location": "eastus", "zones": ["2"],
    ///    "sku": {"name": "standard_d2s_v3", "capacity": 1},
    ///    "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Create a capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-create)
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    pub DuplicateReservation {
        id: "CRG007",
        name: "duplicate-reservation",
        severity: Error,
        category: "capacity",
        summary: "two capacity reservations of one group have the same VM size and zone",
    }
}

impl Rule for DuplicateReservation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // The first reservation of each (group, size, zone); only certainly deployed ones count,
        // since two conditional reservations may be alternatives.
        let mut first: BTreeMap<(usize, String, Option<&str>), &Reservation> = BTreeMap::new();
        // One finding per declaration of a second reservation: (second, first, instances).
        let mut by_decl: BTreeMap<usize, (&Reservation, &Reservation, usize)> = BTreeMap::new();
        for r in &model.reservations {
            if r.deployed != Tri::True {
                continue;
            }
            let (Some(g), Some(size), Some(zone)) = (r.group, &r.size, r.zone()) else {
                continue;
            };
            let key = (g, size.to_ascii_lowercase(), zone);
            let Some(&earlier) = first.get(&key) else {
                first.insert(key, r);
                continue;
            };
            // The same resource declared again (a module redeploying it) is not a second one.
            if earlier.name.eq_ignore_ascii_case(&r.name) {
                continue;
            }
            let Some(inst) = ctx.instance(r.node) else {
                continue;
            };
            by_decl
                .entry(inst.decl)
                .and_modify(|e| e.2 += 1)
                .or_insert((r, earlier, 1));
        }
        for (second, earlier, count) in by_decl.into_values() {
            out.push(finding(ctx, second, earlier, count));
        }
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    second: &Reservation,
    earlier: &Reservation,
    count: usize,
) -> Finding {
    let model = ctx.capacity();
    let group = earlier
        .group
        .map(|g| super::group_label(model, g))
        .unwrap_or_else(|| "'<unknown>'".into());
    let size = earlier.size.as_deref().unwrap_or_default();
    let zone = earlier.zone().flatten();
    let (what, where_) = match zone {
        Some(z) => (
            format!("a {size} reservation in zone {z}"),
            format!("in zone {z}"),
        ),
        None => (
            format!("a {size} reservation without zone"),
            "without zone".to_string(),
        ),
    };
    let first_name = ctx.display_name(earlier.node);
    let second_name = ctx.display_name(second.node);
    let same_declaration =
        ctx.instance(earlier.node).map(|i| i.decl) == ctx.instance(second.node).map(|i| i.decl);
    let help = if same_declaration {
        format!(
            "give each copy of this reservation its own size or zone, or declare one reservation for {size} {where_} with the total quantity in `sku.capacity`"
        )
    } else {
        let quantity = second
            .capacity
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        format!(
            "add this reservation's quantity{quantity} to `sku.capacity` of '{first_name}' and remove '{second_name}', or move it to another size or zone"
        )
    };
    Finding {
        instance: second.node,
        pointer: ctx.decl_pointer(second.node),
        message: format!(
            "Group {group} already has {what} ('{first_name}'); '{second_name}'{} would be a second one, which Azure rejects",
            more_copies(count)
        ),
        help: Some(help),
        related: vec![RelatedFinding {
            pointer: ctx.property_pointer(earlier.node, "sku.name"),
            message: format!("'{first_name}' reserves {size} {where_}"),
        }],
        severity: None,
    }
}
