//! `armlint capacity --format json`: the capacity plan (interface.md, "Capacity plan"). Structs
//! with derived `Serialize` keep the contract's field order; fields beyond the contract
//! (`declared`, `steadyState`, consumers' `sources` and `parameters`) are additions.

use serde::Serialize;

use crate::capacity::plan::CapacityPlan;

/// Bumped only when a field is renamed or dropped.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonPlan<'a> {
    version: u32,
    groups: Vec<JsonGroup<'a>>,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    id: &'a str,
    name: &'a str,
    complete: bool,
    reservations: Vec<JsonReservation<'a>>,
    declared: bool,
    #[serde(rename = "instanceView", skip_serializing_if = "Option::is_none")]
    instance_view: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReservation<'a> {
    name: Option<&'a str>,
    size: &'a str,
    zone: Option<&'a str>,
    reserved: Option<u64>,
    demand: JsonDemand,
    state: &'static str,
    unreserved_at_peak: u64,
    consumers: Vec<JsonConsumer<'a>>,
    steady_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<JsonCurrent>,
}

#[derive(Serialize)]
struct JsonCurrent {
    allocated: u64,
    capacity: Option<u64>,
    state: &'static str,
}

#[derive(Serialize)]
struct JsonDemand {
    min: u64,
    max: u64,
    complete: bool,
}

#[derive(Serialize)]
struct JsonConsumer<'a> {
    file: &'a str,
    pointer: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    name: &'a str,
    min: u64,
    max: u64,
    sources: &'a [String],
    parameters: Option<&'a str>,
}

pub fn render(plan: &CapacityPlan) -> String {
    let doc = JsonPlan {
        version: VERSION,
        groups: plan
            .groups
            .iter()
            .map(|g| JsonGroup {
                id: g.id.text(),
                name: &g.name,
                complete: g.complete,
                declared: g.declared,
                instance_view: g.instance_view.as_deref(),
                reservations: g
                    .reservations
                    .iter()
                    .map(|r| JsonReservation {
                        name: r.name.as_deref(),
                        size: &r.size,
                        zone: r.zone.as_deref(),
                        reserved: r.reserved,
                        demand: JsonDemand {
                            min: r.demand.min,
                            max: r.demand.max,
                            complete: r.demand.complete,
                        },
                        state: r.state.as_str(),
                        unreserved_at_peak: r.unreserved_at_peak,
                        steady_state: r.steady_state.as_str(),
                        current: r.current.as_ref().map(|c| JsonCurrent {
                            allocated: c.allocated,
                            capacity: c.capacity,
                            state: c.state.as_str(),
                        }),
                        consumers: r
                            .consumers
                            .iter()
                            .map(|c| JsonConsumer {
                                file: &c.file,
                                pointer: &c.pointer,
                                resource_type: &c.resource_type,
                                name: &c.name,
                                min: c.min,
                                max: c.max,
                                sources: &c.sources,
                                parameters: c.parameters.as_deref(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
