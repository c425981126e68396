//! Meta-tests that keep rules, fixtures, documentation and README in step:
//! - every rule has valid and invalid fixtures, and every fixture folder belongs to a rule;
//! - every rule's documentation has the required sections, and its examples run as tests
//!   (a `json,expect_diagnostic` block must produce the rule's finding, a `json` block under
//!   "Use instead" must not; `parameters` marks a parameter-file example; `bicep` blocks are
//!   `.bicep` files);
//! - the README rule table is the one generated from the registry
//!   (`UPDATE_DOCS=1 cargo test --test docs` rewrites it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::path::{Path, PathBuf};

use armlint::discover::{DiscoverOptions, discover};
use armlint::engine::{LintOptions, lint_inputs};
use armlint::rules::{self, Selection};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_a_rule() {
    let dir = root().join("fixtures/rules");
    for r in rules::all() {
        let m = r.meta();
        let rd = dir.join(m.name);
        let names: Vec<String> = std::fs::read_dir(&rd)
            .unwrap_or_else(|_| {
                panic!(
                    "rule {} has no fixture folder fixtures/rules/{}",
                    m.id, m.name
                )
            })
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        // A template fixture is JSON, or Bicep for what only Bicep can express.
        let is_template =
            |n: &str| (n.ends_with(".json") && !n.contains(".parameters")) || n.ends_with(".bicep");
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("valid") && is_template(n)),
            "{}: no valid fixture",
            m.name
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("invalid") && is_template(n)),
            "{}: no invalid fixture",
            m.name
        );
        for n in names.iter().filter(|n| is_template(n)) {
            assert!(
                names.contains(&format!("{n}.snap")),
                "{}/{n} has no snapshot",
                m.name
            );
        }
    }
    for e in std::fs::read_dir(&dir).expect("fixtures/rules") {
        let name = e.expect("entry").file_name().into_string().expect("utf-8");
        assert!(
            rules::all().iter().any(|r| r.meta().name == name),
            "fixtures/rules/{name} belongs to no rule"
        );
    }
}

#[test]
fn rule_docs_have_the_sections_and_a_summary() {
    for r in rules::all() {
        let m = r.meta();
        for h in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(m.docs.contains(h), "{}: documentation lacks '{h}'", m.id);
        }
        assert!(
            !m.summary.ends_with('.'),
            "{}: summary ends with a period",
            m.id
        );
        assert!(
            m.summary.chars().next().is_some_and(|c| c.is_lowercase()),
            "{}: summary starts lowercase",
            m.id
        );
    }
}

/// Code blocks of a rule's docs: (info string, section heading, body).
fn code_blocks(docs: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut in_block: Option<(String, String)> = None;
    for raw in docs.lines() {
        let line = raw.strip_prefix(' ').unwrap_or(raw);
        if let Some((info, body)) = &mut in_block {
            if line.trim_start().starts_with("```") {
                out.push((info.clone(), section.clone(), std::mem::take(body)));
                in_block = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
        } else if let Some(info) = line.trim_start().strip_prefix("```") {
            in_block = Some((info.trim().to_string(), String::new()));
        } else if line.starts_with("## ") {
            section = line.to_string();
        }
    }
    out
}

/// Lint one documentation example with only its rule; returns the number of findings.
fn run_example(rule: &str, info: &str, body: &str, n: usize) -> usize {
    let dir = std::env::temp_dir().join(format!("armlint-docs-{}-{rule}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let template = dir.join(if info.starts_with("bicep") {
        "main.bicep"
    } else {
        "main.json"
    });
    if info.starts_with("bicep") {
        std::fs::write(&template, body).expect("write");
    } else if info.contains("parameters") {
        let t = format!(
            "{{\"$schema\": \"{SCHEMA}\", \"contentVersion\": \"1.0.0.0\", \"parameters\": {{\"count\": {{\"type\": \"int\", \"defaultValue\": 1}}}}, \"resources\": []}}"
        );
        std::fs::write(&template, t).expect("write");
        std::fs::write(dir.join("main.parameters.json"), body).expect("write");
    } else if body.trim_start().starts_with('[') {
        std::fs::write(&template, format!("{{\"$schema\": \"{SCHEMA}\", \"contentVersion\": \"1.0.0.0\", \"resources\": {body}}}"))
            .expect("write");
    } else {
        std::fs::write(&template, body).expect("write");
    }
    let d =
        discover(std::slice::from_ref(&template), &DiscoverOptions::default()).expect("discover");
    let opts = LintOptions {
        selection: Selection {
            select: vec![rule.into()],
            ignore: vec![],
        },
        ..Default::default()
    };
    let report = lint_inputs(&d.inputs, d.skipped, &opts);
    let _ = std::fs::remove_dir_all(&dir);
    report.diagnostics.iter().filter(|d| d.rule == rule).count()
}

#[test]
fn documentation_examples_run() {
    let mut ran = 0;
    for r in rules::all() {
        let m = r.meta();
        for (n, (info, section, body)) in code_blocks(&m.docs).into_iter().enumerate() {
            let tags: Vec<&str> = info.split(',').map(str::trim).collect();
            if tags.first() != Some(&"json") && tags.first() != Some(&"bicep") {
                continue;
            }
            if tags.contains(&"expect_diagnostic") {
                assert!(
                    run_example(m.id, &info, &body, n) >= 1,
                    "{}: the example under '{section}' gives no finding:\n{body}",
                    m.id
                );
                ran += 1;
            } else if section.starts_with("## Use instead") {
                assert_eq!(
                    run_example(m.id, &info, &body, n),
                    0,
                    "{}: the example under '{section}' gives a finding:\n{body}",
                    m.id
                );
                ran += 1;
            }
        }
    }
    assert!(
        ran >= rules::all().len(),
        "too few documentation examples ran ({ran})"
    );
}

fn rule_table() -> String {
    let mut t = String::from(
        "| ID | Name | Severity | Category | What it reports |\n|---|---|---|---|---|\n",
    );
    for r in rules::all() {
        let m = r.meta();
        t.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            m.id, m.name, m.severity, m.category, m.summary
        ));
    }
    t
}

