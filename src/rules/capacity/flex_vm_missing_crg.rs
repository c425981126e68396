use std::collections::BTreeMap;

use super::model::{GroupRef, Intent};
use super::{Orchestration, association_help, group_label};
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a virtual machine that joins a Flexible scale set
    /// (`properties.virtualMachineScaleSet.id`) without naming a capacity reservation group, while
    /// the scale set's VM profile or another VM of the same scale set names one.
    ///
    /// ## Why is this bad?
    /// In Flexible orchestration every instance is a plain VM, so the capacity reservation is a
    /// property of each VM: the scale set's profile only applies to the instances the scale set
    /// creates itself, and for a scale set without a profile the group is given "to the first VM".
    /// A member VM without `capacityReservation` deploys without error and silently runs on public
    /// capacity, without reserved capacity and without the capacity SLA.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1, "singlePlacementGroup": false}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm2",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1, "singlePlacementGroup": false}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm2",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"},
    ///      "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Associate a virtual machine scale set with Flexible Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set-flex)
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    pub FlexVmMissingCrg {
        id: "CRG001",
        name: "flex-vm-missing-crg",
        severity: Error,
        category: "capacity",
        summary: "a Flexible scale set member VM names no capacity reservation group while its scale set's profile or a sibling VM names one",
    }
}

impl Rule for FlexVmMissingCrg {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        for members in model.member_sets() {
            let set = members.scale_set.and_then(|n| model.scale_set(n));
            // A VM cannot join a set Azure creates as Uniform: that is VMSS001's finding.
            if set.is_some_and(|s| s.declared_mode == Some(Orchestration::Uniform)) {
                continue;
            }
            let Some(intent) = model.reservation_intent(&members) else {
                continue;
            };
            let Some(first) = members
                .members
                .first()
                .and_then(|&c| model.consumers.get(c))
            else {
                continue;
            };
            // One finding per VM declaration, counting its instances.
            let mut missing: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
            for &c in &members.members {
                let Some(con) = model.consumers.get(c) else {
                    continue;
                };
                if con.group != GroupRef::None {
                    continue;
                }
                let Some(inst) = ctx.instance(con.node) else {
                    continue;
                };
                missing
                    .entry(inst.decl)
                    .and_modify(|e| e.1 += 1)
                    .or_insert((con.node, 1));
            }
            for (vm, count) in missing.into_values() {
                out.push(finding(
                    ctx,
                    vm,
                    count,
                    first.node,
                    set.map(|s| s.node),
                    &intent,
                ));
            }
        }
    }
}

fn finding(
    ctx: &RuleContext<'_>,
    vm: usize,
    count: usize,
    member: usize,
    set: Option<usize>,
    intent: &Intent,
) -> Finding {
    let model = ctx.capacity();
    let vm_name = ctx.display_name(vm);
    let set_name = match set {
        Some(s) => ctx.display_name(s),
        None => ctx
            .instance(member)
            .and_then(|i| i.get("properties.virtualMachineScaleSet.id"))
            .and_then(|v| {
                v.as_str()
                    .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
            })
            .unwrap_or_else(|| "its scale set".into()),
    };
    let group = group_label(model, intent.group);
    let whose = if intent.from_profile {
        format!("whose VM profile uses capacity reservation group {group}")
    } else {
        format!(
            "whose member VM '{}' uses capacity reservation group {group}",
            ctx.display_name(intent.node)
        )
    };
    let copies = super::more_copies(count);
    let mut related = vec![RelatedFinding {
        pointer: ctx.property_pointer(intent.node, intent.path),
        message: if intent.from_profile {
            format!("scale set '{set_name}' names group {group} in its VM profile")
        } else {
            format!("VM '{}' names group {group}", ctx.display_name(intent.node))
        },
    }];
    if let Some(n) = model.group(intent.group).and_then(|g| g.node) {
        related.push(RelatedFinding {
            pointer: ctx.decl_pointer(n),
            message: format!("capacity reservation group {group} is declared here"),
        });
    }
    Finding {
        instance: vm,
        pointer: ctx.decl_pointer(vm),
        message: format!(
            "VM '{vm_name}'{copies} joins Flexible scale set '{set_name}', {whose}, but has no `properties.capacityReservation.capacityReservationGroup`; in Flexible mode each VM must name the group itself, so this VM gets no reserved capacity or capacity SLA"
        ),
        help: Some(association_help(
            ctx,
            intent.node,
            intent.path,
            intent.group,
            "properties",
        )),
        related,
        severity: None,
    }
}
