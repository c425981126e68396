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
    let root = match json::parse(&source.text) {
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
        Some(p) => match SourceFile::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|f| ParameterSet::from_file(Arc::new(f)).map_err(|e| e.message))
        {
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
    let graph = ResourceGraph::build(expand(&source, &root, kind, &params, &scope));
    let stdout = match args.format {
        GraphFormat::Dot => emit::graph_dot::render(&graph),
        GraphFormat::Mermaid => emit::graph_mermaid::render(&graph),
        GraphFormat::Json => emit::graph_json::render(&graph, &source),
    };
    Outcome {
        stdout,
        ..Outcome::default()
    }
}