#[test]
fn readme_rule_table_is_current() {
    let path: PathBuf = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the {start:?} / {end:?} markers");
    };
    let current = &readme[a + start.len()..b];
    let wanted = rule_table();
    if current != wanted {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{wanted}{}", &readme[..a + start.len()], &readme[b..]);
            std::fs::write(&path, updated).expect("write README.md");
        } else {
            panic!(
                "README rule table is stale; run `UPDATE_DOCS=1 cargo test --test docs`\nexpected:\n{wanted}"
            );
        }
    }
}

/// The capacity table in the README is what `armlint capacity` prints for its fixture.
#[test]
fn readme_capacity_example_is_current() {
    let fixture = PathBuf::from("fixtures/capacity/overallocated.json");
    let d = discover(std::slice::from_ref(&fixture), &DiscoverOptions::default()).expect("fixture");
    let (plan, problems) = armlint::engine::capacity_plan(&d.inputs, &LintOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    let table = armlint::emit::capacity_table::render(&plan, false);
    let wanted = format!(
        "```text\n$ armlint capacity {}\n{table}```\n",
        fixture.display()
    );
    let path: PathBuf = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (start, end) = (
        "<!-- capacity-example:start -->\n",
        "<!-- capacity-example:end -->",
    );
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the {start:?} / {end:?} markers");
    };
    if readme[a + start.len()..b] != wanted {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{wanted}{}", &readme[..a + start.len()], &readme[b..]);
            std::fs::write(&path, updated).expect("write README.md");
        } else {
            panic!("README capacity example is stale; run `UPDATE_DOCS=1 cargo test --test docs`");
        }
    }
}

/// Every YAML rule under `rules/` is embedded in the binary, and every embedded one exists.
#[test]
fn every_rule_file_is_embedded() {
    let embedded: Vec<&str> = armlint::rules::declarative::BUILTIN_FILES
        .iter()
        .map(|(path, _)| *path)
        .collect();
    let mut on_disk = Vec::new();
    let mut stack = vec![root().join("rules")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("rules/") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if armlint::rules::declarative::is_rule_file(&p) {
                let rel = p.strip_prefix(root()).expect("inside").to_path_buf();
                on_disk.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    for f in &on_disk {
        assert!(
            embedded.contains(&f.as_str()),
            "{f} is not listed in BUILTIN_FILES (src/rules/declarative/mod.rs)"
        );
    }
    for f in &embedded {
        assert!(
            on_disk.iter().any(|d| d == f),
            "{f} is embedded but not on disk"
        );
    }
}

/// The README's "Writing a policy" example: its rule and test files, written out, pass
/// `armlint test-rules` with exactly the output the README shows.
#[test]
fn readme_policy_example_runs() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let block_after = |marker: &str| -> Option<String> {
        let rest = &readme[readme.find(marker)? + marker.len()..];
        let start = rest.find("```")?;
        let body = &rest[start..];
        let body = &body[body.find('\n')? + 1..];
        Some(body[..body.find("```")?].to_string())
    };
    let dir = std::env::temp_dir().join(format!("armlint-readme-policy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut files = 0;
    for (i, _) in readme.match_indices("<!-- policy-example:file ") {
        let line = &readme[i..readme[i..].find("-->").map_or(i, |e| i + e)];
        let name = line.trim_start_matches("<!-- policy-example:file ").trim();
        let marker = format!("<!-- policy-example:file {name} -->");
        let body = block_after(&marker).expect("a code block after the marker");
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, body).expect("write");
        files += 1;
    }
    assert_eq!(files, 2, "the README shows a rule and its tests");
    let shown = block_after("<!-- policy-example:run -->").expect("the shown run");
    let mut lines = shown.lines();
    let command = lines.next().expect("a command line");
    let expected: String = lines.map(|l| format!("{l}\n")).collect();
    let args: Vec<&str> = command
        .strip_prefix("$ armlint ")
        .expect("an armlint command")
        .split_whitespace()
        .collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_armlint"))
        .args(&args)
        .current_dir(&dir)
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        expected,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}
