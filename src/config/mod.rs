//! `.armlint.yaml`: the configuration file, its format, where it is found, and what it resolves
//! to. The command line turns a [`Config`] into [`LintOptions`](crate::engine::LintOptions) and
//! [`DiscoverOptions`]; its flags win over the file. [`STARTER`] is what `armlint init` writes.
//!
//! Every mistake in the file (an unknown key, a wrong type, an unknown rule or severity, an invalid
//! glob, a path that does not exist) is a [`ConfigError`] with the file, line and column.
//!
//! One file per job: [`find()`] locates and reads the file, [`parse()`] turns its text into a
//! [`Config`] (the file's schema and its validating scalars are in `format`, the depth check
//! before the YAML parser in `nesting`), `options` merges a [`Config`] with the command line,
//! [`KnownRules`] is what rule names may be used, and [`init()`] writes the starter file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::arm::scope::ScopeConfig;
use crate::capacity::model::CapacityAssumptions;
use crate::diagnostic::Severity;
use crate::discover::{ParameterMapping, PathGlobs};

mod find;
mod format;
mod init;
mod known_rules;
mod nesting;
mod options;
mod parse;
#[cfg(test)]
mod tests;

pub use find::{find, load, resolve, resolve_with};
pub use init::{InitError, STARTER, init};
pub use known_rules::KnownRules;
pub use parse::parse;

/// The names a configuration file may have, in order of preference.
pub const FILE_NAMES: [&str; 2] = [".armlint.yaml", ".armlint.yml"];

/// A rule's severity in the configuration: a level, or not run at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeverityOverride {
    Level(Severity),
    Off,
}

/// A configuration resolved against its file's directory. [`Config::default`] is no file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file, as found or given (relative to the working directory when it is at or above
    /// it); `None` when no configuration is in effect.
    pub path: Option<PathBuf>,
    /// The file's directory, which its relative paths and globs are relative to.
    pub dir: PathBuf,
    /// Rule IDs to run (`select:`); empty: every rule.
    pub select: Vec<String>,
    /// Rule IDs not to run (`ignore:`).
    pub ignore: Vec<String>,
    /// Severity per rule ID (`severity:`).
    pub severity: BTreeMap<String, SeverityOverride>,
    /// Files not to lint (`exclude:`); `None` when there are none.
    pub exclude: Option<PathGlobs>,
    /// Parameter files per template glob (`parameters:`), resolved against [`Config::dir`].
    pub parameters: Vec<ParameterMapping>,
    /// Automatic `X.parameters*.json` pairing (`pairParameterFiles:`).
    pub pair_parameter_files: bool,
    /// Deployment context for `subscription()` / `resourceGroup()` (`deployment:`).
    pub deployment: ScopeConfig,
    /// Assumptions of the capacity model (`capacity:`).
    pub capacity: CapacityAssumptions,
    /// Instance views (`instanceViews:`), resolved against [`Config::dir`].
    pub instance_views: Vec<PathBuf>,
    /// Directories of declarative rules (`rulesDirs:`), resolved against [`Config::dir`].
    pub rules_dirs: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            dir: PathBuf::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            exclude: None,
            parameters: Vec::new(),
            pair_parameter_files: true,
            deployment: ScopeConfig::default(),
            capacity: CapacityAssumptions::default(),
            instance_views: Vec::new(),
            rules_dirs: Vec::new(),
        }
    }
}

/// Why the configuration cannot be used (exit code 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as displayed.
    pub file: String,
    /// 1-based line and column, when the mistake has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}
