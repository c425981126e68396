//! Which configuration is in effect: the one named, or the nearest file upward, read bounded.

use std::path::{Path, PathBuf};

use super::{Config, ConfigError, FILE_NAMES, KnownRules, parse};
use crate::discover::absolute_lexical;

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
