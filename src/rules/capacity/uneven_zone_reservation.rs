use super::group_label;
use super::model::{CapacityModel, Consumer, ConsumerKind, Reservation};
use crate::arm::value::Tri;
use crate::capacity::checked_sum;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a zone-spanning scale set (two or more zones) that uses a capacity reservation
    /// group whose reservations of the scale set's VM size hold different quantities in its zones.
    /// It says, per zone, how many reserved instances stay idle and how many instances run
    /// unprotected when the scale set spreads its instances evenly.
    ///
    /// ## Why is this bad?
    /// A zone-spanning scale set places the same number of instances in each of its zones, so a
    /// reservation is only fully used when every zone reserves the same quantity. With 40/20/15
    /// reserved and 75 instances (25 per zone), 15 reserved instances in zone 1 are billed without
    /// use while 15 instances in zones 2 and 3 run without the capacity SLA.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg3z", "location": "eastus", "zones": ["1", "2", "3"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg3z/z1", "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 40}},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg3z/z2", "location": "eastus", "zones": ["2"], "sku": {"name": "Standard_D2s_v3", "capacity": 20}},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg3z/z3", "location": "eastus", "zones": ["3"], "sku": {"name": "Standard_D2s_v3", "capacity": 15}},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "zones": ["1", "2", "3"], "sku": {"name": "Standard_D2s_v3", "capacity": 75},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false, "platformFaultDomainCount": 1,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg3z')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg3z", "location": "eastus", "zones": ["1", "2", "3"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg3z/z1", "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 25}},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg3z/z2", "location": "eastus", "zones": ["2"], "sku": {"name": "Standard_D2s_v3", "capacity": 25}},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg3z/z3", "location": "eastus", "zones": ["3"], "sku": {"name": "Standard_D2s_v3", "capacity": 25}},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "zones": ["1", "2", "3"], "sku": {"name": "Standard_D2s_v3", "capacity": 75},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false, "platformFaultDomainCount": 1,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg3z')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Associate a Uniform scale set to a capacity reservation group: region and availability zone considerations](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    /// - [Overallocate capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overallocate)
    pub UnevenZoneReservation {
        id: "CRG012",
        name: "uneven-zone-reservation",
        severity: Warning,
        category: "capacity",
        summary: "a zone-spanning scale set uses a group whose reservations differ between its zones",
    }
}

/// Per zone of a zone-spanning scale set: (zone, reserved capacity, the reservation).
pub fn zone_reservations<'m>(
    model: &'m CapacityModel,
    con: &Consumer,
) -> Option<Vec<(String, u64, &'m Reservation)>> {
    if con.kind != ConsumerKind::ScaleSet {
        return None;
    }
    let g = con.group.group()?;
    let zones = con.zones.known()?;
    if zones.len() < 2 {
        return None;
    }
    let size = con.size.as_deref()?.to_ascii_lowercase();
    let mut out = Vec::with_capacity(zones.len());
    for z in zones {
        // Exactly one reservation of the size in the zone, with a known capacity; a missing zone
        // is a zone mismatch (CRG005), a duplicate is CRG007.
        let key = (g, size.clone(), Some(z.clone()));
        let matching = model.reservations_for(&key);
        let [r] = matching.as_slice() else {
            return None;
        };
        let r: &'m Reservation = r;
        let cap = u64::try_from(r.capacity?).ok()?;
        out.push((z.clone(), cap, r));
    }
    Some(out)
}

/// [`zone_reservations`] when their quantities differ: this rule's finding, which is then the root
/// cause of what the other counting rules would see in those zones.
pub fn uneven<'m>(
    model: &'m CapacityModel,
    con: &Consumer,
) -> Option<Vec<(String, u64, &'m Reservation)>> {
    if con.deployed != Tri::True || con.instances.is_none() {
        return None;
    }
    let per_zone = zone_reservations(model, con)?;
    let (_, first, _) = per_zone.first()?;
    let first = *first;
    per_zone
        .iter()
        .any(|(_, cap, _)| *cap != first)
        .then_some(per_zone)
}

impl Rule for UnevenZoneReservation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        for con in &model.consumers {
            if let (Some(per_zone), Some((_, hi))) = (uneven(model, con), con.instances) {
                out.extend(finding(ctx, model, con, hi, &per_zone));
            }
        }
    }
}

fn list(zones: &[String]) -> String {
    match zones {
        [] => String::new(),
        [one] => format!("zone {one}"),
        [init @ .., last] => format!("zones {} and {last}", init.join(", ")),
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    model: &CapacityModel,
    con: &Consumer,
    hi: u64,
    per_zone: &[(String, u64, &Reservation)],
) -> Option<Finding> {
    let k = per_zone.len() as u64;
    // Even spreading: each zone gets ⌊hi/k⌋ to ⌈hi/k⌉; count only what is certain.
    let (low, high) = (hi / k, hi.div_ceil(k));
    let mut idle = (0u64, Vec::new());
    let mut unprotected = (0u64, Vec::new());
    for (z, cap, _) in per_zone {
        // Each difference is below its minuend; only the totals could pass u64.
        if *cap > high {
            idle.0 = checked_sum([idle.0, cap - high])?;
            idle.1.push(z.clone());
        }
        if low > *cap {
            unprotected.0 = checked_sum([unprotected.0, low - cap])?;
            unprotected.1.push(z.clone());
        }
    }
    let zones: Vec<String> = per_zone.iter().map(|(z, _, _)| z.clone()).collect();
    let caps: Vec<String> = per_zone.iter().map(|(_, c, _)| c.to_string()).collect();
    let each = if low == high {
        format!("{low} each")
    } else {
        format!("{low} or {high} each")
    };
    let name = ctx.display_name(con.node);
    let g = con.group.group().unwrap_or_default();
    let mut consequences = Vec::new();
    if idle.0 > 0 {
        consequences.push(format!(
            "{} idle reserved instance{} in {}",
            idle.0,
            if idle.0 == 1 { "" } else { "s" },
            list(&idle.1)
        ));
    }
    if unprotected.0 > 0 {
        consequences.push(format!(
            "{} unprotected instance{} in {}",
            unprotected.0,
            if unprotected.0 == 1 { "" } else { "s" },
            list(&unprotected.1)
        ));
    }
    let tail = if consequences.is_empty() {
        "the reservations are not used evenly".to_string()
    } else {
        consequences.join(", ")
    };
    let size = con.size.clone().unwrap_or_default();
    Some(Finding {
        instance: con.node,
        pointer: ctx.property_pointer(con.node, "zones"),
        message: format!(
            "scale set '{name}' spreads evenly over zones {} ({each} at {hi} instances) but group {} reserves {} {size}: {tail}",
            zones.join(", "),
            group_label(model, g),
            caps.join("/"),
        ),
        help: Some(format!(
            "reserve the same quantity in each zone: {high} per zone for a peak of {hi} instances"
        )),
        related: per_zone
            .iter()
            .map(|(z, cap, r)| RelatedFinding {
                pointer: ctx.property_pointer(r.node, "sku.capacity"),
                message: format!("zone {z}: '{}' reserves {cap}", r.name),
            })
            .collect(),
        severity: None,
    })
}
