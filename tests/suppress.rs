//! Suppressions end to end, every rule enabled: each `fixtures/suppress/*.json` (with its paired
//! parameter files) is linted on a fixed date and its human and JSON reports are snapshotted
//! beside it; then what each form covers, expiry on both sides of the date, the parameter sets a
//! suppression is used under, a control run with the suppressions disabled, and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use armlint::diagnostic::{Diagnostic, SuppressionKind};
use armlint::discover::{DiscoverOptions, discover};
use armlint::emit::{OutputFormat, RenderOptions, render};
use armlint::engine::{LintOptions, LintReport, lint_inputs};
use armlint::suppress::Date;

/// The date the snapshots are taken on: before every expiry date in the fixtures.
const TODAY: Date = Date {
    year: 2026,
    month: 6,
    day: 15,
};

fn dir() -> PathBuf {
    PathBuf::from("fixtures/suppress")
}

fn lint_with(path: &Path, today: Date, discover_opts: &DiscoverOptions) -> LintReport {
    let d = discover(&[path.to_path_buf()], discover_opts).expect("fixture found");
    assert_eq!(d.inputs.len(), 1, "{} is a template", path.display());
    let opts = LintOptions {
        today: Some(today),
        ..LintOptions::default()
    };
    lint_inputs(&d.inputs, d.skipped, &opts)
}

fn lint(name: &str, today: Date) -> LintReport {
    lint_with(&dir().join(name), today, &DiscoverOptions::default())
}

fn date(text: &str) -> Date {
    Date::parse(text).expect("a date")
}

/// (rule, resource name) of the reported findings of the suppressible rules.
fn reported(r: &LintReport) -> BTreeSet<(String, String)> {
    r.diagnostics
        .iter()
        .filter(|d| !d.name.ends_with("-suppression"))
        .map(key)
        .collect()
}

fn key(d: &Diagnostic) -> (String, String) {
    (
        d.rule.to_string(),
        d.resource
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
    )
}

/// (rule, resource name, kind) of the suppressed findings.
fn suppressed(r: &LintReport) -> BTreeSet<(String, String, SuppressionKind)> {
    r.suppressed
        .iter()
        .map(|s| {
            let (rule, name) = key(&s.diagnostic);
            (rule, name, s.by.kind)
        })
        .collect()
}

/// The IDs of the suppression rules' findings.
fn about_suppressions(r: &LintReport) -> Vec<&'static str> {
    r.diagnostics
        .iter()
        .filter(|d| d.name.ends_with("-suppression"))
        .map(|d| d.rule)
        .collect()
}

