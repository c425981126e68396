use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    Consumer, ConsumerKind, GroupRef, Location, PROFILE_GROUP_PATH, Reservation, ReservationType,
    VM_GROUP_PATH, Zones,
};
use super::{Orchestration, association_help, group_label};
use crate::arm::template::ResourceInstance;
use crate::arm::value::{Tri, Value};
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a VM or scale set whose size, location and zone match a capacity reservation
    /// declared in the template, but that names no capacity reservation group, while nothing in
    /// the template names the reservation's group at all.
    ///
    /// Flexible scale set members whose scale set (or a sibling VM) names a group are left to
    /// `flex-vm-missing-crg` (CRG001), and consumers that cannot use reservations anyway (Spot
    /// priority, availability set, dedicated host, proximity placement group, Ultra Disk, instance
    /// mix, or an explicit opt-out) are not reported.
    ///
    /// ## Why is this bad?
    /// Using reserved capacity is opt-in: a VM or scale set consumes a reservation only if it names
    /// the group. A reservation nobody names stays unused, and it is billed at the VM size's rate
    /// whether it is used or not. The matching consumer most likely lacks its
    /// `capacityReservation` property.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2}},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false, "virtualMachineProfile": {}}}
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
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Associate a VM to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-vm)
    /// - [Associate a virtual machine scale set to Uniform Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    pub ReservationNotAssociated {
        id: "CRG014",
        name: "reservation-not-associated",
        severity: Note,
        category: "capacity",
        summary: "a VM or scale set matches a declared capacity reservation but names no group, and nothing names the reservation's group",
    }
}

/// The first matching instance of a consumer declaration, its reservation, and the instance count.
struct Match {
    consumer: usize,
    reservation: usize,
    count: usize,
}

impl Rule for ReservationNotAssociated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        let refs = model
            .consumers
            .iter()
            .filter(|c| c.deployed != Tri::False)
            .map(|c| &c.group)
            .chain(model.scale_sets.iter().map(|s| &s.profile_group));
        let mut named = BTreeSet::new();
        for r in refs {
            match r {
                GroupRef::Group(g) => {
                    named.insert(*g);
                }
                GroupRef::None => {}
                // A reference that may name any group here (or meant to: an empty ID, a
                // reservation's ID) leaves "nothing names the group" unknown.
                GroupRef::Unknown(_) | GroupRef::Empty => return,
                GroupRef::NotAGroup(text) => {
                    if text
                        .text()
                        .to_ascii_lowercase()
                        .contains("capacityreservation")
                    {
                        return;
                    }
                }
            }
        }
        let unused: Vec<(usize, &Reservation)> = model
            .reservations
            .iter()
            .enumerate()
            .filter(|(_, r)| r.deployed != Tri::False)
            .filter(|(_, r)| {
                r.group.is_some_and(|g| {
                    !named.contains(&g)
                        && model.group(g).is_some_and(|g| {
                            g.declared()
                                && g.deployed != Tri::False
                                // Open reservations are consumed without naming the group.
                                && matches!(
                                    g.reservation_type,
                                    ReservationType::Targeted | ReservationType::Block
                                )
                        })
                })
            })
            .collect();
        if unused.is_empty() {
            return;
        }
        // Members of a scale set with (possible) reservation intent are CRG001's; members of a set
        // declared Uniform are VMSS001's.
        let mut excluded = BTreeSet::new();
        for set in model.member_sets() {
            let uniform = set
                .scale_set
                .and_then(|n| model.scale_set(n))
                .is_some_and(|s| s.declared_mode == Some(Orchestration::Uniform));
            if uniform || model.may_have_reservation_intent(&set) {
                excluded.extend(set.members.iter().copied());
            }
        }
        let mut by_decl: BTreeMap<usize, Match> = BTreeMap::new();
        for (c, con) in model.consumers.iter().enumerate() {
            if excluded.contains(&c) || con.group != GroupRef::None || con.deployed == Tri::False {
                continue;
            }
            let Some(inst) = ctx.instance(con.node) else {
                continue;
            };
            let scale_set = con.kind == ConsumerKind::ScaleSet;
            if cannot_use_reservations(inst, scale_set) != Tri::False {
                continue;
            }
            let Some(&(r, _)) = unused.iter().find(|(_, r)| matches(con, r)) else {
                continue;
            };
            by_decl
                .entry(inst.decl)
                .and_modify(|m| m.count += 1)
                .or_insert(Match {
                    consumer: c,
                    reservation: r,
                    count: 1,
                });
        }
        for m in by_decl.into_values() {
            if let Some(f) = finding(ctx, &m) {
                out.push(f);
            }
        }
    }
}

