//! The capacity plan of many templates: each one loaded, expanded under each of its parameter
//! sets and read off its capacity model, in parallel; then combined.

use std::sync::Arc;

use rayon::prelude::*;

use super::lint::{LintOptions, load_parameter_file};
use crate::arm::graph::ResourceGraph;
use crate::arm::template::{ParameterSet, expand_for};
use crate::capacity::model::{CapacityModel, MODEL_TYPES};
use crate::capacity::plan::{CapacityPlan, TemplateFigures, combine};
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
    let (source, kind, parameter_files) = match crate::discover::load(input) {
        Loaded::Template {
            source,
            kind,
            parameter_files,
        } => (source, kind, parameter_files),
        Loaded::Skipped => return (Vec::new(), Vec::new()),
        Loaded::Unreadable(why) => return (Vec::new(), vec![(path, why.located_message())]),
    };
    let root = match json::parse(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = source.line_col(e.span.start);
            return (
                Vec::new(),
                vec![(path, format!("{line}:{col}: invalid JSON: {}", e.message))],
            );
        }
    };
    let mut problems = Vec::new();
    let mut sets = Vec::new();
    for p in &parameter_files {
        match load_parameter_file(p) {
            Ok(set) => sets.push(set),
            Err(d) => problems.push((d.location.file.display_path(), d.message.clone())),
        }
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
