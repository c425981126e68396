//! The capacity plan of many templates: each one loaded, expanded under each of its parameter
//! sets and read off its capacity model, in parallel; then combined.

use std::sync::Arc;

use rayon::prelude::*;

use super::lint::{LintOptions, load_parameter_set};
use crate::arm::graph::ResourceGraph;
use crate::arm::template::{ParameterSet, expand_for};
use crate::capacity::model::{CapacityModel, MODEL_TYPES};
use crate::capacity::plan::{CapacityPlan, TemplateFigures, combine};
use crate::diagnostic::Diagnostic;
use crate::discover::{Input, Loaded};
use crate::source::json;

/// What the run could not read, for the caller to report: (file, why).
pub type Problems = Vec<(String, String)>;

/// The capacity plan of the inputs (templates; other files are skipped).
pub fn capacity_plan(inputs: &[Input], opts: &LintOptions) -> (CapacityPlan, Problems) {
    let types = Arc::new(
        MODEL_TYPES
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .collect::<rustc_hash::FxHashSet<String>>(),
    );
    let results: Vec<(Vec<TemplateFigures>, Problems)> = inputs
        .par_iter()
        .with_max_len(1)
        .map(|input| figures_of(input, opts, &types))
        .collect();
    let mut figures = Vec::new();
    let mut problems = Vec::new();
    for (f, p) in results {
        figures.extend(f);
        problems.extend(p);
    }
    problems.sort();
    (combine(figures), problems)
}

fn figures_of(
    input: &Input,
    opts: &LintOptions,
    types: &Arc<rustc_hash::FxHashSet<String>>,
) -> (Vec<TemplateFigures>, Problems) {
    let path = crate::source::display_path(&input.path);
    // (the text to expand, the Bicep file it was lowered from, its scope when known)
    let (source, bicep, kind, parameter_files) = match crate::discover::load(input) {
        Loaded::Template {
            source,
            kind,
            parameter_files,
        } => (source, None, Some(kind), parameter_files),
        Loaded::Bicep {
            source,
            parameter_files,
        } => match super::lint_bicep::lower_bicep(&source, opts) {
            // Consumers are named by the .bicep; their pointers are into the lowered template.
            Ok(lowered) => (
                lowered.sources.generated,
                Some(source),
                None,
                parameter_files,
            ),
            Err(found) => return (Vec::new(), located(&found)),
        },
        Loaded::BicepParams { .. } | Loaded::Skipped => return (Vec::new(), Vec::new()),
        Loaded::Unreadable(why) => return (Vec::new(), vec![(path, why.located_message())]),
    };
    let root = match json::parse(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let shown = bicep.as_ref().unwrap_or(&source);
            let (line, col) = shown.line_col(e.span.start);
            let why = format!("{line}:{col}: invalid JSON: {}", e.message);
            return (Vec::new(), vec![(path, why)]);
        }
    };
    let kind = kind.unwrap_or_else(|| super::lint::kind_of(&root));
    let mut problems = Vec::new();
    let mut sets = Vec::new();
    for p in &parameter_files {
        let (set, found) = load_parameter_set(p, opts);
        sets.extend(set);
        problems.extend(located(&found));
    }
    if sets.is_empty() {
        sets.push(ParameterSet::default());
    }
    let figures = sets
        .iter()
        .map(|set| {
            let expansion = expand_for(&source, &root, kind, set, &opts.scope, Some(types.clone()));
            let graph = ResourceGraph::build(expansion);
            let model = CapacityModel::build_assuming(&graph, &[], opts.capacity_assumptions);
            TemplateFigures::of(
                &model,
                &graph,
                source.display_path(),
                set.file.as_ref().map(|f| f.display_path()),
            )
        })
        .collect();
    (figures, problems)
}

/// Findings that keep a file out of the plan, as (file, `line:col: message`).
fn located(found: &[Diagnostic]) -> Problems {
    found
        .iter()
        .map(|d| {
            let (line, col) = d.location.file.line_col(d.location.span.start);
            let file = d.location.file.display_path();
            (file, format!("{line}:{col}: {}", d.message))
        })
        .collect()
}
