//! A configuration's text into a [`Config`], and its mistakes into readable [`ConfigError`]s.

use std::path::{Component, Path, PathBuf};

use super::format::{ContextGuard, FileFormat, ParseContext, RuleId};
use super::nesting::check_nesting;
use super::options::merge_paths;
use super::{Config, ConfigError, KnownRules};
use crate::arm::scope::ScopeConfig;
use crate::capacity::model::CapacityAssumptions;
use crate::discover::{ParameterMapping, PathGlobs, absolute_lexical};

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
pub(super) fn normalize(p: &Path) -> PathBuf {
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
