//! The file format (the schema `serde_norway` reads) and its scalars, each validated where the
//! parser knows its position.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::parse::normalize;
use super::{KnownRules, SeverityOverride};
use crate::diagnostic::Severity;
use crate::discover::{PathGlobs, absolute_lexical};

// The file format. Sections are `Option`s so that a key with only commented-out entries below it
// (YAML null) means the default, as in the starter file.

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping of configuration keys"
)]
pub(super) struct FileFormat {
    pub(super) select: Option<Vec<RuleId>>,
    pub(super) ignore: Option<Vec<RuleId>>,
    pub(super) severity: Option<SeverityTable>,
    pub(super) exclude: Option<Vec<Glob>>,
    pub(super) parameters: Option<Vec<ParameterEntry>>,
    pub(super) pair_parameter_files: Option<bool>,
    pub(super) deployment: Option<DeploymentSection>,
    pub(super) capacity: Option<CapacitySection>,
    pub(super) instance_views: Option<Vec<ExistingFile>>,
    pub(super) rules_dirs: Option<Vec<ExistingDir>>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping with 'template' (a glob) and 'files' (parameter files)"
)]
pub(super) struct ParameterEntry {
    pub(super) template: TemplateGlob,
    pub(super) files: Vec<ParameterFile>,
}

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping of deployment values"
)]
pub(super) struct DeploymentSection {
    pub(super) subscription_id: Option<Text>,
    pub(super) resource_group: Option<Text>,
    pub(super) location: Option<Text>,
    pub(super) tenant_id: Option<Text>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a mapping of capacity model settings"
)]
pub(super) struct CapacitySection {
    pub(super) assume_declared_groups_complete: Option<bool>,
}

/// What the custom deserializers need besides the text: they validate where serde_norway
/// knows the position, and derived `Deserialize` impls cannot pass arguments down, so it is
/// set for the duration of one parse on this thread.
pub(super) struct ParseContext {
    pub(super) rules: KnownRules,
    /// The configuration's directory (relative to `cwd` or absolute).
    pub(super) dir: PathBuf,
    pub(super) cwd: PathBuf,
}

thread_local! {
    static CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

/// Sets the parse context and clears it when dropped (also when parsing fails).
pub(super) struct ContextGuard;

impl ContextGuard {
    pub(super) fn set(context: ParseContext) -> ContextGuard {
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
pub(super) struct RuleId(pub(super) String);

string_scalar!(RuleId, "a rule ID or name", |v| {
    with_context(|c| c.rules.resolve(v).map(str::to_string))
        .map(RuleId)
        .ok_or_else(|| format!("unknown rule '{v}' (armlint rules lists them)"))
});

/// A severity level or `off`.
pub(super) struct Level(pub(super) SeverityOverride);

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
pub(super) struct Glob(pub(super) String);

string_scalar!(Glob, "a glob", |v| PathGlobs::check(v)
    .map(|()| Glob(v.to_string())));

/// A valid glob that can match a template (a `!` glob matches nothing).
pub(super) struct TemplateGlob(pub(super) String);

string_scalar!(TemplateGlob, "a glob", |v| {
    if v.starts_with('!') {
        return Err(format!(
            "template glob '{v}' starts with '!', which takes files out; it matches no template"
        ));
    }
    PathGlobs::check(v).map(|()| TemplateGlob(v.to_string()))
});

/// A value that is not empty.
pub(super) struct Text(pub(super) String);

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

pub(super) struct ParameterFile(pub(super) PathBuf);

string_scalar!(ParameterFile, "a parameter file's path", |v| {
    existing_path(v, "parameter file", false).map(ParameterFile)
});

pub(super) struct ExistingFile(pub(super) PathBuf);

impl From<ExistingFile> for PathBuf {
    fn from(f: ExistingFile) -> PathBuf {
        f.0
    }
}

string_scalar!(ExistingFile, "an instance view's path", |v| {
    existing_path(v, "instance view", false).map(ExistingFile)
});

pub(super) struct ExistingDir(pub(super) PathBuf);

impl From<ExistingDir> for PathBuf {
    fn from(f: ExistingDir) -> PathBuf {
        f.0
    }
}

string_scalar!(ExistingDir, "a directory's path", |v| {
    existing_path(v, "rules directory", true).map(ExistingDir)
});

/// `severity:`: rule → level, each rule once (by ID or by name).
pub(super) struct SeverityTable(pub(super) BTreeMap<String, SeverityOverride>);

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
