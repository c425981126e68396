use std::collections::BTreeMap;

use super::model::{CapacityModel, Group, Reservation, Zones};
use super::more_copies;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a capacity reservation whose `zones` do not fit its group: more than one zone, a
    /// zone that is not one of the group's zones, no zone in a zonal group, or a zone in a group
    /// without zones.
    ///
    /// ## Why is this bad?
    /// A reservation is for at most one availability zone, and the group fixes which zones its
    /// reservations may use. In a zonal group every reservation must be in one of the group's
    /// zones; in a group without zones, Azure picks the zone and the reservations name none.
    /// Azure rejects a reservation that breaks these rules, and neither the group's nor the
    /// reservation's zones can be changed after creation.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1", "2"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]}
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
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Create a capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-create)
    pub ReservationZoneInvalid {
        id: "CRG006",
        name: "reservation-zone-invalid",
        severity: Error,
        category: "capacity",
        summary: "a capacity reservation has several zones, a zone outside its group's zones, no zone in a zonal group, or a zone in a regional group",
    }
}

/// What is wrong with a reservation's zones.
enum Problem<'a> {
    SeveralZones(&'a [String]),
    OutsideGroup {
        zone: &'a str,
        group: &'a Group,
        group_zones: &'a [String],
    },
    MissingZone {
        group: &'a Group,
        group_zones: &'a [String],
    },
    ZoneInRegionalGroup {
        zone: &'a str,
        group: &'a Group,
    },
}

/// `[1, 2]`
fn zone_list(zones: &[String]) -> String {
    format!("[{}]", zones.join(", "))
}

/// `"zones": ["1"]`
fn zones_json(zones: &[&str]) -> String {
    let items: Vec<String> = zones.iter().map(|z| format!("\"{z}\"")).collect();
    format!("\"zones\": [{}]", items.join(", "))
}

fn problem<'a>(model: &'a CapacityModel, r: &'a Reservation) -> Option<Problem<'a>> {
    if let Zones::Zonal(z) = &r.zones
        && z.len() > 1
    {
        // Wrong whatever the group: a reservation has at most one zone.
        return Some(Problem::SeveralZones(z));
    }
    // A group only referenced (`existing`, or by ID) has zones this template does not show.
    let group = r
        .group
        .and_then(|g| model.group(g))
        .filter(|g| g.declared())?;
    match (&group.zones, &r.zones) {
        (Zones::Zonal(gz), Zones::Zonal(rz)) => {
            let zone = rz.first()?;
            (!gz.contains(zone)).then_some(Problem::OutsideGroup {
                zone,
                group,
                group_zones: gz,
            })
        }
        (Zones::Zonal(gz), Zones::Regional) => Some(Problem::MissingZone {
            group,
            group_zones: gz,
        }),
        (Zones::Regional, Zones::Zonal(rz)) => Some(Problem::ZoneInRegionalGroup {
            zone: rz.first()?,
            group,
        }),
        _ => None,
    }
}

impl Rule for ReservationZoneInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // One finding per reservation declaration: its first offending instance and how many.
        let mut by_decl: BTreeMap<usize, (&Reservation, Problem<'_>, usize)> = BTreeMap::new();
        for r in &model.reservations {
            let Some(p) = problem(model, r) else {
                continue;
            };
            let Some(inst) = ctx.instance(r.node) else {
                continue;
            };
            by_decl
                .entry(inst.decl)
                .and_modify(|e| e.2 += 1)
                .or_insert((r, p, 1));
        }
        for (r, p, count) in by_decl.into_values() {
            out.push(finding(ctx, r, &p, count));
        }
    }
}

fn finding(ctx: &RuleContext<'_>, r: &Reservation, p: &Problem<'_>, count: usize) -> Finding {
    let name = format!("'{}'{}", ctx.display_name(r.node), more_copies(count));
    let group_related = |g: &Group, message: String| -> Vec<RelatedFinding> {
        g.node
            .map(|n| RelatedFinding {
                pointer: ctx.property_pointer(n, "zones"),
                message,
            })
            .into_iter()
            .collect()
    };
    let (message, help, related) = match p {
        Problem::SeveralZones(zones) => (
            format!(
                "Reservation {name} lists {} zones {}; a capacity reservation is for at most one zone",
                zones.len(),
                zone_list(zones)
            ),
            format!(
                "keep one zone ({}) and declare a separate reservation for each other zone",
                zones_json(&zones.iter().take(1).map(String::as_str).collect::<Vec<_>>())
            ),
            Vec::new(),
        ),
        Problem::OutsideGroup {
            zone,
            group,
            group_zones,
        } => (
            format!(
                "Reservation {name} is in zone {zone}, which is not one of group '{}''s zones {}",
                group.name,
                zone_list(group_zones)
            ),
            format!(
                "set the reservation's zone to one of the group's zones ({}), or create group '{}' with zone {zone} as well (a group's zones are fixed at creation)",
                zones_json(
                    &group_zones
                        .iter()
                        .take(1)
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                ),
                group.name
            ),
            group_related(
                group,
                format!(
                    "group '{}' has zones {}",
                    group.name,
                    zone_list(group_zones)
                ),
            ),
        ),
        Problem::MissingZone { group, group_zones } => (
            format!(
                "Reservation {name} has no zone, but group '{}' is zonal (zones {}); every reservation of a zonal group must be in one of its zones",
                group.name,
                zone_list(group_zones)
            ),
            format!(
                "add {} to the reservation (one reservation per zone)",
                zones_json(
                    &group_zones
                        .iter()
                        .take(1)
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                )
            ),
            group_related(
                group,
                format!(
                    "group '{}' has zones {}",
                    group.name,
                    zone_list(group_zones)
                ),
            ),
        ),
        Problem::ZoneInRegionalGroup { zone, group } => (
            format!(
                "Reservation {name} is in zone {zone}, but group '{}' has no zones; in a group without zones Azure picks the zone and reservations name none",
                group.name
            ),
            format!(
                "remove \"zones\" from the reservation, or create group '{}' with {} (a group's zones are fixed at creation)",
                group.name,
                zones_json(&[zone])
            ),
            group_related(
                group,
                format!("group '{}' is declared without zones", group.name),
            ),
        ),
    };
    Finding {
        instance: r.node,
        pointer: ctx.property_pointer(r.node, "zones"),
        message,
        help: Some(help),
        related,
        severity: None,
    }
}
