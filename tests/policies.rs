//! Declarative rules (YAML under `rules/`, users' `--rules-dir`): every operator on a fixture
//! template, the rule tests of the built-in and fixture rules, a failing rule test, every kind of
//! bad rule file, and the commands that list and explain rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::path::{Path, PathBuf};

use armlint::discover::{DiscoverOptions, discover};
use armlint::emit::{OutputFormat, RenderOptions, render};
use armlint::engine::rule_tests;
use armlint::engine::{LintOptions, lint_inputs};
use armlint::rules::declarative::load_dirs;
use armlint::rules::{self, ExtraRules, Selection};
use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn armlint() -> Command {
    Command::cargo_bin("armlint").expect("binary")
}

fn snapshot(dir: &str, name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => root().join(dir), prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name.to_string(), text);
    });
}

fn user_rules(dir: &str) -> ExtraRules {
    let (loaded, errors) = load_dirs(&[PathBuf::from(dir)], rules::all());
    assert!(errors.is_empty(), "{errors:?}");
    ExtraRules(loaded)
}

/// Each operator fires where the fixture's widget names say, and an unknown value keeps each
/// one silent (`owner-unknown`, `properties-unknown`, `tier-unknown`, `size-unknown`,
/// `disks-unknown`, `public-firewall-unknown` appear only where a known value decides).
#[test]
fn operators_on_the_fixture_template() {
    let extra = user_rules("fixtures/policies/operators");
    let ids: Vec<String> = extra.0.iter().map(|r| r.meta().id.to_string()).collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    let template = PathBuf::from("fixtures/policies/operators/template.json");
    let d = discover(&[template], &DiscoverOptions::default()).expect("fixture");
    let opts = LintOptions {
        selection: Selection {
            select: ids,
            ignore: Vec::new(),
        },
        extra_rules: extra,
        ..LintOptions::default()
    };
    let report = lint_inputs(&d.inputs, d.skipped, &opts);
    let fired = |rule: &str, name: &str| {
        report
            .diagnostics
            .iter()
            .any(|d| d.rule == rule && d.resource.as_ref().is_some_and(|r| r.name == name))
    };
    // Spot checks of the three values: true, false, unknown.
    assert!(fired("TST001", "owned"));
    assert!(!fired("TST001", "owner-null") && fired("TST002", "owner-null"));
    assert!(!fired("TST001", "owner-unknown") && !fired("TST002", "owner-unknown"));
    assert!(fired("TST003", "Premium-exact") && fired("TST003", "owned"));
    assert!(!fired("TST003", "tier-unknown"));
    assert!(fired("TST006", "size-as-string") && !fired("TST006", "size-unknown"));
    assert!(fired("TST007", "disks-copy") && !fired("TST007", "disks-unknown"));
    assert!(fired("TST008", "public-open") && fired("TST008", "public-star"));
    assert!(!fired("TST008", "public-exempt") && !fired("TST008", "public-firewall-unknown"));
    assert!(!fired("TST008", "public-closed"));
    assert!(
        !report.diagnostics.iter().any(|d| d
            .resource
            .as_ref()
            .is_some_and(|r| r.name == "properties-unknown")),
        "an unknown `properties` decides nothing"
    );
    let compact = render(&report, OutputFormat::Compact, &RenderOptions::default());
    let json = render(&report, OutputFormat::Json, &RenderOptions::default());
    snapshot(
        "fixtures/policies/operators",
        "template.json",
        &format!("# compact\n{compact}\n# json\n{json}"),
    );
}

#[test]
fn rule_tests_of_the_built_in_and_fixture_rules_pass() {
    for (dir, at_least) in [("rules", 15), ("fixtures/policies/operators", 23)] {
        let extra = user_rules(dir);
        let all = extra.with_builtin();
        let opts = LintOptions {
            extra_rules: extra,
            ..LintOptions::default()
        };
        let run = rule_tests::run_dir(Path::new(dir), &all, &opts);
        assert!(run.errors.is_empty(), "{dir}: {:?}", run.errors);
        let failed: Vec<_> = run.results.iter().filter(|r| !r.passed()).collect();
        assert!(failed.is_empty(), "{dir}: {failed:#?}");
        assert!(
            run.results.len() >= at_least,
            "{dir}: {}",
            run.results.len()
        );
    }
}

use support::TempDir;

