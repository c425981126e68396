//! `--format human`: miette graphical reports with source snippets, then a summary line.
//!
//! Sources are shared through [`IndexedSource`] (an `Arc` of the file and a line index), so a
//! report costs a binary search, not a scan from the start of the file (stack.md §5.5).

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Counts, RenderOptions, plural, statistics};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::engine::report::LintReport;
use crate::source::SourceFile;
use crate::source::miette_source::{IndexedSource, LONG_LINE};

/// miette counts the column in its `[file:line:col]` header in bytes; the contract counts Unicode
/// scalar values, as the JSON and compact formats do. This recomputes it from the line index.
struct ScalarColumns(IndexedSource);

impl SourceCode for ScalarColumns {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self
            .0
            .read_span(span, context_lines_before, context_lines_after)?;
        let offset = u32::try_from(span.offset()).unwrap_or(u32::MAX);
        let (_, column) = self.0.file.line_col(offset);
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column.saturating_sub(1),
            contents.line_count(),
        )))
    }
}

/// A finding as miette sees it.
struct Report {
    code: String,
    /// The message, plus the parameter file when one produced the finding.
    text: String,
    severity: miette::Severity,
    help: Option<String>,
    source: ScalarColumns,
    labels: Vec<LabeledSpan>,
    /// Related locations in other files, each with its own snippet.
    related: Vec<RelatedReport>,
}

/// A related location in another file than the finding's.
struct RelatedReport {
    message: String,
    source: ScalarColumns,
    label: LabeledSpan,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("code", &self.code)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

impl fmt::Debug for RelatedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelatedReport")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for RelatedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RelatedReport {}

impl miette::Diagnostic for RelatedReport {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

/// The span clamped to the file and to character boundaries: a rule's span past the end (or
/// inside a multi-byte character) must still render, never panic or print a read error. A span that
/// starts or ends on a long line (a minified template) is cut to a short piece of its first line,
/// which is all the excerpt shows.
fn clamped_span(file: &SourceFile, loc: &Location) -> SourceSpan {
    let text: &str = &file.text;
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(loc.span.start as usize);
    let mut end = floor(loc.span.end as usize).max(start);
    let idx = file.line_index();
    let line_bounds = |offset: usize| {
        let line = idx.line_of(offset as u32);
        let from = idx.line_start(line).unwrap_or(0) as usize;
        let to = idx.line_start(line + 1).map_or(text.len(), |s| s as usize);
        (from, to)
    };
    let (first_from, first_to) = line_bounds(start);
    let (last_from, last_to) = line_bounds(end);
    if first_to - first_from > LONG_LINE || last_to - last_from > LONG_LINE {
        end = floor(end.min(first_to).min(start + LONG_LABEL)).max(start);
        // The line break itself is not part of the label.
        while end > start && matches!(text.as_bytes().get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
    }
    SourceSpan::new(start.into(), end - start)
}

/// Whether `loc` starts on a line longer than [`LONG_LINE`].
fn on_long_line(file: &SourceFile, loc: &Location) -> bool {
    let idx = file.line_index();
    let line = idx.line_of(loc.span.start);
    let from = idx.line_start(line).unwrap_or(0) as usize;
    let to = idx
        .line_start(line + 1)
        .map_or(file.text.len(), |s| s as usize);
    to.saturating_sub(from) > LONG_LINE
}

/// Bytes of a long line a label may cover.
const LONG_LABEL: usize = 120;

fn indexed(file: &Arc<SourceFile>) -> ScalarColumns {
    ScalarColumns(IndexedSource {
        file: file.clone(),
        name: super::printable_path(&file.path),
    })
}

fn same_file(a: &Arc<SourceFile>, b: &Arc<SourceFile>) -> bool {
    Arc::ptr_eq(a, b) || a.path == b.path
}

use crate::limits::DRAWN_RELATED;

fn report_of(d: &Diagnostic) -> Report {
    let file = &d.location.file;
    // The resource names what the finding is about; the message already says what is wrong.
    let primary_label = d
        .resource
        .as_ref()
        .map(|r| format!("{} '{}'", r.resource_type, r.name));
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        primary_label,
        clamped_span(file, &d.location),
    )];
    let mut related = Vec::new();
    for r in d.related.iter().take(DRAWN_RELATED) {
        let span = clamped_span(&r.location.file, &r.location);
        // On a long line (a minified template) each label gets its own excerpt: miette would
        // draw two labels of one line in one snippet, padded out to the farther one's column
        // (and cannot pad past 65,535 columns: it panicked).
        if same_file(&r.location.file, file)
            && !on_long_line(file, &d.location)
            && !on_long_line(file, &r.location)
        {
            labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), span));
        } else {
            related.push(RelatedReport {
                message: r.message.clone(),
                source: indexed(&r.location.file),
                label: LabeledSpan::new_with_span(None, span),
            });
        }
    }
    let code = if d.rule == d.name {
        format!("{}[{}]", d.severity, d.rule)
    } else {
        format!("{}[{}] {}", d.severity, d.rule, d.name)
    };
    let mut text = match &d.parameters {
        Some(p) => format!("{}\nwith parameters from {p}", d.message),
        None => d.message.clone(),
    };
    let undrawn = d.related.len().saturating_sub(DRAWN_RELATED);
    if undrawn > 0 {
        text.push_str(&format!(
            "\n({undrawn} more related locations are not drawn; --format json lists them all)"
        ));
    }
    Report {
        code,
        text,
        severity: miette_severity(d.severity),
        help: d.help.clone(),
        source: indexed(file),
        labels,
        related,
    }
}