/// Same size, location and zone (a zone set containing the reservation's zone; a regional
/// reservation matches regional consumers). Anything unknown does not match.
fn matches(con: &Consumer, r: &Reservation) -> bool {
    let size = match (&con.size, &r.size) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    let zone = match (r.zone(), &con.zones) {
        (Some(None), Zones::Regional) => true,
        (Some(Some(z)), Zones::Zonal(zs)) => zs.iter().any(|c| c == z),
        _ => false,
    };
    size && zone && con.location.same(&r.location) == Some(true)
}

/// Whether the consumer opts out of reservations (`disableCapacityReservationAssignment`) or uses
/// something they do not support (CRG008's combinations): `True`, `False`, or `Unknown` when a
/// property is unresolved.
fn cannot_use_reservations(inst: &ResourceInstance, scale_set: bool) -> Tri {
    let profile = if scale_set {
        "properties.virtualMachineProfile."
    } else {
        "properties."
    };
    let opt_out = match inst.get(&format!(
        "{profile}capacityReservation.disableCapacityReservationAssignment"
    )) {
        None | Some(Value::Null) => Tri::False,
        Some(v) => v.as_bool_lenient().map_or(Tri::Unknown, Tri::from_bool),
    };
    opt_out.or(super::unsupported_combination::uses_unsupported_feature(
        inst, scale_set,
    ))
}

fn location_text(l: &Location) -> String {
    match l {
        Location::Known(s) => s.clone(),
        Location::Symbol(s) => s.with_brackets(),
        Location::Unknown => "unknown location".into(),
    }
}

fn zones_text(z: &Zones) -> String {
    match z {
        Zones::Zonal(z) if z.len() == 1 => format!("zone {}", z.join(", ")),
        Zones::Zonal(z) => format!("zones {}", z.join(", ")),
        Zones::Regional => "no zone".into(),
        Zones::Unknown => "unknown zones".into(),
    }
}

fn finding(ctx: &RuleContext<'_>, m: &Match) -> Option<Finding> {
    let model = ctx.capacity();
    let con = model.consumers.get(m.consumer)?;
    let r = model.reservations.get(m.reservation)?;
    let g = r.group?;
    let group = model.group(g)?;
    let scale_set = con.kind == ConsumerKind::ScaleSet;
    let (what, property, path, under, pointer) = if scale_set {
        (
            "Scale set",
            "virtualMachineProfile.capacityReservation",
            PROFILE_GROUP_PATH,
            "properties.virtualMachineProfile",
            ctx.property_pointer(con.node, "properties.virtualMachineProfile"),
        )
    } else {
        (
            "VM",
            "properties.capacityReservation",
            VM_GROUP_PATH,
            "properties",
            ctx.decl_pointer(con.node),
        )
    };
    let name = ctx.display_name(con.node);
    // `; and 2 more copies` inside the parenthesis that describes the consumer.
    let copies = super::more_copies(m.count)
        .trim_start_matches(" (")
        .trim_end_matches(')')
        .to_string();
    let copies = if copies.is_empty() {
        copies
    } else {
        format!("; {copies}")
    };
    let size = con.size.clone().unwrap_or_default();
    let label = group_label(model, g);
    let unused = if group.shared == Some(false) {
        "the reservation will stay unused".to_string()
    } else {
        "unless another subscription it is shared with uses it, the reservation will stay unused"
            .to_string()
    };
    let reserved = match (r.capacity, r.zone()) {
        (Some(n), Some(Some(z))) => format!("reserves {n} {size} in zone {z}"),
        (Some(n), Some(None)) => format!("reserves {n} {size} without a zone"),
        (Some(n), None) => format!("reserves {n} {size}"),
        (None, _) => format!("reserves {size}"),
    };
    let mut related = vec![RelatedFinding {
        pointer: ctx.decl_pointer(r.node),
        message: format!("reservation '{}' {reserved}", r.name),
    }];
    if let Some(n) = group.node {
        related.push(RelatedFinding {
            pointer: ctx.decl_pointer(n),
            message: format!(
                "capacity reservation group {label} is declared here; nothing names it"
            ),
        });
    }
    Some(Finding {
        instance: con.node,
        pointer,
        message: format!(
            "{what} '{name}' ({size}, {}, {}{copies}) matches reservation '{}' but does not name group {label} in `{property}`; {unused}",
            location_text(&con.location),
            zones_text(&con.zones),
            r.name
        ),
        help: Some(association_help(ctx, con.node, path, g, under)),
        related,
        severity: None,
    })
}
