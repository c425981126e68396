//! Output formats. Every emitter turns a [`LintReport`] into a string; the library never prints.
//! Spans become lines and columns only here.

pub mod azure;
pub mod capacity_json;
pub mod capacity_markdown;
pub mod capacity_table;
pub mod compact;
pub mod github;
pub mod graph_dot;
pub mod graph_json;
pub mod graph_mermaid;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::report::{LintReport, Summary};

/// A path as a relative URI reference: every byte but the unreserved ones and `/` is
/// percent-encoded, the raw bytes of a name that is not UTF-8 too (never U+FFFD). SARIF uses it;
/// it is the one encoder for file paths in URIs.
pub fn percent_encode_path(path: &std::path::Path) -> String {
    percent_encode_bytes(&crate::source::display_path_bytes(path))
}

/// [`percent_encode_path`] on bytes: the one percent-encoder ([`crate::source::percent`]).
pub fn percent_encode_bytes(bytes: &[u8]) -> String {
    crate::source::percent::encode(bytes, crate::source::percent::PATH)
}

/// A file's path for a terminal or a CI log: [`crate::source::printable_path`].
pub use crate::source::printable_path;

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
    Azure,
    Junit,
}

impl OutputFormat {
    pub const ALL: &'static [OutputFormat] = &[
        OutputFormat::Human,
        OutputFormat::Compact,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
        OutputFormat::Azure,
        OutputFormat::Junit,
    ];

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Human => "human",
            OutputFormat::Compact => "compact",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Github => "github",
            OutputFormat::Azure => "azure",
            OutputFormat::Junit => "junit",
        }
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OutputFormat::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<&str> = OutputFormat::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown output format `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[derive(Clone, Copy)]
pub struct RenderOptions<'r> {
    /// ANSI colours (human format only).
    pub color: bool,
    /// Terminal width for wrapping (human format only).
    pub width: usize,
    /// Append the run's summary counts (human and compact; json always has them).
    pub statistics: bool,
    /// The rules findings may come from, for formats that describe them (SARIF); `None`: the
    /// built-in ones.
    pub rules: Option<&'r [crate::rules::RuleRef]>,
}

impl std::fmt::Debug for RenderOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderOptions")
            .field("color", &self.color)
            .field("width", &self.width)
            .field("statistics", &self.statistics)
            .field("rules", &self.rules.map(<[_]>::len))
            .finish()
    }
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
            statistics: false,
            rules: None,
        }
    }
}

/// Render a report in a format. The result ends with a newline unless it is empty.
pub fn render(report: &LintReport, format: OutputFormat, opts: &RenderOptions) -> String {
    match format {
        OutputFormat::Human => human::render(report, opts),
        OutputFormat::Compact => compact::render(report, opts),
        OutputFormat::Json => json::render(report),
        OutputFormat::Sarif => sarif::render(report, opts.rules.unwrap_or(crate::rules::all())),
        OutputFormat::Github => github::render(report),
        OutputFormat::Azure => azure::render(report),
        OutputFormat::Junit => junit::render(report),
    }
}

/// Findings per severity, counted from the diagnostics actually rendered so the totals always
/// agree with the list (a baseline or selection applied after the engine counted cannot skew them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub errors: u64,
    pub warnings: u64,
    pub notes: u64,
}

impl Counts {
    pub(crate) fn of(diags: &[Diagnostic]) -> Counts {
        let mut c = Counts::default();
        for d in diags {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }
}

/// `expressions.unsupported`: calls to functions armlint does not implement, summed over names.
pub(crate) fn unsupported_total(summary: &Summary) -> u64 {
    summary.unsupported_functions().values().sum()
}

/// `1 error`, `2 errors`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Each finding rendered by `line`, one a line (compact, GitHub, Azure Pipelines).
pub(crate) fn one_line_each(report: &LintReport, line: fn(&Diagnostic) -> String) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&line(d));
        out.push('\n');
    }
    out
}

/// The `--statistics` block shared by the text formats.
pub(crate) fn statistics(summary: &Summary) -> String {
    let e = &summary.expressions;
    let mut out = String::from("statistics:\n");
    let mut line = |k: &str, v: String| out.push_str(&format!("  {:<13}{v}\n", format!("{k}:")));
    line("files", summary.files.to_string());
    line("templates", summary.templates.to_string());
    line("skipped", summary.skipped.to_string());
    line("resources", summary.resources.to_string());
    line(
        "expressions",
        format!(
            "{} evaluated, {} unknown, {} unsupported",
            e.evaluated,
            e.unknown,
            unsupported_total(summary)
        ),
    );
    // Only runs that met Bicep registry modules say so; other runs' statistics stay as they were.
    if summary.unresolved_modules > 0 {
        out.push_str(&format!(
            "  unresolved modules: {} (Bicep registry modules not in the module cache)\n",
            summary.unresolved_modules
        ));
    }
    let unsupported = summary.unsupported_functions();
    if !unsupported.is_empty() {
        out.push_str("  unsupported functions:\n");
        for (name, n) in unsupported {
            out.push_str(&format!("    {name}: {n}\n"));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A hand-built report shared by the emitters' tests.

    use std::sync::Arc;

    use crate::diagnostic::{Diagnostic, Location, Related, ResourceRef, Severity};
    use crate::engine::report::{LintReport, Summary};
    use crate::source::{SourceFile, Span};

    /// A BOM (removed, not a column), `é` (2 bytes, 1 column) before the span on line 3, and a
    /// related location on line 2 of the same file and one in another file.
    pub const TEXT: &str = "\u{feff}{\n  \"a\": 1,\n  \"é\": \"bad\"\n}\n";

    pub fn report() -> LintReport {
        let file = Arc::new(SourceFile::new("infra/main.json", TEXT));
        let other = Arc::new(SourceFile::new("infra/other.json", "{\n  \"x\": 2\n}\n"));
        let text: &str = &file.text;
        // Byte offsets in the BOM-less text: `"bad"` and `"a"`.
        let bad = text.find("\"bad\"").unwrap_or(0);
        let a = text.find("\"a\"").unwrap_or(0);
        let x = other.text.find("\"x\"").unwrap_or(0);
        let diag = Diagnostic {
            rule: "TST001",
            name: "test-rule",
            severity: Severity::Error,
            message: "value is bad".into(),
            help: Some("use a good value".into()),
            location: Location {
                file: file.clone(),
                span: Span::new(bad, bad + 5),
                pointer: "/é".into(),
            },
            resource: Some(ResourceRef {
                pointer: "".into(),
                resource_type: "Microsoft.Test/things".into(),
                name: "thing1".into(),
            }),
            related: vec![
                Related {
                    location: Location {
                        file: file.clone(),
                        span: Span::new(a, a + 3),
                        pointer: "/a".into(),
                    },
                    message: "declared here".into(),
                },
                Related {
                    location: Location {
                        file: other.clone(),
                        span: Span::new(x, x + 3),
                        pointer: "/x".into(),
                    },
                    message: "used here".into(),
                },
            ],
            parameters: Some("infra/main.parameters.json".into()),
        };
        let warning = Diagnostic {
            rule: "TST002",
            name: "second-rule",
            severity: Severity::Warning,
            message: "past the end".into(),
            help: None,
            // Past the end of the file on purpose: emitters must clamp, not panic.
            location: Location {
                file: file.clone(),
                span: Span::new(500, 900),
                pointer: "".into(),
            },
            resource: None,
            related: vec![Related {
                location: Location {
                    file,
                    span: Span::new(700, 650),
                    pointer: "".into(),
                },
                message: "also out of range".into(),
            }],
            parameters: None,
        };
        let mut summary = Summary {
            files: 3,
            templates: 1,
            skipped: 1,
            resources: 4,
            ..Summary::default()
        };
        summary.expressions.evaluated = 10;
        summary.expressions.unknown = 2;
        summary.expressions.unsupported.insert("fooBar".into(), 2);
        summary.expressions.unsupported.insert("baz".into(), 1);
        summary.count(std::slice::from_ref(&diag));
        summary.count(std::slice::from_ref(&warning));
        LintReport {
            diagnostics: vec![diag, warning],
            summary,
            suppressed: Vec::new(),
        }
    }

    /// The same report with its first finding suppressed by a comment on line 2 of its file.
    pub fn report_with_a_suppressed_finding() -> LintReport {
        use crate::diagnostic::{SuppressedBy, SuppressedDiagnostic, SuppressionKind};
        let mut r = report();
        let d = r.diagnostics.remove(0);
        let location = Location {
            file: d.location.file.clone(),
            span: Span::new(4, 10),
            pointer: String::new(),
        };
        r.suppressed.push(SuppressedDiagnostic {
            diagnostic: d,
            by: SuppressedBy {
                kind: SuppressionKind::Comment,
                reason: "accepted for the test".into(),
                expires: crate::suppress::Date::new(2027, 3, 31),
                location,
            },
        });
        r
    }
}
