//! Baselines: `--write-baseline FILE` records today's findings by fingerprint, `--baseline FILE`
//! reports only the findings whose fingerprint it does not hold.
//!
//! A fingerprint is FNV-1a 64 (16 hex digits) over a finding's identity: rule ID, file path as
//! reported (`/` separators), the resource's type and evaluated name (the declaration's text when
//! unknown), the primary JSON pointer relative to the resource's declaration (the whole pointer
//! when the finding has no resource or points outside it), and the parameter file. In pointers an
//! index into a `resources` array is replaced by that declaration's `type` and `name` as written,
//! so adding a resource above another does not renumber it. Never line, column or message (which
//! carries counts): moving lines or reformatting keeps a fingerprint, another rule or resource
//! changes it. Findings with the same identity are told apart by an occurrence index in report
//! order. SARIF `partialFingerprints` can reuse [`fingerprints`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::{
    Diagnostic, Location, SuppressedBy, SuppressedDiagnostic, SuppressionKind,
};
use crate::engine::LintReport;
use crate::source::json::{self, JsonValue};
use crate::source::{SourceFile, Span};

/// The baseline file's format version.
pub const VERSION: u32 = 1;

/// FNV-1a, 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Separates the fields of a fingerprint key (a control character no path or name contains).
const SEP: char = '\u{1f}';

impl Diagnostic {
    /// What identifies the finding across edits (see the module documentation). `root` is the
    /// parsed file the finding points into; without it pointers are taken as they are.
    pub fn fingerprint_key(&self, root: Option<&JsonValue>) -> String {
        let stable = |p: &str| root.map_or_else(|| p.to_string(), |r| stable_pointer(r, p));
        let pointer = stable(&self.location.pointer);
        let mut key = String::new();
        key.push_str(self.rule);
        key.push(SEP);
        key.push_str(&self.location.file.display_path());
        key.push(SEP);
        match &self.resource {
            Some(r) => {
                key.push_str(&r.resource_type);
                key.push(SEP);
                key.push_str(&r.name);
                key.push(SEP);
                key.push_str(relative_pointer(&pointer, &stable(&r.pointer)));
            }
            None => {
                key.push(SEP);
                key.push(SEP);
                key.push_str(&pointer);
            }
        }
        key.push(SEP);
        if let Some(p) = &self.parameters {
            key.push_str(&p.replace('\\', "/"));
        }
        key
    }

    /// The fingerprint of the `occurrence`-th finding (from 0) with this key in report order.
    pub fn fingerprint(&self, root: Option<&JsonValue>, occurrence: usize) -> String {
        fingerprint_of(&self.fingerprint_key(root), occurrence)
    }
}

fn fingerprint_of(key: &str, occurrence: usize) -> String {
    let mut text = String::with_capacity(key.len() + 8);
    text.push_str(key);
    text.push(SEP);
    text.push_str(&occurrence.to_string());
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

/// `pointer` with every index into a `resources` array replaced by that declaration's `type` and
/// `name` as written, so that adding or removing a resource above does not change it.
fn stable_pointer(root: &JsonValue, pointer: &str) -> String {
    let Some(rest) = pointer.strip_prefix('/') else {
        return pointer.to_string();
    };
    let mut out = String::with_capacity(pointer.len());
    let mut cur = Some(root);
    let mut in_resources = false;
    for raw in rest.split('/') {
        out.push('/');
        let token = raw.replace("~1", "/").replace("~0", "~");
        let next = match cur {
            Some(JsonValue::Object(o)) => json::get(o, &token),
            Some(JsonValue::Array(a)) => {
                token.parse::<usize>().ok().and_then(|i| a.elements.get(i))
            }
            _ => None,
        };
        let declaration = match (in_resources, cur, next) {
            (true, Some(JsonValue::Array(_)), Some(JsonValue::Object(d))) => {
                json::get_str(d, "type").zip(json::get_str(d, "name"))
            }
            _ => None,
        };
        match declaration {
            Some((t, n)) => {
                out.push_str(t);
                out.push(SEP);
                out.push_str(n);
            }
            None => out.push_str(raw),
        }
        in_resources = token.eq_ignore_ascii_case("resources");
        cur = next;
    }
    out
}

/// `pointer` below the declaration at `declaration`, or all of it when it points elsewhere.
fn relative_pointer<'p>(pointer: &'p str, declaration: &str) -> &'p str {
    let n = declaration.len();
    let under = pointer
        .as_bytes()
        .get(..n)
        .is_some_and(|head| head.eq_ignore_ascii_case(declaration.as_bytes()))
        && matches!(pointer.as_bytes().get(n), None | Some(b'/'));
    if under {
        pointer.get(n..).unwrap_or(pointer)
    } else {
        pointer
    }
}

