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
use crate::capacity::model::CapacityAssumptions;
use crate::diagnostic::Severity;
use crate::discover::{DiscoverOptions, ParameterMapping, PathGlobs, absolute_lexical};
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
pub struct KnownRules {
    rules: Vec<(String, String)>,
    /// Accept any name (a first reading, to learn `rulesDirs` before the rules there are loaded).
    any: bool,
}

impl KnownRules {
    /// The built-in rules.
    pub fn builtin() -> KnownRules {
        KnownRules::new(
            rules::all()
                .iter()
                .map(|r| (r.meta().id.to_string(), r.meta().name.to_string())),
        )
    }

    /// Any rules, e.g. the built-in ones with declarative rules loaded from directories.
    pub fn new(rules: impl IntoIterator<Item = (String, String)>) -> KnownRules {
        KnownRules {
            rules: rules.into_iter().collect(),
            any: false,
        }
    }

    /// Every name passes as it is written.
    pub fn any() -> KnownRules {
        KnownRules {
            rules: Vec::new(),
            any: true,
        }
    }

    /// The ID of the rule `id_or_name` names (case-insensitive).
    pub fn resolve<'s>(&'s self, id_or_name: &'s str) -> Option<&'s str> {
        self.rules
            .iter()
            .find(|(id, name)| {
                id.eq_ignore_ascii_case(id_or_name) || name.eq_ignore_ascii_case(id_or_name)
            })
            .map(|(id, _)| id.as_str())
            .or(self.any.then_some(id_or_name))
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
    // Bounded like every input: a configuration named as /dev/zero ends with an error.
    let (bytes, _) =
        crate::source::read::read_file(&absolute_lexical(cwd, path)).map_err(|e| ConfigError {
            file: file.clone(),
            position: None,
            message: format!("cannot read the configuration: {}", e.message()),
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
    check_nesting(text).map_err(|(position, message)| ConfigError {
        file: file.clone(),
        position: Some(position),
        message,
    })?;
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

/// Refuse YAML nested deeper than [`crate::limits::CONFIG_DEPTH`] before the YAML parser sees
/// it: its work grows with the square of the depth (a 500 KB file nested 100,000 deep took 36 s).
/// One pass counts flow brackets outside quotes and comments, and block levels by indentation
/// and `- ` entries; the error is at the line and column (1-based) where the limit is passed.
fn check_nesting(text: &str) -> Result<(), ((usize, usize), String)> {
    let limit = crate::limits::CONFIG_DEPTH;
    let too_deep = |line: usize, col: usize| {
        Err((
            (line + 1, col + 1),
            format!("nested deeper than {limit} levels; a configuration needs a few"),
        ))
    };
    let mut flow = 0usize;
    let mut indents: Vec<usize> = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let mut chars = line.char_indices().peekable();
        if flow == 0 {
            // Block structure: the indentation, then each `- ` that opens a sequence entry.
            let mut column = line.len() - line.trim_start_matches([' ', '\t']).len();
            let mut rest = line.get(column..).unwrap_or_default();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            loop {
                while indents.last().is_some_and(|&i| i >= column) {
                    indents.pop();
                }
                indents.push(column);
                if indents.len() > limit {
                    return too_deep(line_no, column);
                }
                match rest.strip_prefix('-') {
                    Some(after) if after.is_empty() || after.starts_with([' ', '\t']) => {
                        let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
                        column += 1 + spaces;
                        rest = after.get(spaces..).unwrap_or_default();
                        if rest.is_empty() || rest.starts_with('#') {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        while let Some((col, c)) = chars.next() {
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => {
                    // `''` inside a single-quoted scalar is a quote, not its end.
                    if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                (Some(_), _) => {}
                (None, '#') if previous.is_whitespace() => break,
                (None, '"' | '\'') if previous.is_whitespace() || "[{,:".contains(previous) => {
                    quote = Some(c);
                }
                (None, '[' | '{') => {
                    flow += 1;
                    if flow.saturating_add(indents.len()) > limit {
                        return too_deep(line_no, col);
                    }
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
    }
    Ok(())
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
        let mut resolved = normalize(&c.dir.join(v));
        // `.` in a configuration of the current directory: the directory itself, not "".
        if resolved.as_os_str().is_empty() {
            resolved = PathBuf::from(".");
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "armlint-config-{}-{name}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }
        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let p = self.0.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
            std::fs::write(&p, text).expect("write");
            p
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn parse_in(dir: &Path, file: &str, text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new(file), dir, &KnownRules::builtin())
    }

    fn error_of(dir: &Path, text: &str) -> String {
        match parse_in(dir, ".armlint.yaml", text) {
            Ok(c) => panic!("accepted {text:?}: {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// Without the file's path and directory, a parsed configuration is the defaults.
    fn without_origin(mut c: Config) -> Config {
        c.path = None;
        c.dir = PathBuf::new();
        c
    }

    #[test]
    fn empty_and_comment_only_files_are_the_defaults() {
        let t = TempDir::new("empty");
        for text in ["", "\n", "# nothing yet\n", "~\n", "---\n"] {
            let c = parse_in(&t.0, ".armlint.yaml", text).expect(text);
            assert_eq!(c.path.as_deref(), Some(Path::new(".armlint.yaml")));
            assert_eq!(without_origin(c), Config::default(), "{text:?}");
        }
    }

    #[test]
    fn the_starter_file_is_valid_and_the_defaults() {
        let t = TempDir::new("starter");
        let c = parse_in(&t.0, ".armlint.yaml", STARTER).expect("starter parses");
        assert_eq!(without_origin(c), Config::default());
        // Every key of the format is in it, so users see every setting.
        for key in [
            "select:",
            "ignore:",
            "severity:",
            "exclude:",
            "parameters:",
            "pairParameterFiles:",
            "deployment:",
            "subscriptionId:",
            "resourceGroup:",
            "location:",
            "tenantId:",
            "capacity:",
            "assumeDeclaredGroupsComplete:",
            "instanceViews:",
            "rulesDirs:",
        ] {
            assert!(
                STARTER
                    .lines()
                    .any(|l| l.trim_start().trim_start_matches("# ").starts_with(key)),
                "{key} missing from the starter"
            );
        }
    }

    /// The commented-out examples of the starter, uncommented, are valid too (paths the examples
    /// name are created).
    #[test]
    fn the_starter_examples_uncommented_are_valid() {
        let t = TempDir::new("starter-examples");
        t.write("env/prod.parameters.json", "{}");
        t.write("env/dev.parameters.json", "{}");
        // Examples are the indented comments.
        let uncommented: String = STARTER
            .lines()
            .map(|l| match l.strip_prefix("  # ") {
                Some(example) => format!("  {example}\n"),
                None => format!("{l}\n"),
            })
            .collect();
        let c = parse_in(&t.0, ".armlint.yaml", &uncommented).expect(&uncommented);
        assert_eq!(
            c.severity.get("CRG011"),
            Some(&SeverityOverride::Level(Severity::Error))
        );
        assert_eq!(c.severity.get("CRG013"), Some(&SeverityOverride::Off));
        assert_eq!(c.deployment.resource_group.as_deref(), Some("rg-app"));
        assert_eq!(c.parameters.len(), 1);
        assert!(c.exclude.is_some());
    }

    #[test]
    fn every_key_is_read_and_paths_resolve_against_the_file() {
        let t = TempDir::new("keys");
        t.write("conf/env/prod.parameters.json", "{}");
        t.write("conf/live/crg.json", "{}");
        std::fs::create_dir_all(t.0.join("conf/policies")).expect("dir");
        let text = r#"
select: [CRG001, unreserved-burst, crg001]
ignore: [over-reserved]
severity:
  CRG011: Error
  duplicate-key: off
exclude: ["legacy/**"]
parameters:
  - template: "infra/*.json"
    files: ["./env/prod.parameters.json"]
pairParameterFiles: false
deployment:
  subscriptionId: "00000000-0000-0000-0000-000000000001"
  resourceGroup: rg-app
  location: westeurope
  tenantId: "t"
capacity:
  assumeDeclaredGroupsComplete: false
instanceViews: [live/crg.json]
rulesDirs: [policies/]
"#;
        let c = parse_in(&t.0, "conf/.armlint.yaml", text).expect("valid");
        assert_eq!(c.dir, PathBuf::from("conf"));
        assert_eq!(c.select, ["CRG001", "CRG011"]);
        assert_eq!(c.ignore, ["CRG013"]);
        assert_eq!(
            c.severity.get("CRG011"),
            Some(&SeverityOverride::Level(Severity::Error))
        );
        assert_eq!(
            c.severity.get("duplicate-key"),
            Some(&SeverityOverride::Off)
        );
        assert!(!c.pair_parameter_files);
        assert_eq!(
            c.deployment,
            ScopeConfig {
                subscription_id: Some("00000000-0000-0000-0000-000000000001".into()),
                resource_group: Some("rg-app".into()),
                location: Some("westeurope".into()),
                tenant_id: Some("t".into()),
            }
        );
        assert!(!c.capacity.declared_groups_complete);
        assert_eq!(c.instance_views, [PathBuf::from("conf/live/crg.json")]);
        assert_eq!(c.rules_dirs, [PathBuf::from("conf/policies")]);
        let mapping = c.parameters.first().expect("a mapping");
        assert_eq!(
            mapping.files,
            [PathBuf::from("conf/env/prod.parameters.json")]
        );
        // Globs are relative to the file's directory, paths to the working directory.
        assert!(
            mapping
                .templates
                .matches(Path::new("conf/infra/main.json"), false)
        );
        assert!(
            !mapping
                .templates
                .matches(Path::new("infra/main.json"), false)
        );
        let exclude = c.exclude.as_ref().expect("exclude");
        assert!(exclude.matches(Path::new("conf/legacy/a/b.json"), false));
        assert!(exclude.matches(&t.0.join("conf/legacy/b.json"), false));
        assert!(!exclude.matches(Path::new("legacy/b.json"), false));
    }

    /// Each kind of mistake, at the line and column of the value or key that is wrong.
    #[test]
    fn mistakes_are_reported_with_file_line_and_column() {
        let t = TempDir::new("errors");
        t.write("env/prod.parameters.json", "{}");
        let cases: &[(&str, &str)] = &[
            (
                "select: [CRG001]\nselct: [CRG002]\n",
                ".armlint.yaml:2:1: unknown key 'selct' (expected one of select, ignore, severity, exclude, parameters, pairParameterFiles, deployment, capacity, instanceViews, rulesDirs)",
            ),
            (
                "capacity:\n  assumeDeclaredGroupsComplete: true\n  assumeComplete: false\n",
                ".armlint.yaml:3:3: unknown key 'assumeComplete' in 'capacity' (expected assumeDeclaredGroupsComplete)",
            ),
            (
                "deployment:\n  subscription: x\n",
                ".armlint.yaml:2:3: unknown key 'subscription' in 'deployment' (expected one of subscriptionId, resourceGroup, location, tenantId)",
            ),
            (
                "parameters:\n  - template: a.json\n    file: [env/prod.parameters.json]\n",
                ".armlint.yaml:3:5: unknown key 'file' in 'parameters[0]' (expected template or files)",
            ),
            (
                "pairParameterFiles: 3\n",
                ".armlint.yaml:1:21: pairParameterFiles: invalid type: integer '3', expected a boolean",
            ),
            (
                "capacity:\n  assumeDeclaredGroupsComplete: yes\n",
                ".armlint.yaml:2:33: capacity.assumeDeclaredGroupsComplete: invalid type: string \"yes\", expected a boolean",
            ),
            (
                "select: CRG001\n",
                ".armlint.yaml:1:9: select: invalid type: string \"CRG001\", expected a sequence",
            ),
            (
                "- select\n",
                ".armlint.yaml:1:1: invalid type: sequence, expected a mapping of configuration keys",
            ),
            (
                "ignore:\n  - CRG001\n  - CRG999\n",
                ".armlint.yaml:3:5: ignore[1]: unknown rule 'CRG999' (armlint rules lists them)",
            ),
            (
                "severity:\n  no-such-rule: error\n",
                ".armlint.yaml:2:3: severity: unknown rule 'no-such-rule' (armlint rules lists them)",
            ),
            (
                "severity:\n  CRG011: error\n  over-reserved: fatal\n",
                ".armlint.yaml:3:18: severity.over-reserved: unknown severity 'fatal' (expected error, warning, note or off)",
            ),
            (
                "severity:\n  CRG011: error\n  unreserved-burst: note\n",
                ".armlint.yaml:2:3: severity: the severity of CRG011 is given twice",
            ),
            (
                "exclude:\n  - \"ok/**\"\n  - \"bad[\"\n",
                ".armlint.yaml:3:5: exclude[1]: invalid glob 'bad[': unclosed character class; missing ']'",
            ),
            (
                "parameters:\n  - template: \"infra/{a,b\"\n    files: []\n",
                ".armlint.yaml:2:15: parameters[0].template: invalid glob 'infra/{a,b': unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)",
            ),
            (
                "parameters:\n  - template: main.json\n    files: [env/prod.parameters.json, env/missing.json]\n",
                ".armlint.yaml:3:39: parameters[0].files[1]: parameter file 'env/missing.json' not found (paths are relative to the configuration's directory)",
            ),
            (
                "parameters:\n  - template: main.json\n",
                ".armlint.yaml:2:5: parameters[0]: missing key 'files'",
            ),
            (
                "instanceViews: [live.json]\n",
                ".armlint.yaml:1:17: instanceViews[0]: instance view 'live.json' not found (paths are relative to the configuration's directory)",
            ),
            (
                "rulesDirs: [env/prod.parameters.json]\n",
                ".armlint.yaml:1:13: rulesDirs[0]: rules directory 'env/prod.parameters.json' not found (paths are relative to the configuration's directory)",
            ),
            (
                "deployment:\n  location: \"\"\n",
                ".armlint.yaml:2:13: deployment.location: must not be empty (leave the key out to keep the value symbolic)",
            ),
            (
                "select: [CRG001\n",
                ".armlint.yaml:2:1: did not find expected ',' or ']', while parsing a flow sequence at line 1 column 9",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&error_of(&t.0, text), expected, "{text}");
        }
    }

    #[test]
    fn unreadable_files_name_the_file() {
        let t = TempDir::new("unreadable");
        let e = load(Path::new("missing.yaml"), &t.0, &KnownRules::builtin()).expect_err("missing");
        assert!(
            e.to_string()
                .starts_with("missing.yaml: cannot read the configuration"),
            "{e}"
        );
        std::fs::write(t.0.join("latin1.yaml"), b"select: [\xff]\n").expect("write");
        let e = load(Path::new("latin1.yaml"), &t.0, &KnownRules::builtin()).expect_err("latin1");
        assert_eq!(e.to_string(), "latin1.yaml: the configuration is not UTF-8");
    }

    #[test]
    fn other_rules_can_be_named_when_known() {
        let t = TempDir::new("known");
        let rules = KnownRules::new([("ORG001".to_string(), "tag-required".to_string())]);
        let c = parse(
            "select: [tag-required]\n",
            Path::new(".armlint.yaml"),
            &t.0,
            &rules,
        )
        .expect("known");
        assert_eq!(c.select, ["ORG001"]);
        assert!(
            parse(
                "select: [CRG001]\n",
                Path::new(".armlint.yaml"),
                &t.0,
                &rules
            )
            .is_err(),
            "only the rules given are known"
        );
    }

    #[test]
    fn found_upward_from_a_nested_directory() {
        let t = TempDir::new("find");
        let nested = t.0.join("a/b/c");
        std::fs::create_dir_all(&nested).expect("dirs");
        t.write("a/.armlint.yml", "select: [CRG001]\n");
        let found = find(&nested).expect("no error").expect("found");
        assert_eq!(found, t.0.join("a/.armlint.yml"));
        // Reported relative to the working directory; relative paths in it resolve the same way.
        let c = resolve(None, true, &nested).expect("valid");
        assert_eq!(c.path, Some(PathBuf::from("../../.armlint.yml")));
        assert_eq!(c.dir, PathBuf::from("../.."));
        assert_eq!(c.select, ["CRG001"]);
        // The nearest wins; --no-config and --config.
        t.write("a/b/.armlint.yaml", "select: [CRG002]\n");
        assert_eq!(
            resolve(None, true, &nested).expect("valid").select,
            ["CRG002"]
        );
        assert_eq!(
            resolve(None, false, &nested).expect("valid"),
            Config::default()
        );
        let explicit =
            resolve(Some(Path::new("../../.armlint.yml")), true, &nested).expect("valid");
        assert_eq!(explicit.select, ["CRG001"]);
        // Both names in one directory is ambiguous.
        t.write("a/b/.armlint.yml", "");
        let e = resolve(None, true, &nested).expect_err("ambiguous");
        assert!(e.message.contains("keep one"), "{e}");
    }

    #[test]
    fn the_command_line_wins_over_the_file() {
        let t = TempDir::new("precedence");
        let c = parse_in(
            &t.0,
            ".armlint.yaml",
            "select: [CRG001, CRG013]\nignore: [CRG002]\nseverity:\n  CRG013: off\n  CRG011: note\n\
             deployment:\n  subscriptionId: s\n  location: westeurope\n",
        )
        .expect("valid");
        let s = c.selection(&[], &[]);
        assert_eq!(s.select, ["CRG001", "CRG013"]);
        assert_eq!(s.ignore, ["CRG002", "CRG013"]);
        // --select and --ignore replace the lists; naming an `off` rule on the command line runs it.
        let s = c.selection(&["over-reserved".into()], &["CRG005".into()]);
        assert_eq!(s.select, ["over-reserved"]);
        assert_eq!(s.ignore, ["CRG005"]);
        assert_eq!(
            c.severity_overrides(),
            BTreeMap::from([("CRG011".to_string(), Severity::Note)])
        );
        let scope = c.scope(ScopeConfig {
            location: Some("eastus".into()),
            resource_group: Some("rg".into()),
            ..ScopeConfig::default()
        });
        assert_eq!(scope.subscription_id.as_deref(), Some("s"));
        assert_eq!(scope.location.as_deref(), Some("eastus"));
        assert_eq!(scope.resource_group.as_deref(), Some("rg"));
    }

    #[test]
    fn parameters_on_the_command_line_replace_the_mapping() {
        let t = TempDir::new("mapping");
        t.write("p.json", "{}");
        t.write("live.json", "{}");
        let c = parse_in(
            &t.0,
            ".armlint.yaml",
            "parameters:\n  - template: main.json\n    files: [p.json]\ninstanceViews: [live.json]\n",
        )
        .expect("valid");
        let d = c.discover_options(&[], false);
        assert_eq!(d.parameter_mappings.len(), 1);
        assert!(!d.no_parameter_files);
        let d = c.discover_options(&[PathBuf::from("q.json")], true);
        assert!(d.parameter_mappings.is_empty());
        assert_eq!(d.explicit_parameters, [PathBuf::from("q.json")]);
        assert!(d.no_parameter_files);
        // --instance-view adds; the same file named twice is read once.
        assert_eq!(
            c.instance_views(&[PathBuf::from("./live.json"), PathBuf::from("other.json")]),
            [PathBuf::from("live.json"), PathBuf::from("other.json")]
        );
    }

    #[test]
    fn init_writes_the_starter_and_never_overwrites_unless_forced() {
        let t = TempDir::new("init");
        let written = init(&t.0, false).expect("written");
        assert_eq!(written, t.0.join(".armlint.yaml"));
        assert_eq!(std::fs::read_to_string(&written).expect("read"), STARTER);
        std::fs::write(&written, "select: [CRG001]\n").expect("edit");
        assert!(matches!(init(&t.0, false), Err(InitError::Exists(_))));
        assert_eq!(
            std::fs::read_to_string(&written).expect("read"),
            "select: [CRG001]\n",
            "kept"
        );
        init(&t.0, true).expect("forced");
        assert_eq!(std::fs::read_to_string(&written).expect("read"), STARTER);
        // The other spelling counts as a configuration too.
        let other = TempDir::new("init-yml");
        other.write(".armlint.yml", "");
        let e = init(&other.0, false).expect_err("exists");
        assert!(
            e.to_string()
                .ends_with(".armlint.yml already exists; use --force to overwrite it"),
            "{e}"
        );
        assert!(init(&other.0.join("missing"), false).is_err());
    }
}
