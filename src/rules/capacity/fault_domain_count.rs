use std::collections::BTreeMap;

use super::model::{ConsumerKind, PROFILE_GROUP_PATH, VM_GROUP_PATH};
use super::vm_series::{SeriesClass, classify};
use super::{group_label, more_copies};
use crate::arm::value::Tri;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a scale set that uses capacity reservations (its VM profile, or one of its member
    /// VMs, names a capacity reservation group) with `platformFaultDomainCount` above 3, or above 1
    /// when its VM size belongs to a series whose reservations support only multi-zone high
    /// availability (GPU series such as NC v3, NCasT4_v3, NC_A100_v4, NV v3, NVadsA10_v5; memory
    /// optimised Msv2/Mdsv2, Msv3/Mdsv3 medium memory, Mbsv3; Lsv2).
    ///
    /// ## Why is this bad?
    /// With capacity reservations a scale set may use at most 3 fault domains (enforced at
    /// deployment; Uniform static fixed spreading with 5 fault domains is not supported). For
    /// the multi-zone-only series, a scale set with a fault-domain construct is not supported
    /// at all: spread the instances over zones and use one fault domain (max spreading).
    /// Sizes this check cannot classify only get the "at most 3" check.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg3z", "location": "eastus", "zones": ["1", "2", "3"]},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "zones": ["1", "2", "3"], "sku": {"name": "Standard_D2s_v3", "capacity": 3},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false, "platformFaultDomainCount": 5,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg3z')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg3z", "location": "eastus", "zones": ["1", "2", "3"]},
    ///   {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "ss",
    ///    "location": "eastus", "zones": ["1", "2", "3"], "sku": {"name": "Standard_D2s_v3", "capacity": 3},
    ///    "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": false, "platformFaultDomainCount": 1,
    ///      "virtualMachineProfile": {"capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg3z')]"}}}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [On-demand capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview)
    /// - [Associate a virtual machine scale set with Uniform Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    pub FaultDomainCount {
        id: "CRG010",
        name: "fault-domain-count",
        severity: Error,
        category: "capacity",
        summary: "a scale set using capacity reservations has more than 3 fault domains, or more than 1 for a series that supports only multi-zone high availability",
    }
}

const PATH: &str = "properties.platformFaultDomainCount";

/// Where a scale set's reservation use comes from: the instance naming the group, the path of
/// its group reference and of its size.
#[derive(Clone)]
struct Association {
    group: usize,
    node: usize,
    /// A member VM (rather than the scale set's own profile).
    member: bool,
    size: Option<String>,
}

