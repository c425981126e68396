//! The CI formats through the command line: SARIF validated against the official 2.1.0 schema
//! (`tests/schemas/sarif-schema-2.1.0.json`), and a snapshot
//! of every format (`sarif`, `github`, `azure`, `junit`) on a fixture with related locations and
//! on one with suppressed findings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// stdout and exit code of `armlint lint --format FORMAT PATHS` on a fixed date.
fn lint(format: &str, paths: &[&str]) -> (String, i32) {
    let out = Command::cargo_bin("armlint")
        .expect("binary")
        .args(["lint", "--format", format, "--today", "2026-06-01"])
        .args(paths)
        .output()
        .expect("runs");
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        out.status.code().unwrap_or(-1),
    )
}

const RELATED: &str = "fixtures/rules/flex-vm-missing-crg/invalid.json";
const SUPPRESSED: &str = "fixtures/suppress/resource-metadata.json";

#[test]
fn sarif_validates_against_the_official_schema() {
    // The OASIS SARIF TC's published schema (2.1.0 with errata 01, from oasis-tcs/sarif-spec
    // `sarif-2.1/schema/sarif-schema-2.1.0.json`), kept in the repository so this test always runs.
    let schema_text = std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json"))
        .expect("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&schema_text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    // The validator does reject what the schema forbids.
    let broken =
        serde_json::json!({"version": "2.1.0", "runs": [{"results": [{"level": "fatal"}]}]});
    assert!(validator.iter_errors(&broken).count() > 0);
    let cases: &[&[&str]] = &[
        &[RELATED],
        &[SUPPRESSED],
        &["fixtures/rules/parse-error/invalid.json"],
        &["fixtures/rules/flex-vm-missing-crg/valid.json"],
        &["fixtures"],
    ];
    for paths in cases {
        let (out, _) = lint("sarif", paths);
        let log: Value = serde_json::from_str(&out).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{paths:?}:\n{}", errors.join("\n"));
        assert_eq!(log["version"], "2.1.0");
    }
    // The whole fixture tree: every result's rule is described, with a link where the docs have one.
    let (out, _) = lint("sarif", &["fixtures"]);
    let log: Value = serde_json::from_str(&out).expect("json");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for r in run["results"].as_array().expect("results") {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    assert!(rules.iter().any(|r| {
        r["id"] == "CRG001"
            && r["helpUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
    }));
}

#[test]
fn sarif_marks_suppressed_results_and_keeps_baseline_fingerprints() {
    let (out, code) = lint("sarif", &[SUPPRESSED]);
    let log: Value = serde_json::from_str(&out).expect("json");
    let results = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .clone();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert!(!suppressed.is_empty());
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(
        suppressed[0]["suppressions"][0]["justification"]
            .as_str()
            .is_some_and(|j| !j.is_empty())
    );
    // The exit code ignores what is suppressed, as with every format.
    let (_, human_code) = lint("human", &[SUPPRESSED]);
    assert_eq!(code, human_code);
    // Fingerprints are the baseline's.
    let dir = std::env::temp_dir().join(format!("armlint-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let baseline = dir.join("baseline.json");
    let out = Command::cargo_bin("armlint")
        .expect("binary")
        .args(["lint", RELATED, "--write-baseline"])
        .arg(&baseline)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("json");
    let (sarif, _) = lint("sarif", &[RELATED]);
    let log: Value = serde_json::from_str(&sarif).expect("json");
    for r in log["runs"][0]["results"].as_array().expect("results") {
        let fp = &r["partialFingerprints"]["armlintFingerprint/v1"];
        assert!(
            recorded["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| &f["fingerprint"] == fp),
            "{fp} not in the baseline"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_ci_format_is_snapshotted() {
    // The rule fixtures' snapshots hold the human rendering only; the machine formats are
    // snapshotted here, once, so a change of a format rewrites one file, not every rule's.
    for format in ["json", "compact", "sarif", "github", "azure", "junit"] {
        let mut text = String::new();
        for path in [RELATED, SUPPRESSED] {
            let (out, code) = lint(format, &[path]);
            text.push_str(&format!("## {path} (exit {code})\n{out}\n"));
        }
        insta::with_settings!({ snapshot_path => root().join("fixtures/formats"), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format.to_string(), text);
        });
    }
}

#[test]
fn github_and_azure_lines_carry_file_line_and_column() {
    let (compact, _) = lint("compact", &[RELATED]);
    let first = compact.lines().next().expect("a finding");
    // `file:line:col: ...`
    let mut parts = first.splitn(4, ':');
    let (file, line, col) = (
        parts.next().expect("file"),
        parts.next().expect("line"),
        parts.next().expect("col"),
    );
    let (github, _) = lint("github", &[RELATED]);
    assert!(
        github
            .lines()
            .any(|l| l.starts_with(&format!("::error file={file},line={line},col={col},"))),
        "{github}"
    );
    let (azure, _) = lint("azure", &[RELATED]);
    assert!(
        azure.lines().any(|l| l.starts_with(&format!(
            "##vso[task.logissue type=error;sourcepath={file};linenumber={line};columnnumber={col};code="
        ))),
        "{azure}"
    );
    let (junit, _) = lint("junit", &[RELATED]);
    assert!(
        junit.contains(&format!("<testsuite name=\"{file}\"")),
        "{junit}"
    );
}
