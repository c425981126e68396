//! `--format compact`: `file:line:col: severity[RULE] message`, one finding a line, for editors'
//! problem matchers. Nothing else is written unless statistics are asked for.

use super::{RenderOptions, statistics};
use crate::diagnostic::Diagnostic;
use crate::engine::report::LintReport;

/// One line; a message's own line breaks become spaces so a problem matcher sees one finding.
pub fn line(d: &Diagnostic) -> String {
    let (line, col) = d.location.file.line_col(d.location.span.start);
    let message: String = d
        .message
        .split(['\r', '\n'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{}:{line}:{col}: {}[{}] {message}",
        super::printable_path(&d.location.file.path),
        d.severity,
        d.rule
    )
}

pub fn render(report: &LintReport, opts: &RenderOptions) -> String {
    let mut out = super::one_line_each(report, line);
    if opts.statistics {
        out.push_str(&statistics(&report.summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_support::report;

    #[test]
    fn one_line_per_finding() {
        let out = render(&report(), &RenderOptions::default());
        assert_eq!(
            out,
            "infra/main.json:3:8: error[TST001] value is bad\ninfra/main.json:5:1: warning[TST002] past the end\n"
        );
    }

    #[test]
    fn multi_line_messages_stay_on_one_line() {
        let mut r = report();
        r.diagnostics.truncate(1);
        if let Some(d) = r.diagnostics.first_mut() {
            d.message = "first\r\nsecond\nthird".into();
        }
        assert_eq!(
            render(&r, &RenderOptions::default()),
            "infra/main.json:3:8: error[TST001] first second third\n"
        );
    }

    #[test]
    fn statistics_follow_the_findings() {
        let opts = RenderOptions {
            statistics: true,
            ..RenderOptions::default()
        };
        let out = render(&report(), &opts);
        let stats = out.split_once("statistics:\n").map(|(_, s)| s).unwrap();
        assert_eq!(
            stats,
            "  files:       3\n  templates:   1\n  skipped:     1\n  resources:   4\n  \
             expressions: 10 evaluated, 2 unknown, 3 unsupported\n  unsupported functions:\n    baz: 1\n    fooBar: 2\n"
        );
    }
}
