//! Linting a `.bicep` file: syntax errors are `parse-error`s and lowering errors
//! `invalid-template`s at their Bicep positions (all of them); otherwise the lowered JSON is
//! linted like any template, under each parameter set (`.bicepparam` or JSON), and every
//! finding is mapped back to the Bicep source it came from.

use std::path::PathBuf;
use std::sync::Arc;

use crate::arm::bicep::lower_template::lower_template_with;
use crate::arm::scope::ScopeKind;
use crate::diagnostic::{Diagnostic, Location, Related};
use crate::discover::module_loader::ModuleLoader;
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

/// A `.bicep` file lowered (its local modules included), and what the lowering found beside
/// the template: notes on modules that are not in the cache.
pub struct LoweredBicep {
    pub sources: LoweredSources,
    pub notes: Vec<Diagnostic>,
    /// Registry modules not in the cache: (declaring file, offset of the path string).
    pub unresolved_modules: Vec<(PathBuf, u32)>,
}

/// Parses and lowers `source`; when it cannot be lowered, the findings that say why (syntax
/// errors first: a file that does not parse is not lowered).
pub fn lower_bicep(
    source: &Arc<SourceFile>,
    opts: &LintOptions,
) -> Result<LoweredBicep, Vec<Diagnostic>> {
    let file = crate::source::bicep::parse(&source.text);
    lower_parsed(source, &file, opts).map_err(|failed| failed.diagnostics)
}

/// Why a `.bicep` file was not lowered, and the registry modules found unresolved on the way.
struct NotLowered {
    diagnostics: Vec<Diagnostic>,
    unresolved_modules: Vec<(PathBuf, u32)>,
}

fn lower_parsed(
    source: &Arc<SourceFile>,
    file: &BicepFile,
    opts: &LintOptions,
) -> Result<LoweredBicep, NotLowered> {
    if !file.errors.is_empty() {
        let errors = file.errors.iter().map(|e| (e.span, e.message.clone()));
        let meta = &rules::syntax::parse_error::ParseError::META;
        return Err(NotLowered {
            diagnostics: report_errors(source, meta, errors, opts),
            unresolved_modules: Vec::new(),
        });
    }
    let mut loader = ModuleLoader::from_environment();
    let lowered = lower_template_with(file, source.path.clone(), &mut loader);
    let notes = module_findings(source, &loader, opts);
    let unresolved_modules: Vec<(PathBuf, u32)> = loader
        .unresolved
        .iter()
        .map(|m| (m.file.clone(), m.span.start))
        .collect();
    let lowered = match lowered {
        Ok(lowered) => lowered,
        Err(errors) => {
            // A cycle closed in this file is reported once, with both places (module_findings).
            let closes_cycle = |file: &std::path::Path, span: &Span| {
                loader
                    .cycles
                    .iter()
                    .any(|c| c.file == file && c.span == *span)
            };
            let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
            let (here, mut in_modules): (Vec<_>, Vec<_>) =
                errors.into_iter().partition(|e| e.file.is_none());
            let here = here
                .into_iter()
                .filter(|e| !closes_cycle(&source.path, &e.span))
                .map(|e| (e.span, e.message));
            let mut found = report_errors(source, meta, here, opts);
            // A module file used by several statements is reported once per error.
            in_modules.sort_by(|a, b| {
                (&a.file, a.span.start, &a.message).cmp(&(&b.file, b.span.start, &b.message))
            });
            in_modules.dedup();
            for error in in_modules {
                let Some(path) = error.file else { continue };
                if closes_cycle(&path, &error.span) {
                    continue;
                }
                let file = loader.source(&path).map_or_else(
                    || Arc::new(SourceFile::new(&path, String::new())),
                    Arc::clone,
                );
                found.extend(report_errors(
                    &file,
                    meta,
                    [(error.span, error.message)],
                    opts,
                ));
            }
            found.extend(notes);
            return Err(NotLowered {
                diagnostics: found,
                unresolved_modules,
            });
        }
    };
    // Module files by their id in the span map (the entry file is 0).
    let files = lowered
        .map
        .files()
        .iter()
        .enumerate()
        .map(|(n, path)| match loader.source(path) {
            Some(module) if n > 0 => Arc::clone(module),
            _ if n == 0 => Arc::clone(source),
            _ => Arc::new(SourceFile::new(path, String::new())),
        })
        .collect();
    // The generated file is named after the source so nothing unmapped can look like another
    // file of the user's; every location in it is mapped back.
    let generated = Arc::new(SourceFile::new(source.path.clone(), lowered.text));
    Ok(LoweredBicep {
        sources: LoweredSources {
            generated,
            map: lowered.map,
            files,
        },
        notes,
        unresolved_modules,
    })
}

