//! `--format azure`: Azure Pipelines logging commands, one a finding:
//! `##vso[task.logissue type=error;sourcepath=infra/main.json;linenumber=3;columnnumber=8;code=CRG001]message`.
//! Azure knows only errors and warnings, so notes are reported as warnings. Suppressed findings
//! are not printed; the exit code, not a `task.complete`, decides whether the step fails.

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::report::LintReport;

/// Azure's escaping for logging commands (`%` first, as `%AZP25`).
fn escape(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(';', "%3B").replace(']', "%5D");
    }
    out
}

pub fn line(d: &Diagnostic) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning | Severity::Note => "warning",
    };
    let loc = &d.location;
    let (l, c) = loc.file.line_col(loc.span.start);
    let message = d.with_help(match d.severity {
        Severity::Note => format!("note: {}", d.message),
        _ => d.message.clone(),
    });
    format!(
        "##vso[task.logissue type={kind};sourcepath={};linenumber={l};columnnumber={c};code={}]{}",
        escape(&super::printable_path(&loc.file.path), true),
        escape(d.rule, true),
        escape(&message, false)
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
    fn logging_commands() {
        let out = render(&report());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "##vso[task.logissue type=error;sourcepath=infra/main.json;linenumber=3;columnnumber=8;code=TST001]value is bad%0Ahelp: use a good value"
        );
        assert!(
            lines[1].starts_with("##vso[task.logissue type=warning;"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn notes_are_warnings_and_text_is_escaped() {
        let mut r = report();
        r.diagnostics.truncate(1);
        if let Some(d) = r.diagnostics.first_mut() {
            d.severity = Severity::Note;
            d.message = "100% ; done]".into();
            d.help = None;
        }
        assert_eq!(
            render(&r),
            "##vso[task.logissue type=warning;sourcepath=infra/main.json;linenumber=3;columnnumber=8;code=TST001]note: 100%AZP25 ; done]\n"
        );
        assert_eq!(escape("a;b]c", true), "a%3Bb%5Dc");
    }
}
