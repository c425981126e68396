//! The capacity plan: per capacity reservation group and reservation key (VM size, zone), the
//! reserved quantity, the demand the templates project (steady state .. peak), the state that
//! leaves the reservation in (the instance view's three states), and who consumes it.
//!
//! Templates are alternatives under their parameter files (one deployment uses one of them), and
//! together across files: per key, a template contributes the largest figure over its parameter
//! sets, and the templates' contributions add up.

use std::collections::BTreeMap;

use super::instance_view::{DeclaredIds, InstanceView, ViewError, ViewReservation, last_segment};
use crate::arm::graph::ResourceGraph;
use crate::arm::value::Symbol;
use crate::capacity::model::{CapacityModel, Key};

/// The projected state of a reservation (the "Overallocate capacity reservation" article's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlanState {
    /// Fewer instances than reserved: reserved capacity is available (and billed unused).
    Available,
    /// As many as reserved.
    Consumed,
    /// More than reserved: the surplus runs without capacity SLA.
    Overallocated,
    /// Demand below the reservation but not fully known: never reported as available.
    Unknown,
}

impl PlanState {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Available => "available",
            PlanState::Consumed => "consumed",
            PlanState::Overallocated => "overallocated",
            PlanState::Unknown => "unknown",
        }
    }

    /// The state of `demand` instances on `reserved`, `complete` when the demand is fully known.
    pub fn of(demand: u64, reserved: Option<u64>, complete: bool) -> PlanState {
        match reserved {
            None => PlanState::Unknown,
            Some(r) if demand > r => PlanState::Overallocated,
            Some(r) if demand == r && complete => PlanState::Consumed,
            Some(_) if complete => PlanState::Available,
            // A lower bound at or below the reservation says nothing certain.
            Some(_) => PlanState::Unknown,
        }
    }
}

/// Demand as a range of instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemandRange {
    /// Steady state.
    pub min: u64,
    /// Peak (autoscale maxima, maybe-deployed consumers).
    pub max: u64,
    /// False when an unknown value makes the range a lower bound.
    pub complete: bool,
}

/// A consumer of a reservation key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerRef {
    pub file: String,
    /// Its declaration.
    pub pointer: String,
    pub resource_type: String,
    pub name: String,
    /// Instances it puts on the key.
    pub min: u64,
    pub max: u64,
    /// Where its peak comes from (`sku.capacity 2`, `autoscale 'web-as' maximum 10`).
    pub sources: Vec<String>,
    /// The parameter file whose values give these figures; `None` for defaults.
    pub parameters: Option<String>,
    /// Its resource ID as evaluated (with unknown parts), to recognise it in an instance view;
    /// not part of the output.
    pub id: Symbol,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReservationPlan {
    /// The declared reservation's name, when one is declared for the key.
    pub name: Option<String>,
    pub size: String,
    pub zone: Option<String>,
    /// Reserved quantity; `None` when not known (a group only referenced, or an unknown capacity).
    pub reserved: Option<u64>,
    pub demand: DemandRange,
    /// At peak.
    pub state: PlanState,
    pub steady_state: PlanState,
    /// Instances without capacity SLA at peak (a lower bound when the demand is incomplete).
    pub unreserved_at_peak: u64,
    pub consumers: Vec<ConsumerRef>,
    /// The state now, from an instance view.
    pub current: Option<CurrentState>,
}

