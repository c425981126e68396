//! What the commands start from: the configuration in effect, users' declarative rules and the
//! instance views, each problem a usage error or a line for stderr.

use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use crate::config::{self, Config};
use crate::rules;
use crate::source::SourceFile;

/// Which configuration file is in effect.
#[derive(Args, Debug, Default)]
pub struct ConfigArgs {
    /// Configuration file (default: the nearest .armlint.yaml from the current directory upward).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no configuration file.
    #[arg(long)]
    pub no_config: bool,
}

/// The configuration in effect for a command; an invalid one is a usage error.
pub(super) fn configuration(args: &ConfigArgs) -> Result<Config, Outcome> {
    let cwd = std::env::current_dir()
        .map_err(|e| Outcome::usage(format!("cannot read the current directory: {e}")))?;
    config::resolve(args.config.as_deref(), !args.no_config, &cwd).map_err(Outcome::usage)
}

/// The configuration with the declarative rules of its `rulesDirs` and of `--rules-dir`, and
/// the problems of broken rule files (for stderr). The file is read twice: first to learn its
/// rule directories, then to check the rule names it uses against every rule, loaded ones too.
pub(super) fn configuration_with_rules(
    args: &ConfigArgs,
    cli_rules_dirs: &[PathBuf],
) -> Result<(Config, rules::ExtraRules, String), Outcome> {
    let cwd = std::env::current_dir()
        .map_err(|e| Outcome::usage(format!("cannot read the current directory: {e}")))?;
    let explicit = args.config.as_deref();
    let first = config::resolve_with(explicit, !args.no_config, &cwd, &config::KnownRules::any())
        .map_err(Outcome::usage)?;
    let (extra, problems) = load_user_rules(&first.rules_dirs(cli_rules_dirs));
    let known = config::KnownRules::new(
        extra
            .with_builtin()
            .iter()
            .map(|r| (r.meta().id.to_string(), r.meta().name.to_string())),
    );
    let config =
        config::resolve_with(explicit, !args.no_config, &cwd, &known).map_err(Outcome::usage)?;
    Ok((config, extra, problems))
}

/// Users' rules from `dirs`; the problems as lines for stderr.
pub(super) fn load_user_rules(dirs: &[PathBuf]) -> (rules::ExtraRules, String) {
    let (loaded, errors) = rules::declarative::load_dirs(dirs, rules::all());
    let mut stderr = String::new();
    for e in &errors {
        stderr.push_str(&format!("armlint: {e}\n"));
    }
    if !errors.is_empty() {
        stderr.push_str(&format!(
            "armlint: {} rule file problem(s); the other rules ran\n",
            errors.len()
        ));
    }
    (rules::ExtraRules(loaded), stderr)
}

/// Read the instance views named on the command line; the first problem is a usage error.
pub(super) fn read_instance_views(
    paths: &[PathBuf],
) -> Result<Vec<crate::capacity::instance_view::InstanceView>, String> {
    let views = paths
        .iter()
        .map(|p| {
            let name = crate::source::display_path(p);
            let file = SourceFile::read(p).map_err(|e| format!("{name}: {e}"))?;
            crate::capacity::instance_view::parse(&name, &file.text).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    crate::capacity::instance_view::check_distinct(&views).map_err(|e| e.to_string())?;
    Ok(views)
}
