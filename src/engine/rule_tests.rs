//! Tests for policy authors (`armlint test-rules DIR`): YAML files ending in `.tests.yaml`, each a
//! list of cases, a template (or its resources, or a file) and whether each rule passes or fails
//! on it, run like a test runner.
//!
//! ```yaml
//! rule: CRG020                      # the rule the cases are about (optional)
//! cases:
//!   - name: a VM that opts out and names a group
//!     resources:                    # the template's resources; or `template:` (a whole
//!       - type: Microsoft.Compute/virtualMachines   # template), or `file:` (relative path)
//!         ...
//!     parameters: {vmName: vm1}     # optional parameter values
//!     expect: FAIL                  # or PASS; or per rule: {CRG020: FAIL, CRG019: PASS}
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::{LintOptions, lint_with_parameter_sets};
use crate::arm::template::ParameterSet;
use crate::rules::declarative::{RuleFileError, is_test_file, yaml_files};
use crate::rules::{RuleRef, Selection, find_in};
use crate::source::SourceFile;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    rule: Option<String>,
    cases: Vec<TestCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    name: String,
    resources: Option<serde_json::Value>,
    template: Option<serde_json::Value>,
    file: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, serde_json::Value>,
    expect: Expectation,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Expectation {
    One(Verdict),
    PerRule(BTreeMap<String, Verdict>),
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum Verdict {
    #[serde(rename = "PASS", alias = "pass")]
    Pass,
    #[serde(rename = "FAIL", alias = "fail")]
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One expectation of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub file: String,
    pub case: String,
    pub rule: String,
    pub expected: Verdict,
    /// `None` when the case could not run (see `error`).
    pub actual: Option<Verdict>,
    /// The findings of the rule, `line:column: message`.
    pub findings: Vec<String>,
    pub error: Option<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.actual == Some(self.expected)
    }
}

#[derive(Debug, Default)]
pub struct TestRun {
    pub results: Vec<CaseResult>,
    /// Test files that cannot be read.
    pub errors: Vec<RuleFileError>,
}

impl TestRun {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// Run every `.tests.yaml` under `dir` against `rules` (built-in and loaded ones).
pub fn run_dir(dir: &Path, rules: &[RuleRef], opts: &LintOptions) -> TestRun {
    let mut run = TestRun::default();
    let files = match yaml_files(dir, is_test_file) {
        Ok(f) => f,
        Err(e) => {
            run.errors.push(e);
            return run;
        }
    };
    for path in files {
        let file = crate::source::display_path(&path);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                run.errors.push(RuleFileError {
                    file,
                    line: 0,
                    column: 0,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let tests: TestFile = match serde_norway::from_str(&text) {
            Ok(t) => t,
            Err(e) => {
                run.errors
                    .push(crate::rules::declarative::yaml_error(&file, &text, &e));
                continue;
            }
        };
        let base = path.parent().unwrap_or(Path::new("."));
        for case in tests.cases {
            run.results.extend(run_case(
                &file,
                base,
                tests.rule.as_deref(),
                case,
                rules,
                opts,
            ));
        }
    }
    run
}

fn run_case(
    file: &str,
    base: &Path,
    default_rule: Option<&str>,
    case: TestCase,
    rules: &[RuleRef],
    opts: &LintOptions,
) -> Vec<CaseResult> {
    let expectations: Vec<(String, Verdict)> = match (&case.expect, default_rule) {
        (Expectation::One(v), Some(rule)) => vec![(rule.to_string(), *v)],
        (Expectation::One(v), None) => vec![(String::new(), *v)],
        (Expectation::PerRule(m), _) => m.iter().map(|(k, v)| (k.clone(), *v)).collect(),
    };
    let fail_all = |why: String| -> Vec<CaseResult> {
        expectations
            .iter()
            .map(|(rule, expected)| CaseResult {
                file: file.to_string(),
                case: case.name.clone(),
                rule: rule.clone(),
                expected: *expected,
                actual: None,
                findings: Vec::new(),
                error: Some(why.clone()),
            })
            .collect()
    };
    if expectations.iter().any(|(r, _)| r.is_empty()) {
        return fail_all("`expect: PASS|FAIL` needs `rule:` at the top of the file, or name the rule: `expect: {RULE: FAIL}`".into());
    }
    let mut resolved = Vec::new();
    for (name, expected) in &expectations {
        match find_in(rules, name) {
            Some(r) => resolved.push((r, *expected)),
            None => return fail_all(format!("no rule named '{name}'")),
        }
    }
    let (source_name, text) = match (&case.resources, &case.template, &case.file) {
        (Some(res), None, None) => (
            format!("{file}#{}", case.name),
            serde_json::json!({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": res})
                .to_string(),
        ),
        (None, Some(t), None) => {
            let mut t = t.clone();
            if let Some(o) = t.as_object_mut() {
                o.entry("$schema").or_insert_with(|| SCHEMA.into());
            }
            (format!("{file}#{}", case.name), t.to_string())
        }
        (None, None, Some(f)) => {
            let p = base.join(f);
            match std::fs::read_to_string(&p) {
                Ok(t) => (crate::source::display_path(&p), t),
                Err(e) => return fail_all(format!("{}: {e}", p.display())),
            }
        }
        _ => return fail_all("a case has exactly one of `resources`, `template` or `file`".into()),
    };
    let source = Arc::new(SourceFile::new(source_name, text));
    let mut set = ParameterSet::default();
    for (k, v) in &case.parameters {
        set.values.insert(
            k.to_ascii_lowercase(),
            crate::arm::value::Value::from_serde(v),
        );
    }
    let opts = LintOptions {
        selection: Selection {
            select: resolved
                .iter()
                .map(|(r, _)| r.meta().id.to_string())
                .collect(),
            ignore: Vec::new(),
        },
        ..opts.clone()
    };
    let (diags, _) = lint_with_parameter_sets(&source, None, vec![set], &opts);
    resolved
        .into_iter()
        .map(|(rule, expected)| {
            let findings: Vec<String> = diags
                .iter()
                .filter(|d| d.rule == rule.meta().id)
                .map(|d| {
                    let (line, col) = source.line_col(d.location.span.start);
                    format!("{line}:{col}: {}", d.message)
                })
                .collect();
            CaseResult {
                file: file.to_string(),
                case: case.name.clone(),
                rule: rule.meta().id.to_string(),
                expected,
                actual: Some(if findings.is_empty() {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                }),
                findings,
                error: None,
            }
        })
        .collect()
}
