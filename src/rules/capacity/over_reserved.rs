use super::model::{CapacityModel, GroupRef, Key, Reservation};
use crate::arm::value::Tri;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a capacity reservation that reserves more instances than the analysed templates can
    /// run on it at their peak, or that nothing uses at all. It only speaks when the group is
    /// declared in the analysed files with all its reservations (closed world), is not shared
    /// with other subscriptions, and every consumer of the group is fully known.
    ///
    /// ## Why is this bad?
    /// A reservation is billed at the VM size's rate whether or not VMs use it. Reserved capacity
    /// above the expected peak, or a reservation no VM names (consumption is opt-in), is pure cost;
    /// the instance view calls this state "reserved capacity available" and suggests reducing it.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 10}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
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
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 1}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Overallocate capacity reservation: states and considerations](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overallocate)
    /// - [On-demand capacity reservation: pricing and billing](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    pub OverReserved {
        id: "CRG013",
        name: "over-reserved",
        severity: Note,
        category: "capacity",
        summary: "a reservation holds more instances than the templates run on it at peak, or nothing uses it",
    }
}

impl Rule for OverReserved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // Idle instances of a reservation that differs from its zone siblings are CRG012's.
        let uneven: Vec<usize> = model
            .consumers
            .iter()
            .filter_map(|c| super::uneven_zone_reservation::uneven(model, c))
            .flatten()
            .map(|(_, _, r)| r.node)
            .collect();
        for r in &model.reservations {
            if r.deployed != Tri::True || uneven.contains(&r.node) {
                continue;
            }
            let (Some(g), Some(size), Some(zone), Some(cap)) =
                (r.group, &r.size, r.zone(), r.capacity)
            else {
                continue;
            };
            let Some(group) = model.group(g) else {
                continue;
            };
            // Other deployments or subscriptions may consume what this template does not.
            if !group.closed || group.shared != Some(false) {
                continue;
            }
            if model.incomplete_groups.get(g).copied().unwrap_or(true) {
                continue;
            }
            let key: Key = (g, size.to_ascii_lowercase(), zone.map(String::from));
            let Some(d) = model.demand.get(&key) else {
                continue;
            };
            let Some((reserved, _)) = model.reserved(&key) else {
                continue;
            };
            // One finding per key, on its first reservation (duplicates are CRG007's).
            if model
                .first_reservation_for(&key)
                .is_some_and(|first| first.node != r.node)
            {
                continue;
            }
            let cap = u64::try_from(cap).unwrap_or(0);
            if !d.complete || reserved <= d.max || cap == 0 {
                continue;
            }
            // Consumers of the same size and place that name no group (CRG001, CRG014), or that
            // name this group with a size or zone it does not reserve (CRG003, CRG005), explain
            // the idle capacity better than a cost note.
            if has_unassociated_match(model, r) != Some(false) || misses_reservations(model, g) {
                continue;
            }
            if d.consumers.is_empty() {
                out.push(unused(ctx, r, size));
            } else {
                out.push(over(ctx, model, r, size, reserved, d.max, &d.consumers));
            }
        }
        over_reserved_from_views(ctx, model, out);
    }
}

/// Groups the template only references, known from an instance view: a reservation above what
/// the template and the VMs allocated now can use, reported where the template names the group.
fn over_reserved_from_views(ctx: &RuleContext<'_>, model: &CapacityModel, out: &mut Vec<Finding>) {
    for (g, group) in model.groups.iter().enumerate() {
        let Some(view) = &group.view else {
            continue;
        };
        if !group.closed
            || group.shared != Some(false)
            || model.incomplete_groups.get(g).copied().unwrap_or(true)
        {
            continue;
        }
        for r in &view.reservations {
            let (Some(size), Some(zone), Some(cap)) = (&r.size, &r.zone, r.capacity) else {
                continue;
            };
            let key: Key = (g, size.to_ascii_lowercase(), zone.clone());
            let Some(d) = model.demand.get(&key) else {
                continue;
            };
            // Only where this template uses the reservation: the rest is not its business.
            let Some(con) = d
                .consumers
                .first()
                .and_then(|&(c, _, _)| model.consumers.get(c))
            else {
                continue;
            };
            let Some((reserved, _)) = model.reserved(&key) else {
                continue;
            };
            if !d.complete || reserved <= d.max || cap == 0 || misses_reservations(model, g) {
                continue;
            }
            let idle = reserved - d.max;
            let path = if con.kind == super::model::ConsumerKind::ScaleSet {
                super::model::PROFILE_GROUP_PATH
            } else {
                super::model::VM_GROUP_PATH
            };
            out.push(Finding {
                instance: con.node,
                pointer: ctx.property_pointer(con.node, path),
                message: format!(
                    "reservation '{}/{}' reserves {reserved} {size} (instance view {}) but at most {} instance{} {} expected to use it, with the VMs allocated now; {idle} reserved instance{} {} billed without use",
                    group.name,
                    r.name,
                    view.file,
                    d.max,
                    if d.max == 1 { "" } else { "s" },
                    if d.max == 1 { "is" } else { "are" },
                    if idle == 1 { "" } else { "s" },
                    if idle == 1 { "is" } else { "are" },
                ),
                help: Some(format!(
                    "lower the reservation's capacity to {} (the expected peak), unless other deployments use the group",
                    d.max
                )),
                related: Vec::new(),
                severity: None,
            });
        }
    }
}

