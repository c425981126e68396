//! `armlint graph`: a template's resolved resource graph as DOT, Mermaid or JSON.

use std::path::PathBuf;
use std::sync::Arc;

use clap::ValueEnum;

use super::Outcome;
use super::configuration::{ConfigArgs, configuration};
use crate::arm::document::DocumentKind;
use crate::arm::graph::ResourceGraph;
use crate::arm::scope::ScopeConfig;
use crate::arm::template::{ParameterSet, expand};
use crate::emit;
use crate::engine::LintOptions;
use crate::source::SourceFile;
use crate::source::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// The template.
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Parameter file to evaluate with (default: the paired one, else defaults).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Option<PathBuf>,
    #[arg(long)]
    pub subscription_id: Option<String>,
    #[arg(long)]
    pub resource_group: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub(super) fn graph(args: GraphArgs) -> Outcome {
    let config = match configuration(&args.config) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let source = match SourceFile::read(&args.file) {
        Ok(s) => Arc::new(s),
        Err(e) => return Outcome::usage(format!("{}: {e}", args.file.display())),
    };
    // A .bicep is lowered first; the graph is the lowered template's, its positions the Bicep's.
    let lowered = match crate::discover::language_of(&args.file) {
        crate::discover::Language::Json => None,
        _ => match crate::engine::lint_bicep::lower_bicep(&source, &LintOptions::default()) {
            Ok(lowered) => Some(lowered.sources),
            Err(found) => return cannot_lower(&found),
        },
    };
    let template = lowered.as_ref().map_or(&source, |l| &l.generated);
    let root = match json::parse(&template.text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = source.line_col(e.span.start);
            return Outcome {
                stderr: format!(
                    "{}:{line}:{col}: invalid JSON: {}\n",
                    source.display_path(),
                    e.message
                ),
                code: 1,
                ..Outcome::default()
            };
        }
    };
    let kind = match json::as_object(&root)
        .and_then(|o| json::get_str(o, "$schema"))
        .map(crate::arm::document::kind_of_schema)
    {
        Some(DocumentKind::Template(k)) => k,
        _ => {
            return Outcome::usage(format!(
                "{}: not an ARM template (no deployment template $schema)",
                source.display_path()
            ));
        }
    };
    // Else the first the configuration maps to the template, or the first paired one.
    let param_path = args.parameters.clone().or_else(|| {
        config
            .discover_options(&[], false)
            .parameter_files_for(&args.file)
            .into_iter()
            .next()
    });
    let params = match param_path {
        Some(p) => match crate::engine::read_parameter_set(&p) {
            Ok(set) => set,
            Err(e) => return Outcome::usage(format!("{}: {e}", p.display())),
        },
        None => ParameterSet::default(),
    };
    let scope = config.scope(ScopeConfig {
        subscription_id: args.subscription_id,
        resource_group: args.resource_group,
        location: None,
        tenant_id: None,
    });
    let graph = ResourceGraph::build(expand(template, &root, kind, &params, &scope));
    let stdout = match (args.format, &lowered) {
        (GraphFormat::Dot, _) => emit::graph_dot::render(&graph),
        (GraphFormat::Mermaid, _) => emit::graph_mermaid::render(&graph),
        (GraphFormat::Json, None) => emit::graph_json::render(&graph, &source),
        (GraphFormat::Json, Some(lowered)) => {
            let locate = |span| {
                lowered
                    .locate(span)
                    .map_or((0, 0), |(file, span)| file.line_col(span.start))
            };
            emit::graph_json::render_located(&graph, &source.display_path(), &locate)
        }
    };
    Outcome {
        stdout,
        ..Outcome::default()
    }
}

/// A `.bicep` that cannot be lowered: its findings, one a line, and exit code 1.
fn cannot_lower(found: &[crate::diagnostic::Diagnostic]) -> Outcome {
    let stderr = found
        .iter()
        .map(|d| {
            let (line, col) = d.location.file.line_col(d.location.span.start);
            let file = d.location.file.display_path();
            format!(
                "{file}:{line}:{col}: {}[{}] {}\n",
                d.severity, d.rule, d.message
            )
        })
        .collect();
    Outcome {
        stderr,
        code: 1,
        ..Outcome::default()
    }
}
