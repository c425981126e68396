use std::collections::BTreeMap;

use super::model::{Consumer, ConsumerKind};
use super::{capitalize, consumer_group_path, consumer_label, group_label, join_and, more_copies};
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a virtual machine or scale set whose zones do not fit the capacity reservation
    /// group it names:
    /// - the group is regional (no `zones`) and the consumer specifies zones;
    /// - the group is zonal and the consumer specifies none;
    /// - a zone of the consumer is not one of the group's zones, or, when all the group's
    ///   reservations are declared in the analysed files, the group has no reservation of the
    ///   consumer's size in that zone while it has one in another zone (for a zone-spanning scale
    ///   set: in each of its zones).
    ///
    /// A consumer whose size the group does not reserve in any zone is reported by
    /// `size-not-reserved` instead.
    ///
    /// ## Why is this bad?
    /// A zonal reservation only serves VMs deployed in its zone, and VMs that use a regional group
    /// must not specify a zone (they run in the zone Azure picked for the group). A VM whose zone
    /// has no reservation of its size in the group is rejected. A zone-spanning scale set spreads
    /// its instances evenly over its zones, so each of them needs a reservation of the size.
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
    ///    "location": "eastus", "zones": ["2"],
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
    /// - [Associate a virtual machine scale set to Uniform Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    /// - [Create a capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-create)
    pub ZoneMismatch {
        id: "CRG005",
        name: "zone-mismatch",
        severity: Error,
        category: "capacity",
        summary: "a VM's or scale set's zones do not match the zones of the capacity reservation group it names or of its reservations of the VM size",
    }
}

/// What is wrong with one consumer's zones.
#[derive(Clone, Debug)]
enum Problem {
    /// The group has no zones; the consumer has these.
    RegionalGroup(Vec<String>),
    /// The consumer has no zones; the group has.
    ZonalGroup,
    /// Consumer zones the group cannot serve: `missing` (every one without a reservation of the
    /// size, or only those outside the group's zones when its reservations are not all known),
    /// `outside` (those not among the group's zones), and the zones the group reserves the size
    /// in (`None` when not known).
    Uncovered {
        missing: Vec<String>,
        outside: Vec<String>,
        reserved: Option<Vec<String>>,
    },
}

impl Rule for ZoneMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // One finding per consumer declaration, about its first instance; the help covers the
        // zones of all its instances.
        let mut found: BTreeMap<usize, Merged> = BTreeMap::new();
        for (c, con) in model.consumers.iter().enumerate() {
            let Some((g, problem)) = problem(ctx, con) else {
                continue;
            };
            let Some(inst) = ctx.instance(con.node) else {
                continue;
            };
            let zones = con.zones.known().unwrap_or_default();
            match found.get_mut(&inst.decl) {
                Some(m) => {
                    m.count += 1;
                    union(&mut m.zones, zones);
                    m.all.merge(&problem);
                }
                None => {
                    found.insert(
                        inst.decl,
                        Merged {
                            consumer: c,
                            group: g,
                            all: problem.clone(),
                            first: problem,
                            count: 1,
                            zones: zones.to_vec(),
                        },
                    );
                }
            }
        }
        for m in found.into_values() {
            if let Some(con) = model.consumers.get(m.consumer) {
                out.push(finding(ctx, con, &m));
            }
        }
    }
}

/// The instances of one consumer declaration with a zone problem.
struct Merged {
    consumer: usize,
    group: usize,
    /// The first instance's problem (the message is about it).
    first: Problem,
    /// Every instance's problems together (for the help).
    all: Problem,
    count: usize,
    /// Zones of all the instances.
    zones: Vec<String>,
}

/// Add `more` to the sorted set `set`.
fn union(set: &mut Vec<String>, more: &[String]) {
    set.extend(more.iter().cloned());
    set.sort();
    set.dedup();
}

impl Problem {
    /// Fold another instance's problem of the same kind into this one.
    fn merge(&mut self, other: &Problem) {
        match (self, other) {
            (Problem::RegionalGroup(a), Problem::RegionalGroup(b)) => union(a, b),
            (
                Problem::Uncovered {
                    missing, outside, ..
                },
                Problem::Uncovered {
                    missing: m,
                    outside: o,
                    ..
                },
            ) => {
                union(missing, m);
                union(outside, o);
            }
            _ => {}
        }
    }
}

