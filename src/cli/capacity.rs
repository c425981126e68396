//! `armlint capacity`: the capacity plan per reservation group.

use std::path::PathBuf;

use clap::ValueEnum;

use super::configuration::{ConfigArgs, configuration, read_instance_views};
use super::scope_args::ScopeArgs;
use super::{Color, Environment, Outcome};
use crate::discover::discover;
use crate::emit;
use crate::engine::LintOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CapacityFormat {
    Table,
    Markdown,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct CapacityArgs {
    /// Files and directories (default: .).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CapacityFormat::Table)]
    pub format: CapacityFormat,
    /// Parameter file for the template(s) named (repeatable).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<PathBuf>,
    /// Do not pair parameter files automatically.
    #[arg(long)]
    pub no_parameter_files: bool,
    /// Live instance view of a capacity reservation group (`GET …?$expand=instanceView`, or
    /// `az capacity reservation group show --instance-view`); repeatable.
    #[arg(long = "instance-view", value_name = "FILE")]
    pub instance_views: Vec<PathBuf>,
    /// Colour: only on a terminal by default; NO_COLOR is honoured.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub(super) fn capacity(args: CapacityArgs, env: &mut Environment<'_>) -> Outcome {
    let config = match configuration(&args.config) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let opts = LintOptions {
        scope: config.scope(args.scope.scope_config()),
        capacity_assumptions: config.capacity,
        ..LintOptions::default()
    };
    let discover_opts = config.discover_options(&args.parameters, args.no_parameter_files);
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let d = match discover(&paths, &discover_opts) {
        Ok(d) => d,
        Err(e) => return Outcome::usage(e),
    };
    let views = match read_instance_views(&config.instance_views(&args.instance_views)) {
        Ok(v) => v,
        Err(e) => return Outcome::usage(e),
    };
    #[cfg(feature = "mimalloc")]
    crate::alloc::huge_pages_for_input(d.inputs.iter().map(|i| i.size).sum());
    let (mut plan, problems) = crate::engine::capacity_plan(&d.inputs, &opts);
    if let Err(e) = crate::capacity::plan::apply_views(&mut plan, &views) {
        return Outcome::usage(e.to_string());
    }
    let color = args.color.enabled(env);
    let stdout = match args.format {
        CapacityFormat::Table => emit::capacity_table::render(&plan, color),
        CapacityFormat::Markdown => emit::capacity_markdown::render(&plan),
        CapacityFormat::Json => emit::capacity_json::render(&plan),
    };
    // A file the plan could not read leaves it incomplete: say so, and fail like lint does.
    let stderr: String = problems
        .iter()
        .map(|(file, why)| {
            let file = crate::source::printable_text(file);
            format!("armlint: {file}: {why} (left out of the plan)\n")
        })
        .collect();
    Outcome {
        code: i32::from(!problems.is_empty()),
        stdout,
        stderr,
    }
}
