//! `armlint capacity`: the plan of the templates in `fixtures/capacity/` (one per projected state,
//! and an incomplete one), asserted and snapshotted in the three formats beside each fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

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

fn plan_with_views(templates: &[&str], views: &[&str]) -> CapacityPlan {
    let dir = PathBuf::from("fixtures/capacity/instance-views");
    let paths: Vec<PathBuf> = templates.iter().map(|t| dir.join(t)).collect();
    let mut plan = if paths.is_empty() {
        CapacityPlan::default()
    } else {
        let d = discover(&paths, &DiscoverOptions::default()).expect("fixture");
        capacity_plan(&d.inputs, &LintOptions::default()).0
    };
    let views: Vec<_> = views
        .iter()
        .map(|v| {
            let path = dir.join(v);
            let text = std::fs::read_to_string(&path).expect("view");
            armlint::capacity::instance_view::parse(&path.display().to_string(), &text)
                .expect("a valid view")
        })
        .collect();
    armlint::capacity::plan::apply_views(&mut plan, &views).expect("views that fit the templates");
    plan
}

/// The article's two instance views, with the template of its capacity-1 reservation and myVM1:
/// one VM allocated is "consumed", a second one "overallocated"; myVM1 counts once.
#[test]
fn article_instance_views_consumed_then_overallocated() {
    let one = plan_with_views(&["template.json"], &["article-one-vm.json"]);
    let r = reservation(&one, "myCapacityReservationGroup/myCapacityReservation");
    assert_eq!(r.reserved, Some(1));
    let now = r.current.as_ref().expect("current state");
    assert_eq!((now.allocated, now.state), (1, PlanState::Consumed));
    assert_eq!(
        (r.demand.max, r.state),
        (1, PlanState::Consumed),
        "myVM1 counts once"
    );
    snapshot("instance-views/article-one-vm.json", &one);

    let two = plan_with_views(&["template.json"], &["article-two-vms.json"]);
    let r = reservation(&two, "myCapacityReservationGroup/myCapacityReservation");
    let now = r.current.as_ref().expect("current state");
    assert_eq!((now.allocated, now.state), (2, PlanState::Overallocated));
    assert_eq!(
        (r.demand.max, r.state, r.unreserved_at_peak),
        (2, PlanState::Overallocated, 1)
    );
    assert!(r.consumers.iter().any(|c| c.name == "myVM2"));
    snapshot("instance-views/article-two-vms.json", &two);
}

/// The article's view alone has no capacities: the group is in the plan, its states unknown.
#[test]
fn a_view_without_capacities_is_not_complete() {
    let plan = plan_with_views(&[], &["article-one-vm.json"]);
    let g = plan.groups.first().expect("the group of the view");
    assert!(!g.declared && !g.complete);
    let r = g.reservations.first().expect("its reservation");
    assert_eq!(r.reserved, None);
    assert_eq!(
        r.current.as_ref().map(|c| c.state),
        Some(PlanState::Unknown)
    );
}

/// A group the template only references is complete when a view gives its reservations: the
/// template's two VMs and the three allocated now exceed the four reserved.
#[test]
fn a_view_completes_a_referenced_group() {
    let plan = plan_with_views(&["adds-to-live.json"], &["live-with-sku.json"]);
    let g = plan
        .groups
        .iter()
        .find(|g| g.name == "crg-live")
        .expect("crg-live");
    assert!(g.complete);
    let r = reservation(&plan, "crg-live/d4");
    assert_eq!(r.reserved, Some(4));
    assert_eq!(
        (r.demand.max, r.state, r.unreserved_at_peak),
        (5, PlanState::Overallocated, 1)
    );
    assert_eq!(
        r.current.as_ref().map(|c| (c.allocated, c.state)),
        Some((3, PlanState::Available))
    );
    snapshot("instance-views/live-with-sku.json", &plan);
}

/// `lint --instance-view`: the capacity rules know a referenced group from its view.
fn lint_rules_with_view(template: &str, view: Option<&str>) -> Vec<(String, String)> {
    let dir = PathBuf::from("fixtures/capacity/instance-views");
    let d = discover(&[dir.join(template)], &DiscoverOptions::default()).expect("fixture");
    let instance_views = view
        .map(|v| {
            let path = dir.join(v);
            let text = std::fs::read_to_string(&path).expect("view");
            vec![
                armlint::capacity::instance_view::parse(&path.display().to_string(), &text)
                    .expect("a valid view"),
            ]
        })
        .unwrap_or_default();
    let opts = LintOptions {
        instance_views,
        ..LintOptions::default()
    };
    armlint::engine::lint_inputs(&d.inputs, d.skipped, &opts)
        .diagnostics
        .iter()
        .map(|d| (d.rule.to_string(), d.message.clone()))
        .collect()
}

#[test]
fn lint_uses_instance_views_for_referenced_groups() {
    // CRG011: two new VMs and the three allocated now on four reserved.
    assert!(lint_rules_with_view("adds-to-live.json", None).is_empty());
    let with = lint_rules_with_view("adds-to-live.json", Some("live-with-sku.json"));
    assert!(
        with.iter().any(|(r, m)| r == "CRG011"
            && m.contains("3 VMs allocated now")
            && m.contains("1 instance would run without capacity SLA")),
        "{with:?}"
    );
    // CRG003: a size the view's group does not reserve.
    assert!(lint_rules_with_view("size-not-in-live.json", None).is_empty());
    let with = lint_rules_with_view("size-not-in-live.json", Some("live-with-sku.json"));
    assert!(
        with.iter()
            .any(|(r, m)| r == "CRG003" && m.contains("reserves only Standard_D4s_v5")),
        "{with:?}"
    );
    // CRG013: ten reserved, one allocated now and one more from the template.
    assert!(lint_rules_with_view("one-vm-on-live.json", None).is_empty());
    let with = lint_rules_with_view("one-vm-on-live.json", Some("live-ten-reserved.json"));
    assert!(
        with.iter()
            .any(|(r, m)| r == "CRG013" && m.contains("8 reserved instances")),
        "{with:?}"
    );
    // The same view, fewer reserved than used: no over-reservation note.
    let with = lint_rules_with_view("one-vm-on-live.json", Some("live-with-sku.json"));
    assert!(with.iter().all(|(r, _)| r != "CRG013"), "{with:?}");
}

/// Two templates that both declare `crg/d2` (capacity 4 and 3) describe one reservation: its
/// quantity is not added up, while their consumers' demand is.
#[test]
fn a_reservation_two_templates_declare_counts_once() {
    let paths: Vec<PathBuf> = ["available.json", "consumed.json"]
        .iter()
        .map(|f| PathBuf::from("fixtures/capacity").join(f))
        .collect();
    let d = discover(&paths, &DiscoverOptions::default()).expect("fixtures");
    let (plan, problems) = capacity_plan(&d.inputs, &LintOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    let alone = |f: &str| reservation(&plan_of(f), "crg/d2").clone();
    let (available, consumed) = (alone("available.json"), alone("consumed.json"));
    let both = reservation(&plan, "crg/d2");
    assert_eq!(
        both.reserved,
        available.reserved.max(consumed.reserved),
        "{both:?}"
    );
    assert_eq!(both.demand.min, available.demand.min + consumed.demand.min);
    assert_eq!(both.demand.max, available.demand.max + consumed.demand.max);
}
