//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers). One run;
//! the rules that have results, with their documentation and links; a result per finding with
//! its region, the resource as a logical location, related locations and a fingerprint that
//! agrees with `--baseline`. Suppressed findings are results with `suppressions`.
//!
//! Columns: armlint counts Unicode scalar values from 1, so the run says `columnKind:
//! unicodeCodePoints` (SARIF's default would be UTF-16 code units).

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::diagnostic::{Diagnostic, Location, Severity, SuppressedBy, SuppressionKind};
use crate::engine::report::LintReport;
use crate::rules::{RuleMeta, RuleRef, find_in};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Rule documentation without the doc comments' leading space.
fn docs_text(m: &RuleMeta) -> String {
    m.docs
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn region(loc: &Location) -> Json {
    let text_len = loc.file.text.len() as u32;
    let start = loc.span.start.min(text_len);
    let end = loc.span.end.max(start).min(text_len);
    let (sl, sc) = loc.file.line_col(start);
    let (el, ec) = loc.file.line_col(end);
    json!({"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec})
}

fn physical(loc: &Location) -> Json {
    json!({
        "artifactLocation": {"uri": super::percent_encode_path(&loc.file.path), "uriBaseId": "%SRCROOT%"},
        "region": region(loc),
    })
}

fn result(
    d: &Diagnostic,
    rule_index: Option<usize>,
    fingerprint: &str,
    suppressed: Option<&SuppressedBy>,
) -> Json {
    let message = d.with_help(d.message.clone());
    let mut location = json!({"physicalLocation": physical(&d.location)});
    if let (Some(r), Some(o)) = (&d.resource, location.as_object_mut()) {
        o.insert(
            "logicalLocations".into(),
            json!([{"fullyQualifiedName": format!("{}/{}", r.resource_type, r.name), "kind": "resource"}]),
        );
    }
    let related: Vec<Json> = d
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({"id": i + 1, "physicalLocation": physical(&r.location), "message": {"text": r.message}})
        })
        .collect();
    let mut out = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"armlintFingerprint/v1": fingerprint},
    });
    let Some(o) = out.as_object_mut() else {
        return out;
    };
    if let Some(i) = rule_index {
        o.insert("ruleIndex".into(), json!(i));
    }
    if !related.is_empty() {
        o.insert("relatedLocations".into(), Json::Array(related));
    }
    if let Some(p) = &d.parameters {
        o.insert("properties".into(), json!({"parameters": p}));
    }
    if let Some(by) = suppressed {
        let kind = match by.kind {
            SuppressionKind::Metadata | SuppressionKind::Comment => "inSource",
            SuppressionKind::Baseline => "external",
        };
        o.insert(
            "suppressions".into(),
            json!([{"kind": kind, "status": "accepted", "justification": by.reason, "location": {"physicalLocation": physical(&by.location)}}]),
        );
    }
    out
}

/// The SARIF log of a report; `rules` are the rules that may appear (built-in and loaded).
pub fn render(report: &LintReport, rules: &[RuleRef]) -> String {
    let (fps, suppressed_fps) = crate::baseline::report_fingerprints(report);
    // Every rule with a result, by ID.
    let mut used: BTreeMap<&str, &RuleMeta> = BTreeMap::new();
    for d in report
        .diagnostics
        .iter()
        .chain(report.suppressed.iter().map(|s| &s.diagnostic))
    {
        if let Some(r) = find_in(rules, d.rule) {
            used.insert(r.meta().id, r.meta());
        }
    }
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rule_objects: Vec<Json> = used
        .values()
        .map(|m| {
            let docs = docs_text(m);
            let mut r = json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.summary},
                "help": {"text": docs, "markdown": docs},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {"category": m.category, "tags": [m.category]},
            });
            if let (Some(uri), Some(o)) = (m.help_uri(), r.as_object_mut()) {
                o.insert("helpUri".into(), json!(uri));
            }
            r
        })
        .collect();
    let mut results: Vec<Json> = Vec::new();
    for (d, fp) in report.diagnostics.iter().zip(&fps) {
        results.push(result(d, index.get(d.rule).copied(), fp, None));
    }
    for (s, fp) in report.suppressed.iter().zip(&suppressed_fps) {
        results.push(result(
            &s.diagnostic,
            index.get(s.diagnostic.rule).copied(),
            fp,
            Some(&s.by),
        ));
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "armlint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/armlint/armlint",
                "rules": rule_objects,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory armlint ran in"}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_support::report;

    #[test]
    fn results_regions_and_levels() {
        let out = render(&report(), crate::rules::all());
        let v: Json = serde_json::from_str(&out).unwrap();
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        // `é` counts one column: the span starts at column 8 of line 3.
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["startColumn"],
            8
        );
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[0]["relatedLocations"][1]["physicalLocation"]["artifactLocation"]["uri"],
            "infra/other.json"
        );
        assert_eq!(
            results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "Microsoft.Test/things/thing1"
        );
        // A span past the end of the file is clamped to it.
        let r = &results[1]["locations"][0]["physicalLocation"]["region"];
        assert!(r["startLine"].as_u64() <= r["endLine"].as_u64());
        assert!(
            results[0]["partialFingerprints"]["armlintFingerprint/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 16)
        );
        // The test rules are not registered: results without a rule index, no rule objects.
        assert!(results[0].get("ruleIndex").is_none());
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(0)
        );
    }

    #[test]
    fn uris_are_encoded() {
        let uri = |p: &str| super::super::percent_encode_path(std::path::Path::new(p));
        assert_eq!(uri("./a b/é.json"), "a%20b/%C3%A9.json");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let latin1 = std::path::Path::new(std::ffi::OsStr::from_bytes(b"caf\xe9.json"));
            assert_eq!(super::super::percent_encode_path(latin1), "caf%E9.json");
        }
    }
}