fn problem(ctx: &RuleContext<'_>, con: &Consumer) -> Option<(usize, Problem)> {
    let model = ctx.capacity();
    let g = con.group.group()?;
    // Only a group deployed here has authoritative zones (an `existing` one's are not).
    let group = model.group(g).filter(|g| g.declared())?;
    // A scale set with a zone placement policy gets its zones from the platform.
    if con.kind == ConsumerKind::ScaleSet
        && ctx
            .instance(con.node)
            .and_then(|i| i.get("placement"))
            .is_some_and(|p| !p.is_null())
    {
        return None;
    }
    let zones = con.zones.known()?;
    let group_zones = group.zones.known()?;
    // A size the group does not reserve at all is size-not-reserved's root cause.
    if let Some(size) = con.size.as_deref()
        && model.reserves_size(g, size) == Some(false)
    {
        return None;
    }
    let problem = match (zones.is_empty(), group_zones.is_empty()) {
        (true, true) => return None,
        (false, true) => Problem::RegionalGroup(zones.to_vec()),
        (true, false) => Problem::ZonalGroup,
        (false, false) => {
            let outside: Vec<String> = zones
                .iter()
                .filter(|z| !group_zones.contains(z))
                .cloned()
                .collect();
            let reserved = con.size.as_deref().and_then(|s| reserved_zones(ctx, g, s));
            let missing: Vec<String> = match &reserved {
                Some(reserved) => zones
                    .iter()
                    .filter(|z| !reserved.contains(z))
                    .cloned()
                    .collect(),
                None => outside.clone(),
            };
            if missing.is_empty() {
                return None;
            }
            Problem::Uncovered {
                missing,
                outside,
                reserved,
            }
        }
    };
    Some((g, problem))
}

/// Zones in which closed group `g` has a reservation of `size`; `None` when not closed.
fn reserved_zones(ctx: &RuleContext<'_>, g: usize, size: &str) -> Option<Vec<String>> {
    let model = ctx.capacity();
    if !model.group(g)?.closed {
        return None;
    }
    let mut zones: Vec<String> = model
        .reservations_of(g)
        .filter(|r| {
            r.size
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(size))
        })
        .filter_map(|r| r.zone().flatten().map(String::from))
        .collect();
    zones.sort();
    zones.dedup();
    Some(zones)
}

/// `zone 2`, `zones 2 and 3`.
fn zones_text(zones: &[String]) -> String {
    match zones {
        [one] => format!("zone {one}"),
        _ => format!("zones {}", join_and(zones)),
    }
}

/// `"zones": ["1", "2"]`.
fn zones_json(zones: &[String]) -> String {
    let items: Vec<String> = zones.iter().map(|z| format!("\"{z}\"")).collect();
    format!("\"zones\": [{}]", items.join(", "))
}

/// What the rule knows about one consumer, for its message and help.
struct Subject {
    /// `VM 'vm1'` / `Scale set 'ss'` and the copies.
    what: String,
    name: String,
    is_set: bool,
    size: String,
    label: String,
    group_zones: Vec<String>,
}

fn finding(ctx: &RuleContext<'_>, con: &Consumer, merged: &Merged) -> Finding {
    let model = ctx.capacity();
    let g = merged.group;
    let subject = Subject {
        what: format!(
            "{}{}",
            capitalize(&consumer_label(ctx, con)),
            more_copies(merged.count)
        ),
        name: ctx.display_name(con.node),
        is_set: con.kind == ConsumerKind::ScaleSet,
        size: con.size.clone().unwrap_or_default(),
        label: group_label(model, g),
        group_zones: model
            .group(g)
            .and_then(|g| g.zones.known())
            .unwrap_or_default()
            .to_vec(),
    };
    let zones = con.zones.known().unwrap_or_default();
    let mut message = message(&subject, zones, &merged.first);
    // The message is about the first instance; say where the other copies are.
    if merged.zones.as_slice() != zones {
        message.push_str(&format!(
            " (the {} copies are in {})",
            merged.count,
            zones_text(&merged.zones)
        ));
    }
    let help = help(ctx, g, &subject, &merged.zones, &merged.all);

    let label = &subject.label;
    let mut related = Vec::new();
    if let Some(n) = model.group(g).and_then(|g| g.node) {
        related.push(RelatedFinding {
            pointer: ctx.property_pointer(n, "zones"),
            message: if subject.group_zones.is_empty() {
                format!("capacity reservation group {label} is regional (no zones)")
            } else {
                format!(
                    "capacity reservation group {label} is in {}",
                    zones_text(&subject.group_zones)
                )
            },
        });
    }
    related.push(RelatedFinding {
        pointer: ctx.property_pointer(con.node, consumer_group_path(con)),
        message: format!("{} names group {label}", consumer_label(ctx, con)),
    });
    // The group's reservations of the size, which show the zones it does reserve.
    if matches!(
        merged.first,
        Problem::Uncovered {
            reserved: Some(_),
            ..
        }
    ) {
        for r in model.reservations_of(g) {
            let of_size = r
                .size
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&subject.size));
            let pointer = ctx.property_pointer(r.node, "zones");
            if !of_size || related.iter().any(|x| x.pointer == pointer) {
                continue;
            }
            related.push(RelatedFinding {
                pointer,
                message: format!(
                    "reservation '{}' reserves {} in {}",
                    r.name,
                    subject.size,
                    r.zone()
                        .flatten()
                        .map_or_else(|| "no zone".to_string(), |z| format!("zone {z}"))
                ),
            });
        }
    }
    Finding {
        instance: con.node,
        pointer: ctx.property_pointer(con.node, "zones"),
        message,
        help: Some(help),
        related,
        severity: None,
    }
}