/// Fingerprints of findings given in report order (sorted), occurrence indices included. Each
/// file the findings point into is parsed once, for the declarations' `type` and `name`.
pub fn fingerprints(diags: &[&Diagnostic]) -> Vec<String> {
    let mut roots: HashMap<*const SourceFile, Option<JsonValue>> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    diags
        .iter()
        .map(|d| {
            let file = &d.location.file;
            let root = roots
                .entry(Arc::as_ptr(file))
                .or_insert_with(|| json::parse(&file.text).ok());
            let key = d.fingerprint_key(root.as_ref());
            let n = seen.entry(key.clone()).or_insert(0);
            let fp = fingerprint_of(&key, *n);
            *n += 1;
            fp
        })
        .collect()
}

/// Fingerprints of a report's findings: `(reported, suppressed)`, index for index with
/// `report.diagnostics` and `report.suppressed`. Occurrences are counted over both in report
/// order, so a fingerprint does not depend on what is suppressed or baselined (what SARIF
/// `partialFingerprints` should use to agree with baselines).
pub fn report_fingerprints(report: &LintReport) -> (Vec<String>, Vec<String>) {
    let mut all: Vec<(bool, usize, &Diagnostic)> = report
        .diagnostics
        .iter()
        .enumerate()
        .map(|(i, d)| (true, i, d))
        .chain(
            report
                .suppressed
                .iter()
                .enumerate()
                .map(|(i, s)| (false, i, &s.diagnostic)),
        )
        .collect();
    all.sort_by(|a, b| a.2.sort_key().cmp(&b.2.sort_key()));
    let refs: Vec<&Diagnostic> = all.iter().map(|(_, _, d)| *d).collect();
    let fps = fingerprints(&refs);
    let mut reported = vec![String::new(); report.diagnostics.len()];
    let mut suppressed = vec![String::new(); report.suppressed.len()];
    for ((active, i, _), fp) in all.into_iter().zip(fps) {
        let slot = if active {
            reported.get_mut(i)
        } else {
            suppressed.get_mut(i)
        };
        if let Some(slot) = slot {
            *slot = fp;
        }
    }
    (reported, suppressed)
}

/// A baseline file read for `--baseline`.
#[derive(Debug)]
pub struct Baseline {
    source: Arc<SourceFile>,
    /// Fingerprint → the entry's span and index in `findings`.
    entries: HashMap<String, (Span, usize)>,
}

impl Baseline {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Read and check a baseline file; the error names the file and the position.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let source = SourceFile::read(path).map_err(|e| {
            format!(
                "{}: cannot read the baseline: {e}",
                crate::source::display_path(path)
            )
        })?;
        Baseline::parse(Arc::new(source))
    }

    /// Check a baseline's text: `{"version": 1, "findings": [{"fingerprint": "…", …}, …]}`.
    pub fn parse(source: Arc<SourceFile>) -> Result<Baseline, String> {
        let fail = |span: Span, message: &str| {
            let (line, col) = source.line_col(span.start);
            format!(
                "{}:{line}:{col}: invalid baseline: {message}",
                source.display_path()
            )
        };
        let root = json::parse(&source.text).map_err(|e| fail(e.span, &e.message))?;
        let Some(top) = json::as_object(&root) else {
            return Err(fail(
                json::span_of(&root),
                "expected an object with `version` and `findings`",
            ));
        };
        match json::get(top, "version") {
            Some(JsonValue::NumberLit(n)) if n.value == VERSION.to_string() => {}
            Some(v) => {
                return Err(fail(
                    json::span_of(v),
                    &format!("unsupported version (this armlint reads version {VERSION})"),
                ));
            }
            None => return Err(fail(json::span_of(&root), "no `version`")),
        }
        let findings = match json::get(top, "findings") {
            Some(JsonValue::Array(a)) => a,
            Some(v) => return Err(fail(json::span_of(v), "`findings` must be a list")),
            None => return Err(fail(json::span_of(&root), "no `findings`")),
        };
        let mut entries = HashMap::new();
        for (i, e) in findings.elements.iter().enumerate() {
            let span = json::span_of(e);
            let Some(o) = json::as_object(e) else {
                return Err(fail(
                    span,
                    "a finding must be an object with a `fingerprint`",
                ));
            };
            match json::get(o, "fingerprint") {
                Some(JsonValue::StringLit(s)) if !s.value.is_empty() => {
                    entries.entry(s.value.to_string()).or_insert((span, i));
                }
                Some(v) => {
                    return Err(fail(
                        json::span_of(v),
                        "`fingerprint` must be a non-empty string",
                    ));
                }
                None => return Err(fail(span, "a finding without `fingerprint`")),
            }
        }
        Ok(Baseline { source, entries })
    }
}

