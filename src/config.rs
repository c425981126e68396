//! `.armlint.yaml`: the configuration file, its format, where it is found, and what it resolves
//! to. The command line turns a [`Config`] into [`LintOptions`](crate::engine::LintOptions) and
//! [`DiscoverOptions`]; its flags win over the file. [`STARTER`] is what `armlint init` writes.
//!
//! Every mistake in the file (an unknown key, a wrong type, an unknown rule or severity, an invalid
//! glob, a path that does not exist) is a [`ConfigError`] with the file, line and column.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::arm::scope::ScopeConfig;
use crate::diagnostic::Severity;
use crate::discover::{DiscoverOptions, ParameterMapping, PathGlobs, absolute_lexical};
use crate::rules::capacity::model::CapacityAssumptions;
use crate::rules::{self, Selection};

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

/// The rules a configuration may name, as (ID, name) pairs.
#[derive(Clone, Debug, Default)]
pub struct KnownRules(Vec<(String, String)>);

impl KnownRules {
    /// The built-in rules.
    pub fn builtin() -> KnownRules {
        KnownRules(
            rules::all()
                .iter()
                .map(|r| (r.meta().id.to_string(), r.meta().name.to_string()))
                .collect(),
        )
    }

    /// Any rules, e.g. the built-in ones with declarative rules loaded from directories.
    pub fn new(rules: impl IntoIterator<Item = (String, String)>) -> KnownRules {
        KnownRules(rules.into_iter().collect())
    }

    /// The ID of the rule `id_or_name` names (case-insensitive).
    pub fn resolve(&self, id_or_name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(id, name)| {
                id.eq_ignore_ascii_case(id_or_name) || name.eq_ignore_ascii_case(id_or_name)
            })
            .map(|(id, _)| id.as_str())
    }
}

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

fn merge_paths(from_file: &[PathBuf], cli: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    from_file
        .iter()
        .chain(cli)
        .filter(|p| seen.insert(absolute_lexical(Path::new(""), p)))
        .cloned()
        .collect()
}

/// The configuration in effect: `explicit` (`--config FILE`), else the nearest file from `cwd`
/// upward when `discover` (no `--no-config`), else none. Rules are the built-in ones.
pub fn resolve(explicit: Option<&Path>, discover: bool, cwd: &Path) -> Result<Config, ConfigError> {
    resolve_with(explicit, discover, cwd, &KnownRules::builtin())
}

/// [`resolve`] with the rules the file may name.
pub fn resolve_with(
    explicit: Option<&Path>,
    discover: bool,
    cwd: &Path,
    rules: &KnownRules,
) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if discover => match find(cwd)? {
            Some(found) => relative_to(cwd, &found),
            None => return Ok(Config::default()),
        },
        None => return Ok(Config::default()),
    };
    load(&path, cwd, rules)
}

/// The nearest configuration file in `start` or a directory above it.
pub fn find(start: &Path) -> Result<Option<PathBuf>, ConfigError> {
    let start = absolute_lexical(Path::new(""), start);
    for dir in start.ancestors() {
        let present: Vec<PathBuf> = FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        match present.as_slice() {
            [] => continue,
            [one] => return Ok(Some(one.clone())),
            [first, ..] => {
                return Err(ConfigError {
                    file: crate::source::display_path(first),
                    position: None,
                    message: format!(
                        "both {} and {} are here; keep one",
                        FILE_NAMES[0], FILE_NAMES[1]
                    ),
                });
            }
        }
    }
    Ok(None)
}

/// `path` relative to `cwd` when it is in `cwd` or a directory above it (`../.armlint.yaml`),
/// so that what it names is reported the way the user sees it.
fn relative_to(cwd: &Path, path: &Path) -> PathBuf {
    let cwd = absolute_lexical(Path::new(""), cwd);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return path.to_path_buf();
    };
    let Ok(below) = cwd.strip_prefix(dir) else {
        return path.to_path_buf();
    };
    let mut out = PathBuf::new();
    for _ in below.components() {
        out.push("..");
    }
    out.push(name);
    out
}

