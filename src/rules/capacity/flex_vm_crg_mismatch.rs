use std::collections::BTreeMap;

use super::model::{CapacityModel, ConsumerKind, GroupRef, PROFILE_GROUP_PATH, VM_GROUP_PATH};
use super::{Orchestration, group_id_expression, more_copies};
use crate::arm::functions::parse_resource_id_symbol;
use crate::arm::graph::same_resource;
use crate::arm::value::{Symbol, Value};
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a virtual machine that joins a Flexible scale set and names a different capacity
    /// reservation group than the scale set's VM profile, or, for a scale set without a profile
    /// group, than the group most of the scale set's VMs name.
    ///
    /// ## Why is this bad?
    /// In Flexible orchestration each VM names its group itself, and the scale set's profile only
    /// applies to the instances the scale set creates. The documentation describes one group per
    /// scale set: a member VM that names another group deploys, but it splits the scale set's
    /// reserved capacity over two groups, so capacity planning for the scale set no longer matches
    /// what its instances consume.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg-a')]"}}}}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm3",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg-b')]"}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg-a')]"}}}}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm3",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg-a')]"}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Associate a virtual machine scale set with Flexible Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set-flex)
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    pub FlexVmCrgMismatch {
        id: "CRG002",
        name: "flex-vm-crg-mismatch",
        severity: Warning,
        category: "capacity",
        summary: "a Flexible scale set member VM names another capacity reservation group than its scale set's profile or most of its sibling VMs",
    }
}

/// The group a scale set's instances are meant to use, and where that is written.
struct Expected {
    group: usize,
    node: usize,
    path: &'static str,
    /// For a scale set without a profile group: (VM instances naming the group, all VM instances).
    majority: Option<(usize, usize)>,
}

impl Rule for FlexVmCrgMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        for set in &model.scale_sets {
            // A VM cannot join a set Azure creates as Uniform: that is VMSS001's finding.
            if set.declared_mode == Some(Orchestration::Uniform) {
                continue;
            }
            // An `existing` declaration does not show the scale set's profile.
            if ctx.instance(set.node).is_none_or(|s| s.existing) {
                continue;
            }
            let members: Vec<usize> = model
                .consumers
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    matches!(c.kind, ConsumerKind::Member { scale_set: Some(n), .. } if n == set.node)
                })
                .map(|(c, _)| c)
                .collect();
            let expected = match (set.has_profile, &set.profile_group) {
                (Some(true), GroupRef::Group(g)) => Expected {
                    group: *g,
                    node: set.node,
                    path: PROFILE_GROUP_PATH,
                    majority: None,
                },
                (Some(false), _) | (Some(true), GroupRef::None) => {
                    match majority_group(model, &members) {
                        Some(e) => e,
                        None => continue,
                    }
                }
                // The profile's group is unresolved or invalid (CRG015), or the profile unknown.
                _ => continue,
            };
            // One finding per VM declaration: (first instance, its group, instances).
            let mut mismatched: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
            for &c in &members {
                let Some(con) = model.consumers.get(c) else {
                    continue;
                };
                let Some(g) = con.group.group() else {
                    continue;
                };
                if g == expected.group
                    || same_reference(ctx, con.node, VM_GROUP_PATH, expected.node, expected.path)
                        != Some(false)
                {
                    continue;
                }
                let Some(inst) = ctx.instance(con.node) else {
                    continue;
                };
                mismatched
                    .entry(inst.decl)
                    .and_modify(|e| e.2 += 1)
                    .or_insert((con.node, g, 1));
            }
            for (vm, group, count) in mismatched.into_values() {
                out.push(finding(ctx, vm, group, count, set.node, &expected));
            }
        }
    }
}

/// The group named by more than half of a profile-less scale set's member VM instances.
fn majority_group(model: &CapacityModel, members: &[usize]) -> Option<Expected> {
    let mut counts: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for &c in members {
        let Some(con) = model.consumers.get(c) else {
            continue;
        };
        if let Some(g) = con.group.group() {
            counts
                .entry(g)
                .and_modify(|e| e.1 += 1)
                .or_insert((con.node, 1));
        }
    }
    let total = members.len();
    counts
        .into_iter()
        .find(|(_, (_, n))| n * 2 > total)
        .map(|(group, (node, n))| Expected {
            group,
            node,
            path: VM_GROUP_PATH,
            majority: Some((n, total)),
        })
}

