//! `--format github`: GitHub Actions workflow commands, one a finding, so that findings show as
//! annotations on the pull request's files:
//! `::error file=infra/main.json,line=3,col=8,endLine=3,endColumn=13,title=CRG001 flex-vm-missing-crg::message`.
//! Suppressed findings are not printed.

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::report::LintReport;

/// The data part of a workflow command (GitHub's escaping).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which separate properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn line(d: &Diagnostic) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let loc = &d.location;
    let (l, c) = loc.file.line_col(loc.span.start);
    let (el, ec) = loc.file.line_col(loc.span.end.max(loc.span.start));
    let message = d.with_help(d.message.clone());
    format!(
        "::{command} file={},line={l},col={c},endLine={el},endColumn={ec},title={}::{}",
        escape_property(&super::printable_path(&loc.file.path)),
        escape_property(&format!("{} {}", d.rule, d.name)),
        escape_data(&message)
    )
}

pub fn render(report: &LintReport) -> String {
    super::one_line_each(report, line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_support::report;

    #[test]
    fn workflow_commands() {
        let out = render(&report());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=infra/main.json,line=3,col=8,endLine=3,endColumn=13,title=TST001 test-rule::value is bad%0Ahelp: use a good value"
        );
        assert!(
            lines[1]
                .starts_with("::warning file=infra/main.json,line=5,col=1,endLine=5,endColumn=1,"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
