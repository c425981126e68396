//! `--format json`: the versioned machine-readable report (interface.md, "JSON output").
//! Structs with derived `Serialize` keep the field order of the contract.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Counts, unsupported_total};
use crate::diagnostic::{Diagnostic, Location, Severity, SuppressedBy};
use crate::engine::report::LintReport;

/// Bumped only when a field is renamed or dropped; adding fields keeps it.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    pointer: &'a str,
    resource: Option<JsonResource<'a>>,
    related: Vec<JsonRelated<'a>>,
    parameters: Option<&'a str>,
    /// The suppression or baseline entry that keeps the finding out of the text formats and the
    /// exit code; `null` for a reported finding.
    suppressed: Option<JsonSuppressed<'a>>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    kind: &'static str,
    reason: &'a str,
    expires: Option<String>,
    file: String,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonResource<'a> {
    pointer: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: String,
    line: usize,
    column: usize,
    pointer: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary<'a> {
    files: u64,
    templates: u64,
    skipped: u64,
    resources: u64,
    errors: u64,
    warnings: u64,
    notes: u64,
    /// Findings kept out by a suppression in the templates.
    suppressed: u64,
    /// Findings kept out by `--baseline`.
    baselined: u64,
    expressions: JsonExpressions,
    unsupported_functions: &'a BTreeMap<String, u64>,
    /// Bicep registry modules not in the module cache (added after `unsupportedFunctions`).
    unresolved_modules: u64,
}

#[derive(Serialize)]
struct JsonExpressions {
    evaluated: u64,
    unknown: u64,
    unsupported: u64,
}

/// 1-based (line, column) of a location's start and end; an inverted span ends where it starts.
fn positions(loc: &Location) -> ((usize, usize), (usize, usize)) {
    let start = loc.file.line_col(loc.span.start);
    let end = loc.file.line_col(loc.span.end.max(loc.span.start));
    (start, end)
}

fn diagnostic<'a>(d: &'a Diagnostic, by: Option<&'a SuppressedBy>) -> JsonDiagnostic<'a> {
    let ((line, column), (end_line, end_column)) = positions(&d.location);
    JsonDiagnostic {
        rule: d.rule,
        name: d.name,
        severity: d.severity,
        message: &d.message,
        help: d.help.as_deref(),
        file: d.location.file.display_path(),
        line,
        column,
        end_line,
        end_column,
        pointer: &d.location.pointer,
        resource: d.resource.as_ref().map(|r| JsonResource {
            pointer: &r.pointer,
            resource_type: &r.resource_type,
            name: &r.name,
        }),
        related: d
            .related
            .iter()
            .map(|r| {
                let (line, column) = r.location.file.line_col(r.location.span.start);
                JsonRelated {
                    file: r.location.file.display_path(),
                    line,
                    column,
                    pointer: &r.location.pointer,
                    message: &r.message,
                }
            })
            .collect(),
        parameters: d.parameters.as_deref(),
        suppressed: by.map(|s| {
            let (line, column) = s.location.file.line_col(s.location.span.start);
            JsonSuppressed {
                kind: s.kind.as_str(),
                reason: &s.reason,
                expires: s.expires.map(|e| e.to_string()),
                file: s.location.file.display_path(),
                line,
                column,
            }
        }),
    }
}

