use std::collections::BTreeMap;

use super::model::{ConsumerKind, PROFILE_GROUP_PATH, VM_GROUP_PATH};
use super::{Orchestration, group_label, more_copies};
use crate::arm::functions::{parse_resource_id, parse_resource_id_symbol};
use crate::arm::template::ResourceInstance;
use crate::arm::value::{Tri, Value};
use crate::diagnostic::Severity;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a VM or scale set that names a capacity reservation group and also uses something
    /// capacity reservations do not support: Spot priority (`Spot`, `Low`, `SpotPlus`), an
    /// availability set, a dedicated host or host group, a proximity placement group, Ultra Disk
    /// (`ultraSSDEnabled`, or a data disk of type `UltraSSD_LRS`), or instance mix (`sku.name`
    /// `Mix`, `skuProfile`). A Flexible scale set that gets its Spot instances from a Spot
    /// priority mix (`priorityMixPolicy`) is reported as a warning.
    ///
    /// ## Why is this bad?
    /// The capacity reservation documentation lists these deployment types and constraints as
    /// not supported, and instance mix does not support on-demand capacity reservations. The
    /// deployment fails, or the VMs do not get reserved capacity. A property set to `null` (what
    /// compiled Bicep modules write for an unset option) is absent and not reported.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"priority": "Spot", "evictionPolicy": "Deallocate",
    ///      "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"priority": "Regular",
    ///      "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Use multiple Virtual Machine sizes with instance mix](https://learn.microsoft.com/azure/virtual-machine-scale-sets/instance-mix-overview)
    /// - [Spot Priority Mix for high availability and cost savings](https://learn.microsoft.com/azure/virtual-machine-scale-sets/spot-priority-mix)
    pub UnsupportedCombination {
        id: "CRG008",
        name: "unsupported-combination",
        severity: Error,
        category: "capacity",
        summary: "a VM or scale set names a capacity reservation group and uses Spot priority, an availability set, a dedicated host, a proximity placement group, Ultra Disk or instance mix",
    }
}

/// One unsupported feature found on a consumer.
#[derive(Clone, Debug)]
struct Combination {
    /// Dotted path of the offending property in the declaration.
    path: String,
    /// What the consumer does: `is a Spot VM`.
    phrase: String,
    /// What is not supported, for the message: `Spot VMs`.
    unsupported: &'static str,
    /// The fix.
    fix: String,
    /// Spot instances from a Flexible set's priority mix: not documented either way (warning).
    undocumented: bool,
}

/// A resource reference (`{"id": ...}`) as far as it is known.
enum Reference {
    Absent,
    /// Present; the referenced resource's name when it is known.
    Present(Option<String>),
    Unknown,
}

fn reference(v: Option<Value>) -> Reference {
    let (text, parsed) = match &v {
        None | Some(Value::Null) => return Reference::Absent,
        Some(Value::String(s)) if s.trim().is_empty() => return Reference::Absent,
        Some(Value::String(s)) => (s.to_string(), parse_resource_id(s)),
        // An unresolved value is present only when it is certainly a resource ID
        // (`resourceId(…)` of an unknown name); `if(…, createObject('id', p), null())` is not.
        Some(Value::Unknown(u)) => match &u.symbol {
            Some(s) => match parse_resource_id_symbol(s) {
                Some(p) => (s.text().to_string(), Some(p)),
                None => return Reference::Unknown,
            },
            _ => return Reference::Unknown,
        },
        Some(_) => return Reference::Unknown,
    };
    // The last name, when it is known text.
    let name = match parsed {
        Some(p) => {
            let last = p.names.len().saturating_sub(1);
            p.names.last().cloned().filter(|_| !p.unknown.name(last))
        }
        None => text.rsplit('/').next().map(String::from),
    }
    .filter(|n| !n.is_empty());
    // Names in parsed IDs are lower-cased; take the written spelling from the text.
    let name = name.map(|n| {
        text.rsplit('/')
            .find(|seg| seg.eq_ignore_ascii_case(&n))
            .map_or(n, String::from)
    });
    Reference::Present(name)
}

