//! Rule fixtures: for every `fixtures/rules/<rule-name>/{valid,invalid}*.{json,bicep}`, run that rule alone
//! (with the template's paired parameter files) and snapshot the human report beside the fixture
//! (`<file>.snap`; the machine formats are snapshotted once, in tests/formats.rs). A `valid*` fixture must give no finding of the rule, an `invalid*`
//! fixture at least one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::path::{Path, PathBuf};

use armlint::discover::{DiscoverOptions, discover};
use armlint::emit::{OutputFormat, RenderOptions, render};
use armlint::engine::{LintOptions, lint_inputs};
use armlint::rules::Selection;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

/// Run one rule on one fixture, from the crate root so reported paths are repository-relative.
fn run(rule: &str, fixture: &Path) -> (usize, String) {
    let rel = fixture
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("inside the crate")
        .to_path_buf();
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(
        cwd,
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "tests run from the crate root"
    );
    let d =
        discover(std::slice::from_ref(&rel), &DiscoverOptions::default()).expect("fixture found");
    assert_eq!(d.inputs.len(), 1, "{} is a template", rel.display());
    let opts = LintOptions {
        selection: Selection {
            select: vec![rule.to_string()],
            ignore: vec![],
        },
        ..Default::default()
    };
    let report = lint_inputs(&d.inputs, d.skipped, &opts);
    let count = report.diagnostics.iter().filter(|d| d.name == rule).count();
    // Every pointer names a node of its file (RFC 6901), and the primary span is that node's.
    for diag in &report.diagnostics {
        let locations =
            std::iter::once(&diag.location).chain(diag.related.iter().map(|r| &r.location));
        for loc in locations {
            // Bicep positions have no pointer into the .bicep (theirs are the lowered JSON's).
            if diag.rule == "parse-error" || loc.file.path.extension().is_some_and(|x| x != "json")
            {
                continue;
            }
            let root = armlint::source::json::parse(&loc.file.text).expect("the file parses");
            assert!(
                armlint::source::json::lookup_pointer(&root, &loc.pointer).is_some(),
                "{}: pointer {} of {} is not in {}",
                rel.display(),
                loc.pointer,
                diag.rule,
                loc.file.display_path()
            );
        }
    }
    let human = render(
        &report,
        OutputFormat::Human,
        &RenderOptions {
            color: false,
            width: 100,
            statistics: false,
            ..RenderOptions::default()
        },
    );
    (count, format!("# Input: {}\n\n{human}", rel.display()))
}

#[test]
fn rule_fixtures() {
    let mut checked = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_root())
        .expect("fixtures/rules")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("rule dir name")
            .to_string();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("rule dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                (n.ends_with(".json") && !n.contains(".parameters")) || n.ends_with(".bicep")
            })
            .collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .expect("file name")
                .to_string();
            let (count, snapshot) = run(&rule, &f);
            if name.starts_with("valid") {
                assert_eq!(
                    count, 0,
                    "{rule}/{name} must give no {rule} finding:\n{snapshot}"
                );
            } else if name.starts_with("invalid") {
                assert!(
                    count >= 1,
                    "{rule}/{name} must give a {rule} finding:\n{snapshot}"
                );
            } else {
                panic!("fixture {rule}/{name} must start with valid or invalid");
            }
            insta::with_settings!({ snapshot_path => dir.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(name.clone(), snapshot);
            });
            checked += 1;
        }
    }
    assert!(checked > 0, "no rule fixtures found");
}

/// The rules (IDs) that report on a fixture when every rule runs.
fn rules_reporting(fixture: &str) -> Vec<&'static str> {
    let d = discover(&[PathBuf::from(fixture)], &DiscoverOptions::default()).expect("fixture");
    let report = lint_inputs(&d.inputs, d.skipped, &LintOptions::default());
    let mut ids: Vec<&'static str> = report.diagnostics.iter().map(|d| d.rule).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// One finding per root cause: with every rule on, the rule a fixture is about reports and the
/// rules that would describe a consequence of the same mistake stay silent.
#[test]
fn one_root_cause_one_rule() {
    let cases: &[(&str, &str, &[&str])] = &[
        // A size the group does not reserve: not also a zone mismatch or an unused reservation.
        (
            "size-not-reserved/invalid.json",
            "CRG003",
            &["CRG005", "CRG013"],
        ),
        (
            "zone-mismatch/valid-size-not-reserved.json",
            "CRG003",
            &["CRG005"],
        ),
        // A member VM without the group: not also "matches a reservation but names no group",
        // nor idle reserved capacity.
        (
            "flex-vm-missing-crg/invalid.json",
            "CRG001",
            &["CRG013", "CRG014"],
        ),
        // Uneven zones: not also overallocated zones or idle reservations.
        (
            "uneven-zone-reservation/invalid.json",
            "CRG012",
            &["CRG011", "CRG013"],
        ),
        (
            "uneven-zone-reservation/invalid-bicep-lambda-zones.json",
            "CRG012",
            &["CRG011"],
        ),
        // An invalid group ID may have meant the group: its reservation is not "unused".
        ("invalid-crg-reference/invalid.json", "CRG015", &["CRG013"]),
        // A consumer in another region consumes nothing: no overallocation from it.
        (
            "location-mismatch/invalid-consumers-bicep.json",
            "CRG004",
            &["CRG011", "CRG013"],
        ),
        // An unassociated match is CRG014's, not an unused reservation.
        (
            "over-reserved/valid-unassociated.json",
            "CRG014",
            &["CRG013"],
        ),
        // A VM cannot join a Uniform set at all: VMSS001 alone.
        (
            "member-placement/valid-uniform.json",
            "VMSS001",
            &["VMSS002", "VMSS003", "CRG001"],
        ),
        (
            "member-zone-mismatch/valid-uniform.json",
            "VMSS001",
            &["VMSS002", "VMSS003"],
        ),
        // Before languageVersion 2.0 a function calling another is an invalid template; the
        // value it cannot have is not also a failing expression, a recursion included.
        (
            "invalid-template/invalid-function-calls-function.json",
            "invalid-template",
            &["expression-fails", "evaluation-limit"],
        ),
        (
            "invalid-template/invalid-recursive-function-before-v2.json",
            "invalid-template",
            &["expression-fails", "evaluation-limit"],
        ),
        (
            "expression-fails/invalid-recursive-function.json",
            "expression-fails",
            &["invalid-template"],
        ),
    ];
    for (fixture, expected, silent) in cases {
        let path = format!("fixtures/rules/{fixture}");
        let ids = rules_reporting(&path);
        assert!(
            ids.contains(expected),
            "{fixture}: {expected} must report, got {ids:?}"
        );
        for s in *silent {
            assert!(
                !ids.contains(s),
                "{fixture}: {s} must stay silent, got {ids:?}"
            );
        }
    }
}
