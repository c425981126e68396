use std::collections::BTreeMap;

use super::model::PROFILE_GROUP_PATH;
use super::{Orchestration, group_label, more_copies};
use crate::arm::value::{Tri, Value};
use crate::diagnostic::Severity;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a scale set whose VM profile names a capacity reservation group while
    /// `singlePlacementGroup` is true (an error; the string `"true"` counts too), or, for a
    /// Uniform scale set, is not set at all (a warning: Uniform scale sets default to a single
    /// placement group).
    ///
    /// ## Why is this bad?
    /// Capacity reservations do not support scale sets with a single placement group: a Uniform
    /// scale set that uses a reservation must set `singlePlacementGroup` to false. For Uniform
    /// scale sets the property defaults to true when it is absent, so leaving it out has the
    /// same effect as setting it to true.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus"},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform",
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus"},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "sku": {"name": "Standard_D2s_v3", "capacity": 2},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Associate a virtual machine scale set with Uniform Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Virtual Machine Scale Sets and placement groups](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-placement-groups)
    pub SinglePlacementGroup {
        id: "CRG009",
        name: "single-placement-group",
        severity: Error,
        category: "capacity",
        summary: "a scale set using a capacity reservation group has singlePlacementGroup true, or omits it on a Uniform scale set (default true)",
    }
}

const PATH: &str = "properties.singlePlacementGroup";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Case {
    /// Absent on a Uniform scale set: the default is true (warning).
    UniformDefault,
    /// Evaluates to true (error).
    True,
}

impl Rule for SinglePlacementGroup {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // One finding per scale set declaration: (first instance, group, case, instances); an
        // explicit true outranks the default.
        let mut by_decl: BTreeMap<usize, (usize, usize, Case, usize)> = BTreeMap::new();
        for set in &model.scale_sets {
            let Some(group) = set.profile_group.group() else {
                continue;
            };
            let Some(inst) = ctx.instance(set.node) else {
                continue;
            };
            if inst.existing || inst.deployed == Tri::False || set.has_profile != Some(true) {
                continue;
            }
            let case = match inst.get(PATH) {
                None | Some(Value::Null) if set.mode == Some(Orchestration::Uniform) => {
                    Case::UniformDefault
                }
                Some(v) if v.as_bool_lenient() == Some(true) => Case::True,
                // False, unresolved, or absent on a Flexible (or unknown-mode) scale set.
                _ => continue,
            };
            let e = by_decl
                .entry(inst.decl)
                .or_insert((set.node, group, case, 0));
            e.3 += 1;
            if case > e.2 {
                *e = (set.node, group, case, e.3);
            }
        }
        for (node, group, case, count) in by_decl.into_values() {
            out.push(finding(ctx, node, group, case, count));
        }
    }
}

fn finding(ctx: &RuleContext<'_>, node: usize, g: usize, case: Case, count: usize) -> Finding {
    let group = group_label(ctx.capacity(), g);
    let name = format!("'{}'{}", ctx.display_name(node), more_copies(count));
    let (message, help, severity) = match case {
        Case::True => (
            format!(
                "Scale set {name} uses capacity reservation group {group} but sets `singlePlacementGroup` to true; capacity reservations do not support scale sets with a single placement group"
            ),
            "set \"singlePlacementGroup\": false in `properties`".to_string(),
            None,
        ),
        Case::UniformDefault => (
            format!(
                "Uniform scale set {name} uses capacity reservation group {group} but `singlePlacementGroup` is not set to false (Uniform default is true); reservations require it to be false"
            ),
            "add to `properties`: \"singlePlacementGroup\": false".to_string(),
            Some(Severity::Warning),
        ),
    };
    Finding {
        instance: node,
        pointer: ctx.property_pointer(node, PATH),
        message,
        help: Some(help),
        related: vec![RelatedFinding {
            pointer: ctx.property_pointer(node, PROFILE_GROUP_PATH),
            message: format!("the VM profile names capacity reservation group {group}"),
        }],
        severity,
    }
}
