use std::collections::BTreeMap;

use super::group_label;
use super::model::{CapacityModel, Consumer, ConsumerKind, Key, Reservation, ReservationType};
use crate::arm::value::Tri;
use crate::capacity::checked_sum;
use crate::diagnostic::Severity;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

/// The consumers by graph node (the first of a node's, as the model lists them): a finding names
/// each declaration's consumer, and one that covers 13,000 VMs must not search the whole list for
/// each of them.
type ConsumerIndex<'m> = rustc_hash::FxHashMap<usize, &'m Consumer>;

fn consumers_by_node(model: &CapacityModel) -> ConsumerIndex<'_> {
    let mut index = ConsumerIndex::default();
    for c in &model.consumers {
        index.entry(c.node).or_insert(c);
    }
    index
}

crate::declare_rule! {
    /// ## What it does
    /// Counts, per capacity reservation group, VM size and zone, the instances the template can run
    /// at its peak (VM copy loops, scale set `sku.capacity`, the maxima of enabled autoscale
    /// settings that target the scale sets) and reports when they exceed the reserved quantity.
    /// A zone-spanning scale set spreads its instances evenly, so each of its k zones gets at least
    /// ⌊n/k⌋ of n instances. Unknown values count as nothing: the figures are lower bounds.
    ///
    /// ## Why is this bad?
    /// Azure does not stop allocations when a reservation is fully used: the VMs beyond the
    /// reserved quantity are still allocated, from public capacity, and have no capacity SLA
    /// ("overallocated"). Autoscale and scale-out keep going past the reservation, so the instances
    /// a burst adds are exactly the ones that may fail to start when the region is short of
    /// capacity. For a Block reservation there is no fallback at all (error); a reservation of
    /// quantity 0 is the documented onboarding pattern for running VMs (note).
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "eastus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2}},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "web",
    ///    "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}},
    ///   {"type": "Microsoft.Insights/autoscaleSettings", "apiVersion": "2022-10-01", "name": "web-as",
    ///    "location": "eastus",
    ///    "properties": {"enabled": true,
    ///      "targetResourceUri": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'web')]",
    ///      "profiles": [{"name": "default", "capacity": {"minimum": "2", "maximum": "10", "default": "2"}, "rules": []}]}}
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
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 10}},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "web",
    ///    "location": "eastus", "zones": ["1"], "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}},
    ///   {"type": "Microsoft.Insights/autoscaleSettings", "apiVersion": "2022-10-01", "name": "web-as",
    ///    "location": "eastus",
    ///    "properties": {"enabled": true,
    ///      "targetResourceUri": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'web')]",
    ///      "profiles": [{"name": "default", "capacity": {"minimum": "2", "maximum": "10", "default": "2"}, "rules": []}]}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Overallocate capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overallocate)
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Associate a Uniform scale set to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    pub UnreservedBurst {
        id: "CRG011",
        name: "unreserved-burst",
        severity: Warning,
        category: "capacity",
        summary: "the instances expected at peak for a group, VM size and zone exceed the reserved quantity",
    }
}

/// One overallocated key.
struct Overallocated {
    key: Key,
    peak: u64,
    min: u64,
    reserved: u64,
    complete: bool,
    /// Declarations of the consumers certainly deployed on the key: decl → (first consumer node,
    /// instances of the declaration on the key).
    decls: BTreeMap<usize, (usize, usize)>,
}

impl Rule for UnreservedBurst {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // Overallocated keys, grouped by where the finding goes: the one declaration whose
        // instances overflow the key, or (several declarations share it) the reservation.
        let mut by_anchor: BTreeMap<(bool, usize), Vec<Overallocated>> = BTreeMap::new();
        for (key, d) in &model.demand {
            let reservations = model.reservations_for(key);
            // No reservation for the key: the size or zone is not reserved (CRG003, CRG005).
            if reservations.is_empty() && !model.view_reserves(key) {
                continue;
            }
            let Some((_, reserved)) = model.reserved(key) else {
                continue;
            };
            if d.peak <= reserved {
                continue;
            }
            let mut decls = BTreeMap::new();
            for &(c, _, _) in &d.consumers {
                let Some(con) = model.consumers.get(c) else {
                    continue;
                };
                if con.deployed != Tri::True {
                    continue;
                }
                if let Some(inst) = ctx.instance(con.node) {
                    decls
                        .entry(inst.decl)
                        .and_modify(|e: &mut (usize, usize)| e.1 += 1)
                        .or_insert((con.node, 1));
                }
            }
            // On the one declaration that overflows, else on the reservation, else (a group
            // known from an instance view) on the first consumer.
            let first_consumer = decls.values().next().map(|(n, _)| *n);
            let anchor = match (
                decls.values().collect::<Vec<_>>().as_slice(),
                reservations.first(),
            ) {
                ([(only, _)], _) => (true, *only),
                (_, Some(first)) => (false, first.node),
                (_, None) => match first_consumer {
                    Some(n) => (true, n),
                    None => continue,
                },
            };
            by_anchor.entry(anchor).or_default().push(Overallocated {
                key: key.clone(),
                peak: d.peak,
                min: d.min,
                reserved,
                complete: d.complete,
                decls,
            });
        }
        let consumers = consumers_by_node(model);
        for ((on_consumer, node), keys) in by_anchor {
            if on_consumer && uneven_only(model, node) {
                continue;
            }
            if let Some(f) = finding(ctx, model, &consumers, on_consumer, node, &keys) {
                out.push(f);
            }
        }
    }
}

