//! `.bicepparam` files: read as the parameter set of the template their `using` names (values
//! evaluated as the compiler evaluates them, each finding about a value at its expression in the
//! `.bicepparam`), or linted alone when they pair with nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::arm::bicep::lower_bicepparam::{LoweredParameters, UsingTarget, lower_bicepparam};
use crate::arm::template::ParameterSet;
use crate::diagnostic::Diagnostic;
use crate::rules;
use crate::source::{SourceFile, Span};

use super::lint::{LintOptions, Linted};
use super::lint_bicep::report_errors;
use super::report::Summary;

/// Parses and lowers a `.bicepparam`: its values, or the findings that say why it cannot be
/// used (a syntax error); a value that cannot be lowered is an `invalid-template` finding and
/// is left unknown.
fn lowered(
    source: &Arc<SourceFile>,
    opts: &LintOptions,
) -> (Option<LoweredParameters>, Vec<Diagnostic>) {
    let file = crate::source::bicep::parse_params(&source.text);
    if !file.errors.is_empty() {
        let errors = file.errors.iter().map(|e| (e.span, e.message.clone()));
        let meta = &rules::syntax::parse_error::ParseError::META;
        return (None, report_errors(source, meta, errors, opts));
    }
    let mut modules = crate::discover::module_loader::ModuleLoader::from_environment();
    let lowered = lower_bicepparam(&file, &source.path, &mut modules);
    let errors = lowered.errors.iter().map(|e| (e.span, e.message.clone()));
    let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
    let found = report_errors(source, meta, errors, opts);
    (Some(lowered), found)
}

/// The `.bicepparam` at `path` as a parameter set, and the findings reading it gave.
pub(super) fn load_bicepparam(
    path: &Path,
    opts: &LintOptions,
) -> (Option<ParameterSet>, Vec<Diagnostic>) {
    let source = match SourceFile::read(path) {
        Ok(source) => Arc::new(source),
        Err(e) => {
            let empty = Arc::new(SourceFile::new(path, String::new()));
            let meta = &rules::syntax::invalid_parameter_file::InvalidParameterFile::META;
            let message = format!("cannot read the parameter file: {e}");
            return (
                None,
                report_errors(&empty, meta, [(Span::default(), message)], opts),
            );
        }
    };
    let (lowered, found) = lowered(&source, opts);
    let set = lowered.map(|lowered| {
        let mut values = HashMap::new();
        let mut spans = HashMap::new();
        for p in lowered.parameters {
            let key = p.name.to_ascii_lowercase();
            spans.insert(key.clone(), (p.name, p.span));
            values.insert(key, p.value);
        }
        ParameterSet {
            file: Some(Arc::clone(&source)),
            values,
            spans,
        }
    });
    (set, found)
}

/// A `.bicepparam` paired with no template: its syntax and lowering errors, and a `using`
/// that names a local template that does not exist.
pub(super) fn lint_alone(source: &Arc<SourceFile>, opts: &LintOptions) -> Linted {
    let (lowered, mut diagnostics) = lowered(source, opts);
    if let Some(UsingTarget::Path { path, span }) = lowered.map(|l| l.using)
        && !crate::discover::bicep_inputs::is_registry_reference(&path)
    {
        let dir = source.path.parent().unwrap_or(Path::new(""));
        if !dir.join(&path).is_file() {
            let meta = &rules::syntax::invalid_template::InvalidTemplate::META;
            let message = format!("the template '{path}' that `using` names does not exist");
            diagnostics.extend(report_errors(source, meta, [(span, message)], opts));
        }
    }
    Linted {
        diagnostics,
        summary: Summary {
            files: 1,
            ..Summary::default()
        },
        ..Linted::default()
    }
}