/// What is wrong, for an instance in `zones`.
fn message(s: &Subject, zones: &[String], problem: &Problem) -> String {
    let Subject {
        what,
        is_set,
        size,
        label,
        group_zones,
        ..
    } = s;
    let placed = if *is_set && zones.len() > 1 {
        format!("spreads over {}", zones_text(zones))
    } else {
        format!("is in {}", zones_text(zones))
    };
    let consequence = if *is_set {
        "Azure rejects the instances placed there"
    } else {
        "Azure rejects the association"
    };
    match problem {
        Problem::RegionalGroup(_) => format!(
            "{what} {placed} but names capacity reservation group {label}, which is regional (no zones); VMs that use a regional group must not specify zones (they run in the zone Azure picked for the group)"
        ),
        Problem::ZonalGroup => format!(
            "{what} has no zone but names capacity reservation group {label}, which is zonal ({}); a zonal group's reservations only serve VMs deployed in their zone, so Azure rejects the association",
            zones_text(group_zones)
        ),
        Problem::Uncovered {
            missing,
            outside,
            reserved: Some(reserved),
        } => {
            let elsewhere = if reserved.is_empty() {
                format!("its {size} reservations have no zone")
            } else {
                format!("it reserves {}", zones_text(reserved))
            };
            let mut m = format!(
                "{what} {placed} but group {label} has no {size} reservation in {} ({elsewhere})",
                zones_text(missing)
            );
            if !outside.is_empty() {
                m.push_str(&format!(
                    "; {} {} not among the group's zones ({})",
                    zones_text(outside),
                    if outside.len() == 1 { "is" } else { "are" },
                    join_and(group_zones)
                ));
            }
            m.push_str(&format!("; {consequence}"));
            m
        }
        Problem::Uncovered {
            outside,
            reserved: None,
            ..
        } => {
            let (which, serve) = match outside.as_slice() {
                [_] if outside.len() == zones.len() => ("which is".to_string(), "it"),
                _ if outside.len() == zones.len() => ("which are".to_string(), "them"),
                [_] => (format!("but {} is", zones_text(outside)), "it"),
                _ => (format!("but {} are", zones_text(outside)), "them"),
            };
            format!(
                "{what} {placed}, {which} not among the zones of capacity reservation group {label} ({}), so no reservation of the group can serve {serve}; {consequence}",
                join_and(group_zones),
            )
        }
    }
}

/// The fix, for all instances of the declaration (in `zones`, with the problems of `all`).
fn help(ctx: &RuleContext<'_>, g: usize, s: &Subject, zones: &[String], all: &Problem) -> String {
    let Subject {
        name,
        is_set,
        size,
        label,
        group_zones,
        ..
    } = s;
    match all {
        Problem::RegionalGroup(own) => format!(
            "remove `zones` from '{name}', or name a capacity reservation group created with {} (a group's zones are fixed at creation)",
            zones_json(own)
        ),
        Problem::ZonalGroup => {
            // The zones where the size is reserved, else the group's.
            let usable = reserved_zones(ctx, g, size)
                .filter(|z| !z.is_empty())
                .unwrap_or_else(|| group_zones.clone());
            let suggestion: Vec<String> = if *is_set {
                usable
            } else {
                usable.first().cloned().into_iter().collect()
            };
            format!(
                "deploy '{name}' in a zone of the group: {}",
                zones_json(&suggestion)
            )
        }
        Problem::Uncovered {
            missing,
            outside,
            reserved,
        } => {
            let inside: Vec<String> = missing
                .iter()
                .filter(|z| !outside.contains(z))
                .cloned()
                .collect();
            let mut fixes = Vec::new();
            // A reservation has exactly one zone: one per missing zone.
            match inside.as_slice() {
                [] => {}
                [one] => fixes.push(format!(
                    "add a {size} reservation with {} to group {label}",
                    zones_json(std::slice::from_ref(one))
                )),
                _ => {
                    let each: Vec<String> = inside
                        .iter()
                        .map(|z| zones_json(std::slice::from_ref(z)))
                        .collect();
                    fixes.push(format!(
                        "add {size} reservations with {} to group {label} (one zone each)",
                        join_and(&each)
                    ));
                }
            }
            let usable = reserved.clone().unwrap_or_else(|| group_zones.clone());
            let suggestion: Vec<String> = if *is_set {
                zones
                    .iter()
                    .filter(|z| !missing.contains(z))
                    .cloned()
                    .collect()
            } else {
                usable.first().cloned().into_iter().collect()
            };
            if !suggestion.is_empty() {
                fixes.push(format!("deploy '{name}' with {}", zones_json(&suggestion)));
            }
            if !outside.is_empty() {
                fixes.push(format!(
                    "name a group created with {} (a group's zones are fixed at creation)",
                    zones_json(outside)
                ));
            }
            join_or(&fixes)
        }
    }
}

/// `a`, `a, or b`, `a, b, or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}
