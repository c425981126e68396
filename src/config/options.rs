//! A [`Config`] merged with the command line: what the file and the flags make of rule
//! selection, severities, the deployment scope, discovery, instance views and rule directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Config, SeverityOverride};
use crate::arm::scope::ScopeConfig;
use crate::diagnostic::Severity;
use crate::discover::{DiscoverOptions, absolute_lexical};
use crate::rules::{self, Selection};

impl Config {
    /// Whether a configuration file is in effect.
    pub fn is_in_effect(&self) -> bool {
        self.path.is_some()
    }

    /// The rules to run: `--select` / `--ignore` replace the file's lists when given. A rule the
    /// file turns `off` does not run either, unless `--select` names it.
    pub fn selection(&self, cli_select: &[String], cli_ignore: &[String]) -> Selection {
        let select = if cli_select.is_empty() {
            self.select.clone()
        } else {
            cli_select.to_vec()
        };
        let mut ignore = if cli_ignore.is_empty() {
            self.ignore.clone()
        } else {
            cli_ignore.to_vec()
        };
        let selected_on_cli = |id: &str| {
            cli_select
                .iter()
                .any(|s| rules::find(s).is_some_and(|r| r.meta().id == id) || s == id)
        };
        for (id, o) in &self.severity {
            if *o == SeverityOverride::Off && !selected_on_cli(id) {
                ignore.push(id.clone());
            }
        }
        Selection { select, ignore }
    }

    /// The severity levels the file sets, per rule ID (`off` is a matter of [`Config::selection`]).
    pub fn severity_overrides(&self) -> BTreeMap<String, Severity> {
        self.severity
            .iter()
            .filter_map(|(id, o)| match o {
                SeverityOverride::Level(s) => Some((id.clone(), *s)),
                SeverityOverride::Off => None,
            })
            .collect()
    }

    /// The deployment context: each value given on the command line wins over the file's.
    pub fn scope(&self, cli: ScopeConfig) -> ScopeConfig {
        let d = &self.deployment;
        ScopeConfig {
            subscription_id: cli.subscription_id.or_else(|| d.subscription_id.clone()),
            resource_group: cli.resource_group.or_else(|| d.resource_group.clone()),
            location: cli.location.or_else(|| d.location.clone()),
            tenant_id: cli.tenant_id.or_else(|| d.tenant_id.clone()),
        }
    }

    /// Discovery: `--parameters` replaces the file's mapping, `--no-parameter-files` turns
    /// pairing off whatever the file says.
    pub fn discover_options(
        &self,
        cli_parameters: &[PathBuf],
        cli_no_parameter_files: bool,
    ) -> DiscoverOptions {
        DiscoverOptions {
            no_parameter_files: cli_no_parameter_files || !self.pair_parameter_files,
            explicit_parameters: cli_parameters.to_vec(),
            exclude: self.exclude.clone(),
            parameter_mappings: if cli_parameters.is_empty() {
                self.parameters.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// The file's instance views, then those of the command line; a file named in both is
    /// read once (two views of one group are an error).
    pub fn instance_views(&self, cli: &[PathBuf]) -> Vec<PathBuf> {
        merge_paths(&self.instance_views, cli)
    }

    /// The file's rule directories, then those of the command line, each once.
    pub fn rules_dirs(&self, cli: &[PathBuf]) -> Vec<PathBuf> {
        merge_paths(&self.rules_dirs, cli)
    }
}

pub(super) fn merge_paths(from_file: &[PathBuf], cli: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    from_file
        .iter()
        .chain(cli)
        .filter(|p| seen.insert(absolute_lexical(Path::new(""), p)))
        .cloned()
        .collect()
}