fn zone_text(zone: &Option<String>) -> String {
    match zone {
        Some(z) => format!("zone {z}"),
        None => "no zone (regional)".into(),
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    model: &CapacityModel,
    consumers: &ConsumerIndex<'_>,
    on_consumer: bool,
    node: usize,
    keys: &[Overallocated],
) -> Option<Finding> {
    let first = keys.first()?;
    let (g, _, _) = &first.key;
    let group = model.group(*g)?;
    let label = group_label(model, *g);
    let reservations: Vec<_> = keys
        .iter()
        .flat_map(|k| model.reservations_for(&k.key))
        .collect();
    let size = reservations
        .first()
        .and_then(|r| r.size.clone())
        .or_else(|| {
            model.view_reservations(*g).iter().find_map(|r| {
                r.size
                    .clone()
                    .filter(|s| s.eq_ignore_ascii_case(&first.key.1))
            })
        })
        .unwrap_or_else(|| first.key.1.clone());
    // VMs allocated now (instance view) that no template here declares.
    let allocated_now = allocated_elsewhere(model, *g, keys)?;
    // Totals past u64 are unknown figures: no finding states them.
    let steady = checked_sum(keys.iter().map(|k| k.min))?;
    let peak = checked_sum(keys.iter().map(|k| k.peak))?;
    // "up to" for a burst above the steady state; "at least" when unknowns make it a lower bound.
    let bound = if !keys.iter().all(|k| k.complete) {
        "at least "
    } else if peak > steady {
        "up to "
    } else {
        ""
    };
    let unreserved = checked_sum(keys.iter().map(|k| k.peak.saturating_sub(k.reserved)))?;
    let reserved = checked_sum(keys.iter().map(|k| k.reserved))?;
    // Who runs the instances, and where the peak comes from.
    let decls = peak_declarations(keys);
    let who: Vec<String> = decls
        .values()
        .map(|&(n, count)| describe_consumer(ctx, consumers, n, count))
        .collect();
    let from_view = group
        .view
        .as_ref()
        .map(|v| format!(" (per instance view {})", v.file))
        .unwrap_or_default();
    let place = place_text(keys, &label);
    let mut message = format!(
        "{}{peak} {size} instances of {} can run in {place}, which reserves {reserved}{from_view}: {bound}{unreserved} instance{} would run without capacity SLA (overallocated)",
        capitalized(bound),
        if allocated_now > 0 {
            format!(
                "{} and {allocated_now} VM{} allocated now",
                who.join(" and "),
                if allocated_now == 1 { "" } else { "s" }
            )
        } else {
            who.join(" and ")
        },
        if unreserved == 1 { "" } else { "s" },
    );
    if peak > steady && keys.iter().any(|k| k.min > k.reserved) {
        message.push_str(&format!(
            "; even the steady state of {steady} instances exceeds the reservation"
        ));
    }
    if mixes_members_and_scale_set(consumers, &decls) {
        // Spec 6.6: whether member VMs count toward the set's capacity is not documented.
        message.push_str(" (member VMs are counted apart from the scale set's own instances)");
    }
    let zero = !reservations.is_empty() && reservations.iter().all(|r| r.capacity == Some(0));
    let severity = if group.reservation_type == ReservationType::Block {
        message.push_str("; a Block reservation has no fallback, so these allocations fail");
        Some(Severity::Error)
    } else if zero {
        message.push_str(
            "; a reservation of quantity 0 is the documented way to onboard running VMs: raise it to the VM count once they are associated",
        );
        Some(Severity::Note)
    } else {
        None
    };

    let related = related_findings(ctx, consumers, &reservations, &decls, &size, on_consumer);
    let pointer = if on_consumer {
        ctx.decl_pointer(node)
    } else {
        ctx.property_pointer(node, "sku.capacity")
    };
    let reserved_now = reservations
        .iter()
        .filter_map(|r| r.capacity)
        .map(|c| u64::try_from(c).unwrap_or(0));
    let total_needed = checked_sum(reserved_now)?.checked_add(unreserved)?;
    let help = help_text(&reservations, total_needed, unreserved, &size);
    Some(Finding {
        instance: node,
        pointer,
        message,
        help: Some(help),
        related,
        severity,
    })
}

/// VMs allocated now (instance view) on the keys that no template here declares; `None` past u64.
fn allocated_elsewhere(model: &CapacityModel, g: usize, keys: &[Overallocated]) -> Option<u64> {
    model
        .view_reservations(g)
        .iter()
        .filter(|r| {
            keys.iter().any(|k| {
                r.size
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&k.key.1))
                    && r.zone.as_ref() == Some(&k.key.2)
            })
        })
        .map(|r| r.allocated_elsewhere)
        .try_fold(0u64, u64::checked_add)
}

