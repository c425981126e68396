//! Where a `module` statement's content comes from. The lowering asks a [`ModuleSource`] for the
//! module a path string names and lowers what it gets: a local Bicep file recursively, a compiled
//! ARM template (a restored registry module, or a compiled twin) as-is, or nothing (a registry
//! module that was never restored: its deployment's template and outputs stay unknown).
//!
//! The real implementation (files on disk, cycles, the `bicep restore` cache and
//! `bicepconfig.json`) lives in `module_loader.rs`; [`InMemoryModules`] serves tests.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::source::Span;
use crate::source::bicep::syntax::BicepFile;

use super::lower_expression::LowerError;

/// A module's content as the lowering sees it.
#[derive(Debug, Clone)]
pub enum ModuleContent {
    /// A local `.bicep` file, parsed, to be lowered recursively. `path` is how findings in it
    /// are reported (it becomes a file of the span map).
    Bicep { path: PathBuf, file: BicepFile },
    /// A compiled ARM JSON template (a `.json` module, a restored registry module, a twin):
    /// written as the deployment's `template`. `path` names it in diagnostics.
    Json { path: PathBuf, text: String },
    /// A registry or template-spec module that is not in the cache: the deployment is emitted
    /// without a template, so everything it deploys or outputs is unknown.
    Unresolved {
        reason: String,
        /// For a template spec (`ts:`): the resource ID of its version, which the deployment
        /// links (`templateLink.id`), as the compiler writes every template spec module.
        template_spec: Option<String>,
    },
}

/// Supplies module content to the lowering.
pub trait ModuleSource {
    /// The content of the module `reference` (the path string as written, `./x.bicep`,
    /// `br:…`, `br/alias:…`, `ts:…`) declared in `from_file` at `span`. An error (a missing
    /// local file, a cycle) is reported as `invalid-template` at the error's span.
    fn load(
        &mut self,
        from_file: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError>;

    /// The bytes of the file `path` (as written in `loadTextContent('…')`, `loadJsonContent`,
    /// `loadFileAsBase64`, …) relative to `from_file`, for the call at `span`. Without a file
    /// system (the default) every such file is an error at the call.
    fn read_relative_bytes(
        &mut self,
        from_file: &Path,
        path: &str,
        span: Span,
    ) -> Result<Vec<u8>, LowerError> {
        let _ = from_file;
        Err(LowerError::new(
            span,
            format!("the file '{path}' cannot be read here"),
        ))
    }

    /// [`ModuleSource::read_relative_bytes`] as UTF-8 text (a byte order mark dropped).
    fn read_relative(
        &mut self,
        from_file: &Path,
        path: &str,
        span: Span,
    ) -> Result<String, LowerError> {
        let bytes = self.read_relative_bytes(from_file, path, span)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| LowerError::new(span, format!("the file '{path}' is not UTF-8 text")))?;
        Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text))
    }
}

/// No modules at all: every local module is missing and every registry module unresolved.
/// What lowering without a file system (a single in-memory file) uses.
#[derive(Debug, Default)]
pub struct NoModules;

impl ModuleSource for NoModules {
    fn load(
        &mut self,
        _from_file: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError> {
        if is_registry_reference(reference) {
            return Ok(ModuleContent::Unresolved {
                reason: format!("the module '{reference}' is not restored"),
                template_spec: None,
            });
        }
        Err(LowerError::new(
            span,
            format!("the module '{reference}' cannot be read here"),
        ))
    }
}

/// `br:`, `br/alias:` and `ts:` / `ts/alias:` references name registry or template-spec modules.
pub fn is_registry_reference(reference: &str) -> bool {
    reference.starts_with("br:")
        || reference.starts_with("br/")
        || reference.starts_with("ts:")
        || reference.starts_with("ts/")
}

/// `reference` resolved against the directory of `from_file`, `.` and `..` folded lexically
/// (no file system access).
pub fn resolve_local(from_file: &Path, reference: &str) -> PathBuf {
    let base = from_file.parent().unwrap_or_else(|| Path::new(""));
    let mut out = PathBuf::new();
    for component in base.join(reference).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Modules held in memory, keyed by resolved path (local files) or by the reference string
/// (registry modules, which resolve to compiled JSON). For tests and for embedding.
#[derive(Debug, Default)]
pub struct InMemoryModules {
    bicep: HashMap<PathBuf, String>,
    json: HashMap<String, String>,
}

impl InMemoryModules {
    pub fn new() -> InMemoryModules {
        InMemoryModules::default()
    }

    /// Adds a Bicep file at `path` (as a module path resolves to it).
    pub fn add_bicep(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.bicep.insert(path.into(), text.into());
    }

    /// Adds a compiled template for the reference string `reference` (e.g. `br/public:x:1.0`).
    pub fn add_json(&mut self, reference: impl Into<String>, text: impl Into<String>) {
        self.json.insert(reference.into(), text.into());
    }
}

impl ModuleSource for InMemoryModules {
    fn load(
        &mut self,
        from_file: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError> {
        if let Some(text) = self.json.get(reference) {
            return Ok(ModuleContent::Json {
                path: PathBuf::from(reference),
                text: text.clone(),
            });
        }
        if is_registry_reference(reference) {
            return Ok(ModuleContent::Unresolved {
                reason: format!("the module '{reference}' is not restored"),
                template_spec: None,
            });
        }
        let path = resolve_local(from_file, reference);
        let Some(text) = self.bicep.get(&path) else {
            return Err(LowerError::new(
                span,
                format!("the module '{reference}' does not exist"),
            ));
        };
        if path.extension().is_some_and(|e| e == "json") {
            return Ok(ModuleContent::Json {
                path,
                text: text.clone(),
            });
        }
        Ok(ModuleContent::Bicep {
            file: crate::source::bicep::parse(text.strip_prefix('\u{feff}').unwrap_or(text)),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_resolve_beside_the_declaring_file() {
        assert_eq!(
            resolve_local(Path::new("a/b/main.bicep"), "../mods/./x.bicep"),
            PathBuf::from("a/mods/x.bicep")
        );
        assert_eq!(
            resolve_local(Path::new("main.bicep"), "../x.bicep"),
            PathBuf::from("../x.bicep")
        );
    }

    #[test]
    fn in_memory_modules_serve_bicep_json_missing_and_unresolved() {
        let mut modules = InMemoryModules::new();
        modules.add_bicep("dir/mod.bicep", "param p string\n");
        modules.add_json("br/public:avm/x:1.0.0", "{}");
        let from = Path::new("dir/main.bicep");
        let span = Span::new(3, 9);
        let local = modules.load(from, "./mod.bicep", span).unwrap();
        assert!(
            matches!(&local, ModuleContent::Bicep { path, file } if path == Path::new("dir/mod.bicep") && file.statements.len() == 1),
            "{local:?}"
        );
        let json = modules.load(from, "br/public:avm/x:1.0.0", span).unwrap();
        assert!(matches!(json, ModuleContent::Json { text, .. } if text == "{}"));
        let unresolved = modules.load(from, "br:example.io/y:2", span).unwrap();
        assert!(matches!(unresolved, ModuleContent::Unresolved { .. }));
        let missing = modules.load(from, "./nope.bicep", span).unwrap_err();
        assert_eq!(missing.span, span);
        assert!(missing.message.contains("does not exist"));
    }
}
