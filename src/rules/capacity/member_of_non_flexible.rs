use std::collections::BTreeMap;

use super::{Orchestration, declared_orchestration, memberships};
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a virtual machine that joins a scale set (`properties.virtualMachineScaleSet.id`)
    /// whose orchestration mode is Uniform: `"orchestrationMode": "Uniform"`, or no mode with a
    /// `virtualMachineProfile` (the REST API default is then Uniform).
    ///
    /// ## Why is this bad?
    /// Only scale sets in Flexible orchestration accept individually declared VMs. Azure rejects the
    /// VM, and the orchestration mode of a scale set cannot be changed after it is created.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform", "virtualMachineProfile": {}}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'ss')]"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus",
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'ss')]"}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Attach or detach a Virtual Machine to or from a Virtual Machine Scale Set](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-attach-detach-vm)
    /// - [Orchestration modes for Virtual Machine Scale Sets](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes)
    pub MemberOfNonFlexible {
        id: "VMSS001",
        name: "member-of-non-flexible",
        severity: Error,
        category: "capacity",
        summary: "a VM joins a scale set that uses Uniform orchestration",
    }
}

impl Rule for MemberOfNonFlexible {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        // One finding per VM declaration: (first instance, scale set, number of instances).
        let mut by_decl: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
        for (i, vm, ss, set) in memberships(ctx.graph) {
            if declared_orchestration(set) != Some(Orchestration::Uniform) {
                continue;
            }
            by_decl
                .entry(vm.decl)
                .and_modify(|e| e.2 += 1)
                .or_insert((i, ss, 1));
        }
        for (_, (vm, ss, count)) in by_decl {
            let vm_name = ctx.display_name(vm);
            let ss_name = ctx.display_name(ss);
            let copies = super::more_copies(count);
            let explicit = ctx
                .instance(ss)
                .and_then(|s| s.get("properties.orchestrationMode"))
                .is_some();
            let (related_ptr, related_msg) = if explicit {
                (
                    ctx.property_pointer(ss, "properties.orchestrationMode"),
                    format!("scale set '{ss_name}' uses Uniform orchestration"),
                )
            } else {
                (
                    ctx.property_pointer(ss, "properties.virtualMachineProfile"),
                    format!(
                        "scale set '{ss_name}' has a VM profile and no orchestration mode, so it is Uniform"
                    ),
                )
            };
            out.push(Finding {
                instance: vm,
                pointer: ctx.property_pointer(vm, "properties.virtualMachineScaleSet"),
                message: format!(
                    "VM '{vm_name}'{copies} joins scale set '{ss_name}', which uses Uniform orchestration; only Flexible scale sets accept VMs"
                ),
                help: Some(format!(
                    "create scale set '{ss_name}' with \"orchestrationMode\": \"Flexible\" (the mode cannot change later), or remove \"virtualMachineScaleSet\" from the VM"
                )),
                related: vec![RelatedFinding { pointer: related_ptr, message: related_msg }],
                severity: None,
            });
        }
    }
}