/// Whether a consumer names group `g` but cannot use it: another location (CRG004), or a size or
/// zone it has no reservation for (CRG003, CRG005).
fn misses_reservations(model: &CapacityModel, g: usize) -> bool {
    let elsewhere = model.groups.get(g).is_some_and(|group| {
        model.consumers.iter().any(|c| {
            c.group == GroupRef::Group(g) && group.location.same(&c.location) == Some(false)
        })
    });
    elsewhere
        || model.demand.iter().any(|(key, d)| {
            key.0 == g
                && !d.consumers.is_empty()
                && model.reservations_for(key).is_empty()
                && !model.view_reserves(key)
        })
}

/// Whether a consumer of the reservation's size, location and zone names no group (`None` when
/// an attribute is unknown on either side).
fn has_unassociated_match(model: &CapacityModel, r: &Reservation) -> Option<bool> {
    let mut unknown = false;
    for c in &model.consumers {
        if c.group != GroupRef::None || c.deployed == Tri::False {
            continue;
        }
        let (Some(size), Some(rsize)) = (&c.size, &r.size) else {
            unknown = true;
            continue;
        };
        if !size.eq_ignore_ascii_case(rsize) {
            continue;
        }
        let (Some(zones), Some(zone)) = (c.zones.known(), r.zone()) else {
            unknown = true;
            continue;
        };
        let zone_ok = match zone {
            None => zones.is_empty(),
            Some(z) => zones.iter().any(|cz| cz == z),
        };
        match (zone_ok, c.location.same(&r.location)) {
            (true, Some(true)) => return Some(true),
            (true, None) => unknown = true,
            _ => {}
        }
    }
    if unknown { None } else { Some(false) }
}

fn unused(ctx: &RuleContext<'_>, r: &Reservation, size: &str) -> Finding {
    let cap = r.capacity.unwrap_or_default();
    Finding {
        instance: r.node,
        pointer: ctx.property_pointer(r.node, "sku.capacity"),
        message: format!(
            "reservation '{}' reserves {cap} {size} but no VM or scale set in the template uses it; reservations are billed whether used or not",
            r.name
        ),
        help: Some(
            "name the group in the consumers' `capacityReservation` (consumption is opt-in), or remove the reservation"
                .into(),
        ),
        related: Vec::new(),
        severity: None,
    }
}

fn over(
    ctx: &RuleContext<'_>,
    model: &CapacityModel,
    r: &Reservation,
    size: &str,
    reserved: u64,
    peak: u64,
    consumers: &[(usize, u64, u64)],
) -> Finding {
    let idle = reserved - peak;
    let mut related = Vec::new();
    let mut seen = Vec::new();
    for &(c, _, _) in consumers {
        let Some(con) = model.consumers.get(c) else {
            continue;
        };
        let Some(decl) = ctx.instance(con.node).map(|i| i.decl) else {
            continue;
        };
        if seen.contains(&decl) {
            continue;
        }
        seen.push(decl);
        related.push(RelatedFinding {
            pointer: ctx.decl_pointer(con.node),
            message: format!("'{}' uses the reservation", ctx.display_name(con.node)),
        });
    }
    Finding {
        instance: r.node,
        pointer: ctx.property_pointer(r.node, "sku.capacity"),
        message: format!(
            "reservation '{}' reserves {reserved} {size} but at most {peak} instance{} {} expected to use it; {idle} reserved instance{} {} billed without use",
            r.name,
            if peak == 1 { "" } else { "s" },
            if peak == 1 { "is" } else { "are" },
            if idle == 1 { "" } else { "s" },
            if idle == 1 { "is" } else { "are" },
        ),
        help: Some(format!(
            "lower `sku.capacity` to {peak} (the expected peak), unless other deployments use the group"
        )),
        related,
        severity: None,
    }
}
