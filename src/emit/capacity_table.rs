//! `armlint capacity --format table` (default): an aligned terminal table, one row per
//! reservation key, with a bar of reserved against demanded instances, then the consumers.
//! Colour only when asked (on a terminal).

use crate::capacity::plan::{CapacityPlan, PlanState, ReservationPlan};

const BAR: usize = 20;

/// `2..10`, `≥2..10` when the demand is a lower bound.
pub fn demand_text(r: &ReservationPlan) -> String {
    let lower = if r.demand.complete { "" } else { "≥" };
    if r.demand.min == r.demand.max {
        format!("{lower}{}", r.demand.max)
    } else {
        format!("{lower}{}..{}", r.demand.min, r.demand.max)
    }
}

pub fn reserved_text(r: &ReservationPlan) -> String {
    r.reserved.map_or_else(|| "?".into(), |n| n.to_string())
}

pub fn zone_text(r: &ReservationPlan) -> String {
    r.zone.clone().unwrap_or_else(|| "-".into())
}

/// The projected state: `consumed`, or `available → overallocated` when the steady state
/// (demand `min`) and the peak (demand `max`) differ.
pub fn state_text(r: &ReservationPlan) -> String {
    if r.steady_state == r.state {
        r.state.as_str().to_string()
    } else {
        format!("{} → {}", r.steady_state.as_str(), r.state.as_str())
    }
}

/// The state now, from an instance view: `consumed (1/1)`.
pub fn current_text(r: &ReservationPlan) -> String {
    match &r.current {
        Some(c) => format!(
            "{} ({}/{})",
            c.state.as_str(),
            c.allocated,
            c.capacity.map_or_else(|| "?".into(), |n| n.to_string())
        ),
        None => "-".into(),
    }
}

/// Reserved instances used `█`, reserved and idle `░`, demanded beyond the reservation `▒`.
pub fn bar(r: &ReservationPlan) -> String {
    let Some(reserved) = r.reserved else {
        return String::new();
    };
    let peak = r.demand.max;
    let scale = reserved.max(peak).max(1) as f64;
    let cells = |n: u64| ((n as f64 / scale) * BAR as f64).round() as usize;
    let used = cells(peak.min(reserved));
    let idle = cells(reserved).saturating_sub(used);
    let over = cells(peak).saturating_sub(cells(reserved));
    format!(
        "{}{}{}",
        "█".repeat(used),
        "░".repeat(idle),
        "▒".repeat(over)
    )
}

fn paint(text: &str, state: PlanState, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match state {
        PlanState::Overallocated => "31",
        PlanState::Consumed => "33",
        PlanState::Available => "32",
        PlanState::Unknown => "2",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

pub fn render(plan: &CapacityPlan, color: bool) -> String {
    if plan.groups.is_empty() {
        return "no capacity reservation group is declared or referenced\n".into();
    }
    let header = [
        "GROUP",
        "RESERVATION",
        "SIZE",
        "ZONE",
        "RESERVED",
        "DEMAND",
        "STATE",
        "NO SLA",
        "NOW",
    ];
    let rows = table_rows(plan);
    // The NOW column only with an instance view.
    let has_now = plan
        .groups
        .iter()
        .flat_map(|g| &g.reservations)
        .any(|r| r.current.is_some());
    let columns = if has_now {
        header.len()
    } else {
        header.len() - 1
    };
    let header = header.get(..columns).unwrap_or(&header);
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (cells, _, _) in &rows {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    let mut out = String::new();
    let head: Vec<String> = header
        .iter()
        .zip(&widths)
        .map(|(h, w)| pad(h, *w))
        .collect();
    out.push_str(head.join("  ").trim_end());
    out.push('\n');
    for (cells, state, bar) in &rows {
        let mut line: Vec<String> = cells
            .iter()
            .take(columns)
            .zip(&widths)
            .map(|(c, w)| pad(c, *w))
            .collect();
        if let Some(s) = line.get_mut(6) {
            *s = paint(s, *state, color);
        }
        let mut text = line.join("  ");
        if !bar.is_empty() {
            text.push_str("  ");
            text.push_str(bar);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out.push_str(
        "\n█ reserved and used  ░ reserved, idle  ▒ beyond the reservation (no capacity SLA)\nSTATE: steady state → at peak, when they differ; NO SLA: instances beyond the reservation at peak\n",
    );
    push_consumers(&mut out, plan);
    out
}

/// One table line: the cells, the state that colours STATE, and the bar.
type Row = ([String; 9], PlanState, String);

/// A line per reservation, or one for a group without any.
fn table_rows(plan: &CapacityPlan) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for g in &plan.groups {
        let group = if g.complete {
            g.name.clone()
        } else {
            format!("{} (incomplete)", g.name)
        };
        if g.reservations.is_empty() {
            rows.push((
                [
                    group,
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "0".into(),
                    "-".into(),
                    "0".into(),
                    "-".into(),
                ],
                PlanState::Unknown,
                String::new(),
            ));
            continue;
        }
        for r in &g.reservations {
            rows.push((
                [
                    group.clone(),
                    r.name.clone().unwrap_or_else(|| "(none)".into()),
                    r.size.clone(),
                    zone_text(r),
                    reserved_text(r),
                    demand_text(r),
                    state_text(r),
                    r.unreserved_at_peak.to_string(),
                    current_text(r),
                ],
                r.state,
                bar(r),
            ));
        }
    }
    rows
}

/// Under the table, each reservation's consumers with their instance counts and where they are.
fn push_consumers(out: &mut String, plan: &CapacityPlan) {
    for g in &plan.groups {
        for r in &g.reservations {
            if r.consumers.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n{} {} {}:\n",
                g.name,
                r.size,
                r.zone
                    .as_deref()
                    .map_or_else(|| "(regional)".to_string(), |z| format!("zone {z}"))
            ));
            for c in &r.consumers {
                let params = c
                    .parameters
                    .as_deref()
                    .map(|p| format!(" with {p}"))
                    .unwrap_or_default();
                let range = if c.min == c.max {
                    c.max.to_string()
                } else {
                    format!("{}..{}", c.min, c.max)
                };
                let place = if c.pointer.is_empty() {
                    c.file.clone()
                } else {
                    format!("{}#{}", c.file, c.pointer)
                };
                out.push_str(&format!(
                    "  {range:>6}  {} '{}' ({}) {place}{params}\n",
                    short_type(&c.resource_type),
                    c.name,
                    c.sources.join(", "),
                ));
            }
        }
    }
}

/// `virtualMachineScaleSets` for messages.
pub fn short_type(t: &str) -> &str {
    t.rsplit('/').next().unwrap_or(t)
}