#[test]
fn test_rules_reports_like_a_test_runner() {
    let dir = TempDir::new("test-rules");
    std::fs::write(
        dir.0.join("tagged.yaml"),
        "id: ORG001\nname: env-tag\nseverity: warning\nsummary: a resource has no env tag\nchecks:\n  - when: {path: $.tags.env, absent: true}\n    message: \"'{resource.name}' has no env tag\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.0.join("tagged.tests.yaml"),
        "rule: env-tag\ncases:\n  - name: untagged\n    resources: [{type: Microsoft.Storage/storageAccounts, apiVersion: '2023-01-01', name: st}]\n    expect: FAIL\n  - name: wrongly expected\n    resources: [{type: Microsoft.Storage/storageAccounts, apiVersion: '2023-01-01', name: st}]\n    expect: PASS\n",
    )
    .expect("write");
    let out = armlint()
        .arg("test-rules")
        .arg(&dir.0)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  wrongly expected: expected ORG001 to PASS, it reported a finding"),
        "{stdout}"
    );
    assert!(stdout.contains("'st' has no env tag"), "{stdout}");
    assert!(
        stdout.ends_with("2 test(s): 1 passed, 1 failed\n"),
        "{stdout}"
    );
    // Fixed, the run passes.
    std::fs::write(
        dir.0.join("tagged.tests.yaml"),
        "rule: env-tag\ncases:\n  - name: tagged\n    resources: [{type: Microsoft.Storage/storageAccounts, apiVersion: '2023-01-01', name: st, tags: {env: prod}}]\n    expect: PASS\n",
    )
    .expect("write");
    let out = armlint()
        .arg("test-rules")
        .arg(&dir.0)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    // A broken test file is exit 2 with its position.
    std::fs::write(
        dir.0.join("broken.tests.yaml"),
        "cases:\n  - name: x\n    expct: PASS\n",
    )
    .expect("write");
    let out = armlint()
        .arg("test-rules")
        .arg(&dir.0)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.tests.yaml:3:5: cases[0]: unknown field `expct`"),
        "{stderr}"
    );
}

/// Every file under `fixtures/policies/bad/` is broken in one way: it gives exactly one error,
/// with a line and column, and the messages are snapshotted together.
#[test]
fn bad_rule_files_each_give_one_error_with_its_position() {
    let dir = root().join("fixtures/policies/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/policies/bad")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{}", files.len());
    let mut text = String::new();
    for f in &files {
        let rel = f.strip_prefix(root()).expect("inside").to_path_buf();
        let (loaded, errors) = load_dirs(std::slice::from_ref(&rel), rules::all());
        assert!(loaded.is_empty(), "{} loaded", rel.display());
        assert_eq!(errors.len(), 1, "{}: {errors:?}", rel.display());
        assert!(errors[0].line > 0, "{}", errors[0]);
        assert!(!errors[0].message.contains('\n'), "{}", errors[0]);
        text.push_str(&format!("{}\n", errors[0]));
    }
    snapshot("fixtures/policies", "bad", &text);
}

#[test]
fn a_broken_user_rule_does_not_silence_the_built_in_ones() {
    let out = armlint()
        .args([
            "lint",
            "--format",
            "compact",
            "fixtures/rules/flex-vm-missing-crg/invalid.json",
            "--rules-dir",
            "fixtures/policies/bad",
            "--rules-dir",
            "fixtures/policies/operators",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("error[CRG001]"), "{stdout}");
    assert!(
        stderr.contains("fixtures/policies/bad/invalid-regex.yaml:7:36:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("15 rule file problem(s); the other rules ran"),
        "{stderr}"
    );
}

#[test]
fn rules_and_explain_cover_yaml_rules() {
    let out = armlint()
        .args([
            "rules",
            "--format",
            "json",
            "--rules-dir",
            "fixtures/policies/operators",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let find = |id: &str| {
        list.as_array()
            .and_then(|a| a.iter().find(|r| r["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(find("CRG020")["source"], "builtin");
    assert_eq!(
        find("CRG020")["definedIn"],
        "rules/capacity/opt-out-conflict.yaml"
    );
    assert_eq!(
        find("TST001")["source"],
        "fixtures/policies/operators/exists.yaml"
    );
    let out = armlint()
        .args(["explain", "opt-out-conflict"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# CRG020 opt-out-conflict"), "{text}");
    assert!(text.contains("## Why is this bad?"), "{text}");
    let out = armlint()
        .args([
            "explain",
            "TST001",
            "--rules-dir",
            "fixtures/policies/operators",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("a widget names its owner"));
}

/// A suppression may name a user's rule, like a built-in one.
#[test]
fn users_rules_can_be_suppressed() {
    let dir = TempDir::new("suppress-user-rule");
    let template = dir.0.join("main.json");
    std::fs::write(
        &template,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {"type": "Example.Widgets/widgets", "apiVersion": "2025-01-01", "name": "w1", "properties": {},
     "metadata": {"armlint": {"suppress": [{"rule": "owner-missing", "reason": "owned by the platform team"}]}}},
    {"type": "Example.Widgets/widgets", "apiVersion": "2025-01-01", "name": "w2", "properties": {}}
  ]}"#,
    )
    .expect("write");
    let d = discover(&[template], &DiscoverOptions::default()).expect("found");
    let opts = LintOptions {
        extra_rules: user_rules("fixtures/policies/operators"),
        selection: Selection {
            select: vec![
                "TST002".into(),
                "invalid-suppression".into(),
                "unused-suppression".into(),
            ],
            ignore: Vec::new(),
        },
        ..LintOptions::default()
    };
    let report = lint_inputs(&d.inputs, d.skipped, &opts);
    let reported: Vec<(&str, &str)> = report
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.resource.as_ref().map_or("", |r| r.name.as_str())))
        .collect();
    assert_eq!(
        reported,
        vec![("TST002", "w2")],
        "{:#?}",
        report.diagnostics
    );
    assert_eq!(report.suppressed.len(), 1);
    assert_eq!(report.suppressed[0].diagnostic.rule, "TST002");
}