/// A reservation's state in a live instance view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentState {
    /// VMs allocated against it now.
    pub allocated: u64,
    /// The reserved quantity, when known (from the view or the template).
    pub capacity: Option<u64>,
    pub state: PlanState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupPlan {
    /// The group's ID as evaluated (unknown parts shown as `⟪…⟫`).
    pub id: Symbol,
    pub name: String,
    /// Declared in the analysed files (not only referenced).
    pub declared: bool,
    /// Every figure is known: the group is closed (declared with all its reservations) and no
    /// consumer's demand is a lower bound.
    pub complete: bool,
    pub reservations: Vec<ReservationPlan>,
    /// The instance view it was read with, if any.
    pub instance_view: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapacityPlan {
    /// Sorted by group ID.
    pub groups: Vec<GroupPlan>,
}

/// What one template under one parameter set says about one reservation key.
#[derive(Clone, Debug)]
struct KeyFigures {
    group_name: String,
    declared: bool,
    closed: bool,
    reservation: Option<String>,
    size: String,
    reserved: Option<u64>,
    /// `reserved` per reservation (lower-cased name): a reservation two templates declare is
    /// one resource, counted once.
    reserved_by: BTreeMap<String, u64>,
    demand: DemandRange,
    consumers: Vec<ConsumerRef>,
}

/// The plan's contribution of one template under one parameter set.
#[derive(Clone, Debug, Default)]
pub struct TemplateFigures {
    /// Template file, for combining parameter sets of the same template.
    pub file: String,
    /// (group ID lower-cased, size lower-cased, zone) → figures.
    keys: BTreeMap<(Symbol, String, Option<String>), KeyFigures>,
    /// Groups without any key (declared without reservations or consumers).
    groups: BTreeMap<Symbol, (Symbol, String, bool, bool)>,
}

impl TemplateFigures {
    /// Read the figures of one evaluated template (`graph`, from `file`) off its capacity model.
    pub fn of(
        model: &CapacityModel,
        graph: &ResourceGraph,
        file: String,
        parameters: Option<String>,
    ) -> TemplateFigures {
        let mut out = TemplateFigures {
            file: file.clone(),
            ..TemplateFigures::default()
        };
        for (g, group) in model.groups.iter().enumerate() {
            let id = group_id(model, g);
            out.groups.entry(id.to_ascii_lowercase()).or_insert((
                id,
                group.name.clone(),
                group.declared(),
                group.closed,
            ));
        }
        for (key, d) in &model.demand {
            let (g, size, zone) = key;
            let Some(group) = model.group(*g) else {
                continue;
            };
            let reservations = model.reservations_for(key);
            let reserved = if group.declared() {
                model.reserved(key).map(|(_, max)| max)
            } else {
                None
            };
            let mut reserved_by: BTreeMap<String, u64> = BTreeMap::new();
            if reserved.is_some() {
                for r in &reservations {
                    let cap = r.capacity.and_then(|c| u64::try_from(c).ok()).unwrap_or(0);
                    let e = reserved_by.entry(r.name.to_ascii_lowercase()).or_default();
                    // Below the key's total, which the model summed without overflow.
                    *e = e.saturating_add(cap);
                }
            }
            let group_incomplete = model.incomplete_groups.get(*g).copied().unwrap_or(true);
            // One entry per declaration: the copies of a loop add up. Entries are found by
            // pointer through a map: 40,000 VMs on one key are 40,000 entries.
            let mut consumers: Vec<ConsumerRef> = Vec::new();
            let mut copies: Vec<usize> = Vec::new();
            let mut entry_of: rustc_hash::FxHashMap<String, usize> = Default::default();
            for &(c, lo, hi) in &d.consumers {
                let Some(r) = consumer_ref(graph, model, c, lo, hi, &file, parameters.clone())
                else {
                    continue;
                };
                match entry_of.get(&r.pointer).copied() {
                    Some(i) => {
                        if let (Some(e), Some(n)) = (consumers.get_mut(i), copies.get_mut(i)) {
                            // Parts of the key's demand, which the model summed without
                            // overflow: these sums cannot reach u64::MAX.
                            e.min = e.min.saturating_add(r.min);
                            e.max = e.max.saturating_add(r.max);
                            *n += 1;
                        }
                    }
                    None => {
                        entry_of.insert(r.pointer.clone(), consumers.len());
                        consumers.push(r);
                        copies.push(1);
                    }
                }
            }
            for (e, n) in consumers.iter_mut().zip(&copies) {
                if e.resource_type
                    .eq_ignore_ascii_case(crate::capacity::VIRTUAL_MACHINES)
                {
                    e.sources = vec![if *n == 1 {
                        "1 VM".to_string()
                    } else {
                        format!("{n} VMs of one declaration (copy loop)")
                    }];
                }
            }
            let id = group_id(model, *g);
            out.keys.insert(
                (id.to_ascii_lowercase(), size.clone(), zone.clone()),
                KeyFigures {
                    group_name: group.name.clone(),
                    declared: group.declared(),
                    closed: group.closed,
                    reservation: reservations.first().map(|r| r.name.clone()),
                    size: reservations
                        .first()
                        .and_then(|r| r.size.clone())
                        .or_else(|| consumer_size(model, key))
                        .unwrap_or_else(|| size.clone()),
                    reserved,
                    reserved_by,
                    demand: DemandRange {
                        min: d.min,
                        max: d.max,
                        complete: d.complete && !group_incomplete,
                    },
                    consumers,
                },
            );
        }
        out
    }
}

fn group_id(model: &CapacityModel, g: usize) -> Symbol {
    model.group(g).map(|g| g.id.clone()).unwrap_or_default()
}

/// The size as a consumer spells it (keys are lower-cased).
fn consumer_size(model: &CapacityModel, key: &Key) -> Option<String> {
    let d = model.demand.get(key)?;
    d.consumers
        .iter()
        .find_map(|&(c, _, _)| model.consumers.get(c)?.size.clone())
}

fn consumer_ref(
    graph: &ResourceGraph,
    model: &CapacityModel,
    c: usize,
    min: u64,
    max: u64,
    file: &str,
    parameters: Option<String>,
) -> Option<ConsumerRef> {
    let con = model.consumers.get(c)?;
    let inst = graph.instances().get(con.node)?;
    let sources: Vec<String> = con.sources.iter().map(|s| s.text.clone()).collect();
    Some(ConsumerRef {
        id: crate::capacity::model::id_symbol(&inst.id),
        file: file.to_string(),
        pointer: graph.declaration_pointer(con.node),
        resource_type: inst.resource_type.clone(),
        name: graph.display_name(con.node),
        min,
        max,
        sources,
        parameters,
    })
}

/// Combine the figures of every template under every parameter set into the plan.
pub fn combine(figures: Vec<TemplateFigures>) -> CapacityPlan {
    // Per template: the largest figures over its parameter sets (the deployment uses one).
    let mut per_template: BTreeMap<String, Vec<TemplateFigures>> = BTreeMap::new();
    for f in figures {
        per_template.entry(f.file.clone()).or_default().push(f);
    }
    let mut keys: BTreeMap<(Symbol, String, Option<String>), KeyFigures> = BTreeMap::new();
    let mut groups: BTreeMap<Symbol, (Symbol, String, bool, bool)> = BTreeMap::new();
    for (_, sets) in per_template {
        let mut best: BTreeMap<(Symbol, String, Option<String>), KeyFigures> = BTreeMap::new();
        for set in sets {
            for (id, g) in set.groups {
                let e = groups.entry(id).or_insert_with(|| g.clone());
                e.2 |= g.2;
                e.3 |= g.3;
            }
            for (key, k) in set.keys {
                match best.get_mut(&key) {
                    None => {
                        best.insert(key, k);
                    }
                    Some(b) => {
                        let mut consumers = std::mem::take(&mut b.consumers);
                        consumers.extend(k.consumers.iter().cloned());
                        if (k.demand.max, k.demand.min) > (b.demand.max, b.demand.min) {
                            *b = k;
                        } else {
                            b.demand.complete &= k.demand.complete;
                        }
                        b.consumers = consumers;
                    }
                }
            }
        }
        // Across templates the figures add up.
        for (key, k) in best {
            match keys.get_mut(&key) {
                None => {
                    keys.insert(key, k);
                }
                Some(a) => {
                    a.declared |= k.declared;
                    a.closed &= k.closed || !k.declared;
                    a.reservation = a.reservation.take().or(k.reservation);
                    a.reserved = match (a.reserved, k.reserved) {
                        (Some(_), Some(_)) => {
                            for (name, cap) in &k.reserved_by {
                                let e = a.reserved_by.entry(name.clone()).or_default();
                                *e = (*e).max(*cap);
                            }
                            // A total past u64 is unknown.
                            crate::capacity::checked_sum(a.reserved_by.values().copied())
                        }
                        (x, None) if !k.declared => x,
                        (None, y) if !a.declared => {
                            a.reserved_by = k.reserved_by.clone();
                            y
                        }
                        _ => None,
                    };
                    a.demand = add_demand(a.demand, k.demand);
                    a.consumers.extend(k.consumers);
                }
            }
        }
    }
    let mut plan: BTreeMap<Symbol, GroupPlan> = BTreeMap::new();
    for (id, (display_id, name, declared, closed)) in &groups {
        plan.insert(
            id.clone(),
            GroupPlan {
                id: display_id.clone(),
                name: name.clone(),
                declared: *declared,
                complete: *declared && *closed,
                reservations: Vec::new(),
                instance_view: None,
            },
        );
    }
    for ((id, _, zone), k) in keys {
        let group = plan.entry(id.clone()).or_insert_with(|| GroupPlan {
            id: id.clone(),
            name: k.group_name.clone(),
            declared: k.declared,
            complete: k.declared && k.closed,
            reservations: Vec::new(),
            instance_view: None,
        });
        let reserved = k.reserved;
        let complete = k.demand.complete && reserved.is_some();
        group.complete &= complete;
        let mut consumers = k.consumers;
        consumers.sort_by(|a, b| {
            (&a.file, &a.pointer, &a.parameters, &a.name).cmp(&(
                &b.file,
                &b.pointer,
                &b.parameters,
                &b.name,
            ))
        });
        consumers.dedup();
        group.reservations.push(ReservationPlan {
            name: k.reservation,
            size: k.size,
            zone,
            reserved,
            state: PlanState::of(k.demand.max, reserved, k.demand.complete),
            steady_state: PlanState::of(k.demand.min, reserved, k.demand.complete),
            unreserved_at_peak: reserved.map_or(0, |r| k.demand.max.saturating_sub(r)),
            demand: k.demand,
            consumers,
            current: None,
        });
    }
    CapacityPlan {
        groups: plan.into_values().collect(),
    }
}

/// The demand of two templates together. A sum past u64 is not a figure: the larger part is
/// then a lower bound (shown `≥`), as for a consumer of unknown size.
fn add_demand(a: DemandRange, b: DemandRange) -> DemandRange {
    match (a.min.checked_add(b.min), a.max.checked_add(b.max)) {
        (Some(min), Some(max)) => DemandRange {
            min,
            max,
            complete: a.complete && b.complete,
        },
        _ => DemandRange {
            min: a.min.max(b.min),
            max: a.max.max(b.max),
            complete: false,
        },
    }
}

/// Add what live instance views say: each view's reservations (capacity where the view or a
/// template gives it), their allocated VMs as existing demand (a VM also declared in a template
/// counts once), and the state now. A group known from a view is complete when the view gives
/// every reservation's size and capacity.
pub fn apply_views(plan: &mut CapacityPlan, views: &[InstanceView]) -> Result<(), ViewError> {
    crate::capacity::instance_view::check_distinct(views)?;
    for view in views {
        let g = view_group(plan, view);
        let Some(group) = plan.groups.get_mut(g) else {
            continue;
        };
        group.instance_view = Some(view.file.clone());
        let mut known = true;
        for vr in &view.reservations {
            known &= vr.size.is_some() && vr.capacity.is_some();
            let r = view_reservation(group, view, vr)?;
            let Some(res) = group.reservations.get_mut(r) else {
                continue;
            };
            apply_view_reservation(res, view, vr);
        }
        if !group.declared {
            group.complete = known
                && group
                    .reservations
                    .iter()
                    .all(|r| r.reserved.is_some() && r.demand.complete);
        }
    }
    plan.groups
        .sort_by_key(|g| g.id.text().to_ascii_lowercase());
    Ok(())
}

/// The plan group an instance view is of: the one with its ID, else a template group of its
/// name, else one added for it.
fn view_group(plan: &mut CapacityPlan, view: &InstanceView) -> usize {
    let view_id = view.id.to_ascii_lowercase();
    let found = plan
        .groups
        .iter()
        .position(|g| !g.id.has_unknown() && g.id.text().to_ascii_lowercase() == view_id)
        .or_else(|| {
            // A template's ID with an unknown subscription or resource group is the view's
            // group when the name is the same and only one template group has it.
            let by_name: Vec<usize> = plan
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.id.has_unknown() && g.name.eq_ignore_ascii_case(&view.name))
                .map(|(i, _)| i)
                .collect();
            match by_name.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        });
    match found {
        Some(g) => g,
        None => {
            plan.groups.push(GroupPlan {
                id: Symbol::known(&view.id),
                name: view.name.clone(),
                declared: false,
                complete: true,
                reservations: Vec::new(),
                instance_view: None,
            });
            plan.groups.len() - 1
        }
    }
}

