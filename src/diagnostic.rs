//! The one diagnostic type every rule produces and every output format renders.

use std::sync::Arc;

use crate::source::{SourceFile, Span};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A location in a file: the span and the JSON pointer of the node it covers.
#[derive(Clone, Debug)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub pointer: String,
}

/// A secondary location with a message (the scale set profile, the group, the reservation, ...).
#[derive(Clone, Debug)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// The resource a finding is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    /// Pointer of the declaration in its file (through nested deployments).
    pub pointer: String,
    pub resource_type: String,
    /// The evaluated name, or the declaration's text when not known.
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable ID (`CRG001`, `parse-error`).
    pub rule: &'static str,
    /// Kebab-case name (`flex-vm-missing-crg`).
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
    pub resource: Option<ResourceRef>,
    pub related: Vec<Related>,
    /// The parameter file whose values produced the finding; `None` for defaults.
    pub parameters: Option<String>,
}

impl Diagnostic {
    /// `text`, then the help on a line of its own (`help: …`) when there is one: how the
    /// one-message formats (CI annotations, SARIF, JUnit, the language server) carry both.
    pub fn with_help(&self, text: String) -> String {
        match &self.help {
            Some(h) => format!("{text}\nhelp: {h}"),
            None => text,
        }
    }

    /// Sort key for deterministic output: file, position, rule, then message.
    pub fn sort_key(&self) -> (String, u32, u32, &'static str, &str) {
        (
            self.location.file.display_path(),
            self.location.span.start,
            self.location.span.end,
            self.rule,
            &self.message,
        )
    }
}

/// Sort diagnostics deterministically (by file, line, column, rule, message).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// What kept a finding out of the report (`suppressed.kind` in the JSON output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuppressionKind {
    /// `metadata.armlint.suppress` in the template.
    Metadata,
    /// A `// armlint-ignore` comment.
    Comment,
    /// A fingerprint in the `--baseline` file.
    Baseline,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Metadata => "metadata",
            SuppressionKind::Comment => "comment",
            SuppressionKind::Baseline => "baseline",
        }
    }
}

/// The suppression (or baseline entry) that applied to a finding.
#[derive(Clone, Debug)]
pub struct SuppressedBy {
    pub kind: SuppressionKind,
    pub reason: String,
    pub expires: Option<crate::calendar::Date>,
    /// The suppression entry, comment or baseline entry.
    pub location: Location,
}

/// A finding that a suppression or the baseline keeps out of the text formats and the exit code;
/// the JSON output still lists it.
#[derive(Clone, Debug)]
pub struct SuppressedDiagnostic {
    pub diagnostic: Diagnostic,
    pub by: SuppressedBy,
}

/// Sort suppressed findings like the others.
pub fn sort_suppressed(diags: &mut [SuppressedDiagnostic]) {
    diags.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
}
