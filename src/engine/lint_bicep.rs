//! Linting a `.bicep` file: syntax errors are `parse-error`s and lowering errors
//! `invalid-template`s at their Bicep positions (all of them); otherwise the lowered JSON is
//! linted like any template, under each parameter set (`.bicepparam` or JSON), and every
//! finding is mapped back to the Bicep source it came from.

use std::path::PathBuf;
use std::sync::Arc;

use crate::arm::bicep::lower_template::lower_template;
use crate::arm::scope::ScopeKind;
use crate::diagnostic::{Diagnostic, Location};
use crate::rules;
use crate::rules::RuleMeta;
use crate::source::bicep::syntax::BicepFile;
use crate::source::json::{self, JsonValue};
use crate::source::{SourceFile, Span};

use super::bicep_spans::LoweredSources;
use super::lint::{LintOptions, Linted, RulePlan, kind_of, lint_sets, load_parameter_set};
use super::report::Summary;

/// One finding per error, each at its span in `file`, when the rule is enabled.
pub(super) fn report_errors(
    file: &Arc<SourceFile>,
    meta: &'static RuleMeta,
    errors: impl IntoIterator<Item = (Span, String)>,
    opts: &LintOptions,
) -> Vec<Diagnostic> {
    if !opts.selection.enabled(meta) {
        return vec![];
    }
    errors
        .into_iter()
        .map(|(span, message)| {
            let at = Location {
                file: Arc::clone(file),
                span,
                pointer: String::new(),
            };
            meta.diagnostic(at, message)
        })
        .collect()
}

/// Parses and lowers `source`; when it cannot be lowered, the findings that say why (syntax
/// errors first: a file that does not parse is not lowered).
pub fn lower_bicep(
    source: &Arc<SourceFile>,
    opts: &LintOptions,
) -> Result<LoweredSources, Vec<Diagnostic>> {
    let file = crate::source::bicep::parse(&source.text);
    lower_parsed(source, &file, opts)
}

fn lower_parsed(
    source: &Arc<SourceFile>,
    file: &BicepFile,
    opts: &LintOptions,
) -> Result<LoweredSources, Vec<Diagnostic>> {
    if !file.errors.is_empty() {
        let errors = file.errors.iter().map(|e| (e.span, e.message.clone()));
        let meta = &rules::syntax::parse_error::ParseError::META;
        return Err(report_errors(source, meta, errors, opts));
    }
    let lowered = lower_template(file, source.path.clone()).map_err(|errors| {
        let errors = errors.into_iter().map(|e| (e.span, e.message));
        let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
        report_errors(source, meta, errors, opts)
    })?;
    // The generated file is named after the source so nothing unmapped can look like another
    // file of the user's; every location in it is mapped back.
    let generated = Arc::new(SourceFile::new(source.path.clone(), lowered.text));
    Ok(LoweredSources {
        generated,
        map: lowered.map,
        files: vec![Arc::clone(source)],
    })
}

/// The lowered template's JSON tree and deployment scope.
pub fn parse_lowered<'a>(
    sources: &'a LoweredSources,
    opts: &LintOptions,
) -> Result<(JsonValue<'a>, ScopeKind), Vec<Diagnostic>> {
    match json::parse(&sources.generated.text) {
        Ok(root) => {
            let kind = kind_of(&root);
            Ok((root, kind))
        }
        Err(e) => {
            // The writer only writes valid JSON: this is a lowering bug, reported, not hidden.
            let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
            let message = format!("the lowered template is not valid JSON: {}", e.message);
            let entry = sources.files.first().unwrap_or(&sources.generated);
            Err(report_errors(
                entry,
                meta,
                [(Span::new(0, 0), message)],
                opts,
            ))
        }
    }
}

/// Lints `file`, parsed from `source` (a `.bicep` file), on its parameters' defaults.
pub fn lint_bicep(
    source: &Arc<SourceFile>,
    file: &BicepFile,
    opts: &LintOptions,
) -> (Vec<Diagnostic>, Summary) {
    let linted = lint_parsed(source, file, &[], opts, &RulePlan::new(opts));
    (linted.diagnostics, linted.summary)
}