/// The reservation of `group` a view's reservation is (by name, else by size when only one
/// has it), added when none is.
fn view_reservation(
    group: &mut GroupPlan,
    view: &InstanceView,
    vr: &ViewReservation,
) -> Result<usize, ViewError> {
    let by_name = group.reservations.iter().position(|r| {
        r.name
            .as_deref()
            .is_some_and(|n| last_segment(n).eq_ignore_ascii_case(&vr.name))
    });
    let by_size = || {
        let size = vr.size.as_deref()?;
        let same: Vec<usize> = group
            .reservations
            .iter()
            .enumerate()
            .filter(|(_, r)| r.size.eq_ignore_ascii_case(size))
            .map(|(i, _)| i)
            .collect();
        match same.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    };
    // A reservation's size cannot change once created: a view that names another size
    // for it is of another group, or the template is not what was deployed.
    if let (Some(i), Some(size)) = (by_name, vr.size.as_deref())
        && let Some(declared) = group.reservations.get(i)
        && is_literal_size(&declared.size)
        && !declared.size.eq_ignore_ascii_case(size)
    {
        return Err(ViewError {
            file: view.file.clone(),
            pointer: vr.size_pointer.clone().unwrap_or_default(),
            message: format!(
                "reservation \"{}\" reserves {size} here, but the templates declare it with {}; a reservation's size cannot change (is this the view of another group?)",
                vr.name, declared.size
            ),
        });
    }
    Ok(match by_name.or_else(by_size) {
        Some(r) => r,
        None => {
            group.reservations.push(ReservationPlan {
                name: Some(format!("{}/{}", view.name, vr.name)),
                size: vr.size.clone().unwrap_or_else(|| "?".into()),
                zone: None,
                reserved: vr.capacity,
                demand: DemandRange {
                    min: 0,
                    max: 0,
                    complete: true,
                },
                state: PlanState::Unknown,
                steady_state: PlanState::Unknown,
                unreserved_at_peak: 0,
                consumers: Vec::new(),
                current: None,
            });
            group.reservations.len() - 1
        }
    })
}

