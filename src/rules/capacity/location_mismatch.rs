use std::collections::BTreeMap;

use super::model::{ConsumerKind, Group};
use super::{capitalize, consumer_group_path, consumer_label, group_label, more_copies};
use crate::arm::value::write_json_string;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a capacity reservation whose `location` differs from its group's, and a virtual
    /// machine or scale set whose `location` differs from that of the capacity reservation group it
    /// names. Locations compare case-insensitively and without spaces (`East US` is `eastus`); two
    /// locations written as the same unresolved expression (`[parameters('location')]`) are the same.
    ///
    /// ## Why is this bad?
    /// A capacity reservation group and all its reservations belong to one region: Azure rejects a
    /// reservation in another region than its group. A VM can only consume a reservation of its own
    /// region, so a VM or scale set that names a group in another region is rejected as well.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///    "name": "crg", "location": "eastus", "zones": ["1"]},
    ///   {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///    "name": "crg/d2", "location": "westus", "zones": ["1"],
    ///    "sku": {"name": "Standard_D2s_v3", "capacity": 2}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// {
    ///   "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    ///   "contentVersion": "1.0.0.0",
    ///   "parameters": {"location": {"type": "string"}},
    ///   "resources": [
    ///     {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01",
    ///      "name": "crg", "location": "[parameters('location')]", "zones": ["1"]},
    ///     {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
    ///      "name": "crg/d2", "location": "[parameters('location')]", "zones": ["1"],
    ///      "sku": {"name": "Standard_D2s_v3", "capacity": 2}}
    ///   ]
    /// }
    /// ```
    ///
    /// ## References
    /// - [Create a capacity reservation](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-create)
    /// - [Associate a virtual machine scale set to Uniform Orchestration to a capacity reservation group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-virtual-machine-scale-set)
    /// - [Share a Capacity Reservation Group](https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-group-share)
    pub LocationMismatch {
        id: "CRG004",
        name: "location-mismatch",
        severity: Error,
        category: "capacity",
        summary: "a capacity reservation, or a VM or scale set that names a group, is in another location than the group",
    }
}

impl Rule for LocationMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn property_types(&self) -> Option<&'static [&'static str]> {
        Some(super::model::MODEL_TYPES)
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        let model = ctx.capacity();
        // Only a group deployed here has an authoritative location (an `existing` one's is not).
        let declared = |g: Option<usize>| {
            g.and_then(|g| {
                model
                    .group(g)
                    .filter(|grp| grp.declared())
                    .map(|grp| (g, grp))
            })
        };

        // (a) Reservations: one finding per declaration (first instance, group, instances).
        let mut reservations: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
        for (r, res) in model.reservations.iter().enumerate() {
            let Some((g, group)) = declared(res.group) else {
                continue;
            };
            if res.location.same(&group.location) != Some(false) {
                continue;
            }
            let Some(inst) = ctx.instance(res.node) else {
                continue;
            };
            reservations
                .entry(inst.decl)
                .and_modify(|e| e.2 += 1)
                .or_insert((r, g, 1));
        }
        for (r, g, count) in reservations.into_values() {
            let (Some(res), Some(group)) = (model.reservations.get(r), model.group(g)) else {
                continue;
            };
            let label = group_label(model, g);
            let here = location_text(ctx, res.node);
            let there = location_text(ctx, group.node.unwrap_or_default());
            out.push(Finding {
                instance: res.node,
                pointer: ctx.property_pointer(res.node, "location"),
                message: format!(
                    "Capacity reservation '{}'{} is in '{here}' but its group {label} is in '{there}'; a reservation must be in its group's location",
                    res.name,
                    more_copies(count)
                ),
                help: Some(format!(
                    "set the reservation's location to the group's: \"location\": {}",
                    location_fix(ctx, res.node, group)
                )),
                related: group_location(ctx, group, &label),
                severity: None,
            });
        }

        // (b) Consumers: one finding per declaration.
        let mut consumers: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
        for (c, con) in model.consumers.iter().enumerate() {
            let Some((g, group)) = declared(con.group.group()) else {
                continue;
            };
            if con.location.same(&group.location) != Some(false) {
                continue;
            }
            let Some(inst) = ctx.instance(con.node) else {
                continue;
            };
            consumers
                .entry(inst.decl)
                .and_modify(|e| e.2 += 1)
                .or_insert((c, g, 1));
        }
        for (c, g, count) in consumers.into_values() {
            let (Some(con), Some(group)) = (model.consumers.get(c), model.group(g)) else {
                continue;
            };
            let label = group_label(model, g);
            let here = location_text(ctx, con.node);
            let there = location_text(ctx, group.node.unwrap_or_default());
            let what = consumer_label(ctx, con);
            let subject = capitalize(&what);
            let name = ctx.display_name(con.node);
            let mut related = group_location(ctx, group, &label);
            related.push(RelatedFinding {
                pointer: ctx.property_pointer(con.node, consumer_group_path(con)),
                message: format!("{what} names group {label} here"),
            });
            let instances = if con.kind == ConsumerKind::ScaleSet {
                "its instances"
            } else {
                "it"
            };
            out.push(Finding {
                instance: con.node,
                pointer: ctx.property_pointer(con.node, "location"),
                message: format!(
                    "{subject}{} is in '{here}' but names group {label} in '{there}'; a reservation only serves VMs in its own region, so Azure rejects the association",
                    more_copies(count)
                ),
                help: Some(format!(
                    "deploy '{name}' in the group's location (\"location\": {}), or name a capacity reservation group in '{here}' for {instances}",
                    location_fix(ctx, con.node, group)
                )),
                related,
                severity: None,
            });
        }
    }
}

/// An instance's evaluated location, as written.
fn location_text(ctx: &RuleContext<'_>, node: usize) -> String {
    ctx.instance(node)
        .and_then(|i| i.get("location"))
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// The group's location as a JSON string to write on `node`: the group's own expression when
/// both are in the same template, else its evaluated value.
fn location_fix(ctx: &RuleContext<'_>, node: usize, group: &Group) -> String {
    let Some(g) = group.node else {
        return String::new();
    };
    let same_template =
        ctx.instance(node).map(|i| i.deployment) == ctx.instance(g).map(|i| i.deployment);
    let text = ctx
        .source_text(&ctx.property_pointer(g, "location"))
        .filter(|t| same_template || !t.starts_with('['))
        .unwrap_or_else(|| location_text(ctx, g));
    let mut quoted = String::new();
    write_json_string(&mut quoted, &text);
    quoted
}

fn group_location(ctx: &RuleContext<'_>, group: &Group, label: &str) -> Vec<RelatedFinding> {
    group
        .node
        .map(|n| RelatedFinding {
            pointer: ctx.property_pointer(n, "location"),
            message: format!(
                "capacity reservation group {label} is in '{}'",
                location_text(ctx, n)
            ),
        })
        .into_iter()
        .collect()
}