/// The ID a group reference evaluates to (with its unknown parts).
fn reference_id(ctx: &RuleContext<'_>, node: usize, path: &str) -> Option<Symbol> {
    match ctx.instance(node)?.get(path)? {
        Value::String(s) => Some(Symbol::known(&s)),
        Value::Unknown(u) => u.symbol.clone(),
        _ => None,
    }
}

/// Whether two group references name the same group, three-valued: IDs that differ only by an
/// unresolved subscription or resource group may be the same.
fn same_reference(
    ctx: &RuleContext<'_>,
    a: usize,
    a_path: &str,
    b: usize,
    b_path: &str,
) -> Option<bool> {
    let a = parse_resource_id_symbol(&reference_id(ctx, a, a_path)?)?;
    let b = parse_resource_id_symbol(&reference_id(ctx, b, b_path)?)?;
    same_resource(&a, &b)
}

fn finding(
    ctx: &RuleContext<'_>,
    vm: usize,
    group: usize,
    count: usize,
    set: usize,
    expected: &Expected,
) -> Finding {
    let model = ctx.capacity();
    let name = |g: usize| model.group(g).map(|g| g.name.clone()).unwrap_or_default();
    // Two groups of one name are told apart by their resource group (or subscription).
    let label = |g: usize| {
        let same_name = name(group).eq_ignore_ascii_case(&name(expected.group));
        let Some(grp) = model.group(g) else {
            return "'<unknown>'".to_string();
        };
        let known = |s: &Option<String>, unknown: bool| s.clone().filter(|_| !unknown);
        let scope = parse_resource_id_symbol(&grp.id).and_then(|id| {
            known(&id.resource_group, id.unknown.resource_group)
                .map(|rg| format!(" in resource group '{rg}'"))
                .or_else(|| {
                    known(&id.subscription, id.unknown.subscription)
                        .map(|s| format!(" in subscription '{s}'"))
                })
        });
        match scope {
            Some(scope) if same_name => format!("'{}'{scope}", grp.name),
            _ => format!("'{}'", grp.name),
        }
    };
    let (own, wanted) = (label(group), label(expected.group));
    let vm_name = ctx.display_name(vm);
    let set_name = ctx.display_name(set);
    let copies = more_copies(count);
    let whose = match expected.majority {
        None => format!("its scale set '{set_name}' uses {wanted} for profile-created instances"),
        Some((n, total)) => {
            format!("{n} of the {total} VMs of its scale set '{set_name}' use {wanted}")
        }
    };
    let mut related = vec![RelatedFinding {
        pointer: ctx.property_pointer(expected.node, expected.path),
        message: match expected.majority {
            None => format!("scale set '{set_name}' names group {wanted} in its VM profile"),
            Some(_) => format!(
                "VM '{}' names group {wanted}, like most VMs of scale set '{set_name}'",
                ctx.display_name(expected.node)
            ),
        },
    }];
    for (g, label) in [(expected.group, &wanted), (group, &own)] {
        if let Some(n) = model.group(g).filter(|g| g.declared()).and_then(|g| g.node) {
            related.push(RelatedFinding {
                pointer: ctx.decl_pointer(n),
                message: format!("capacity reservation group {label} is declared here"),
            });
        }
    }
    // The ID as the other side writes it, when it is valid in this VM's template; else evaluated.
    let same_template =
        ctx.instance(vm).map(|i| i.deployment) == ctx.instance(expected.node).map(|i| i.deployment);
    let id = match reference_id(ctx, expected.node, expected.path) {
        Some(id) if !same_template && !id.has_unknown() => id.text().to_string(),
        _ => group_id_expression(ctx, expected.node, expected.path, expected.group),
    };
    let mut quoted = String::new();
    crate::arm::value::write_json_string(&mut quoted, &id);
    let like = match expected.majority {
        None => format!("the group scale set '{set_name}' names in its VM profile"),
        Some(_) => format!("like the other VMs of scale set '{set_name}'"),
    };
    Finding {
        instance: vm,
        pointer: ctx.property_pointer(vm, VM_GROUP_PATH),
        message: format!(
            "VM '{vm_name}'{copies} uses capacity reservation group {own} but {whose}; one scale set's VMs in two groups split its reserved capacity"
        ),
        help: Some(format!(
            "set `properties.capacityReservation.capacityReservationGroup.id` to {quoted} ({like}), or, if {own} is intended, use it for the whole scale set"
        )),
        related,
        severity: None,
    }
}