/// Move the reported findings the baseline holds into `report.suppressed` (kind `baseline`).
pub fn apply(report: &mut LintReport, baseline: &Baseline) {
    if baseline.entries.is_empty() {
        return;
    }
    let (fps, _) = report_fingerprints(report);
    let diagnostics = std::mem::take(&mut report.diagnostics);
    for (d, fp) in diagnostics.into_iter().zip(fps) {
        match baseline.entries.get(&fp) {
            Some(&(span, i)) => report.suppressed.push(SuppressedDiagnostic {
                diagnostic: d,
                by: SuppressedBy {
                    kind: SuppressionKind::Baseline,
                    reason: "recorded in the baseline".into(),
                    expires: None,
                    location: Location {
                        file: baseline.source.clone(),
                        span,
                        pointer: format!("/findings/{i}"),
                    },
                },
            }),
            None => report.diagnostics.push(d),
        }
    }
    crate::diagnostic::sort_suppressed(&mut report.suppressed);
}

#[derive(Serialize)]
struct BaselineFile<'a> {
    version: u32,
    findings: Vec<BaselineEntry<'a>>,
}

#[derive(Serialize)]
struct BaselineEntry<'a> {
    fingerprint: String,
    rule: &'a str,
    file: String,
    /// `type/name`, for people reading the file.
    resource: Option<String>,
    message: &'a str,
}