/// Lints the `.bicep` file `source` under each of `parameter_files` (none: its defaults).
pub(super) fn lint_bicep_planned(
    source: &Arc<SourceFile>,
    parameter_files: &[PathBuf],
    opts: &LintOptions,
    plan: &RulePlan,
) -> Linted {
    let file = crate::source::bicep::parse(&source.text);
    lint_parsed(source, &file, parameter_files, opts, plan)
}

fn lint_parsed(
    source: &Arc<SourceFile>,
    file: &BicepFile,
    parameter_files: &[PathBuf],
    opts: &LintOptions,
    plan: &RulePlan,
) -> Linted {
    let summary = Summary {
        files: 1 + parameter_files.len() as u64,
        templates: 1,
        ..Summary::default()
    };
    let failed = |diagnostics| Linted {
        diagnostics,
        summary: summary.clone(),
        ..Linted::default()
    };
    let sources = match lower_parsed(source, file, opts) {
        Ok(sources) => sources,
        Err(diagnostics) => return failed(diagnostics),
    };
    let (root, kind) = match parse_lowered(&sources, opts) {
        Ok(parsed) => parsed,
        Err(diagnostics) => return failed(diagnostics),
    };
    let mut diags = Vec::new();
    let mut sets = Vec::new();
    for p in parameter_files {
        let (set, found) = load_parameter_set(p, opts);
        sets.extend(set);
        diags.extend(found);
    }
    let mut linted = lint_sets(
        &sources.generated,
        &root,
        false,
        kind,
        sets,
        diags,
        summary,
        opts,
        plan,
    );
    for diagnostic in &mut linted.diagnostics {
        sources.map_back(diagnostic);
    }
    for suppressed in &mut linted.suppressed {
        sources.map_back(&mut suppressed.diagnostic);
    }
    crate::diagnostic::sort(&mut linted.diagnostics);
    linted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::source::bicep::syntax::{
        Expr, ExprKind, Ident, Statement, StatementKind, SyntaxError,
    };

    fn var_of(name: &str, span: Span) -> Statement {
        Statement {
            span,
            decorators: vec![],
            kind: StatementKind::Var {
                name: Ident {
                    name: "v".into(),
                    span,
                },
                ty: None,
                value: Expr {
                    span,
                    kind: ExprKind::Ident(Ident {
                        name: name.into(),
                        span,
                    }),
                },
            },
        }
    }

    #[test]
    fn syntax_and_structure_errors_are_reported_at_their_bicep_positions() {
        let source = Arc::new(SourceFile::new("main.bicep", "var v = nope\n".to_string()));
        let broken = BicepFile {
            errors: vec![SyntaxError {
                span: Span::new(4, 5),
                message: "expected '='".into(),
            }],
            ..BicepFile::default()
        };
        let (diagnostics, _) = lint_bicep(&source, &broken, &LintOptions::default());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.rule, d.location.span))
            .collect();
        assert_eq!(found, vec![("parse-error", Span::new(4, 5))]);

        let unknown = BicepFile {
            statements: vec![var_of("nope", Span::new(8, 12))],
            ..BicepFile::default()
        };
        let (diagnostics, _) = lint_bicep(&source, &unknown, &LintOptions::default());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.rule, d.location.span, d.location.file.display_path()))
            .collect();
        assert_eq!(
            found,
            vec![(
                "invalid-template",
                Span::new(8, 12),
                "main.bicep".to_string()
            )]
        );
    }

    #[test]
    fn a_lowered_file_is_linted_and_its_findings_stay_in_the_bicep_file() {
        // A default below its @minValue: the finding comes from linting the lowered template
        // and must land on the default's value in the .bicep.
        let text = "@minValue(5)\nparam n int = 1\n";
        let source = Arc::new(SourceFile::new("main.bicep", text.to_string()));
        let file = crate::source::bicep::parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let (diagnostics, summary) = lint_bicep(&source, &file, &LintOptions::default());
        assert_eq!(summary.templates, 1);
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| {
                assert!(Arc::ptr_eq(&d.location.file, &source), "{d:?}");
                (d.rule, source.line_col(d.location.span.start))
            })
            .collect();
        assert_eq!(
            found,
            vec![("invalid-parameter-value", (2, 15))],
            "{diagnostics:#?}"
        );
    }
}