fn set<const N: usize>(items: [(&str, &str); N]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("fixtures/suppress")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".json") && !n.contains(".parameters")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn fixture_snapshots() {
    let files = fixtures();
    assert!(files.len() >= 7, "fixtures/suppress has too few fixtures");
    for f in files {
        let report = lint_with(&f, TODAY, &DiscoverOptions::default());
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
        let json = render(&report, OutputFormat::Json, &RenderOptions::default());
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let snapshot = format!(
            "# Input: {} (today {TODAY})\n\n# human\n{human}\n# json\n{json}",
            f.display()
        );
        insta::with_settings!({ snapshot_path => dir().canonicalize().expect("dir"), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

#[test]
fn each_form_suppresses_what_it_covers_and_nothing_else() {
    use SuppressionKind::{Comment, Metadata};
    let s = |rule: &str, name: &str, kind| (rule.to_string(), name.to_string(), kind);
    let cases: Vec<(&str, BTreeSet<_>, BTreeSet<_>)> = vec![
        // On the scale set; on a group, for its child reservation; an idle group stays reported.
        (
            "resource-metadata.json",
            [
                s("CRG011", "web", Metadata),
                s("CRG013", "crg-dr/d4", Metadata),
            ]
            .into(),
            set([("CRG013", "crg-idle/d4")]),
        ),
        // The whole file, for one rule only (named by its name): another rule still reports.
        (
            "top-level-metadata.json",
            [s("CRG011", "app-0", Metadata)].into(),
            set([("CRG003", "big")]),
        ),
        // Inside the nested template only: the same finding outside it stays.
        (
            "nested-template.json",
            [s("CRG003", "batch-1", Metadata)].into(),
            set([("CRG003", "outer-big")]),
        ),
        // On a nested deployment: the resources of its inline template.
        (
            "deployment-metadata.json",
            [s("CRG003", "batch-1", Metadata)].into(),
            set([("CRG003", "outside")]),
        ),
        // Bicep output: `metadata armlint = …` of the file and of a module.
        (
            "bicep-metadata.json",
            [
                s("CRG003", "app-0", Metadata),
                s("CRG003", "worker", Metadata),
            ]
            .into(),
            set([]),
        ),
        // Above a declaration and above a property (block comment); a string is not a comment.
        (
            "comments.json",
            [s("CRG003", "batch", Comment), s("CRG009", "web", Comment)].into(),
            set([("CRG003", "not-suppressed")]),
        ),
    ];
    for (fixture, want_suppressed, want_reported) in cases {
        let r = lint(fixture, TODAY);
        assert_eq!(suppressed(&r), want_suppressed, "{fixture}: suppressed");
        assert_eq!(reported(&r), want_reported, "{fixture}: reported");
        assert_eq!(about_suppressions(&r), Vec::<&str>::new(), "{fixture}");
    }
}

/// The module-level suppression is more specific than the file-level one, so it is the one named.
#[test]
fn the_most_specific_suppression_is_named() {
    let r = lint("bicep-metadata.json", TODAY);
    let app = r
        .suppressed
        .iter()
        .find(|s| key(&s.diagnostic).1 == "app-0")
        .expect("app-0 suppressed");
    assert!(
        app.by
            .location
            .pointer
            .contains("/properties/template/metadata/armlint"),
        "{}",
        app.by.location.pointer
    );
    assert_eq!(app.by.expires, None);
    let worker = r
        .suppressed
        .iter()
        .find(|s| key(&s.diagnostic).1 == "worker")
        .expect("worker suppressed");
    assert!(
        worker
            .by
            .location
            .pointer
            .starts_with("/metadata/armlint/suppress/")
    );
    assert_eq!(worker.by.expires, Some(date("2027-03-31")));
}

#[test]
fn a_suppression_applies_through_its_expiry_day_and_not_after() {
    for day in ["2026-06-15", "2027-03-31"] {
        let r = lint("expiry.json", date(day));
        assert_eq!(r.suppressed.len(), 2, "{day}");
        assert!(r.diagnostics.is_empty(), "{day}: {:?}", r.diagnostics);
    }
    let r = lint("expiry.json", date("2027-04-01"));
    assert!(r.suppressed.is_empty());
    // The findings come back, each with a note about its expired suppression.
    assert_eq!(
        reported(&r),
        set([("CRG003", "legacy"), ("CRG013", "crg/d2")])
    );
    assert_eq!(
        about_suppressions(&r),
        vec!["expired-suppression", "expired-suppression"]
    );
}

/// Each suppression accepts a finding under one parameter file only: both are used. Without the
/// parameter files neither finding exists, and both suppressions are unused.
#[test]
fn a_suppression_is_used_under_any_parameter_set() {
    let r = lint("parameter-sets.json", TODAY);
    assert_eq!(r.suppressed.len(), 2);
    let files: BTreeSet<Option<String>> = r
        .suppressed
        .iter()
        .map(|s| s.diagnostic.parameters.clone())
        .collect();
    assert_eq!(files.len(), 2, "one finding per parameter file: {files:?}");
    assert!(about_suppressions(&r).is_empty(), "{:?}", r.diagnostics);

    let defaults = lint_with(
        &dir().join("parameter-sets.json"),
        TODAY,
        &DiscoverOptions {
            no_parameter_files: true,
            ..DiscoverOptions::default()
        },
    );
    assert!(defaults.suppressed.is_empty());
    assert_eq!(
        about_suppressions(&defaults),
        vec!["unused-suppression", "unused-suppression"]
    );
}

#[test]
fn invalid_suppressions_suppress_nothing_and_unused_rules_are_named() {
    let r = lint("unused-and-invalid.json", TODAY);
    // `{"rule": "CRG003"}` has no reason and the comment above also-big has none either; the
    // string entry beside the first one is valid and used for CRG003 but not for CRG011.
    assert_eq!(reported(&r), set([("CRG003", "also-big")]));
    assert_eq!(
        suppressed(&r),
        [(
            "CRG003".to_string(),
            "big".to_string(),
            SuppressionKind::Metadata
        )]
        .into()
    );
    let notes: Vec<(&str, &str)> = r
        .diagnostics
        .iter()
        .filter(|d| d.name.ends_with("-suppression"))
        .map(|d| (d.rule, d.message.as_str()))
        .collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(notes.iter().any(|(rule, m)| *rule == "unused-suppression"
        && m.starts_with("CRG011 in this suppression matched no finding")));
    assert!(notes.iter().any(|(rule, m)| *rule == "unused-suppression"
        && m.contains("the suppression of CRG005 matched no finding")));
    assert_eq!(
        notes
            .iter()
            .filter(|(rule, _)| *rule == "invalid-suppression")
            .count(),
        2
    );
}

/// The suppression is what keeps each finding out: with the suppressions disabled (the metadata
/// key renamed, the comments' keyword changed) every suppressed finding is reported.
#[test]
fn without_the_suppressions_every_suppressed_finding_is_reported() {
    let tmp = std::env::temp_dir().join(format!("armlint-suppress-control-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut checked = 0;
    for f in fixtures() {
        let with = lint_with(&f, TODAY, &DiscoverOptions::default());
        if with.suppressed.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("fixture");
        let disabled = text
            .replace("\"armlint\"", "\"armlint-disabled\"")
            .replace("armlint-ignore", "armlint-ignored");
        let name = f.file_name().expect("name");
        let copy = tmp.join(name);
        std::fs::write(&copy, disabled).expect("write");
        // The parameter files pair with the copy too.
        for e in std::fs::read_dir(dir())
            .expect("dir")
            .filter_map(Result::ok)
        {
            let n = e.file_name().to_string_lossy().to_string();
            let stem = name.to_string_lossy().trim_end_matches(".json").to_string();
            if n.starts_with(&format!("{stem}.parameters")) {
                std::fs::copy(e.path(), tmp.join(&n)).expect("copy");
            }
        }
        let without = lint_with(&copy, TODAY, &DiscoverOptions::default());
        assert!(without.suppressed.is_empty());
        let now_reported = reported(&without);
        for s in &with.suppressed {
            assert!(
                now_reported.contains(&key(&s.diagnostic)),
                "{}: {:?} is not reported without its suppression",
                f.display(),
                key(&s.diagnostic)
            );
        }
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        checked >= 6,
        "too few fixtures with suppressed findings ({checked})"
    );
}

/// The JSON output lists a suppressed finding with where and why it was suppressed.
#[test]
fn json_shows_the_suppression_of_a_suppressed_finding() {
    let f = dir().join("resource-metadata.json");
    let text = std::fs::read_to_string(&f).expect("fixture");
    let r = lint("resource-metadata.json", TODAY);
    let v: serde_json::Value =
        serde_json::from_str(&render(&r, OutputFormat::Json, &RenderOptions::default()))
            .expect("json");
    let burst = v["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["rule"] == "CRG011"))
        .expect("CRG011 listed");
    // The entry `{ "rule": "CRG011", … }`: its line and column in the fixture.
    let entry = text.find("{ \"rule\": \"CRG011\"").expect("entry");
    let line = text[..entry].matches('\n').count() + 1;
    let column = entry - text[..entry].rfind('\n').map_or(0, |i| i + 1) + 1;
    assert_eq!(
        burst["suppressed"],
        serde_json::json!({
            "kind": "metadata",
            "reason": "burst covered by the DR group",
            "expires": "2027-03-31",
            "file": "fixtures/suppress/resource-metadata.json",
            "line": line,
            "column": column,
        })
    );
    let idle = v["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["resource"]["name"] == "crg-idle/d4"))
        .expect("idle reservation listed");
    assert_eq!(idle["suppressed"], serde_json::Value::Null);
    assert_eq!(v["summary"]["suppressed"], 2);
    assert_eq!(v["summary"]["notes"], 1);
    assert_eq!(v["summary"]["warnings"], 0);
    // The text formats leave the suppressed findings out.
    let compact = render(&r, OutputFormat::Compact, &RenderOptions::default());
    assert_eq!(compact.lines().count(), 1, "{compact}");
    assert!(compact.contains("note[CRG013]"), "{compact}");
}

mod cli {
    use assert_cmd::Command;

    fn armlint() -> Command {
        let mut c = Command::cargo_bin("armlint").expect("binary built");
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    }

    const ONLY_SUPPRESSED: &str = "fixtures/suppress/bicep-metadata.json";

    #[test]
    fn suppressed_findings_do_not_fail_the_run() {
        // Two suppressed errors and nothing else: exit 0 even with --fail-on note.
        armlint()
            .args([
                "lint",
                ONLY_SUPPRESSED,
                "--today",
                "2026-06-15",
                "--fail-on",
                "note",
            ])
            .assert()
            .code(0);
        // After the file-level suppression expires, the worker's error fails the run.
        armlint()
            .args(["lint", ONLY_SUPPRESSED, "--today", "2027-04-01"])
            .assert()
            .code(1);
        // A note about an unused suppression fails only with --fail-on note.
        let unused = "fixtures/suppress/parameter-sets.json";
        let args = [
            "lint",
            unused,
            "--no-parameter-files",
            "--today",
            "2026-06-15",
        ];
        armlint().args(args).assert().code(0);
        armlint()
            .args(args)
            .args(["--fail-on", "note"])
            .assert()
            .code(1);
        // An invalid date for --today is a usage error.
        armlint()
            .args(["lint", ONLY_SUPPRESSED, "--today", "2027-02-30"])
            .assert()
            .code(2);
    }

    #[test]
    fn human_output_counts_what_it_hides() {
        let out = armlint()
            .args([
                "lint",
                ONLY_SUPPRESSED,
                "--today",
                "2026-06-15",
                "--color",
                "never",
            ])
            .output()
            .expect("runs");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(!text.contains("CRG003"), "{text}");
        assert!(
            text.ends_with("✓ no findings in 1 template (1 file read, 0 skipped; 2 suppressed)\n"),
            "{text}"
        );
    }
}