/// `is in availability set 'as1'`, or `is in an availability set` when the name is not known.
fn named(verb: &str, what: &str, name: &Option<String>) -> String {
    match name {
        Some(n) => format!("{verb} {what} '{n}'"),
        None if what.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("{verb} an {what}"),
        None => format!("{verb} a {what}"),
    }
}

/// Whether a VM or scale set uses something capacity reservations do not support: `Unknown`
/// when none is certain but a property that could be one is unresolved. Other rules use it to
/// leave such consumers to this rule.
pub fn uses_unsupported_feature(inst: &ResourceInstance, scale_set: bool) -> Tri {
    let mut unknown = false;
    if combinations(inst, scale_set, false, &mut unknown).is_empty() {
        if unknown { Tri::Unknown } else { Tri::False }
    } else {
        Tri::True
    }
}

/// The unsupported features of one VM or scale set instance, in a fixed order. `unknown` is set
/// when a property that could be one cannot be evaluated.
fn combinations(
    inst: &ResourceInstance,
    scale_set: bool,
    flexible_mix: bool,
    unknown: &mut bool,
) -> Vec<Combination> {
    let prefix = if scale_set {
        "properties.virtualMachineProfile."
    } else {
        "properties."
    };
    note_unresolved(inst, scale_set, prefix, unknown);
    let mut found = Vec::new();
    found.extend(spot_priority(inst, scale_set, flexible_mix, prefix));

    let mut reference_at =
        |path: &str, (verb, what): (&str, &str), unsupported: &'static str, property: &str| {
            if let Reference::Present(name) = reference(inst.get(path)) {
                found.push(Combination {
                    path: path.to_string(),
                    phrase: named(verb, what, &name),
                    unsupported,
                    fix: format!("remove `{property}`"),
                    undocumented: false,
                });
            }
        };
    if !scale_set {
        reference_at(
            "properties.availabilitySet.id",
            ("is in", "availability set"),
            "availability sets",
            "properties.availabilitySet",
        );
        reference_at(
            "properties.host.id",
            ("is placed on", "dedicated host"),
            "dedicated hosts",
            "properties.host",
        );
    }
    reference_at(
        "properties.hostGroup.id",
        ("uses", "dedicated host group"),
        "dedicated hosts",
        "properties.hostGroup",
    );
    reference_at(
        "properties.proximityPlacementGroup.id",
        ("is in", "proximity placement group"),
        "proximity placement groups",
        "properties.proximityPlacementGroup",
    );

    push_ultra_disks(inst, prefix, &mut found);
    if scale_set {
        found.extend(instance_mix(inst));
    }
    found
}

/// Marks `unknown` when a property that could make an unsupported combination is present but
/// cannot be evaluated.
fn note_unresolved(inst: &ResourceInstance, scale_set: bool, prefix: &str, unknown: &mut bool) {
    // A property that is present but not a plain value of the kind checked.
    let mut unresolved = |v: Option<Value>, known: fn(&Value) -> bool| {
        if v.is_some_and(|v| !v.is_null() && !known(&v)) {
            *unknown = true;
        }
    };
    unresolved(inst.get(&format!("{prefix}priority")), |v| {
        v.as_str().is_some()
    });
    unresolved(
        inst.get("properties.additionalCapabilities.ultraSSDEnabled"),
        |v| v.as_bool_lenient().is_some(),
    );
    unresolved(
        inst.get(&format!("{prefix}storageProfile.dataDisks")),
        |v| {
            v.as_array().is_some_and(|disks| {
                disks.iter().all(|d| {
                    d.path("managedDisk.storageAccountType")
                        .is_none_or(|t| t.is_null() || t.as_str().is_some())
                })
            })
        },
    );
    let mut reference_paths = vec![
        "properties.hostGroup.id",
        "properties.proximityPlacementGroup.id",
    ];
    if scale_set {
        unresolved(inst.get("sku.name"), |v| v.as_str().is_some());
        unresolved(inst.get("properties.skuProfile"), |v| {
            v.as_object().is_some()
        });
    } else {
        reference_paths.extend(["properties.availabilitySet.id", "properties.host.id"]);
    }
    for path in reference_paths {
        if matches!(reference(inst.get(path)), Reference::Unknown) {
            *unknown = true;
        }
    }
}

