//! The capacity model the capacity rules share (capacity-reservations spec, section 3): groups and
//! their reservations, consumers (VMs and scale sets) with size, zones, location, group and instance
//! range, and the demand per reservation key (group, size, zone). Built once per expanded template.
//!
//! Three-valued throughout: an attribute that cannot be evaluated is unknown, and whatever depends
//! on it is left out (a check does not fire) or makes a count a lower bound (`complete: false`).

use std::collections::BTreeMap;

use super::{Orchestration, SCALE_SETS, VIRTUAL_MACHINES, declared_orchestration};
use crate::arm::functions::parse_resource_id_value;
use crate::arm::graph::{EdgeKind, ResourceGraph, Target};
use crate::arm::template::ResourceInstance;
use crate::arm::value::{Symbol, Tri, Value};
use crate::capacity::instance_view::InstanceView;

pub const GROUPS: &str = "Microsoft.Compute/capacityReservationGroups";
pub const RESERVATIONS: &str = "Microsoft.Compute/capacityReservationGroups/capacityReservations";
pub const AUTOSCALE: &str = "Microsoft.Insights/autoscaleSettings";

/// Every type whose properties the model reads (the capacity rules need nothing else).
pub const MODEL_TYPES: &[&str] = &[
    GROUPS,
    RESERVATIONS,
    VIRTUAL_MACHINES,
    SCALE_SETS,
    AUTOSCALE,
    "Microsoft.Insights/autoscalesettings",
];

/// What the capacity model may assume about the world outside the analysed files
/// (`capacity:` in `.armlint.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityAssumptions {
    /// A group declared in the files holds only the reservations declared there (closed world,
    /// the default). False: every declared group may have reservations deployed elsewhere, so
    /// the rules that need all of a group's reservations ("not reserved", "over-reserved") stay
    /// silent for it. Groups known from an instance view are unaffected: the view is Azure's own.
    pub declared_groups_complete: bool,
}

impl Default for CapacityAssumptions {
    fn default() -> Self {
        CapacityAssumptions {
            declared_groups_complete: true,
        }
    }
}

/// Where a consumer's group reference sits in its body.
pub const VM_GROUP_PATH: &str = "properties.capacityReservation.capacityReservationGroup.id";
pub const PROFILE_GROUP_PATH: &str =
    "properties.virtualMachineProfile.capacityReservation.capacityReservationGroup.id";

/// Zones of a resource: `null`, `''` and `[]` all mean regional (spec 1.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Zones {
    Regional,
    /// Sorted, without duplicates.
    Zonal(Vec<String>),
    Unknown,
}

impl Zones {
    pub fn of(v: Option<&Value>) -> Zones {
        let Some(v) = v else {
            return Zones::Regional;
        };
        match v {
            Value::Null => Zones::Regional,
            Value::String(s) if s.trim().is_empty() => Zones::Regional,
            Value::Array(items) => {
                let mut zones = Vec::with_capacity(items.len());
                for z in items.iter() {
                    match z {
                        Value::String(s) => zones.push(s.trim().to_string()),
                        Value::Int(i) => zones.push(i.to_string()),
                        _ => return Zones::Unknown,
                    }
                }
                zones.sort();
                zones.dedup();
                if zones.is_empty() {
                    Zones::Regional
                } else {
                    Zones::Zonal(zones)
                }
            }
            _ => Zones::Unknown,
        }
    }

    pub fn known(&self) -> Option<&[String]> {
        match self {
            Zones::Regional => Some(&[]),
            Zones::Zonal(z) => Some(z),
            Zones::Unknown => None,
        }
    }

    /// `1, 2, 3` for messages; `regional` without zones.
    pub fn describe(&self) -> String {
        match self {
            Zones::Regional => "regional".into(),
            Zones::Zonal(z) => z.join(", "),
            Zones::Unknown => "unknown zones".into(),
        }
    }
}

/// A location, compared after lower-casing and removing spaces (`East US` = `eastus`). Two
/// unresolved locations are equal when they are the same expression in the same scope (spec 1.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Known(String),
    Symbol(Symbol),
    Unknown,
}

impl Location {
    pub fn of(v: Option<&Value>) -> Location {
        match v {
            Some(Value::String(s)) => Location::Known(
                s.chars()
                    .filter(|c| !c.is_whitespace())
                    .flat_map(char::to_lowercase)
                    .collect(),
            ),
            Some(Value::Unknown(u)) => match &u.symbol {
                Some(s) => Location::Symbol(s.clone()),
                None => Location::Unknown,
            },
            _ => Location::Unknown,
        }
    }

    /// `Some(true)` same, `Some(false)` different, `None` not known.
    pub fn same(&self, other: &Location) -> Option<bool> {
        match (self, other) {
            (Location::Known(a), Location::Known(b)) => Some(a == b),
            (Location::Symbol(a), Location::Symbol(b)) if a == b => Some(true),
            _ => None,
        }
    }

    pub fn known(&self) -> Option<&str> {
        match self {
            Location::Known(s) => Some(s),
            _ => None,
        }
    }
}

/// What a `capacityReservationGroup.id` refers to.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupRef {
    /// No association: the property is absent or `null` (AVM's `if(empty(p), …, null())`).
    None,
    /// The ID is an empty string: Azure rejects it (CRG015).
    Empty,
    /// A group of [`CapacityModel::groups`].
    Group(usize),
    /// An ID that is not a capacity reservation group's (CRG015): the evaluated text.
    NotAGroup(Symbol),
    /// The reference cannot be evaluated: why.
    Unknown(String),
}

