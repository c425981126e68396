//! `--format junit`: JUnit XML for CI test tabs. One `<testsuite>` per template, one
//! `<testcase>` per finding (errors and warnings fail; a note passes with its text in
//! `<system-out>`), and one passing test case for a template whose findings are all suppressed,
//! so the tab shows what was checked. Suppressed findings are not failures.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::engine::report::LintReport;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn case(d: &Diagnostic) -> String {
    let file = d.location.file.display_path();
    let (l, c) = d.location.file.line_col(d.location.span.start);
    let what = d.resource.as_ref().map_or_else(
        || d.location.pointer.clone(),
        |r| format!("{} '{}'", r.resource_type, r.name),
    );
    let body = d.with_help(format!(
        "{file}:{l}:{c}: {}[{}] {}",
        d.severity, d.rule, d.message
    ));
    let name = escape(&format!("{} {what} line {l}", d.rule));
    if is_failure(d) {
        format!(
            "    <testcase classname=\"{}\" name=\"{name}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            escape(&file),
            escape(&d.message),
            d.severity,
            escape(&body)
        )
    } else {
        format!(
            "    <testcase classname=\"{}\" name=\"{name}\">\n      <system-out>{}</system-out>\n    </testcase>\n",
            escape(&file),
            escape(&body)
        )
    }
}

/// Notes inform; they do not fail a test.
fn is_failure(d: &Diagnostic) -> bool {
    d.severity != crate::diagnostic::Severity::Note
}

pub fn render(report: &LintReport) -> String {
    // Every linted file with a finding or a suppressed one; templates without either have no
    // diagnostics to name them, so the report lists those it knows.
    let mut by_file: BTreeMap<String, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &report.diagnostics {
        by_file
            .entry(d.location.file.display_path())
            .or_default()
            .push(d);
    }
    for s in &report.suppressed {
        by_file
            .entry(s.diagnostic.location.file.display_path())
            .or_default();
    }
    let failures = report.diagnostics.iter().filter(|d| is_failure(d)).count();
    let tests: usize = by_file.values().map(|v| v.len().max(1)).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"armlint\" tests=\"{tests}\" failures=\"{failures}\">\n"
    );
    for (file, diags) in &by_file {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
            escape(file),
            diags.len().max(1),
            diags.iter().filter(|d| is_failure(d)).count()
        ));
        if diags.is_empty() {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"armlint\"/>\n",
                escape(file)
            ));
        }
        for d in diags {
            out.push_str(&case(d));
        }
        out.push_str("  </testsuite>\n");
    }
    if by_file.is_empty() {
        out.push_str(&format!(
            "  <testsuite name=\"armlint\" tests=\"1\" failures=\"0\">\n    <testcase classname=\"armlint\" name=\"{} template(s) linted, no findings\"/>\n  </testsuite>\n",
            report.summary.templates
        ));
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_support::report;

    #[test]
    fn one_suite_per_file_one_case_per_finding() {
        let out = render(&report());
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"armlint\" tests=\"2\" failures=\"2\">"), "{out}");
        assert_eq!(out.matches("<testsuite ").count(), 1);
        assert_eq!(out.matches("<failure ").count(), 2);
        assert!(
            out.contains("name=\"TST001 Microsoft.Test/things &apos;thing1&apos; line 3\""),
            "{out}"
        );
    }

    #[test]
    fn escaping_and_an_empty_report() {
        assert_eq!(escape("<a & \"b\">\u{1}"), "&lt;a &amp; &quot;b&quot;&gt;?");
        let out = render(&LintReport::default());
        assert!(out.contains("tests=\"1\" failures=\"0\""), "{out}");
    }
}