/// `✖ 1 error, 2 warnings, 0 notes in 3 templates (7 files read, 2 skipped)`.
fn summary_line(report: &LintReport, color: bool) -> String {
    let s = &report.summary;
    let c = Counts::of(&report.diagnostics);
    // Hidden findings are counted, so that a clean run under suppressions does not look clean.
    let (suppressed, baselined) = report.suppressed_counts();
    let mut hidden = String::new();
    if suppressed > 0 {
        hidden.push_str(&format!("; {suppressed} suppressed"));
    }
    if baselined > 0 {
        hidden.push_str(&format!("; {baselined} in the baseline"));
    }
    let files = format!(
        "({} read, {} skipped{hidden})",
        plural(s.files, "file", "files"),
        s.skipped
    );
    let (symbol, ansi, text) = if c.errors + c.warnings + c.notes == 0 {
        let text = if s.templates == 0 {
            format!("no templates found {files}")
        } else {
            format!(
                "no findings in {} {files}",
                plural(s.templates, "template", "templates")
            )
        };
        ("✓", "32", text)
    } else {
        let symbol = if c.errors > 0 {
            ("✖", "31")
        } else if c.warnings > 0 {
            ("⚠", "33")
        } else {
            ("☞", "36")
        };
        let text = format!(
            "{}, {}, {} in {} {files}",
            plural(c.errors, "error", "errors"),
            plural(c.warnings, "warning", "warnings"),
            plural(c.notes, "note", "notes"),
            plural(s.templates, "template", "templates"),
        );
        (symbol.0, symbol.1, text)
    };
    if color {
        format!("\u{1b}[1;{ansi}m{symbol}\u{1b}[0m {text}\n")
    } else {
        format!("{symbol} {text}\n")
    }
}