/// What a view says of reservation `res`: its capacity and name where the templates give none,
/// its allocated VMs as demand, and its state now.
fn apply_view_reservation(res: &mut ReservationPlan, view: &InstanceView, vr: &ViewReservation) {
    if res.reserved.is_none() {
        res.reserved = vr.capacity;
    }
    if res.name.is_none() {
        res.name = Some(format!("{}/{}", view.name, vr.name));
    }
    // Allocated VMs the templates do not declare are demand already there. The
    // templates' consumers are indexed once: the VMs pushed below are the view's own.
    let declared = DeclaredIds::new(
        res.consumers
            .iter()
            .filter(|c| c.file != view.file)
            .map(|c| c.id.clone()),
    );
    for vm in &vr.allocated {
        let name = allocated_name(vm);
        if declared.contains(vm) {
            continue;
        }
        res.demand = add_demand(
            res.demand,
            DemandRange {
                min: 1,
                max: 1,
                complete: true,
            },
        );
        res.consumers.push(ConsumerRef {
            file: view.file.clone(),
            pointer: String::new(),
            resource_type: crate::capacity::VIRTUAL_MACHINES.to_string(),
            name: name.to_string(),
            min: 1,
            max: 1,
            sources: vec!["allocated now (instance view)".into()],
            parameters: None,
            id: Symbol::known(vm),
        });
    }
    let allocated = vr.allocated.len() as u64;
    res.current = Some(CurrentState {
        allocated,
        capacity: res.reserved,
        state: PlanState::of(allocated, res.reserved, true),
    });
    let complete = res.demand.complete;
    res.state = PlanState::of(res.demand.max, res.reserved, complete);
    res.steady_state = PlanState::of(res.demand.min, res.reserved, complete);
    res.unreserved_at_peak = res
        .reserved
        .map_or(0, |cap| res.demand.max.saturating_sub(cap));
}

fn is_literal_size(size: &str) -> bool {
    size != "?"
}

/// The name a templates' consumer would have for an allocated VM: the VM's, or for a scale set
/// instance (`…/virtualMachineScaleSets/web/virtualMachines/3`) the scale set's.
fn allocated_name(id: &str) -> &str {
    let segs: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    match segs.as_slice() {
        [.., set_type, set, vms, _]
            if set_type.eq_ignore_ascii_case("virtualMachineScaleSets")
                && vms.eq_ignore_ascii_case("virtualMachines") =>
        {
            set
        }
        _ => last_segment(id),
    }
}