/// What loading the modules found: syntax errors in module files, cycles (at the statement
/// that closes one, related to the statement it started from), and registry modules that are
/// not in the cache (notes).
fn module_findings(
    entry: &Arc<SourceFile>,
    loader: &ModuleLoader,
    opts: &LintOptions,
) -> Vec<Diagnostic> {
    let file_of = |path: &std::path::Path| -> Arc<SourceFile> {
        if path == entry.path {
            return Arc::clone(entry);
        }
        loader.source(path).map_or_else(
            || Arc::new(SourceFile::new(path, String::new())),
            Arc::clone,
        )
    };
    let mut found = Vec::new();
    for (path, errors) in &loader.syntax_errors {
        let errors = errors.iter().map(|e| (e.span, e.message.clone()));
        let meta = &rules::syntax::parse_error::ParseError::META;
        found.extend(report_errors(&file_of(path), meta, errors, opts));
    }
    for cycle in &loader.cycles {
        let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
        let message = format!(
            "module cycle: this module leads back to {}",
            crate::source::display_path(&cycle.back_to)
        );
        for mut d in report_errors(&file_of(&cycle.file), meta, [(cycle.span, message)], opts) {
            d.related.push(Related {
                location: Location {
                    file: file_of(&cycle.back_to),
                    span: cycle.back_span,
                    pointer: String::new(),
                },
                message: "the module statement the cycle starts from".into(),
            });
            found.push(d);
        }
    }
    for module in &loader.unresolved {
        let meta = &rules::syntax::unresolved_module::UnresolvedModule::META;
        let message = format!(
            "the module '{}' is not in the Bicep module cache ({}); what it deploys and outputs is unknown",
            module.reference, module.reason
        );
        found.extend(report_errors(
            &file_of(&module.file),
            meta,
            [(module.span, message)],
            opts,
        ));
    }
    found
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
    let failed = |diagnostics, unresolved_modules: Vec<(PathBuf, u32)>| Linted {
        diagnostics,
        summary: Summary {
            unresolved_modules: unresolved_modules.len() as u64,
            ..summary.clone()
        },
        unresolved_modules,
        ..Linted::default()
    };
    let LoweredBicep {
        sources,
        notes,
        unresolved_modules,
    } = match lower_parsed(source, file, opts) {
        Ok(lowered) => lowered,
        Err(not) => return failed(not.diagnostics, not.unresolved_modules),
    };
    let (root, kind) = match parse_lowered(&sources, opts) {
        Ok(parsed) => parsed,
        Err(diagnostics) => return failed(diagnostics, unresolved_modules),
    };
    let mut diags = notes;
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
    // `dependsOn` is the lowering's, not the user's: Bicep resolves dependencies symbolically, so
    // a failure to evaluate the classic entry the lowering wrote (a module whose scope cannot be
    // worked out while its condition is false) is nothing the user wrote or Azure would see.
    linted
        .diagnostics
        .retain(|d| !is_lowered_dependency(&d.location.pointer));
    for diagnostic in &mut linted.diagnostics {
        sources.map_back(diagnostic);
    }
    for suppressed in &mut linted.suppressed {
        sources.map_back(&mut suppressed.diagnostic);
    }
    linted.summary.unresolved_modules = unresolved_modules.len() as u64;
    linted.unresolved_modules = unresolved_modules;
    crate::diagnostic::sort(&mut linted.diagnostics);
    linted
}

/// Whether `pointer` is in a resource's `dependsOn` (`/resources/3/dependsOn/0`, in a module's
/// template too), not in a property of that name.
fn is_lowered_dependency(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    segments.windows(3).any(|w| {
        matches!(w, [resources, index, "dependsOn"]
            if *resources == "resources" && !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn lowered_dependencies_are_told_from_properties_of_that_name() {
        assert!(is_lowered_dependency("/resources/3/dependsOn/0"));
        assert!(is_lowered_dependency("/resources/3/dependsOn"));
        assert!(is_lowered_dependency(
            "/resources/1/properties/template/resources/0/dependsOn/2"
        ));
        assert!(!is_lowered_dependency(
            "/resources/3/properties/dependsOn/0"
        ));
        assert!(!is_lowered_dependency("/resources/3/name"));
        assert!(!is_lowered_dependency(""));
    }
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