/// Each declaration running instances on the keys: its first consumer node and its largest
/// instance count on one key.
fn peak_declarations(keys: &[Overallocated]) -> BTreeMap<usize, (usize, usize)> {
    let mut decls: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for k in keys {
        for (d, (n, count)) in &k.decls {
            let e = decls.entry(*d).or_insert((*n, 0));
            e.1 = e.1.max(*count);
        }
    }
    decls
}

/// Where the instances run: the zone (or each zone with its figures) and the group.
fn place_text(keys: &[Overallocated], label: &str) -> String {
    let Some(first) = keys.first() else {
        return String::new();
    };
    if keys.len() == 1 {
        format!("{} of group {label}", zone_text(&first.key.2))
    } else {
        let zones: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{} ({} on {} reserved)",
                    zone_text(&k.key.2),
                    k.peak,
                    k.reserved
                )
            })
            .collect();
        format!("{} of group {label}", zones.join(", "))
    }
}

/// Whether member VMs and a scale set's own instances both run on the keys.
fn mixes_members_and_scale_set(
    consumers: &ConsumerIndex<'_>,
    decls: &BTreeMap<usize, (usize, usize)>,
) -> bool {
    let kind_of = |n: usize| consumers.get(&n).map(|c| &c.kind);
    decls
        .values()
        .any(|&(n, _)| matches!(kind_of(n), Some(ConsumerKind::Member { .. })))
        && decls
            .values()
            .any(|&(n, _)| kind_of(n) == Some(&ConsumerKind::ScaleSet))
}

/// The reservations on the keys and, where the finding is not on it, each consumer and the
/// sources of its peak.
fn related_findings(
    ctx: &RuleContext<'_>,
    consumers: &ConsumerIndex<'_>,
    reservations: &[&Reservation],
    decls: &BTreeMap<usize, (usize, usize)>,
    size: &str,
    on_consumer: bool,
) -> Vec<RelatedFinding> {
    let mut related = Vec::new();
    for r in reservations {
        related.push(RelatedFinding {
            pointer: ctx.property_pointer(r.node, "sku.capacity"),
            message: format!(
                "reservation '{}' reserves {} {size}",
                r.name,
                r.capacity.map_or_else(|| "?".into(), |c| c.to_string())
            ),
        });
    }
    for &(n, count) in decls.values() {
        if let Some(con) = consumers.get(&n) {
            for s in &con.sources {
                if s.node != n || !on_consumer {
                    related.push(RelatedFinding {
                        pointer: ctx.property_pointer(s.node, &s.path),
                        message: s.text.clone(),
                    });
                }
            }
        }
        if !on_consumer {
            related.push(RelatedFinding {
                pointer: ctx.decl_pointer(n),
                message: format!("{} runs here", describe_consumer(ctx, consumers, n, count)),
            });
        }
    }
    related
}

/// How to fix it: raise the one reservation to what is needed, or reserve the rest.
fn help_text(
    reservations: &[&Reservation],
    total_needed: u64,
    unreserved: u64,
    size: &str,
) -> String {
    if reservations.len() == 1 {
        format!(
            "raise `sku.capacity` of reservation '{}' to {total_needed}, or lower the peak (autoscale maximum, copy count, sku.capacity) to what is reserved",
            reservations
                .first()
                .map(|r| r.name.as_str())
                .unwrap_or_default()
        )
    } else {
        format!(
            "reserve {unreserved} more {size} instance{} in the zones listed, or lower the peak to what is reserved",
            if unreserved == 1 { "" } else { "s" }
        )
    }
}

/// `scale set 'web' (sku.capacity 2, autoscale 'web-as' maximum 10)`, `VM 'vm-1' (and 2 more copies)`.
fn describe_consumer(
    ctx: &RuleContext<'_>,
    consumers: &ConsumerIndex<'_>,
    node: usize,
    copies: usize,
) -> String {
    let Some(con) = consumers.get(&node) else {
        return format!("'{}'", ctx.display_name(node));
    };
    match con.kind {
        ConsumerKind::ScaleSet => {
            let sources: Vec<&str> = con.sources.iter().map(|s| s.text.as_str()).collect();
            if sources.is_empty() {
                format!("scale set '{}'", ctx.display_name(node))
            } else {
                format!(
                    "scale set '{}' ({})",
                    ctx.display_name(node),
                    sources.join(", ")
                )
            }
        }
        ConsumerKind::Vm | ConsumerKind::Member { .. } => {
            format!(
                "VM '{}'{}",
                ctx.display_name(node),
                super::more_copies(copies)
            )
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A zone-spanning scale set whose reservations differ between its zones: CRG012 reports that,
/// with what it means for each zone.
fn uneven_only(model: &CapacityModel, node: usize) -> bool {
    model
        .consumers
        .iter()
        .find(|c| c.node == node && c.kind == ConsumerKind::ScaleSet)
        .is_some_and(|con| super::uneven_zone_reservation::uneven(model, con).is_some())
}
