use std::collections::BTreeMap;

use super::flexible_memberships;
use super::model::Zones;
use crate::arm::template::ResourceInstance;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a virtual machine that joins a scale set (`properties.virtualMachineScaleSet.id`)
    /// in a zone the scale set does not have: a zonal VM whose zone is not one of the scale set's
    /// `zones`, a zonal VM in a regional scale set, or a regional VM (no `zones`) in a scale set
    /// that spans two or more zones. A regional VM in a single-zone scale set is accepted: it
    /// inherits the scale set's zone.
    ///
    /// ## Why is this bad?
    /// A VM attached to a scale set must match its zone configuration: a zonal VM must be in one
    /// of the scale set's zones, and a regional VM can only join a regional scale set (or a
    /// single-zone one). Azure rejects the VM otherwise, and a scale set's zones can only be set
    /// when it is created.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus", "zones": ["2", "3"],
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1, "singlePlacementGroup": false}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["1"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "flex",
    ///    "location": "eastus", "zones": ["2", "3"],
    ///    "properties": {"orchestrationMode": "Flexible", "platformFaultDomainCount": 1, "singlePlacementGroup": false}},
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "zones": ["2"],
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"},
    ///      "virtualMachineScaleSet": {"id": "[resourceId('Microsoft.Compute/virtualMachineScaleSets', 'flex')]"}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Attach or detach a Virtual Machine to or from a Virtual Machine Scale Set](https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-attach-detach-vm)
    /// - [Create virtual machines in a scale set using an ARM template](https://learn.microsoft.com/azure/virtual-machine-scale-sets/flexible-virtual-machine-scale-sets-rest-api)
    pub MemberZoneMismatch {
        id: "VMSS002",
        name: "member-zone-mismatch",
        severity: Error,
        category: "capacity",
        summary: "a VM joins a scale set in a zone the scale set does not have, or mixes zonal and regional",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Mismatch {
    /// The VM's zone is not one of the set's zones.
    Outside { set: Vec<String> },
    /// A zonal VM in a regional set.
    ZonalInRegional,
    /// A regional VM in a set spanning these zones.
    RegionalInSpanning { set: Vec<String> },
}

/// A resource's own zones, as declared (no inheritance): a `placement` policy lets the platform
/// pick the zone, so the zone is not known.
fn own_zones(inst: &ResourceInstance) -> Zones {
    if inst.get("placement").is_some_and(|p| !p.is_null()) {
        return Zones::Unknown;
    }
    Zones::of(inst.get("zones").as_ref())
}

fn mismatch(vm: &Zones, set: &Zones) -> Option<Mismatch> {
    match (vm, set) {
        (Zones::Zonal(v), Zones::Zonal(s)) if v.iter().any(|z| !s.contains(z)) => {
            Some(Mismatch::Outside { set: s.clone() })
        }
        (Zones::Zonal(_), Zones::Regional) => Some(Mismatch::ZonalInRegional),
        (Zones::Regional, Zones::Zonal(s)) if s.len() >= 2 => {
            Some(Mismatch::RegionalInSpanning { set: s.clone() })
        }
        _ => None,
    }
}

/// The findings of one VM declaration: its first mismatching instance, the scale set, the
/// mismatch, the number of mismatching instances, and the VM zones they use.
struct Group {
    vm: usize,
    set: usize,
    mismatch: Mismatch,
    count: usize,
    vm_zones: Vec<String>,
}

impl Rule for MemberZoneMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let mut by_decl: BTreeMap<usize, Group> = BTreeMap::new();
        for (i, vm, ss, set) in flexible_memberships(ctx.graph) {
            let vm_zones = own_zones(vm);
            let Some(m) = mismatch(&vm_zones, &own_zones(set)) else {
                continue;
            };
            let zones = vm_zones.known().unwrap_or_default().to_vec();
            let g = by_decl.entry(vm.decl).or_insert_with(|| Group {
                vm: i,
                set: ss,
                mismatch: m,
                count: 0,
                vm_zones: Vec::new(),
            });
            g.count += 1;
            for z in zones {
                if !g.vm_zones.contains(&z) {
                    g.vm_zones.push(z);
                }
            }
        }
        for g in by_decl.into_values() {
            out.push(finding(ctx, g));
        }
    }
}

fn zones_text(zones: &[String]) -> String {
    match zones {
        [one] => format!("zone {one}"),
        _ => format!("zones {}", zones.join(", ")),
    }
}

fn finding(ctx: &RuleContext<'_>, mut g: Group) -> Finding {
    g.vm_zones.sort();
    let vm = ctx.display_name(g.vm);
    let ss = ctx.display_name(g.set);
    let copies = super::more_copies(g.count);
    let in_zones = zones_text(&g.vm_zones);
    let (message, help, set_text) = match &g.mismatch {
        Mismatch::Outside { set } => (
            format!(
                "VM '{vm}'{copies} is in {in_zones} but its scale set '{ss}' is in {}; a zonal VM must be in one of its scale set's zones",
                zones_text(set)
            ),
            match set.as_slice() {
                [only] => format!(
                    "set the VM's \"zones\" to [\"{only}\"], or remove it (a VM without zones inherits the zone of a single-zone scale set)"
                ),
                _ => format!(
                    "set the VM's \"zones\" to one of the scale set's zones, e.g. [\"{}\"]",
                    set.first().map(String::as_str).unwrap_or("1")
                ),
            },
            format!("scale set '{ss}' is in {}", zones_text(set)),
        ),
        Mismatch::ZonalInRegional => (
            format!(
                "VM '{vm}'{copies} is in {in_zones} but its scale set '{ss}' is regional (no zones); a regional scale set accepts only regional VMs"
            ),
            format!(
                "remove \"zones\" from the VM, or create scale set '{ss}' with \"zones\" (a scale set's zones are set when it is created)"
            ),
            format!("scale set '{ss}' has no zones"),
        ),
        Mismatch::RegionalInSpanning { set } => (
            format!(
                "VM '{vm}'{copies} has no zone but its scale set '{ss}' spans {}; a VM joining a zone-spanning scale set must be in one of its zones",
                zones_text(set)
            ),
            format!(
                "add \"zones\": [\"{}\"] (one of the scale set's {}) to the VM",
                set.first().map(String::as_str).unwrap_or("1"),
                zones_text(set)
            ),
            format!("scale set '{ss}' spans {}", zones_text(set)),
        ),
    };
    Finding {
        instance: g.vm,
        pointer: ctx.property_pointer(g.vm, "zones"),
        message,
        help: Some(help),
        related: vec![RelatedFinding {
            pointer: ctx.property_pointer(g.set, "zones"),
            message: set_text,
        }],
        severity: None,
    }
}
