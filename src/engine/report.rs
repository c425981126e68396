//! What a lint run returns: sorted diagnostics, the sources they point into, and summary counts.

use std::collections::BTreeMap;

use crate::arm::expr::EvalStats;
use crate::diagnostic::{Diagnostic, Severity, SuppressedDiagnostic, SuppressionKind};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files read (templates, parameter files and skipped files named or found).
    pub files: u64,
    pub templates: u64,
    /// Files that are not templates (no deployment-template `$schema`), skipped silently.
    pub skipped: u64,
    /// Resource instances after expansion, summed over parameter sets.
    pub resources: u64,
    pub errors: u64,
    pub warnings: u64,
    pub notes: u64,
    pub expressions: EvalStats,
    /// Registry and template-spec modules of `.bicep` files that are not in the module cache
    /// (deployments whose content is unknown).
    pub unresolved_modules: u64,
}

impl Summary {
    pub fn merge(&mut self, other: &Summary) {
        self.files += other.files;
        self.templates += other.templates;
        self.skipped += other.skipped;
        self.resources += other.resources;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.notes += other.notes;
        self.expressions.merge(&other.expressions);
        self.unresolved_modules += other.unresolved_modules;
    }

    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
        }
    }

    pub fn unsupported_functions(&self) -> &BTreeMap<String, u64> {
        &self.expressions.unsupported
    }
}

#[derive(Debug, Default)]
pub struct LintReport {
    /// Sorted by file, position, rule. What the text formats print and the exit code counts.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Findings kept out by a suppression or the baseline, sorted the same way (JSON lists them).
    pub suppressed: Vec<SuppressedDiagnostic>,
}

impl LintReport {
    /// True when a finding is at or above `fail_on` (`None`: never fail).
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        fail_on.is_some_and(|min| self.diagnostics.iter().any(|d| d.severity >= min))
    }

    /// Suppressed findings: (by a suppression in the template, by the baseline).
    pub fn suppressed_counts(&self) -> (u64, u64) {
        let baselined = self
            .suppressed
            .iter()
            .filter(|s| s.by.kind == SuppressionKind::Baseline)
            .count() as u64;
        (self.suppressed.len() as u64 - baselined, baselined)
    }
}