/// Spot (or Low) priority, the scale set's possibly through a priority mix.
fn spot_priority(
    inst: &ResourceInstance,
    scale_set: bool,
    flexible_mix: bool,
    prefix: &str,
) -> Option<Combination> {
    let priority_path = format!("{prefix}priority");
    if let Some(Value::String(p)) = inst.get(&priority_path) {
        let spot = ["Spot", "Low", "SpotPlus"]
            .into_iter()
            .find(|s| p.eq_ignore_ascii_case(s));
        if let Some(spot) = spot {
            let phrase = match (scale_set, flexible_mix) {
                (false, _) if spot == "Low" => "is a Low-priority (Spot) VM".to_string(),
                (false, _) => format!("is a {spot} VM"),
                (true, false) if spot == "Low" => {
                    "creates Low-priority (Spot) instances".to_string()
                }
                (true, false) => format!("creates {spot}-priority instances"),
                (true, true) => format!(
                    "creates {spot}-priority instances through a Spot priority mix (`priorityMixPolicy`)"
                ),
            };
            return Some(Combination {
                path: priority_path.clone(),
                phrase,
                unsupported: "Spot VMs",
                fix: format!("set `{priority_path}` to \"Regular\""),
                undocumented: flexible_mix,
            });
        }
    }
    None
}

/// Ultra Disk: enabled on the instance, or used by its data disks.
fn push_ultra_disks(inst: &ResourceInstance, prefix: &str, found: &mut Vec<Combination>) {
    let ultra_path = "properties.additionalCapabilities.ultraSSDEnabled";
    if inst.get(ultra_path).and_then(|v| v.as_bool_lenient()) == Some(true) {
        found.push(Combination {
            path: ultra_path.into(),
            phrase: "enables Ultra Disk (`ultraSSDEnabled`)".into(),
            unsupported: "Ultra Disk",
            fix: format!("set `{ultra_path}` to false"),
            undocumented: false,
        });
    }
    let disks_path = format!("{prefix}storageProfile.dataDisks");
    if let Some(Value::Array(disks)) = inst.get(&disks_path) {
        let ultra: Vec<usize> = disks
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.path("managedDisk.storageAccountType")
                    .and_then(|t| t.as_str().map(|t| t.eq_ignore_ascii_case("UltraSSD_LRS")))
                    == Some(true)
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(&first) = ultra.first() {
            let phrase = match ultra.len() {
                1 => format!("has an UltraSSD_LRS data disk (dataDisks[{first}])"),
                n => format!("has {n} UltraSSD_LRS data disks"),
            };
            found.push(Combination {
                path: format!("{disks_path}.{first}.managedDisk.storageAccountType"),
                phrase,
                unsupported: "Ultra Disk",
                fix: "use another storage type than UltraSSD_LRS for the data disks (for example PremiumV2_LRS)".into(),
                undocumented: false,
            });
        }
    }
}

/// Instance mix: `sku.name` Mix or a `skuProfile` on a scale set.
fn instance_mix(inst: &ResourceInstance) -> Option<Combination> {
    let mix_sku = inst
        .get("sku.name")
        .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case("Mix")))
        == Some(true);
    let sku_profile = matches!(
        inst.get("properties.skuProfile"),
        Some(v) if !v.is_null() && !v.is_unknown()
    );
    if mix_sku || sku_profile {
        let (path, how) = match (sku_profile, mix_sku) {
            (true, true) => ("properties.skuProfile", "`sku.name` Mix and `skuProfile`"),
            (true, false) => ("properties.skuProfile", "`skuProfile`"),
            _ => ("sku.name", "`sku.name` Mix"),
        };
        return Some(Combination {
            path: path.into(),
            phrase: format!("uses instance mix ({how})"),
            unsupported: "instance mix",
            fix: "use one VM size in `sku.name` and remove `properties.skuProfile`".into(),
            undocumented: false,
        });
    }
    None
}

