//! Linting a parsed `.bicep` file: syntax errors are `parse-error`s and lowering errors
//! `invalid-template`s at their Bicep positions (all of them); otherwise the lowered JSON is
//! linted like any template and every finding is mapped back to the Bicep source.

use std::sync::Arc;

use crate::arm::bicep::lower_template::lower_template;
use crate::diagnostic::{Diagnostic, Location};
use crate::rules;
use crate::rules::RuleMeta;
use crate::source::bicep::syntax::BicepFile;
use crate::source::{SourceFile, Span};

use super::bicep_spans::LoweredSources;
use super::lint::{LintOptions, lint_template};
use super::report::Summary;

/// Lints `file`, parsed from `source` (a `.bicep` file), on its parameters' defaults.
pub fn lint_bicep(
    source: &Arc<SourceFile>,
    file: &BicepFile,
    opts: &LintOptions,
) -> (Vec<Diagnostic>, Summary) {
    let summary = Summary {
        files: 1,
        templates: 1,
        ..Summary::default()
    };
    let at = |span| Location {
        file: Arc::clone(source),
        span,
        pointer: String::new(),
    };
    // Syntax and lowering errors alike: one finding each at its Bicep span, when the rule is on.
    let report = |meta: &'static RuleMeta, errors: Vec<(Span, String)>| {
        if !opts.selection.enabled(meta) {
            return vec![];
        }
        errors
            .into_iter()
            .map(|(span, message)| meta.diagnostic(at(span), message))
            .collect()
    };
    if !file.errors.is_empty() {
        let errors = file.errors.iter().map(|e| (e.span, e.message.clone()));
        let meta = &rules::syntax::parse_error::ParseError::META;
        return (report(meta, errors.collect()), summary);
    }
    let lowered = match lower_template(file, source.path.clone()) {
        Ok(lowered) => lowered,
        Err(errors) => {
            let errors = errors.into_iter().map(|e| (e.span, e.message));
            let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
            return (report(meta, errors.collect()), summary);
        }
    };
    // The generated file is named after the source so nothing unmapped can look like another
    // file of the user's; every location in it is mapped back below.
    let generated = Arc::new(SourceFile::new(source.path.clone(), lowered.text));
    let sources = LoweredSources {
        generated: Arc::clone(&generated),
        map: lowered.map,
        files: vec![Arc::clone(source)],
    };
    let (mut diagnostics, summary) = lint_template(&generated, None, &[], opts);
    for diagnostic in &mut diagnostics {
        sources.map_back(diagnostic);
    }
    crate::diagnostic::sort(&mut diagnostics);
    (diagnostics, summary)
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
