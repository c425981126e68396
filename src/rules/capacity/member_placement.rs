use std::collections::BTreeMap;

use super::flexible_memberships;
use crate::arm::functions::ParsedResourceId;
use crate::arm::value::Value;
use crate::diagnostic::Severity;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports scale set membership that Azure refuses because of where the VM or the scale set is
    /// placed:
    /// - a VM that joins a scale set (`properties.virtualMachineScaleSet.id`) but is deployed to
    ///   another resource group than the scale set (error);
    /// - a scale set with `"singlePlacementGroup": true` that VMs join (error);
    /// - a scale set without a VM profile that VMs join and that does not set
    ///   `singlePlacementGroup` (warning): such a scale set must be created with
    ///   `"singlePlacementGroup": false` before VMs can be attached.
    ///
    /// ## Why is this bad?
    /// A VM can only be attached to a scale set in its own resource group, and only to a scale set
    /// whose `singlePlacementGroup` is false. A scale set created without a VM profile leaves
    /// `singlePlacementGroup` unset, and the documentation requires it to be set to false at
    /// creation so that VMs can be attached.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus",
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1, "singlePlacementGroup": true}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus",
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1, "singlePlacementGroup": false}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Attach or detach a Virtual Machine to or from a Virtual Machine Scale Set](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-attach-detach-vm)
    /// - [Orchestration modes for Virtual Machine Scale Sets](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes)
    /// - [Virtual Machine Scale Sets and placement groups](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-placement-groups)
    pub MemberPlacement {
        id: "VMSS003",
        name: "member-placement",
        severity: Error,
        category: "capacity",
        summary: "a VM joins a scale set in another resource group, or one with singlePlacementGroup true (or unset without a VM profile)",
    }
}

/// A scale set's `singlePlacementGroup` as far as attaching VMs is concerned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlacementGroup {
    /// `true` (or `"true"`): VMs cannot be attached.
    Single,
    /// Absent on a scale set without a VM profile: must be created with false.
    UnsetWithoutProfile,
}

impl Rule for MemberPlacement {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        // Another resource group: one finding per VM declaration (first instance, set, count).
        let mut elsewhere: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
        // Members per scale set instance, in order.
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, vm, ss, _) in flexible_memberships(ctx.graph) {
            members.entry(ss).or_default().push(i);
            let ids = (ctx.graph.ids.get(i), ctx.graph.ids.get(ss));
            if let (Some(Some(vm_id)), Some(Some(set_id))) = ids
                && same_resource_group(vm_id, set_id) == Some(false)
            {
                elsewhere
                    .entry(vm.decl)
                    .and_modify(|e| e.2 += 1)
                    .or_insert((i, ss, 1));
            }
        }
        for (vm, ss, count) in elsewhere.into_values() {
            out.push(other_resource_group(ctx, vm, ss, count));
        }

        // Placement group: one finding per scale set declaration.
        let mut by_set: BTreeMap<usize, (usize, PlacementGroup, usize, Vec<usize>)> =
            BTreeMap::new();
        for (ss, vms) in members {
            let Some(set) = ctx.instance(ss) else {
                continue;
            };
            let Some(pg) = placement_group(set.get("properties.singlePlacementGroup"), || {
                matches!(
                    set.get("properties.virtualMachineProfile"),
                    None | Some(Value::Null)
                )
            }) else {
                continue;
            };
            // A profile that names a group makes `singlePlacementGroup: true` CRG009's finding
            // (the same property, the same fix).
            if pg == PlacementGroup::Single
                && ctx
                    .capacity()
                    .scale_set(ss)
                    .is_some_and(|s| s.profile_group.group().is_some())
            {
                continue;
            }
            let e = by_set
                .entry(set.decl)
                .or_insert_with(|| (ss, pg, 0, Vec::new()));
            e.2 += 1;
            e.3.extend(vms);
        }
        for (ss, pg, count, vms) in by_set.into_values() {
            out.push(placement_finding(ctx, ss, pg, count, &vms));
        }
    }
}

fn placement_group(
    value: Option<Value>,
    without_profile: impl FnOnce() -> bool,
) -> Option<PlacementGroup> {
    match value {
        None | Some(Value::Null) => {
            without_profile().then_some(PlacementGroup::UnsetWithoutProfile)
        }
        Some(v) => (v.as_bool_lenient() == Some(true)).then_some(PlacementGroup::Single),
    }
}