/// `a`, `a and b`, `a, b and c`.
fn join(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

/// Findings so far for one consumer declaration.
struct PerDeclaration {
    node: usize,
    group: usize,
    scale_set: bool,
    instances: usize,
    combinations: Vec<Combination>,
}

impl Rule for UnsupportedCombination {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        let mut by_decl: BTreeMap<usize, PerDeclaration> = BTreeMap::new();
        for con in &model.consumers {
            if con.deployed == Tri::False {
                continue;
            }
            let Some(group) = con.group.group() else {
                continue;
            };
            let Some(inst) = ctx.instance(con.node) else {
                continue;
            };
            let scale_set = con.kind == ConsumerKind::ScaleSet;
            // A priority mix exists only in Flexible orchestration.
            let flexible_mix = scale_set
                && model
                    .scale_set(con.node)
                    .is_some_and(|s| s.mode != Some(Orchestration::Uniform))
                && inst
                    .get("properties.priorityMixPolicy")
                    .is_some_and(|p| matches!(p, Value::Object(_)));
            let found = combinations(inst, scale_set, flexible_mix, &mut false);
            if found.is_empty() {
                continue;
            }
            let entry = by_decl.entry(inst.decl).or_insert_with(|| PerDeclaration {
                node: con.node,
                group,
                scale_set,
                instances: 0,
                combinations: Vec::new(),
            });
            entry.instances += 1;
            // Copies may differ (per-iteration values): list every combination any of them has.
            for c in found {
                if !entry.combinations.iter().any(|e| e.path == c.path) {
                    entry.combinations.push(c);
                }
            }
        }
        for d in by_decl.into_values() {
            out.push(finding(ctx, &d));
        }
    }
}

fn finding(ctx: &RuleContext<'_>, d: &PerDeclaration) -> Finding {
    let model = ctx.capacity();
    let group = group_label(model, d.group);
    let name = ctx.display_name(d.node);
    let kind = if d.scale_set { "Scale set" } else { "VM" };
    let (group_path, association) = if d.scale_set {
        (
            PROFILE_GROUP_PATH,
            "properties.virtualMachineProfile.capacityReservation",
        )
    } else {
        (VM_GROUP_PATH, "properties.capacityReservation")
    };
    let phrases: Vec<String> = d.combinations.iter().map(|c| c.phrase.clone()).collect();
    let mut unsupported: Vec<String> = Vec::new();
    for c in &d.combinations {
        if !unsupported.iter().any(|u| u == c.unsupported) {
            unsupported.push(c.unsupported.to_string());
        }
    }
    let undocumented = d.combinations.iter().any(|c| c.undocumented);
    let mut message = format!(
        "{kind} '{name}'{} names capacity reservation group {group} and {}; capacity reservations do not support {}",
        more_copies(d.instances),
        join(&phrases, "and"),
        join(&unsupported, "or"),
    );
    if undocumented {
        message.push_str(
            ", and the documentation does not say whether the regular-priority part of a Spot priority mix can use a reservation",
        );
    }
    let mut fixes: Vec<String> = Vec::new();
    for c in &d.combinations {
        if !fixes.contains(&c.fix) {
            fixes.push(c.fix.clone());
        }
    }
    let help = format!(
        "{}; or remove `{association}` if '{name}' is not meant to run on reserved capacity",
        fixes.join("; ")
    );
    let mut related: Vec<RelatedFinding> = d
        .combinations
        .iter()
        .skip(1)
        .map(|c| RelatedFinding {
            pointer: ctx.property_pointer(d.node, &c.path),
            message: format!("'{name}' {}", c.phrase),
        })
        .collect();
    related.push(RelatedFinding {
        pointer: ctx.property_pointer(d.node, group_path),
        message: format!("'{name}' names capacity reservation group {group} here"),
    });
    let primary = d.combinations.first().map_or_else(
        || ctx.decl_pointer(d.node),
        |c| ctx.property_pointer(d.node, &c.path),
    );
    Finding {
        instance: d.node,
        pointer: primary,
        message,
        help: Some(help),
        related,
        // Only Spot instances from a priority mix: not documented as unsupported.
        severity: d
            .combinations
            .iter()
            .all(|c| c.undocumented)
            .then_some(Severity::Warning),
    }
}
