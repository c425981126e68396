//! `armlint init`: the starter configuration and writing it.

use std::fmt;
use std::path::{Path, PathBuf};

use super::FILE_NAMES;

/// The starter configuration `armlint init` writes: every key, explained, with its default.
pub const STARTER: &str = r#"# armlint configuration. armlint uses the nearest .armlint.yaml from the working directory
# upward (or --config FILE; --no-config ignores it). Relative paths and globs are relative to
# this file's directory. Every key is optional; the values here are the defaults, the commented
# lines examples. Command-line flags win over this file.

# Rules to run, by ID (CRG001) or name (flex-vm-missing-crg); empty: every rule.
# `armlint rules` lists them; --select replaces this list.
select: []

# Rules not to run; --ignore replaces this list.
ignore: []

# Severity per rule: error, warning, note, or off (not run, as if ignored).
# parse-error is always an error.
severity:
  # CRG011: error
  # over-reserved: off

# Files not to lint, found by a walk or named on the command line, in gitignore syntax:
# `legacy/` (or `legacy/**`) the files under a directory, `*.generated.json` a name anywhere,
# `!legacy/keep.json` taken back in (quote globs that start with `!` or `*`).
exclude:
  # - "legacy/**"
  # - "**/*.generated.json"

# Parameter files for the templates a glob matches, in addition to automatic pairing; each file
# is one evaluation. --parameters replaces this mapping.
parameters:
  # - template: "infra/main.json"
  #   files: ["env/prod.parameters.json", "env/dev.parameters.json"]

# Pair X.parameters.json and X.parameters.*.json with X.json (--no-parameter-files: false).
pairParameterFiles: true

# Deployment context for subscription(), resourceGroup() and tenant(); a value left out stays
# symbolic. --subscription-id, --resource-group and --location win over these.
deployment:
  # subscriptionId: "00000000-0000-0000-0000-000000000000"
  # resourceGroup: "rg-app"
  # location: "westeurope"
  # tenantId: "00000000-0000-0000-0000-000000000000"

# The capacity model. assumeDeclaredGroupsComplete true: a capacity reservation group declared
# in the files holds only the reservations declared there, so CRG003 (size not reserved), CRG005
# (zones) and CRG013 (over-reserved) can report on it. false: any declared group may have
# reservations deployed elsewhere, and those rules stay silent for it (a group an instance view
# shows is known from the view either way).
capacity:
  assumeDeclaredGroupsComplete: true

# Live instance views of capacity reservation groups, as --instance-view (which adds to these).
instanceViews: []

# Directories of declarative YAML rules, as --rules-dir (which adds to these).
rulesDirs: []
"#;

/// Why `armlint init` wrote nothing.
#[derive(Debug)]
pub enum InitError {
    /// A configuration is already there (and `--force` was not given).
    Exists(PathBuf),
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Exists(p) => write!(
                f,
                "{} already exists; use --force to overwrite it",
                crate::source::display_path(p)
            ),
            InitError::Io { path, error } => {
                write!(f, "{}: {error}", crate::source::display_path(path))
            }
        }
    }
}

impl std::error::Error for InitError {}

/// Write [`STARTER`] as `.armlint.yaml` in `dir`; an existing configuration there (either name)
/// is kept unless `force`. Returns the file written.
pub fn init(dir: &Path, force: bool) -> Result<PathBuf, InitError> {
    let target = dir.join(FILE_NAMES[0]);
    if !force
        && let Some(existing) = FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.symlink_metadata().is_ok())
    {
        return Err(InitError::Exists(existing));
    }
    let io = |error| InitError::Io {
        path: target.clone(),
        error,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Also refuses a file created since the check above.
        options.create_new(true);
    }
    let mut file = options.open(&target).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            InitError::Exists(target.clone())
        } else {
            io(e)
        }
    })?;
    std::io::Write::write_all(&mut file, STARTER.as_bytes()).map_err(io)?;
    Ok(target)
}