/// Some(true) same resource group, Some(false) different, None unknown (a part is symbolic).
fn same_resource_group(a: &ParsedResourceId, b: &ParsedResourceId) -> Option<bool> {
    // Each side is the segment and whether it holds an unknown fragment.
    let same = |x: (&Option<String>, bool), y: (&Option<String>, bool)| match (x, y) {
        ((Some(x), xu), (Some(y), yu)) if x == y && xu == yu => Some(true),
        ((Some(_), false), (Some(_), false)) => Some(false),
        ((None, _), (None, _)) => Some(true),
        _ => None,
    };
    match (
        same(
            (&a.subscription, a.unknown.subscription),
            (&b.subscription, b.unknown.subscription),
        ),
        same(
            (&a.resource_group, a.unknown.resource_group),
            (&b.resource_group, b.unknown.resource_group),
        ),
    ) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Subscription and resource group of an instance's ID, as written (case kept).
fn scope_text(ctx: &RuleContext<'_>, i: usize) -> (Option<String>, Option<String>) {
    let text = match ctx.instance(i).map(|x| &x.id) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Unknown(u)) => u
            .symbol
            .as_ref()
            .map(|s| s.text().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let segs: Vec<&str> = text.trim_start_matches('/').split('/').collect();
    let at = |k: usize, key: &str| {
        segs.get(k)
            .filter(|s| s.eq_ignore_ascii_case(key))
            .and_then(|_| segs.get(k + 1))
            .map(|s| s.to_string())
    };
    (at(0, "subscriptions"), at(2, "resourceGroups"))
}

fn where_text(sub: &Option<String>, rg: &Option<String>, with_sub: bool) -> String {
    let rg = rg.as_deref().unwrap_or("?");
    match sub {
        Some(s) if with_sub => format!("resource group '{rg}' of subscription '{s}'"),
        _ => format!("resource group '{rg}'"),
    }
}

fn other_resource_group(ctx: &RuleContext<'_>, vm: usize, ss: usize, count: usize) -> Finding {
    let vm_name = ctx.display_name(vm);
    let ss_name = ctx.display_name(ss);
    let (vm_sub, vm_rg) = scope_text(ctx, vm);
    let (ss_sub, ss_rg) = scope_text(ctx, ss);
    let with_sub = match (&vm_sub, &ss_sub) {
        (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
        _ => false,
    };
    let vm_where = where_text(&vm_sub, &vm_rg, with_sub);
    let ss_where = where_text(&ss_sub, &ss_rg, with_sub);
    let copies = super::more_copies(count);
    let mut related = vec![RelatedFinding {
        pointer: ctx.decl_pointer(ss),
        message: format!("scale set '{ss_name}' is declared here"),
    }];
    // The nested deployment that sends the VM (or the scale set) elsewhere.
    for (i, what, to) in [
        (vm, format!("VM '{vm_name}'"), &vm_where),
        (ss, format!("scale set '{ss_name}'"), &ss_where),
    ] {
        let dep = ctx
            .instance(i)
            .and_then(|x| ctx.graph.expansion.deployments.get(x.deployment))
            .and_then(|d| d.instance);
        if let Some(d) = dep
            && ctx.instance(d).is_some_and(|x| {
                x.get("resourceGroup").is_some() || x.get("subscriptionId").is_some()
            })
        {
            let at = if ctx
                .instance(d)
                .is_some_and(|x| x.get("resourceGroup").is_some())
            {
                "resourceGroup"
            } else {
                "subscriptionId"
            };
            related.push(RelatedFinding {
                pointer: ctx.property_pointer(d, at),
                message: format!(
                    "deployment '{}' deploys {what} to {to}",
                    ctx.display_name(d)
                ),
            });
        }
    }
    Finding {
        instance: vm,
        pointer: ctx.property_pointer(vm, "properties.virtualMachineScaleSet.id"),
        message: format!(
            "VM '{vm_name}'{copies} is deployed to {vm_where} but joins scale set '{ss_name}' in {ss_where}; a VM must be in its scale set's resource group"
        ),
        help: Some(format!(
            "deploy VM '{vm_name}' to {ss_where}, the scale set's, or use a scale set in {vm_where}"
        )),
        related,
        severity: None,
    }
}

fn placement_finding(
    ctx: &RuleContext<'_>,
    ss: usize,
    pg: PlacementGroup,
    count: usize,
    vms: &[usize],
) -> Finding {
    let ss_name = ctx.display_name(ss);
    let copies = super::more_copies(count);
    let first = vms
        .first()
        .map(|&v| ctx.display_name(v))
        .unwrap_or_default();
    let joiners = match vms.len() {
        0 | 1 => format!("VM '{first}' joins it"),
        2 => format!("VM '{first}' and 1 more VM join it"),
        n => format!("VM '{first}' and {} more VMs join it", n - 1),
    };
    // One related location per member declaration.
    let mut seen = Vec::new();
    let mut related = Vec::new();
    for &v in vms {
        let Some(decl) = ctx.instance(v).map(|x| x.decl) else {
            continue;
        };
        if seen.contains(&decl) {
            continue;
        }
        seen.push(decl);
        related.push(RelatedFinding {
            pointer: ctx.property_pointer(v, "properties.virtualMachineScaleSet.id"),
            message: format!("VM '{}' joins scale set '{ss_name}'", ctx.display_name(v)),
        });
    }
    let (message, help, severity) = match pg {
        PlacementGroup::Single => (
            format!(
                "Scale set '{ss_name}'{copies} sets `singlePlacementGroup` to true, but {joiners}; VMs can only be attached to a scale set whose `singlePlacementGroup` is false"
            ),
            format!("set \"singlePlacementGroup\": false on scale set '{ss_name}'"),
            None,
        ),
        PlacementGroup::UnsetWithoutProfile => (
            format!(
                "Scale set '{ss_name}'{copies} has no VM profile and does not set `singlePlacementGroup`, but {joiners}; a scale set without a VM profile must be created with `singlePlacementGroup` false before VMs can be attached"
            ),
            format!(
                "add \"singlePlacementGroup\": false to the properties of scale set '{ss_name}' when it is created"
            ),
            Some(Severity::Warning),
        ),
    };
    Finding {
        instance: ss,
        pointer: ctx.property_pointer(ss, "properties.singlePlacementGroup"),
        message,
        help: Some(help),
        related,
        severity,
    }
}
