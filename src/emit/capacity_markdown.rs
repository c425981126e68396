//! `armlint capacity --format markdown`: the plan as a GitHub table, for pull-request comments.

use super::capacity_table::{
    bar, current_text, demand_text, reserved_text, short_type, state_text, zone_text,
};
use crate::capacity::plan::{CapacityPlan, PlanState};

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

pub fn render(plan: &CapacityPlan) -> String {
    let mut out = String::from("### Capacity plan\n\n");
    if plan.groups.is_empty() {
        out.push_str("No capacity reservation group is declared or referenced.\n");
        return out;
    }
    out.push_str(
        "| Group | Reservation | Size | Zone | Reserved | Demand | State (steady → peak) | No SLA at peak | Now | |\n",
    );
    out.push_str("|---|---|---|---|---:|---:|---|---:|---|---|\n");
    for g in &plan.groups {
        let group = if g.complete {
            format!("`{}`", g.name)
        } else {
            format!("`{}` (incomplete)", g.name)
        };
        for r in &g.reservations {
            let state = match r.state {
                PlanState::Overallocated => format!("**{}**", state_text(r)),
                _ => state_text(r),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                cell(&group),
                r.name
                    .as_deref()
                    .map_or_else(|| "(none)".to_string(), |n| format!("`{}`", cell(n))),
                cell(&r.size),
                cell(&zone_text(r)),
                reserved_text(r),
                demand_text(r),
                state,
                r.unreserved_at_peak,
                current_text(r),
                bar(r)
            ));
        }
    }
    out.push_str("\n<details><summary>Consumers</summary>\n\n");
    for g in &plan.groups {
        for r in &g.reservations {
            for c in &r.consumers {
                let range = if c.min == c.max {
                    c.max.to_string()
                } else {
                    format!("{}..{}", c.min, c.max)
                };
                let params = c
                    .parameters
                    .as_deref()
                    .map(|p| format!(" with `{}`", cell(p)))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "- `{}` {} {}: {range} from {} '{}' ({}) in `{}`{params}\n",
                    cell(&g.name),
                    cell(&r.size),
                    r.zone
                        .as_deref()
                        .map_or_else(|| "regional".to_string(), |z| format!("zone {z}")),
                    short_type(&c.resource_type),
                    cell(&c.name),
                    cell(&c.sources.join(", ")),
                    cell(&c.file)
                ));
            }
        }
    }
    out.push_str("\n</details>\n");
    out
}