pub fn render(report: &LintReport) -> String {
    let s = &report.summary;
    let counts = Counts::of(&report.diagnostics);
    let (suppressed, baselined) = report.suppressed_counts();
    // Reported and suppressed findings in one sorted list, as if nothing were suppressed.
    let mut all: Vec<(&Diagnostic, Option<&SuppressedBy>)> = report
        .diagnostics
        .iter()
        .map(|d| (d, None))
        .chain(
            report
                .suppressed
                .iter()
                .map(|s| (&s.diagnostic, Some(&s.by))),
        )
        .collect();
    all.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    let out = JsonReport {
        version: VERSION,
        diagnostics: all.into_iter().map(|(d, by)| diagnostic(d, by)).collect(),
        summary: JsonSummary {
            files: s.files,
            templates: s.templates,
            skipped: s.skipped,
            resources: s.resources,
            errors: counts.errors,
            warnings: counts.warnings,
            notes: counts.notes,
            suppressed,
            baselined,
            expressions: JsonExpressions {
                evaluated: s.expressions.evaluated,
                unknown: s.expressions.unknown,
                unsupported: unsupported_total(s),
            },
            unsupported_functions: s.unsupported_functions(),
            unresolved_modules: s.unresolved_modules,
        },
    };
    // Serializing plain structs with string keys cannot fail; an empty output would still be
    // noticed by any consumer rather than a panic.
    let mut text = serde_json::to_string_pretty(&out).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_support::report;

    #[test]
    fn fields_and_positions_follow_the_contract() {
        let text = render(&report());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 1);
        let d = &v["diagnostics"][0];
        let expected = serde_json::json!({
            "rule": "TST001",
            "name": "test-rule",
            "severity": "error",
            "message": "value is bad",
            "help": "use a good value",
            "file": "infra/main.json",
            // The BOM is not a column and `é` counts once: `"bad"` starts in column 8.
            "line": 3, "column": 8, "endLine": 3, "endColumn": 13,
            "pointer": "/é",
            "resource": { "pointer": "", "type": "Microsoft.Test/things", "name": "thing1" },
            "related": [
                { "file": "infra/main.json", "line": 2, "column": 3, "pointer": "/a", "message": "declared here" },
                { "file": "infra/other.json", "line": 2, "column": 3, "pointer": "/x", "message": "used here" }
            ],
            "parameters": "infra/main.parameters.json",
            "suppressed": null
        });
        assert_eq!(d, &expected);

        // Past the end of the file: clamped to the end (line 5 is the empty line after `}\n`).
        let w = &v["diagnostics"][1];
        assert_eq!(
            (&w["line"], &w["column"], &w["endLine"], &w["endColumn"]),
            (&5.into(), &1.into(), &5.into(), &1.into())
        );
        assert_eq!(w["resource"], serde_json::Value::Null);
        assert_eq!(w["help"], serde_json::Value::Null);
        assert_eq!(w["parameters"], serde_json::Value::Null);

        assert_eq!(
            v["summary"],
            serde_json::json!({
                "files": 3, "templates": 1, "skipped": 1, "resources": 4,
                "errors": 1, "warnings": 1, "notes": 0,
                "suppressed": 0, "baselined": 0,
                "expressions": { "evaluated": 10, "unknown": 2, "unsupported": 3 },
                "unsupportedFunctions": { "baz": 1, "fooBar": 2 },
                "unresolvedModules": 0
            })
        );
    }

    #[test]
    fn field_order_is_the_contract_order() {
        let text = render(&report());
        let keys = [
            "\"rule\"",
            "\"name\"",
            "\"severity\"",
            "\"message\"",
            "\"help\"",
            "\"file\"",
            "\"line\"",
            "\"column\"",
            "\"endLine\"",
            "\"endColumn\"",
            "\"pointer\"",
            "\"resource\"",
            "\"related\"",
            "\"parameters\"",
            "\"suppressed\"",
        ];
        let positions: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        let summary = [
            "\"files\"",
            "\"templates\"",
            "\"skipped\"",
            "\"resources\"",
            "\"errors\"",
            "\"warnings\"",
            "\"notes\"",
            "\"suppressed\": 0",
            "\"baselined\"",
            "\"expressions\"",
            "\"unsupportedFunctions\"",
            "\"unresolvedModules\"",
        ];
        let positions: Vec<usize> = summary.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"diagnostics\": ["));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn suppressed_findings_keep_their_place_with_the_suppression() {
        let r = crate::emit::test_support::report_with_a_suppressed_finding();
        let v: serde_json::Value = serde_json::from_str(&render(&r)).unwrap();
        // Sorted with the reported ones, as if nothing were suppressed.
        assert_eq!(v["diagnostics"][0]["rule"], "TST001");
        assert_eq!(
            v["diagnostics"][0]["suppressed"],
            serde_json::json!({
                "kind": "comment", "reason": "accepted for the test", "expires": "2027-03-31",
                "file": "infra/main.json", "line": 2, "column": 3
            })
        );
        assert_eq!(v["diagnostics"][1]["suppressed"], serde_json::Value::Null);
        // Counted as suppressed, not as an error.
        assert_eq!(v["summary"]["errors"], 0);
        assert_eq!(v["summary"]["warnings"], 1);
        assert_eq!(v["summary"]["suppressed"], 1);
        assert_eq!(v["summary"]["baselined"], 0);
    }

    #[test]
    fn empty_report_is_valid() {
        let text = render(&LintReport::default());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["diagnostics"], serde_json::json!([]));
        assert_eq!(v["summary"]["unsupportedFunctions"], serde_json::json!({}));
    }
}