/// Read and parse the configuration file at `path` (relative to `cwd`).
pub fn load(path: &Path, cwd: &Path, rules: &KnownRules) -> Result<Config, ConfigError> {
    let file = crate::source::display_path(path);
    let bytes = std::fs::read(absolute_lexical(cwd, path)).map_err(|e| ConfigError {
        file: file.clone(),
        position: None,
        message: format!("cannot read the configuration: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ConfigError {
        file: file.clone(),
        position: None,
        message: "the configuration is not UTF-8".into(),
    })?;
    parse(&text, path, cwd, rules)
}

/// Parse a configuration's text; `path` (relative to `cwd`) names it in errors and its
/// directory is what relative paths in it are relative to.
pub fn parse(
    text: &str,
    path: &Path,
    cwd: &Path,
    rules: &KnownRules,
) -> Result<Config, ConfigError> {
    let file = crate::source::display_path(path);
    let dir = normalize(path.parent().unwrap_or(Path::new("")));
    let context = ParseContext {
        rules: rules.clone(),
        dir: dir.clone(),
        cwd: cwd.to_path_buf(),
    };
    let format = {
        let _guard = ContextGuard::set(context);
        // An empty file (or one of comments only) is an empty configuration.
        serde_norway::from_str::<Option<FileFormat>>(text)
    }
    .map_err(|e| {
        let (position, message) = describe(&e);
        ConfigError {
            file: file.clone(),
            position,
            message,
        }
    })?
    .unwrap_or_default();
    let at_file = |message: String| ConfigError {
        file: file.clone(),
        position: None,
        message,
    };
    let abs_dir = absolute_lexical(cwd, &dir);
    let exclude_globs: Vec<String> = format
        .exclude
        .unwrap_or_default()
        .into_iter()
        .map(|g| g.0)
        .collect();
    let exclude = if exclude_globs.is_empty() {
        None
    } else {
        Some(PathGlobs::new(&abs_dir, cwd, &exclude_globs).map_err(at_file)?)
    };
    let parameters = format
        .parameters
        .unwrap_or_default()
        .into_iter()
        .map(|entry| {
            Ok(ParameterMapping {
                templates: PathGlobs::new(&abs_dir, cwd, &[entry.template.0])?,
                files: entry.files.into_iter().map(|f| f.0).collect(),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(at_file)?;
    let deployment = format.deployment.unwrap_or_default();
    Ok(Config {
        path: Some(path.to_path_buf()),
        dir,
        select: rule_ids(format.select),
        ignore: rule_ids(format.ignore),
        severity: format.severity.map(|t| t.0).unwrap_or_default(),
        exclude,
        parameters,
        pair_parameter_files: format.pair_parameter_files.unwrap_or(true),
        deployment: ScopeConfig {
            subscription_id: deployment.subscription_id.map(|t| t.0),
            resource_group: deployment.resource_group.map(|t| t.0),
            location: deployment.location.map(|t| t.0),
            tenant_id: deployment.tenant_id.map(|t| t.0),
        },
        capacity: CapacityAssumptions {
            declared_groups_complete: format
                .capacity
                .and_then(|c| c.assume_declared_groups_complete)
                .unwrap_or(true),
        },
        instance_views: paths(format.instance_views),
        rules_dirs: paths(format.rules_dirs),
    })
}

fn rule_ids(list: Option<Vec<RuleId>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for RuleId(id) in list.unwrap_or_default() {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn paths<T: Into<PathBuf>>(list: Option<Vec<T>>) -> Vec<PathBuf> {
    merge_paths(
        &list
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect::<Vec<_>>(),
        &[],
    )
}

/// Drop `.` components: `./env/a.json` and `env/a.json` are one path in reports.
fn normalize(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The position and a readable message of a YAML or format error: serde's wording with keys for
/// fields, quotes for backticks, and the key path in front.
fn describe(e: &serde_norway::Error) -> (Option<(usize, usize)>, String) {
    let position = e.location().map(|l| (l.line(), l.column()));
    let mut text = e.to_string();
    if let Some((line, column)) = position {
        let at = format!(" at line {line} column {column}");
        if let Some(i) = text.find(&at) {
            text.replace_range(i..i + at.len(), "");
        }
    }
    // serde_norway puts the path of the value in front: `capacity.assumeDeclared…: message`.
    let (path, message) = match text.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && path
                    .chars()
                    .all(|c| c.is_alphanumeric() || "._-[]".contains(c)) =>
        {
            (Some(path.to_string()), rest.to_string())
        }
        _ => (None, text.clone()),
    };
    let message = if let Some(rest) = message.strip_prefix("unknown field ") {
        // "unknown field `x`, expected one of `a`, `b`" / "…, expected `a`"
        let (key, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let within = path.map(|p| format!(" in '{p}'")).unwrap_or_default();
        let expected = expected.replace('`', "");
        let expected = if expected.is_empty() {
            String::new()
        } else {
            format!(" ({expected})")
        };
        format!("unknown key {}{within}{expected}", quote(key))
    } else {
        let message = message
            .replace("missing field", "missing key")
            .replace("duplicate field", "duplicate key")
            .replace('`', "'");
        match path {
            Some(p) => format!("{p}: {message}"),
            None => message,
        }
    };
    (position, message)
}

fn quote(s: &str) -> String {
    format!("'{}'", s.trim_matches('`'))
}

// ---------------------------------------------------------------------------------------------
// The file format. Sections are `Option`s so that a key with only commented-out entries below it
// (YAML null) means the default, as in the starter file.

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping of configuration keys"
)]
struct FileFormat {
    select: Option<Vec<RuleId>>,
    ignore: Option<Vec<RuleId>>,
    severity: Option<SeverityTable>,
    exclude: Option<Vec<Glob>>,
    parameters: Option<Vec<ParameterEntry>>,
    pair_parameter_files: Option<bool>,
    deployment: Option<DeploymentSection>,
    capacity: Option<CapacitySection>,
    instance_views: Option<Vec<ExistingFile>>,
    rules_dirs: Option<Vec<ExistingDir>>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping with 'template' (a glob) and 'files' (parameter files)"
)]
struct ParameterEntry {
    template: TemplateGlob,
    files: Vec<ParameterFile>,
}

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping of deployment values"
)]
struct DeploymentSection {
    subscription_id: Option<Text>,
    resource_group: Option<Text>,
    location: Option<Text>,
    tenant_id: Option<Text>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping of capacity model settings"
)]
struct CapacitySection {
    assume_declared_groups_complete: Option<bool>,
}

/// What the custom deserializers need besides the text: they validate where serde_norway
/// knows the position, and derived `Deserialize` impls cannot pass arguments down, so it is
/// set for the duration of one parse on this thread.
struct ParseContext {
    rules: KnownRules,
    /// The configuration's directory (relative to `cwd` or absolute).
    dir: PathBuf,
    cwd: PathBuf,
}

thread_local! {
    static CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

/// Sets the parse context and clears it when dropped (also when parsing fails).
struct ContextGuard;

impl ContextGuard {
    fn set(context: ParseContext) -> ContextGuard {
        CONTEXT.with(|c| *c.borrow_mut() = Some(context));
        ContextGuard
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        CONTEXT.with(|c| *c.borrow_mut() = None);
    }
}

/// Run `f` with the parse context (built-in rules and the working directory outside a parse).
fn with_context<R>(f: impl FnOnce(&ParseContext) -> R) -> R {
    CONTEXT.with(|c| match c.borrow().as_ref() {
        Some(context) => f(context),
        None => f(&ParseContext {
            rules: KnownRules::builtin(),
            dir: PathBuf::new(),
            cwd: PathBuf::new(),
        }),
    })
}

/// Implements `Deserialize` for a newtype over a string scalar, validated by `$check` (a
/// `fn(&str) -> Result<$ty, String>`) inside the visitor, so the error carries the scalar's
/// position.
macro_rules! string_scalar {
    ($ty:ident, $expecting:literal, $check:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        let check: fn(&str) -> Result<$ty, String> = $check;
                        check(v).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// A rule named by ID or name, held as its ID.
struct RuleId(String);

string_scalar!(RuleId, "a rule ID or name", |v| {
    with_context(|c| c.rules.resolve(v).map(str::to_string))
        .map(RuleId)
        .ok_or_else(|| format!("unknown rule '{v}' (armlint rules lists them)"))
});

/// A severity level or `off`.
struct Level(SeverityOverride);

string_scalar!(Level, "error, warning, note or off", |v| {
    let level = match v.to_ascii_lowercase().as_str() {
        "error" => SeverityOverride::Level(Severity::Error),
        "warning" => SeverityOverride::Level(Severity::Warning),
        "note" => SeverityOverride::Level(Severity::Note),
        "off" => SeverityOverride::Off,
        _ => {
            return Err(format!(
                "unknown severity '{v}' (expected error, warning, note or off)"
            ));
        }
    };
    Ok(Level(level))
});

/// A valid glob.
struct Glob(String);

string_scalar!(Glob, "a glob", |v| PathGlobs::check(v)
    .map(|()| Glob(v.to_string())));

/// A valid glob that can match a template (a `!` glob matches nothing).
struct TemplateGlob(String);

string_scalar!(TemplateGlob, "a glob", |v| {
    if v.starts_with('!') {
        return Err(format!(
            "template glob '{v}' starts with '!', which takes files out; it matches no template"
        ));
    }
    PathGlobs::check(v).map(|()| TemplateGlob(v.to_string()))
});

/// A value that is not empty.
struct Text(String);

string_scalar!(Text, "a string", |v| {
    if v.trim().is_empty() {
        Err("must not be empty (leave the key out to keep the value symbolic)".into())
    } else {
        Ok(Text(v.to_string()))
    }
});

/// A path relative to the configuration's directory, resolved; `is_dir` says what it must be.
fn existing_path(v: &str, what: &str, is_dir: bool) -> Result<PathBuf, String> {
    with_context(|c| {
        let resolved = normalize(&c.dir.join(v));
        let on_disk = absolute_lexical(&c.cwd, &resolved);
        let exists = if is_dir {
            on_disk.is_dir()
        } else {
            on_disk.is_file()
        };
        if exists {
            Ok(resolved)
        } else {
            Err(format!(
                "{what} '{v}' not found (paths are relative to the configuration's directory)"
            ))
        }
    })
}

struct ParameterFile(PathBuf);

string_scalar!(ParameterFile, "a parameter file's path", |v| {
    existing_path(v, "parameter file", false).map(ParameterFile)
});

struct ExistingFile(PathBuf);

impl From<ExistingFile> for PathBuf {
    fn from(f: ExistingFile) -> PathBuf {
        f.0
    }
}

string_scalar!(ExistingFile, "an instance view's path", |v| {
    existing_path(v, "instance view", false).map(ExistingFile)
});

struct ExistingDir(PathBuf);

impl From<ExistingDir> for PathBuf {
    fn from(f: ExistingDir) -> PathBuf {
        f.0
    }
}

string_scalar!(ExistingDir, "a directory's path", |v| {
    existing_path(v, "rules directory", true).map(ExistingDir)
});

/// `severity:`: rule → level, each rule once (by ID or by name).
struct SeverityTable(BTreeMap<String, SeverityOverride>);

impl<'de> Deserialize<'de> for SeverityTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeverityTable;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of rule IDs or names to error, warning, note or off")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SeverityTable, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(RuleId(id)) = map.next_key()? {
                    let Level(level) = map.next_value()?;
                    if out.insert(id.clone(), level).is_some() {
                        return Err(de::Error::custom(format!(
                            "the severity of {id} is given twice"
                        )));
                    }
                }
                Ok(SeverityTable(out))
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------------------------
// `armlint init`

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

capacity:
  # true: a capacity reservation group declared in the files holds only the reservations
  # declared there, so CRG003 (size not reserved), CRG005 (zones) and CRG013 (over-reserved)
  # can report on it. false: any group may have reservations deployed elsewhere, and those
  # rules stay silent unless an instance view shows the group.
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