/// The baseline file of a report's reported findings (what `--write-baseline` writes): sorted by
/// file, rule, resource and fingerprint, so that moving lines does not reorder it.
pub fn render(report: &LintReport) -> String {
    let (fps, _) = report_fingerprints(report);
    let mut findings: Vec<BaselineEntry> = report
        .diagnostics
        .iter()
        .zip(fps)
        .map(|(d, fingerprint)| BaselineEntry {
            fingerprint,
            rule: d.rule,
            file: d.location.file.display_path(),
            resource: d
                .resource
                .as_ref()
                .map(|r| format!("{}/{}", r.resource_type, r.name)),
            message: &d.message,
        })
        .collect();
    findings.sort_by(|a, b| {
        (&a.file, a.rule, &a.resource, &a.fingerprint).cmp(&(
            &b.file,
            b.rule,
            &b.resource,
            &b.fingerprint,
        ))
    });
    let file = BaselineFile {
        version: VERSION,
        findings,
    };
    // Plain structs with string keys always serialize.
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn what_changes_a_fingerprint_and_what_does_not() {
        let r = crate::emit::test_support::report();
        let (d, other) = (&r.diagnostics[0], &r.diagnostics[1]);
        let fps = fingerprints(&[d, d, other]);
        // Identical findings are told apart by their occurrence, deterministically.
        assert_ne!(fps[0], fps[1]);
        assert_eq!(fingerprints(&[d, d, other]), fps);
        let first = |x: &Diagnostic| fingerprints(&[x]).remove(0);
        // Position and message (which carries counts) do not count ...
        let mut moved = d.clone();
        moved.location.span = Span::new(1, 2);
        moved.message = "value is bad (3 instances)".into();
        assert_eq!(first(&moved), fps[0]);
        // ... rule, resource, pointer below it, file and parameter file do.
        let mut rule = d.clone();
        rule.rule = "TST009";
        let mut resource = d.clone();
        if let Some(res) = resource.resource.as_mut() {
            res.name = "thing2".into();
        }
        let mut pointer = d.clone();
        pointer.location.pointer = "/a".into();
        let mut file = d.clone();
        file.location.file = Arc::new(SourceFile::new("infra/other.json", "{}"));
        let mut parameters = d.clone();
        parameters.parameters = None;
        for changed in [rule, resource, pointer, file, parameters] {
            assert_ne!(first(&changed), fps[0], "{changed:?}");
        }
    }

    #[test]
    fn fingerprints_do_not_change_when_findings_are_baselined() {
        let mut report = crate::emit::test_support::report_with_a_suppressed_finding();
        let (reported, suppressed) = report_fingerprints(&report);
        let mut before: Vec<String> = reported.iter().chain(&suppressed).cloned().collect();
        // The baseline holds the reported finding only (not the suppressed one).
        let written = render(&report);
        assert_eq!(written.matches("\"fingerprint\"").count(), reported.len());
        let baseline = Baseline::parse(Arc::new(SourceFile::new("b.json", written))).unwrap();
        apply(&mut report, &baseline);
        assert!(report.diagnostics.is_empty());
        assert_eq!(report.suppressed_counts(), (1, 1));
        let (reported, suppressed) = report_fingerprints(&report);
        assert!(reported.is_empty());
        let mut after = suppressed;
        before.sort();
        after.sort();
        assert_eq!(before, after);
    }

    #[test]
    fn pointers_relative_to_the_declaration() {
        assert_eq!(
            relative_pointer("/resources/2/properties/x", "/resources/2"),
            "/properties/x"
        );
        assert_eq!(relative_pointer("/resources/2", "/resources/2"), "");
        assert_eq!(
            relative_pointer("/resources/20/x", "/resources/2"),
            "/resources/20/x"
        );
        assert_eq!(
            relative_pointer("/resources/1/sku", "/resources/2"),
            "/resources/1/sku"
        );
    }

    #[test]
    fn resource_indices_become_the_declarations_type_and_name() {
        let text = r#"{"resources": [
            {"type": "T/a", "name": "first"},
            {"type": "T/b", "name": "[parameters('n')]", "properties": {"list": [1, 2]},
             "resources": [{"type": "c", "name": "child"}]}
        ]}"#;
        let root = json::parse(text).unwrap();
        let stable = |p: &str| stable_pointer(&root, p).replace(SEP, "|");
        assert_eq!(stable("/resources/0"), "/resources/T/a|first");
        // Other arrays keep their indices; child resources are declarations too.
        assert_eq!(
            stable("/resources/1/properties/list/1"),
            "/resources/T/b|[parameters('n')]/properties/list/1"
        );
        assert_eq!(
            stable("/resources/1/resources/0"),
            "/resources/T/b|[parameters('n')]/resources/c|child"
        );
        // What the file does not hold stays as written.
        assert_eq!(stable("/resources/7/x"), "/resources/7/x");
        assert_eq!(stable(""), "");
    }

    #[test]
    fn malformed_baselines_name_the_position() {
        let cases = [
            ("{\"version\": 1, \"findings\": [}", ":1:"),
            ("[]", "expected an object"),
            ("{\"version\": 2, \"findings\": []}", "unsupported version"),
            ("{\"findings\": []}", "no `version`"),
            ("{\"version\": 1}", "no `findings`"),
            (
                "{\"version\": 1,\n \"findings\": [\n  {\"rule\": \"x\"}]}",
                "b.json:3:3: invalid baseline: a finding without",
            ),
            (
                "{\"version\": 1, \"findings\": [{\"fingerprint\": 7}]}",
                "non-empty string",
            ),
            ("{\"version\": 1, \"findings\": {}}", "must be a list"),
        ];
        for (text, needle) in cases {
            let e = Baseline::parse(Arc::new(SourceFile::new("b.json", text))).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
            assert!(e.starts_with("b.json:"), "{e}");
        }
        let ok = Baseline::parse(Arc::new(SourceFile::new(
            "b.json",
            "{\"version\": 1, \"findings\": [{\"fingerprint\": \"00ff\"}]}",
        )))
        .unwrap();
        assert_eq!(ok.len(), 1);
    }
}