pub fn render(report: &LintReport, opts: &RenderOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Links are terminal escapes: only where colour (a terminal) is wanted. miette subtracts its
    // indentation from the width for nested reports, so a tiny width would underflow.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width.max(20))
        .with_links(opts.color)
        .with_show_related_as_nested(true);
    let mut out = String::new();
    for d in &report.diagnostics {
        let r = report_of(d);
        let mut one = String::new();
        if handler.render_report(&mut one, &r).is_err() {
            // miette turns a source it cannot read into a formatter error; keep the finding visible
            // as its compact line rather than a half-drawn snippet.
            one = super::compact::line(d);
            one.push('\n');
        }
        out.push_str(&one);
        out.push('\n');
    }
    out.push_str(&summary_line(report, opts.color));
    if opts.statistics {
        out.push('\n');
        out.push_str(&statistics(&report.summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Related;
    use crate::emit::test_support::report;

    #[test]
    fn renders_code_message_labels_and_summary() {
        let out = render(
            &report(),
            &RenderOptions {
                color: false,
                width: 80,
                statistics: false,
                ..RenderOptions::default()
            },
        );
        println!("{out}");
        assert!(out.contains("error[TST001] test-rule"), "{out}");
        assert!(out.contains("value is bad"), "{out}");
        assert!(
            out.contains("with parameters from infra/main.parameters.json"),
            "{out}"
        );
        assert!(out.contains("help: use a good value"), "{out}");
        // Line 3, column 8: the BOM is not counted, `é` is one column.
        assert!(out.contains("[infra/main.json:3:8]"), "{out}");
        assert!(out.contains("Microsoft.Test/things 'thing1'"), "{out}");
        // A related location in the same file is a label on the same snippet ...
        assert!(out.contains("declared here"), "{out}");
        // ... one in another file is a child report with its own snippet.
        assert!(out.contains("used here"), "{out}");
        assert!(out.contains("[infra/other.json:2:3]"), "{out}");
        // The out-of-range finding renders without a read error.
        assert!(out.contains("past the end"), "{out}");
        assert!(!out.contains("Failed to read"), "{out}");
        assert!(
            out.ends_with(
                "✖ 1 error, 1 warning, 0 notes in 1 template (3 files read, 1 skipped)\n"
            ),
            "{out}"
        );
        assert!(!out.contains('\u{1b}'), "{out}");
    }

    #[test]
    fn a_finding_with_thousands_of_related_locations_draws_the_first_few() {
        let mut r = report();
        r.diagnostics.truncate(1);
        let d = &mut r.diagnostics[0];
        let first = d.related[0].clone();
        d.related = (0..5000)
            .map(|i| Related {
                message: format!("consumer {i}"),
                ..first.clone()
            })
            .collect();
        let out = render(&r, &RenderOptions::default());
        let drawn = (0..5000)
            .filter(|i| {
                out.contains(&format!("consumer {i}\n")) || out.contains(&format!("consumer {i} "))
            })
            .count();
        assert_eq!(drawn, DRAWN_RELATED, "{out}");
        assert!(
            out.contains(
                "(4976 more related locations are not drawn; --format json lists them all)"
            ),
            "{out}"
        );
        // A finding with no more than the drawn number says nothing of the kind.
        r.diagnostics[0].related.truncate(DRAWN_RELATED);
        let out = render(&r, &RenderOptions::default());
        assert!(!out.contains("more related locations"), "{out}");
    }

    #[test]
    fn colour_and_statistics() {
        let out = render(
            &report(),
            &RenderOptions {
                color: true,
                width: 80,
                statistics: true,
                rules: None,
            },
        );
        assert!(out.contains('\u{1b}'));
        assert!(
            out.contains("  expressions: 10 evaluated, 2 unknown, 3 unsupported\n"),
            "{out}"
        );
        assert!(out.contains("    fooBar: 2\n"), "{out}");
    }

    #[test]
    fn suppressed_findings_are_not_printed_but_counted() {
        let r = crate::emit::test_support::report_with_a_suppressed_finding();
        let out = render(&r, &RenderOptions::default());
        assert!(!out.contains("TST001"), "{out}");
        assert!(out.contains("TST002"), "{out}");
        assert!(
            out.ends_with(
                "⚠ 0 errors, 1 warning, 0 notes in 1 template (3 files read, 1 skipped; 1 suppressed)\n"
            ),
            "{out}"
        );
        let compact = crate::emit::compact::render(&r, &RenderOptions::default());
        assert!(!compact.contains("TST001"), "{compact}");
    }

    #[test]
    fn clean_run_says_so() {
        let mut r = LintReport::default();
        r.summary.templates = 2;
        r.summary.files = 3;
        let out = render(&r, &RenderOptions::default());
        assert_eq!(
            out,
            "✓ no findings in 2 templates (3 files read, 0 skipped)\n"
        );
        let empty = render(&LintReport::default(), &RenderOptions::default());
        assert_eq!(empty, "✓ no templates found (0 files read, 0 skipped)\n");
    }

    #[test]
    fn spans_past_the_end_or_inside_a_character_do_not_panic() {
        let mut r = report();
        for d in &mut r.diagnostics {
            // Past the end, inverted, and starting or ending inside `é` (bytes 15..17).
            for (s, e) in [
                (u32::MAX - 1, u32::MAX),
                (16, 18),
                (18, 16),
                (15, 16),
                (0, u32::MAX),
            ] {
                d.location.span = crate::source::Span { start: s, end: e };
                let one = r_clone(d);
                assert!(render(&one, &RenderOptions::default()).contains(d.message.as_str()));
                let narrow = RenderOptions {
                    width: 0,
                    ..RenderOptions::default()
                };
                assert!(render(&one, &narrow).contains(d.rule));
            }
        }
        fn r_clone(d: &Diagnostic) -> LintReport {
            LintReport {
                diagnostics: vec![d.clone()],
                ..LintReport::default()
            }
        }
    }

    #[test]
    fn empty_file_renders() {
        let file = Arc::new(SourceFile::new("empty.json", ""));
        let d = Diagnostic {
            rule: "parse-error",
            name: "parse-error",
            severity: Severity::Error,
            message: "the file is empty".into(),
            help: None,
            location: Location {
                file,
                span: crate::source::Span::new(0, 0),
                pointer: String::new(),
            },
            resource: None,
            related: Vec::new(),
            parameters: None,
        };
        let r = LintReport {
            diagnostics: vec![d],
            ..LintReport::default()
        };
        let out = render(&r, &RenderOptions::default());
        assert!(out.contains("error[parse-error]\n"), "{out}");
        assert!(out.contains("the file is empty"), "{out}");
    }
}