impl GroupRef {
    pub fn group(&self) -> Option<usize> {
        match self {
            GroupRef::Group(g) => Some(*g),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReservationType {
    Targeted,
    Block,
    Open,
    Unknown,
}

/// A capacity reservation group: declared in the analysed template, or only referenced.
#[derive(Clone, Debug)]
pub struct Group {
    /// The declaring instance; `None` for a group only referenced by ID (external).
    pub node: Option<usize>,
    /// Name for messages (`crg`), or the referenced ID's last segment.
    pub name: String,
    /// The ID as evaluated or symbolic (lower-cased for external groups' matching).
    pub id: Symbol,
    pub location: Location,
    pub zones: Zones,
    pub reservation_type: ReservationType,
    /// Shared with other subscriptions (`sharingProfile.subscriptionIds` not empty); `None` unknown.
    pub shared: Option<bool>,
    /// Declared with `existing: true`: a reference, never deployed here.
    pub existing: bool,
    pub deployed: Tri,
    /// Indexes into [`CapacityModel::reservations`].
    pub reservations: Vec<usize>,
    /// Closed world (spec 3.6): declared here, and every reservation it can have is declared here
    /// with known size, zone and capacity. Only then may "not reserved" and "over-reserved" fire.
    /// A group known from an instance view is closed when the view gives all of that.
    pub closed: bool,
    /// What a live instance view says of a group this template does not declare.
    pub view: Option<GroupView>,
}

/// A group's reservations and allocations from an instance view.
#[derive(Clone, Debug)]
pub struct GroupView {
    /// The view's file, for messages.
    pub file: String,
    pub reservations: Vec<ViewReservationInfo>,
}

#[derive(Clone, Debug)]
pub struct ViewReservationInfo {
    pub name: String,
    pub size: Option<String>,
    pub capacity: Option<u64>,
    /// `Some(None)` regional, `None` unknown.
    pub zone: Option<Option<String>>,
    /// VMs allocated now that this template does not declare.
    pub allocated_elsewhere: u64,
}

impl Group {
    pub fn declared(&self) -> bool {
        self.node.is_some() && !self.existing
    }
}

#[derive(Clone, Debug)]
pub struct Reservation {
    pub node: usize,
    /// Index into [`CapacityModel::groups`]; `None` when the parent cannot be determined.
    pub group: Option<usize>,
    pub name: String,
    /// `sku.name`, when known.
    pub size: Option<String>,
    /// `sku.capacity`, when known (templates also write it as a string).
    pub capacity: Option<i64>,
    pub zones: Zones,
    pub location: Location,
    pub deployed: Tri,
}

impl Reservation {
    /// The reservation's single zone (`Some(None)` regional); `None` when unknown or invalid.
    pub fn zone(&self) -> Option<Option<&str>> {
        match &self.zones {
            Zones::Regional => Some(None),
            Zones::Zonal(z) if z.len() == 1 => z.first().map(|z| Some(z.as_str())),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsumerKind {
    /// A VM that is not a scale set member.
    Vm,
    /// A VM joining a scale set (`properties.virtualMachineScaleSet.id`); the set's node when it is
    /// declared here, and the set's ID (lower-cased; empty when it cannot be evaluated) to tell
    /// members of the same external set.
    Member {
        scale_set: Option<usize>,
        set_id: String,
    },
    /// A scale set creating instances from its VM profile.
    ScaleSet,
}

/// One source of instances, for messages: `sku.capacity 2`, `autoscale 'web-as' maximum 10`.
#[derive(Clone, Debug)]
pub struct DemandSource {
    pub text: String,
    /// The instance whose property sets it, and the property's dotted path (array indexes as
    /// segments), for related locations.
    pub node: usize,
    pub path: String,
}

/// Something that can run on reserved capacity: a VM instance or a scale set's profile instances.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub node: usize,
    pub kind: ConsumerKind,
    /// VM size (`hardwareProfile.vmSize`, or the scale set's `sku.name`), when known.
    pub size: Option<String>,
    /// For members without zones of a single-zone scale set: that zone (spec 3.4).
    pub zones: Zones,
    pub location: Location,
    pub group: GroupRef,
    /// Instances at steady state and at peak; `None` when not known at all.
    pub instances: Option<(u64, u64)>,
    /// False when `instances` is only a lower bound (an autoscale maximum or capacity unknown).
    pub instances_complete: bool,
    pub sources: Vec<DemandSource>,
    pub deployed: Tri,
}

/// A scale set and what the model knows about it.
#[derive(Clone, Debug)]
pub struct ScaleSet {
    pub node: usize,
    /// Spec 3.3: the literal mode, else Flexible when a VM joins it or it has no profile, Uniform
    /// with a profile; `None` when unresolved.
    pub mode: Option<Orchestration>,
    /// The mode from the declaration alone (rules 1, 3, 4, 5): what Azure creates. A VM joining
    /// a set this makes Uniform is VMSS001's finding.
    pub declared_mode: Option<Orchestration>,
    pub has_profile: Option<bool>,
    /// The profile's group reference.
    pub profile_group: GroupRef,
    /// Member VM instances declared here.
    pub members: Vec<usize>,
    /// Autoscale settings whose `targetResourceUri` is this set.
    pub autoscale: Vec<usize>,
}

/// The member VMs of one scale set (declared or external).
#[derive(Clone, Debug)]
pub struct MemberSet {
    /// The scale set's node when it is declared here.
    pub scale_set: Option<usize>,
    /// Indexes into [`CapacityModel::consumers`].
    pub members: Vec<usize>,
}

/// Where a scale set's reservation intent comes from: the group its profile or a member VM names.
#[derive(Clone, Debug)]
pub struct Intent {
    pub group: usize,
    /// The instance whose property names the group, and that property's path.
    pub node: usize,
    pub path: &'static str,
    pub from_profile: bool,
}

/// Demand of one reservation key. A zone-spanning scale set spreads its instances evenly, so each
/// of its k zones gets at least ⌊n/k⌋ and at most ⌈n/k⌉ of n instances.
#[derive(Clone, Debug, Default)]
pub struct KeyDemand {
    /// Steady state that is certain: certainly deployed consumers, ⌊lo/k⌋ shares.
    pub min: u64,
    /// Peak that is certain: certainly deployed consumers, ⌊hi/k⌋ shares (what CRG011 compares).
    pub peak: u64,
    /// Upper bound of the peak: also consumers whose condition is unknown ("maybe deployed",
    /// spec 3.7), ⌈hi/k⌉ shares (what "over-reserved" compares).
    pub max: u64,
    /// False when an unknown value leaves the demand a lower bound.
    pub complete: bool,
    /// Consumers and the instances each puts on this key: (consumer, min, max).
    pub consumers: Vec<(usize, u64, u64)>,
}

/// (group, size lower-cased, zone).
pub type Key = (usize, String, Option<String>);

/// Everything the capacity rules need from one expanded template.
#[derive(Debug, Default)]
pub struct CapacityModel {
    pub groups: Vec<Group>,
    pub reservations: Vec<Reservation>,
    pub consumers: Vec<Consumer>,
    pub scale_sets: Vec<ScaleSet>,
    /// Scale set node → index into `scale_sets`.
    scale_set_of_node: BTreeMap<usize, usize>,
    /// Demand per key, for keys any consumer or reservation mentions.
    pub demand: BTreeMap<Key, KeyDemand>,
    /// Groups whose demand is a lower bound for every key (a consumer names an unknown group, or
    /// one of theirs has an unknown size or zones).
    pub incomplete_groups: Vec<bool>,
    /// The reservations of each key, built on first use once the model is complete: rules ask
    /// per reservation, and a scan of the group each time is quadratic in a group's size.
    by_key: std::sync::OnceLock<ReservationsByKey>,
}

/// Per key (size lowercased): the indices of its deployable reservations in declaration order,
/// and its reserved quantity (`None` when a capacity is unknown or the sum passes u64).
#[derive(Debug, Default)]
struct ReservationsByKey {
    reservations: rustc_hash::FxHashMap<Key, Vec<usize>>,
    reserved: rustc_hash::FxHashMap<Key, Option<(u64, u64)>>,
}

impl ReservationsByKey {
    fn build(m: &CapacityModel) -> ReservationsByKey {
        let mut by = ReservationsByKey::default();
        let add = |sum: &mut Option<(u64, u64)>, cap: Option<u64>, certain: bool| {
            *sum = sum.and_then(|(min, max)| {
                let cap = cap?;
                let min = if certain { min.checked_add(cap)? } else { min };
                Some((min, max.checked_add(cap)?))
            });
        };
        for (g, group) in m.groups.iter().enumerate() {
            for &i in &group.reservations {
                let Some(r) = m.reservations.get(i).filter(|r| r.deployed != Tri::False) else {
                    continue;
                };
                let (Some(size), Some(zone)) = (r.size.as_deref(), r.zone()) else {
                    continue;
                };
                let key: Key = (g, size.to_ascii_lowercase(), zone.map(String::from));
                let cap = r.capacity.map(|c| u64::try_from(c).unwrap_or(0));
                let sum = by.reserved.entry(key.clone()).or_insert(Some((0, 0)));
                add(sum, cap, r.deployed == Tri::True);
                by.reservations.entry(key).or_default().push(i);
            }
            for r in m.view_reservations(g) {
                let (Some(size), Some(zone)) = (r.size.as_deref(), r.zone.as_ref()) else {
                    continue;
                };
                let key: Key = (g, size.to_ascii_lowercase(), zone.clone());
                let sum = by.reserved.entry(key).or_insert(Some((0, 0)));
                add(sum, r.capacity, true);
            }
        }
        by
    }
}

fn is_type(inst: &ResourceInstance, ty: &str) -> bool {
    inst.is_type(ty) || (ty == AUTOSCALE && inst.is_type("Microsoft.Insights/autoscalesettings"))
}

/// Taking part in the deployment: not `existing`, not excluded by a condition.
fn takes_part(inst: &ResourceInstance) -> bool {
    !inst.existing && inst.deployed != Tri::False
}

/// Last segment of a name or ID, for messages.
fn short_name(s: &str) -> String {
    s.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(s)
        .to_string()
}

impl CapacityModel {
    pub fn build(graph: &ResourceGraph) -> CapacityModel {
        Self::build_with_views(graph, &[])
    }

    /// [`CapacityModel::build`], with live instance views of groups the template only
    /// references: their reservations close them, and their allocated VMs are demand already
    /// there (a VM the template declares counts once).
    pub fn build_with_views(graph: &ResourceGraph, views: &[InstanceView]) -> CapacityModel {
        Self::build_assuming(graph, views, CapacityAssumptions::default())
    }

    /// [`CapacityModel::build_with_views`] under explicit assumptions about the outside world.
    pub fn build_assuming(
        graph: &ResourceGraph,
        views: &[InstanceView],
        assumptions: CapacityAssumptions,
    ) -> CapacityModel {
        let mut m = CapacityModel::default();
        let group_of_node = Self::add_declared_groups(&mut m, graph.instances());
        Self::add_reservations(&mut m, graph, &group_of_node, assumptions);
        Self::add_scale_sets(&mut m, graph);
        Self::add_vm_consumers(&mut m, graph);
        Self::add_scale_set_consumers(&mut m, graph);
        m.apply_views(graph, views);
        m.compute_demand();
        m
    }

    /// Groups declared here, returning each one's index in `m.groups` by its node.
    fn add_declared_groups(
        m: &mut CapacityModel,
        instances: &[ResourceInstance],
    ) -> BTreeMap<usize, usize> {
        let mut group_of_node: BTreeMap<usize, usize> = BTreeMap::new();
        for (i, inst) in instances.iter().enumerate() {
            if !is_type(inst, GROUPS) || inst.deployed == Tri::False {
                continue;
            }
            let shared = match inst.get("properties.sharingProfile.subscriptionIds") {
                None | Some(Value::Null) => Some(false),
                Some(Value::Array(a)) => Some(!a.is_empty()),
                Some(_) => None,
            };
            let reservation_type = match inst.get("properties.reservationType") {
                None | Some(Value::Null) => ReservationType::Targeted,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("Targeted") => {
                    ReservationType::Targeted
                }
                Some(Value::String(s)) if s.eq_ignore_ascii_case("Block") => ReservationType::Block,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("Open") => ReservationType::Open,
                Some(_) => ReservationType::Unknown,
            };
            group_of_node.insert(i, m.groups.len());
            // An `existing` declaration names the group; what it writes besides is not what
            // Azure has (Bicep emits no zones or location for it).
            let existing = inst.existing;
            m.groups.push(Group {
                node: Some(i),
                name: inst
                    .name_str()
                    .map(short_name)
                    .unwrap_or_else(|| "<unknown>".into()),
                id: id_symbol(&inst.id),
                location: if existing {
                    Location::Unknown
                } else {
                    Location::of(inst.get("location").as_ref())
                },
                zones: if existing {
                    Zones::Unknown
                } else {
                    Zones::of(inst.get("zones").as_ref())
                },
                reservation_type: if existing {
                    ReservationType::Unknown
                } else {
                    reservation_type
                },
                shared: if existing { None } else { shared },
                existing: inst.existing,
                deployed: inst.deployed,
                reservations: Vec::new(),
                closed: false,
                view: None,
            });
        }
        group_of_node
    }

    /// Reservations, attached to their group through the parent edge (nested child or
    /// `group/name` naming); then which declared groups are closed.
    fn add_reservations(
        m: &mut CapacityModel,
        graph: &ResourceGraph,
        group_of_node: &BTreeMap<usize, usize>,
        assumptions: CapacityAssumptions,
    ) {
        let instances = graph.instances();
        let mut orphan_reservation = false;
        for (i, inst) in instances.iter().enumerate() {
            if !is_type(inst, RESERVATIONS) || !takes_part(inst) {
                continue;
            }
            let parent = graph
                .edges_from(i)
                .find(|e| e.kind == EdgeKind::Parent)
                .and_then(|e| match e.target {
                    Target::Node { index, .. } => group_of_node.get(&index).copied(),
                    _ => None,
                });
            if parent.is_none() {
                orphan_reservation = true;
            }
            let r = m.reservations.len();
            if let Some(g) = parent.and_then(|g| m.groups.get_mut(g)) {
                g.reservations.push(r);
            }
            m.reservations.push(Reservation {
                node: i,
                group: parent,
                name: inst
                    .name_str()
                    .map(String::from)
                    .unwrap_or_else(|| "<unknown>".into()),
                size: inst
                    .get("sku.name")
                    .and_then(|v| v.as_str().map(String::from)),
                capacity: inst.get("sku.capacity").and_then(|v| v.as_int_lenient()),
                zones: Zones::of(inst.get("zones").as_ref()),
                location: Location::of(inst.get("location").as_ref()),
                deployed: inst.deployed,
            });
        }
        for g in &mut m.groups {
            g.closed = assumptions.declared_groups_complete
                && g.declared()
                && g.deployed == Tri::True
                && !orphan_reservation
                && g.reservations.iter().all(|&r| {
                    m.reservations.get(r).is_some_and(|r| {
                        r.size.is_some() && r.capacity.is_some() && r.zone().is_some()
                    })
                });
        }
    }

    /// Scale sets, and the autoscale settings that target them.
    fn add_scale_sets(m: &mut CapacityModel, graph: &ResourceGraph) {
        let instances = graph.instances();
        for (i, inst) in instances.iter().enumerate() {
            if !inst.is_type(SCALE_SETS) || inst.deployed == Tri::False {
                continue;
            }
            let has_profile = match inst.get("properties.virtualMachineProfile") {
                None | Some(Value::Null) => Some(false),
                Some(Value::Object(_)) => Some(true),
                Some(_) => None,
            };
            let profile_group = m.group_ref(graph, inst.get(PROFILE_GROUP_PATH));
            m.scale_set_of_node.insert(i, m.scale_sets.len());
            m.scale_sets.push(ScaleSet {
                node: i,
                mode: declared_orchestration(inst),
                declared_mode: declared_orchestration(inst),
                has_profile,
                profile_group,
                members: Vec::new(),
                autoscale: Vec::new(),
            });
        }
        for e in &graph.edges {
            if e.kind != EdgeKind::AutoscaleTarget {
                continue;
            }
            let Target::Node { index, .. } = e.target else {
                continue;
            };
            if let Some(&s) = m.scale_set_of_node.get(&index)
                && instances.get(e.from).is_some_and(takes_part)
                && let Some(set) = m.scale_sets.get_mut(s)
            {
                set.autoscale.push(e.from);
            }
        }
    }

    /// VMs, standalone or members of a scale set.
    fn add_vm_consumers(m: &mut CapacityModel, graph: &ResourceGraph) {
        let instances = graph.instances();
        for (i, inst) in instances.iter().enumerate() {
            if !inst.is_type(VIRTUAL_MACHINES) || !takes_part(inst) {
                continue;
            }
            let kind = match inst.get("properties.virtualMachineScaleSet.id") {
                None | Some(Value::Null) => ConsumerKind::Vm,
                Some(id) => {
                    let set = match graph.resolve(&id) {
                        Target::Node { index, .. } => m.scale_set_of_node.get(&index).copied(),
                        _ => None,
                    };
                    if let Some(s) = set.and_then(|s| m.scale_sets.get_mut(s)) {
                        s.members.push(i);
                        // Only Flexible scale sets accept VMs (spec 3.3 rule 2, after the literal).
                        let literal = instances
                            .get(s.node)
                            .and_then(|n| n.get("properties.orchestrationMode"))
                            .is_some_and(|v| v.as_str().is_some());
                        if !literal {
                            s.mode = Some(Orchestration::Flexible);
                        }
                    }
                    ConsumerKind::Member {
                        scale_set: set.and_then(|s| m.scale_sets.get(s)).map(|s| s.node),
                        set_id: id_symbol(&id).text().to_ascii_lowercase(),
                    }
                }
            };
            let mut zones = Zones::of(inst.get("zones").as_ref());
            if inst.get("placement").is_some_and(|p| !p.is_null()) {
                // The platform picks the zone (zone placement policy).
                zones = Zones::Unknown;
            }
            if let ConsumerKind::Member {
                scale_set: Some(set),
                ..
            } = &kind
                && zones == Zones::Regional
            {
                // A regional member of a scale set inherits its zone only when the set has one
                // zone; in a zone-spanning set its zone is the platform's choice.
                zones = match instances
                    .get(*set)
                    .map(|s| Zones::of(s.get("zones").as_ref()))
                {
                    Some(Zones::Zonal(z)) if z.len() == 1 => Zones::Zonal(z),
                    Some(Zones::Regional) => Zones::Regional,
                    _ => Zones::Unknown,
                };
            }
            let group = m.group_ref(graph, inst.get(VM_GROUP_PATH));
            m.consumers.push(Consumer {
                node: i,
                kind,
                size: inst
                    .get("properties.hardwareProfile.vmSize")
                    .and_then(|v| v.as_str().map(String::from)),
                zones,
                location: Location::of(inst.get("location").as_ref()),
                group,
                // One representative of a loop whose count is unknown stands for any number.
                instances: (!inst.copy_path.iter().any(Value::is_unknown)).then_some((1, 1)),
                instances_complete: true,
                sources: Vec::new(),
                deployed: inst.deployed,
            });
        }
    }

    /// Scale sets creating instances from a profile.
    fn add_scale_set_consumers(m: &mut CapacityModel, graph: &ResourceGraph) {
        let instances = graph.instances();
        for s in 0..m.scale_sets.len() {
            let Some(set) = m.scale_sets.get(s).cloned() else {
                continue;
            };
            let Some(inst) = instances.get(set.node) else {
                continue;
            };
            if inst.existing || set.has_profile == Some(false) {
                continue;
            }
            let (instances_range, complete, sources) = scale_set_instances(graph, inst, &set);
            m.consumers.push(Consumer {
                node: set.node,
                kind: ConsumerKind::ScaleSet,
                size: inst
                    .get("sku.name")
                    .and_then(|v| v.as_str().map(String::from)),
                zones: Zones::of(inst.get("zones").as_ref()),
                location: Location::of(inst.get("location").as_ref()),
                group: set.profile_group.clone(),
                instances: instances_range,
                instances_complete: complete,
                sources,
                deployed: inst.deployed,
            });
        }
    }

    /// Resolve a group reference, adding a group for an ID that names none declared here.
    fn group_ref(&mut self, graph: &ResourceGraph, v: Option<Value>) -> GroupRef {
        let Some(v) = v else {
            return GroupRef::None;
        };
        match &v {
            Value::Null => return GroupRef::None,
            Value::String(s) if s.trim().is_empty() => return GroupRef::Empty,
            Value::Unknown(u) if u.symbol.is_none() => {
                return GroupRef::Unknown(u.reason.to_string());
            }
            Value::String(_) | Value::Unknown(_) => {}
            _ => return GroupRef::NotAGroup(Symbol::known(&v.to_json_string())),
        }
        let text = id_symbol(&v);
        let Some(parsed) = parse_resource_id_value(&v) else {
            return match &v {
                Value::Unknown(u) => GroupRef::Unknown(u.reason.to_string()),
                _ => GroupRef::NotAGroup(text),
            };
        };
        if !parsed
            .resource_type
            .eq_ignore_ascii_case("microsoft.compute/capacityreservationgroups")
        {
            return if parsed.is_symbolic() && parsed.unknown.resource_type {
                GroupRef::Unknown("the resource type is not known".into())
            } else {
                GroupRef::NotAGroup(text)
            };
        }
        match graph.resolve(&v) {
            Target::Node { index, .. } => {
                if let Some(g) = self.groups.iter().position(|g| g.node == Some(index)) {
                    return GroupRef::Group(g);
                }
                GroupRef::Unknown("the group is not deployed".into())
            }
            Target::External(id) => {
                let lower = id.to_ascii_lowercase();
                if let Some(g) = self
                    .groups
                    .iter()
                    .position(|g| g.node.is_none() && g.id.text() == lower && !g.id.has_unknown())
                {
                    return GroupRef::Group(g);
                }
                self.groups.push(Group {
                    node: None,
                    name: parsed.names.last().cloned().unwrap_or_default(),
                    id: Symbol::known(&lower),
                    location: Location::Unknown,
                    zones: Zones::Unknown,
                    reservation_type: ReservationType::Unknown,
                    shared: None,
                    existing: false,
                    deployed: Tri::Unknown,
                    reservations: Vec::new(),
                    closed: false,
                    view: None,
                });
                GroupRef::Group(self.groups.len() - 1)
            }
            Target::Unknown(why) => GroupRef::Unknown(why),
        }
    }

    fn apply_views(&mut self, graph: &ResourceGraph, views: &[InstanceView]) {
        if views.is_empty() {
            return;
        }
        // VM names this template deploys, to count a VM allocated in a view once.
        let declared = crate::capacity::instance_view::DeclaredIds::new(
            self.consumers
                .iter()
                .filter_map(|c| graph.instances().get(c.node))
                .map(|i| id_symbol(&i.id)),
        );
        for g in 0..self.groups.len() {
            let Some(group) = self.groups.get(g) else {
                continue;
            };
            if group.declared() {
                continue;
            }
            let id = group.id.text().to_ascii_lowercase();
            let symbolic = group.id.has_unknown();
            let by_id = views.iter().find(|v| v.id.to_ascii_lowercase() == id);
            let by_name = || {
                let same: Vec<&InstanceView> = views
                    .iter()
                    .filter(|v| symbolic && v.name.eq_ignore_ascii_case(&group.name))
                    .collect();
                match same.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            };
            let Some(view) = by_id.or_else(by_name) else {
                continue;
            };
            let regional = view.zones.is_empty();
            let reservations: Vec<ViewReservationInfo> = view
                .reservations
                .iter()
                .map(|r| ViewReservationInfo {
                    name: r.name.clone(),
                    size: r.size.clone(),
                    capacity: r.capacity,
                    zone: match &r.zones {
                        Some(z) if z.is_empty() => Some(None),
                        Some(z) if z.len() == 1 => z.first().cloned().map(Some),
                        Some(_) => None,
                        None if regional => Some(None),
                        None => None,
                    },
                    allocated_elsewhere: r
                        .allocated
                        .iter()
                        .filter(|vm| !declared.contains(vm))
                        .count() as u64,
                })
                .collect();
            let closed = reservations
                .iter()
                .all(|r| r.size.is_some() && r.capacity.is_some() && r.zone.is_some());
            if let Some(group) = self.groups.get_mut(g) {
                group.zones = if regional {
                    Zones::Regional
                } else {
                    Zones::Zonal(view.zones.clone())
                };
                if let Some(l) = &view.location {
                    group.location = Location::of(Some(&Value::string(l.as_str())));
                }
                group.shared = Some(view.shared);
                group.closed = closed;
                group.view = Some(GroupView {
                    file: view.file.clone(),
                    reservations,
                });
            }
        }
    }

    /// The reservations an instance view gives group `g`.
    pub fn view_reservations(&self, g: usize) -> &[ViewReservationInfo] {
        self.groups
            .get(g)
            .and_then(|g| g.view.as_ref())
            .map(|v| v.reservations.as_slice())
            .unwrap_or_default()
    }

    /// Whether an instance view gives group `g` a reservation for `key`.
    pub fn view_reserves(&self, key: &Key) -> bool {
        let (g, size, zone) = key;
        self.view_reservations(*g).iter().any(|r| {
            r.size
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(size))
                && r.zone.as_ref() == Some(zone)
        })
    }

    fn compute_demand(&mut self) {
        self.seed_demand();
        let mut all_incomplete = false;
        for (c, con) in self.consumers.iter().enumerate() {
            if con.deployed == Tri::False {
                continue;
            }
            let g = match &con.group {
                GroupRef::Group(g) => *g,
                // It may consume any group: not known, or an invalid ID that was meant for one.
                GroupRef::Unknown(_) | GroupRef::Empty | GroupRef::NotAGroup(_) => {
                    all_incomplete = true;
                    continue;
                }
                GroupRef::None => continue,
            };
            // Azure rejects a consumer in another region than its group (CRG004): it consumes
            // nothing from it.
            if self
                .groups
                .get(g)
                .is_some_and(|group| group.location.same(&con.location) == Some(false))
            {
                continue;
            }
            let (Some(size), Some(zones), Some((lo, hi))) =
                (&con.size, con.zones.known(), con.instances)
            else {
                if let Some(flag) = self.incomplete_groups.get_mut(g) {
                    *flag = true;
                }
                continue;
            };
            let certain = con.deployed == Tri::True;
            let size = size.to_ascii_lowercase();
            // Even spreading over k zones (spec 3.4): each gets ⌊n/k⌋ to ⌈n/k⌉ of n instances.
            let k = zones.len().max(1) as u64;
            let (lo, hi, upper) = (lo / k, hi / k, hi.div_ceil(k));
            let keys: Vec<Option<String>> = if zones.is_empty() {
                vec![None]
            } else {
                zones.iter().cloned().map(Some).collect()
            };
            // Sums past u64 are not figures: a consumer whose instances would overflow a key's
            // demand counts as one of unknown size (the demand is a lower bound), never wrapped.
            let mut sums = Vec::with_capacity(keys.len());
            for zone in &keys {
                let d = self.demand.get(&(g, size.clone(), zone.clone()));
                let (min, peak, max) = d.map_or((0, 0, 0), |d| (d.min, d.peak, d.max));
                let (lo, hi) = if certain { (lo, hi) } else { (0, 0) };
                sums.push((
                    min.checked_add(lo),
                    peak.checked_add(hi),
                    max.checked_add(upper),
                ));
            }
            let sums: Option<Vec<(u64, u64, u64)>> = sums
                .into_iter()
                .map(|(a, b, c)| Some((a?, b?, c?)))
                .collect();
            let Some(sums) = sums else {
                if let Some(flag) = self.incomplete_groups.get_mut(g) {
                    *flag = true;
                }
                continue;
            };
            for (zone, (min, peak, max)) in keys.into_iter().zip(sums) {
                let d = self
                    .demand
                    .entry((g, size.clone(), zone))
                    .or_insert_with(|| KeyDemand {
                        complete: true,
                        ..KeyDemand::default()
                    });
                if !certain {
                    d.complete = false;
                }
                (d.min, d.peak, d.max) = (min, peak, max);
                if !con.instances_complete {
                    d.complete = false;
                }
                d.consumers.push((c, lo, upper));
            }
        }
        if all_incomplete {
            self.incomplete_groups.iter_mut().for_each(|f| *f = true);
        }
        for ((g, _, _), d) in self.demand.iter_mut() {
            if self.incomplete_groups.get(*g).copied().unwrap_or(true) {
                d.complete = false;
            }
        }
    }

    /// The demand keys there are before any consumer: VMs an instance view shows allocated
    /// that the template does not deploy, and each attached reservation's key.
    fn seed_demand(&mut self) {
        self.incomplete_groups = vec![false; self.groups.len()];
        for (g, group) in self.groups.iter().enumerate() {
            for r in group.view.iter().flat_map(|v| &v.reservations) {
                let (Some(size), Some(zone)) = (&r.size, &r.zone) else {
                    continue;
                };
                // VMs allocated now that the template does not deploy are demand already.
                let d = self
                    .demand
                    .entry((g, size.to_ascii_lowercase(), zone.clone()))
                    .or_insert_with(|| KeyDemand {
                        complete: true,
                        ..KeyDemand::default()
                    });
                let n = r.allocated_elsewhere;
                match (
                    d.min.checked_add(n),
                    d.peak.checked_add(n),
                    d.max.checked_add(n),
                ) {
                    (Some(min), Some(peak), Some(max)) => (d.min, d.peak, d.max) = (min, peak, max),
                    // A sum past u64 is not a figure: what was added so far is a lower bound.
                    _ => {
                        if let Some(flag) = self.incomplete_groups.get_mut(g) {
                            *flag = true;
                        }
                    }
                }
            }
        }
        for res in &self.reservations {
            let (Some(g), Some(size), Some(zone)) = (res.group, &res.size, res.zone()) else {
                continue;
            };
            self.demand
                .entry((g, size.to_ascii_lowercase(), zone.map(String::from)))
                .or_insert_with(|| KeyDemand {
                    complete: true,
                    ..KeyDemand::default()
                });
        }
    }

    /// Member VM consumers grouped by the scale set they join: a declared set by its node, an
    /// external one by its ID. Members whose scale set ID cannot be evaluated are left out.
    pub fn member_sets(&self) -> Vec<MemberSet> {
        let mut by_set: BTreeMap<String, MemberSet> = BTreeMap::new();
        for (c, con) in self.consumers.iter().enumerate() {
            if let ConsumerKind::Member { scale_set, set_id } = &con.kind {
                let key = match scale_set {
                    Some(n) => format!("#{n}"),
                    None if !set_id.is_empty() => set_id.clone(),
                    None => continue,
                };
                by_set
                    .entry(key)
                    .or_insert_with(|| MemberSet {
                        scale_set: *scale_set,
                        members: Vec::new(),
                    })
                    .members
                    .push(c);
            }
        }
        by_set.into_values().collect()
    }

    /// The reservation intent of a scale set's members (CRG001): the set's VM profile names a
    /// group, else a member VM (any copy) names one.
    pub fn reservation_intent(&self, set: &MemberSet) -> Option<Intent> {
        let profile = set.scale_set.and_then(|n| {
            let s = self.scale_set(n)?;
            let group = s.profile_group.group()?;
            (s.has_profile == Some(true)).then_some(Intent {
                group,
                node: s.node,
                path: PROFILE_GROUP_PATH,
                from_profile: true,
            })
        });
        profile.or_else(|| {
            set.members.iter().find_map(|&c| {
                let con = self.consumers.get(c)?;
                Some(Intent {
                    group: con.group.group()?,
                    node: con.node,
                    path: VM_GROUP_PATH,
                    from_profile: false,
                })
            })
        })
    }

    /// Whether the members may have reservation intent: they have, or the profile's or a member's
    /// group reference cannot be evaluated (then CRG001 may be the finding, and nobody else's).
    pub fn may_have_reservation_intent(&self, set: &MemberSet) -> bool {
        if self.reservation_intent(set).is_some() {
            return true;
        }
        let profile_unknown = set
            .scale_set
            .and_then(|n| self.scale_set(n))
            .is_some_and(|s| {
                s.has_profile != Some(false) && matches!(s.profile_group, GroupRef::Unknown(_))
            });
        profile_unknown
            || set.members.iter().any(|&c| {
                self.consumers
                    .get(c)
                    .is_some_and(|con| matches!(con.group, GroupRef::Unknown(_)))
            })
    }

    pub fn scale_set(&self, node: usize) -> Option<&ScaleSet> {
        self.scale_set_of_node
            .get(&node)
            .and_then(|&s| self.scale_sets.get(s))
    }

    pub fn group(&self, g: usize) -> Option<&Group> {
        self.groups.get(g)
    }

    /// Reservations of group `g` that may be deployed.
    pub fn reservations_of(&self, g: usize) -> impl Iterator<Item = &Reservation> {
        self.groups
            .get(g)
            .map(|g| g.reservations.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|&r| self.reservations.get(r))
            .filter(|r| r.deployed != Tri::False)
    }

    /// Reserved quantity of a key: (certainly deployed reservations, all that may be deployed);
    /// `None` when a capacity is unknown.
    pub fn reserved(&self, key: &Key) -> Option<(u64, u64)> {
        let by = self.by_key.get_or_init(|| ReservationsByKey::build(self));
        let lowered;
        let key = if key.1.bytes().any(|b| b.is_ascii_uppercase()) {
            lowered = (key.0, key.1.to_ascii_lowercase(), key.2.clone());
            &lowered
        } else {
            key
        };
        by.reserved.get(key).copied().unwrap_or(Some((0, 0)))
    }

    /// [`CapacityModel::reserved`] by a scan of the group: what the index must agree with.
    #[cfg(test)]
    fn reserved_by_scan(&self, key: &Key) -> Option<(u64, u64)> {
        let (g, size, zone) = key;
        let mut min = 0u64;
        let mut max = 0u64;
        for r in self.reservations_of(*g) {
            let same_size = r
                .size
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(size));
            if !same_size || r.zone() != Some(zone.as_deref()) {
                continue;
            }
            let cap = u64::try_from(r.capacity?).unwrap_or(0);
            // A total past u64 is unknown, like an unknown capacity.
            if r.deployed == Tri::True {
                min = min.checked_add(cap)?;
            }
            max = max.checked_add(cap)?;
        }
        for r in self.view_reservations(*g) {
            let same_size = r
                .size
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(size));
            if !same_size || r.zone.as_ref() != Some(zone) {
                continue;
            }
            let cap = r.capacity?;
            min = min.checked_add(cap)?;
            max = max.checked_add(cap)?;
        }
        Some((min, max))
    }

    /// Whether closed group `g` has a reservation (that may be deployed) of `size`
    /// (case-insensitive); `None` when the group is not closed, so its reservations are not all known.
    pub fn reserves_size(&self, g: usize, size: &str) -> Option<bool> {
        if !self.group(g)?.closed {
            return None;
        }
        Some(
            self.reservations_of(g)
                .map(|r| r.size.as_deref())
                .chain(self.view_reservations(g).iter().map(|r| r.size.as_deref()))
                .any(|s| s.is_some_and(|s| s.eq_ignore_ascii_case(size))),
        )
    }

    /// The sizes group `g` reserves, each once (case-insensitively), in declaration order.
    pub fn reserved_sizes(&self, g: usize) -> Vec<&str> {
        let mut sizes: Vec<&str> = Vec::new();
        let all = self
            .reservations_of(g)
            .map(|r| r.size.as_deref())
            .chain(self.view_reservations(g).iter().map(|r| r.size.as_deref()));
        for s in all.flatten() {
            if !sizes.iter().any(|k| k.eq_ignore_ascii_case(s)) {
                sizes.push(s);
            }
        }
        sizes
    }

    /// The reservations matching a key.
    pub fn reservations_for(&self, key: &Key) -> Vec<&Reservation> {
        let by = self.by_key.get_or_init(|| ReservationsByKey::build(self));
        let lowered = (key.0, key.1.to_ascii_lowercase(), key.2.clone());
        by.reservations
            .get(&lowered)
            .map(|found| {
                found
                    .iter()
                    .filter_map(|&i| self.reservations.get(i))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first reservation (in declaration order) matching a key.
    pub fn first_reservation_for(&self, key: &Key) -> Option<&Reservation> {
        let by = self.by_key.get_or_init(|| ReservationsByKey::build(self));
        let lowered = (key.0, key.1.to_ascii_lowercase(), key.2.clone());
        let first = *by.reservations.get(&lowered)?.first()?;
        self.reservations.get(first)
    }

    /// [`CapacityModel::reservations_for`] by a scan of the group.
    #[cfg(test)]
    fn reservations_for_by_scan(&self, key: &Key) -> Vec<&Reservation> {
        let (g, size, zone) = key;
        self.reservations_of(*g)
            .filter(|r| {
                r.size
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(size))
                    && r.zone() == Some(zone.as_deref())
            })
            .collect()
    }
}

/// An ID-like value as a symbol: the string, or an unknown's symbol.
pub fn id_symbol(v: &Value) -> Symbol {
    match v {
        Value::String(s) => Symbol::known(s),
        Value::Unknown(u) => u.symbol.clone().unwrap_or_default(),
        _ => Symbol::default(),
    }
}

/// Instances a scale set creates from its profile (spec 3.4): steady state `sku.capacity` or the
/// largest autoscale minimum; peak the largest of `sku.capacity` and every enabled autoscale
/// profile's maximum.
fn scale_set_instances(
    graph: &ResourceGraph,
    inst: &ResourceInstance,
    set: &ScaleSet,
) -> (Option<(u64, u64)>, bool, Vec<DemandSource>) {
    let mut complete = true;
    let mut sources = Vec::new();
    let capacity = inst
        .get("sku.capacity")
        .and_then(|v| v.as_int_lenient())
        .and_then(|c| u64::try_from(c).ok());
    let (mut lo, mut hi) = match capacity {
        Some(c) => {
            sources.push(DemandSource {
                text: format!("sku.capacity {c}"),
                node: set.node,
                path: "sku.capacity".into(),
            });
            (Some(c), c)
        }
        None => {
            complete = false;
            (None, 0)
        }
    };
    for &a in &set.autoscale {
        let Some(asi) = graph.instances().get(a) else {
            continue;
        };
        let name = asi.name_str().map(short_name).unwrap_or_default();
        match asi
            .get("properties.enabled")
            .and_then(|v| v.as_bool_lenient())
        {
            Some(true) => {}
            // Absent: the spec's default is false; a disabled setting does not scale.
            Some(false) => continue,
            None if asi.get("properties.enabled").is_none() => continue,
            None => {
                complete = false;
                continue;
            }
        }
        let Some(Value::Array(profiles)) = asi.get("properties.profiles") else {
            complete = false;
            continue;
        };
        for (p, profile) in profiles.iter().enumerate() {
            let get = |k: &str| {
                profile
                    .path(&format!("capacity.{k}"))
                    .and_then(|v| v.as_int_lenient())
                    .and_then(|n| u64::try_from(n).ok())
            };
            match get("maximum") {
                Some(max) => {
                    if max > hi {
                        hi = max;
                    }
                    sources.push(DemandSource {
                        text: format!("autoscale '{name}' maximum {max}"),
                        node: a,
                        path: format!("properties.profiles.{p}.capacity.maximum"),
                    });
                }
                None => complete = false,
            }
            if let Some(min) = get("minimum") {
                lo = Some(lo.map_or(min, |l| l.max(min)));
            }
        }
    }
    let lo = lo.unwrap_or(0);
    let hi = hi.max(lo);
    (Some((lo, hi)), complete, sources)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::arm::scope::{ScopeConfig, ScopeKind};
    use crate::arm::template::{ParameterSet, expand};
    use crate::source::{SourceFile, json};

    /// Reservations of mixed sizes (in mixed case), zones, conditions and one unknown capacity:
    /// the per-key index gives what a scan of the group gives, for every key asked.
    #[test]
    fn the_key_index_agrees_with_a_scan() {
        let mut resources = vec![
            r#"{"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01", "name": "crg", "location": "eastus", "zones": ["1", "2"]}"#.to_string(),
        ];
        for i in 0..24 {
            let size = ["Standard_D2s_v3", "standard_d2S_V3", "Standard_E4s_v5"][i % 3];
            let zone = ["\"1\"", "\"2\""][i % 2];
            let capacity = if i == 17 {
                "[parameters('unknown')]".to_string()
            } else {
                (i + 1).to_string()
            };
            let capacity = if i == 17 {
                format!("\"{capacity}\"")
            } else {
                capacity
            };
            // Maybe deployed: counted in the maximum only.
            let condition = if i % 5 == 0 {
                r#""condition": "[parameters('flag')]","#
            } else {
                ""
            };
            resources.push(format!(
                r#"{{"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01", {condition} "name": "crg/r{i}", "location": "eastus", "zones": [{zone}], "sku": {{"name": "{size}", "capacity": {capacity}}}}}"#
            ));
        }
        let text = format!(
            r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "parameters": {{"unknown": {{"type": "int"}}, "flag": {{"type": "bool"}}}}, "resources": [{}]}}"#,
            resources.join(",")
        );
        let file = Arc::new(SourceFile::new("t.json", text));
        let root = json::parse(&file.text).expect("valid JSON");
        let expansion = expand(
            &file,
            &root,
            ScopeKind::ResourceGroup,
            &ParameterSet::default(),
            &ScopeConfig::default(),
        );
        let model = CapacityModel::build(&ResourceGraph::build(expansion));
        assert_eq!(model.reservations.len(), 24);
        let mut asked = 0;
        for size in [
            "standard_d2s_v3",
            "Standard_D2S_v3",
            "standard_e4s_v5",
            "standard_x",
        ] {
            for zone in [Some("1"), Some("2"), Some("3"), None] {
                let key: Key = (0, size.to_string(), zone.map(String::from));
                assert_eq!(
                    model.reserved(&key),
                    model.reserved_by_scan(&key),
                    "{key:?}"
                );
                let nodes = |rs: Vec<&Reservation>| rs.iter().map(|r| r.node).collect::<Vec<_>>();
                assert_eq!(
                    nodes(model.reservations_for(&key)),
                    nodes(model.reservations_for_by_scan(&key)),
                    "{key:?}"
                );
                assert_eq!(
                    model.first_reservation_for(&key).map(|r| r.node),
                    model.reservations_for_by_scan(&key).first().map(|r| r.node)
                );
                asked += 1;
            }
        }
        assert_eq!(asked, 16);
        // The unknown capacity (r17: E4s_v5 in zone 2) makes its key unknown; the maybe-deployed
        // ones count in the maximum only; a key with none reserves nothing.
        let e4_zone2 = (0, "standard_e4s_v5".to_string(), Some("2".to_string()));
        assert_eq!(model.reserved(&e4_zone2), None);
        let (min, max) = model
            .reserved(&(0, "standard_d2s_v3".to_string(), Some("1".to_string())))
            .expect("known");
        assert!(min < max, "{min} {max}");
        assert_eq!(
            model.reserved(&(0, "standard_x".to_string(), Some("1".to_string()))),
            Some((0, 0))
        );
    }
}
