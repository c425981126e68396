//! `armlint capacity`: the plan of the templates in `fixtures/capacity/` (one per projected state,
//! and an incomplete one), asserted and snapshotted in the three formats beside each fixture.

use std::path::{Path, PathBuf};

use armlint::capacity::plan::{CapacityPlan, PlanState, ReservationPlan};
use armlint::discover::{DiscoverOptions, discover};
use armlint::emit::{capacity_json, capacity_markdown, capacity_table};
use armlint::engine::{LintOptions, capacity_plan};

fn plan_of(fixture: &str) -> CapacityPlan {
    let path = PathBuf::from("fixtures/capacity").join(fixture);
    let d = discover(&[path], &DiscoverOptions::default()).expect("fixture");
    let (plan, problems) = capacity_plan(&d.inputs, &LintOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    plan
}

fn reservation<'p>(plan: &'p CapacityPlan, name: &str) -> &'p ReservationPlan {
    plan.groups
        .iter()
        .flat_map(|g| &g.reservations)
        .find(|r| r.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no reservation {name}"))
}

fn snapshot(fixture: &str, plan: &CapacityPlan) {
    let text = format!(
        "# table\n{}\n# markdown\n{}\n# json\n{}",
        capacity_table::render(plan, false),
        capacity_markdown::render(plan),
        capacity_json::render(plan)
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/capacity");
    insta::with_settings!({ snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(fixture.to_string(), text);
    });
}

#[test]
fn reserved_capacity_available() {
    let plan = plan_of("available.json");
    let r = reservation(&plan, "crg/d2");
    assert_eq!(r.reserved, Some(4));
    assert_eq!(
        (r.demand.min, r.demand.max, r.demand.complete),
        (2, 3, true)
    );
    assert_eq!(r.state, PlanState::Available);
    assert_eq!(r.unreserved_at_peak, 0);
    assert!(plan.groups.iter().all(|g| g.complete));
    snapshot("available.json", &plan);
}

#[test]
fn reservation_consumed() {
    let plan = plan_of("consumed.json");
    let r = reservation(&plan, "crg/d2");
    assert_eq!((r.demand.min, r.demand.max), (3, 3));
    assert_eq!(r.state, PlanState::Consumed);
    // The three copies of one VM loop are one consumer.
    assert_eq!(r.consumers.len(), 1);
    assert_eq!((r.consumers[0].min, r.consumers[0].max), (3, 3));
    snapshot("consumed.json", &plan);
}

#[test]
fn reservation_overallocated_at_peak() {
    let plan = plan_of("overallocated.json");
    let web = reservation(&plan, "crg/d2");
    assert_eq!((web.demand.min, web.demand.max), (4, 10));
    assert_eq!(web.state, PlanState::Overallocated);
    assert_eq!(web.steady_state, PlanState::Consumed);
    assert_eq!(web.unreserved_at_peak, 6);
    // A zone-spanning set puts 3 in each zone; the parameter file makes the batch loop 2 VMs.
    let z1 = reservation(&plan, "crg2z/d4-z1");
    let z2 = reservation(&plan, "crg2z/d4-z2");
    assert_eq!((z1.demand.max, z1.state), (3, PlanState::Consumed));
    assert_eq!((z2.demand.max, z2.state), (5, PlanState::Overallocated));
    assert!(z2.consumers.iter().all(
        |c| c.parameters.as_deref() == Some("fixtures/capacity/overallocated.parameters.json")
    ));
    snapshot("overallocated.json", &plan);
}

#[test]
fn unknown_values_leave_the_plan_incomplete() {
    let plan = plan_of("incomplete.json");
    let r = reservation(&plan, "crg/d2");
    assert!(!r.demand.complete);
    // Never "available" on a lower bound.
    assert_eq!(r.state, PlanState::Unknown);
    // A group only referenced: its reservations are not known.
    let shared = plan
        .groups
        .iter()
        .find(|g| g.name == "shared")
        .expect("the referenced group is in the plan");
    assert!(!shared.declared && !shared.complete);
    assert_eq!(shared.reservations[0].reserved, None);
    snapshot("incomplete.json", &plan);
}