#[derive(Clone)]
enum Case {
    /// A multi-zone-only series with more than one fault domain.
    Series { size: String, series: &'static str },
    /// More than 3 fault domains; `multi_zone_only` when the size also allows only one.
    OverThree { multi_zone_only: bool },
}

impl Case {
    fn rank(&self) -> u8 {
        match self {
            Case::Series { .. } => 0,
            Case::OverThree { .. } => 1,
        }
    }
}

struct PerDeclaration {
    set: usize,
    fault_domains: i64,
    case: Case,
    /// The association the case is about (the one with the offending size for `Series`).
    association: Association,
    instances: usize,
}

impl Rule for FaultDomainCount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // Member VMs that name a group, by VM node.
        let member_groups: BTreeMap<usize, (usize, Option<String>)> = model
            .consumers
            .iter()
            .filter(|c| matches!(c.kind, ConsumerKind::Member { .. }) && c.deployed != Tri::False)
            .filter_map(|c| Some((c.node, (c.group.group()?, c.size.clone()))))
            .collect();
        let mut by_decl: BTreeMap<usize, PerDeclaration> = BTreeMap::new();
        for set in &model.scale_sets {
            let Some(inst) = ctx.instance(set.node) else {
                continue;
            };
            if inst.existing || inst.deployed == Tri::False {
                continue;
            }
            let mut associations: Vec<Association> = Vec::new();
            if let Some(group) = set.profile_group.group()
                && set.has_profile == Some(true)
            {
                associations.push(Association {
                    group,
                    node: set.node,
                    member: false,
                    size: inst
                        .get("sku.name")
                        .and_then(|v| v.as_str().map(String::from)),
                });
            }
            for m in &set.members {
                if let Some((group, size)) = member_groups.get(m) {
                    associations.push(Association {
                        group: *group,
                        node: *m,
                        member: true,
                        size: size.clone(),
                    });
                }
            }
            let Some(first) = associations.first() else {
                continue;
            };
            let Some(fault_domains) = inst.get(PATH).and_then(|v| v.as_int_lenient()) else {
                continue;
            };
            // The first association whose size is in a multi-zone-only series.
            let series = associations.iter().find_map(|a| {
                let size = a.size.as_deref()?;
                match classify(size) {
                    SeriesClass::MultiZoneOnly(series) => Some((size.to_string(), series, a)),
                    SeriesClass::Other | SeriesClass::Unknown => None,
                }
            });
            let found = if fault_domains > 3 {
                Some((
                    Case::OverThree {
                        multi_zone_only: series.is_some(),
                    },
                    first.clone(),
                ))
            } else if fault_domains > 1 {
                series.map(|(size, series, a)| (Case::Series { size, series }, a.clone()))
            } else {
                None
            };
            let Some((case, association)) = found else {
                continue;
            };
            match by_decl.get_mut(&inst.decl) {
                Some(d) => {
                    d.instances += 1;
                    if case.rank() > d.case.rank() {
                        d.set = set.node;
                        d.fault_domains = fault_domains;
                        d.case = case;
                        d.association = association;
                    }
                }
                None => {
                    by_decl.insert(
                        inst.decl,
                        PerDeclaration {
                            set: set.node,
                            fault_domains,
                            case,
                            association,
                            instances: 1,
                        },
                    );
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
    let a = &d.association;
    let group = group_label(model, a.group);
    let set = format!("'{}'{}", ctx.display_name(d.set), more_copies(d.instances));
    let how = if a.member {
        format!(
            "its member VM '{}' uses capacity reservation group {group}",
            ctx.display_name(a.node)
        )
    } else {
        format!("its VM profile uses capacity reservation group {group}")
    };
    let n = d.fault_domains;
    let (message, help) = match &d.case {
        Case::OverThree { multi_zone_only } => (
            format!(
                "Scale set {set} uses {n} fault domains and {how}; capacity reservations support at most 3 (use max spreading, platformFaultDomainCount 1)"
            ),
            if *multi_zone_only {
                // The size's series allows no fault-domain spreading at all.
                "set \"platformFaultDomainCount\": 1 (max spreading) and spread the instances over zones for high availability".to_string()
            } else {
                "set \"platformFaultDomainCount\": 1 (max spreading), or at most 3".to_string()
            },
        ),
        Case::Series { size, series } => {
            let whose = if a.member {
                "the VM's size"
            } else {
                "its size"
            };
            (
                format!(
                    "Scale set {set} uses {n} fault domains and {how}, but {whose} {size} is in the {series} series, whose reservations support only multi-zone high availability, not fault domains"
                ),
                "set \"platformFaultDomainCount\": 1 and spread the instances over zones for high availability".to_string(),
            )
        }
    };
    let (group_path, size_path) = if a.member {
        (VM_GROUP_PATH, "properties.hardwareProfile.vmSize")
    } else {
        (PROFILE_GROUP_PATH, "sku.name")
    };
    let mut related = vec![RelatedFinding {
        pointer: ctx.property_pointer(a.node, group_path),
        message: if a.member {
            format!(
                "member VM '{}' names capacity reservation group {group}",
                ctx.display_name(a.node)
            )
        } else {
            format!("the VM profile names capacity reservation group {group}")
        },
    }];
    if let Case::Series { size, series } = &d.case {
        related.push(RelatedFinding {
            pointer: ctx.property_pointer(a.node, size_path),
            message: format!("{size} is in the {series} series"),
        });
    }
    Finding {
        instance: d.set,
        pointer: ctx.property_pointer(d.set, PATH),
        message,
        help: Some(help),
        related,
        severity: None,
    }
}
