//! The [`ModuleSource`] that reads modules from disk, for the lowering of a `.bicep` file:
//!
//! - a local path is read relative to the file that declares it (`.bicep` parsed, `.json`
//!   as a compiled template), size-bounded like every file; a missing one is an error at the
//!   module's path string; nesting deeper than [`crate::limits::DEPLOYMENT_NESTING`] is an
//!   error, and so is a cycle, which names both places (the statement that closes it, and the
//!   statement in the file it leads back to);
//! - `br:` / `br/<alias>:` / `ts:` / `ts/<alias>:` come from the module cache where `bicep
//!   restore` put them (`<root>/br/<registry>/<repo with / as $>/<encoded tag>/main.json`,
//!   `<root>/ts/<sub>/<rg>/<name>/<version>/main.json`), under the `cacheRootDirectory` and
//!   `moduleAliases` of the nearest `bicepconfig.json`; one that is not there is
//!   [`ModuleContent::Unresolved`] and recorded, for the `unresolved-module` note.
//!
//! Every file read is kept, so the engine can report positions in module files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::arm::bicep::lower_expression::LowerError;
use crate::arm::bicep::module_source::{
    ModuleContent, ModuleSource, is_registry_reference, resolve_local,
};
use crate::source::bicep::syntax::SyntaxError;
use crate::source::{SourceFile, Span};

use super::bicep_config::BicepConfig;

/// A registry module that is not in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedModule {
    /// The file whose `module` statement names it, and the span of its path string.
    pub file: PathBuf,
    pub span: Span,
    pub reference: String,
    /// Where it was looked for, or why it could not be.
    pub reason: String,
}

/// A module cycle: the statement at `span` in `file` leads back to `back_to`, whose module
/// statement at `back_span` started the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCycle {
    pub file: PathBuf,
    pub span: Span,
    pub back_to: PathBuf,
    pub back_span: Span,
}

#[derive(Debug, Default)]
pub struct ModuleLoader {
    home: Option<PathBuf>,
    /// Configuration by directory, read once each.
    configs: HashMap<PathBuf, Arc<BicepConfig>>,
    /// Every module file read (Bicep or JSON), by the path the lowering was given.
    files: HashMap<PathBuf, Arc<SourceFile>>,
    /// The file whose module statement (at the span) last loaded each module file: followed
    /// upward, the chain of modules being lowered (the lowering is depth first).
    loaded_by: HashMap<PathBuf, (PathBuf, Span)>,
    pub unresolved: Vec<UnresolvedModule>,
    pub cycles: Vec<ModuleCycle>,
    /// Syntax errors of module files (the lowering sees only their statements).
    pub syntax_errors: Vec<(PathBuf, Vec<SyntaxError>)>,
}

impl ModuleLoader {
    /// A loader whose default cache is under `home` (`$HOME`).
    pub fn new(home: Option<PathBuf>) -> ModuleLoader {
        ModuleLoader {
            home,
            ..ModuleLoader::default()
        }
    }

    /// A loader with the user's home directory from `$HOME`.
    pub fn from_environment() -> ModuleLoader {
        ModuleLoader::new(std::env::var_os("HOME").map(PathBuf::from))
    }

    /// The module file read for `path`, if any.
    pub fn source(&self, path: &Path) -> Option<&Arc<SourceFile>> {
        self.files.get(path)
    }

    fn config_for(&mut self, file: &Path) -> Arc<BicepConfig> {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let home = self.home.clone();
        Arc::clone(
            self.configs
                .entry(dir.clone())
                .or_insert_with(|| Arc::new(BicepConfig::for_directory(&dir, home.as_deref()))),
        )
    }

    /// The chain check: a cycle if `target` is `from` or one of the files lowering led
    /// through to reach it; too deep past the nesting limit.
    fn check_chain(
        &mut self,
        from: &Path,
        target: &Path,
        reference: &str,
        span: Span,
    ) -> Result<(), LowerError> {
        let mut current = from.to_path_buf();
        // The statement in `current` that leads down towards `from` (none for `from` itself).
        let mut down: Option<Span> = None;
        for _ in 0..=crate::limits::DEPLOYMENT_NESTING {
            if current == target {
                let back_span = down.unwrap_or(span);
                self.cycles.push(ModuleCycle {
                    file: from.to_path_buf(),
                    span,
                    back_to: target.to_path_buf(),
                    back_span,
                });
                return Err(LowerError::new(
                    span,
                    format!(
                        "module cycle: '{reference}' leads back to {}, which declares a module that leads here",
                        crate::source::display_path(target)
                    ),
                ));
            }
            match self.loaded_by.get(&current) {
                Some((parent, at)) => {
                    down = Some(*at);
                    current = parent.clone();
                }
                None => return Ok(()),
            }
        }
        Err(LowerError::new(
            span,
            format!(
                "modules nested more than {} deep",
                crate::limits::DEPLOYMENT_NESTING
            ),
        ))
    }

    fn load_local(
        &mut self,
        from: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError> {
        let path = resolve_local(from, reference);
        self.check_chain(from, &path, reference, span)?;
        let source = match self.files.get(&path) {
            Some(source) => Arc::clone(source),
            None => {
                let read = SourceFile::read(&path).map_err(|e| {
                    let why = if path.exists() {
                        format!("cannot be read: {e}")
                    } else {
                        format!("does not exist ({})", crate::source::display_path(&path))
                    };
                    LowerError::new(span, format!("the module file '{reference}' {why}"))
                })?;
                let source = Arc::new(read);
                self.files.insert(path.clone(), Arc::clone(&source));
                source
            }
        };
        self.loaded_by
            .insert(path.clone(), (from.to_path_buf(), span));
        if crate::discover::language_of(&path) != crate::discover::Language::Bicep {
            return Ok(ModuleContent::Json {
                path,
                text: source.text.clone(),
            });
        }
        let file = crate::source::bicep::parse(&source.text);
        if !file.errors.is_empty() && !self.syntax_errors.iter().any(|(p, _)| *p == path) {
            self.syntax_errors.push((path.clone(), file.errors.clone()));
        }
        Ok(ModuleContent::Bicep { path, file })
    }

    fn load_registry(
        &mut self,
        from: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError> {
        let config = self.config_for(from);
        let home = self.home.clone();
        let found = cache_path(&config, reference).and_then(|main| {
            let source = SourceFile::read(&main)
                .map_err(|_| format!("looked for {}", shown_from_home(&main, home.as_deref())))?;
            Ok((main, source))
        });
        match found {
            Ok((main, source)) => {
                let source = Arc::new(source);
                self.files.insert(main.clone(), Arc::clone(&source));
                Ok(ModuleContent::Json {
                    path: main,
                    text: source.text.clone(),
                })
            }
            Err(reason) => {
                self.unresolved.push(UnresolvedModule {
                    file: from.to_path_buf(),
                    span,
                    reference: reference.to_string(),
                    reason: reason.clone(),
                });
                Ok(ModuleContent::Unresolved {
                    reason: format!("the module '{reference}' is not restored: {reason}"),
                    template_spec: template_spec_id(&config, reference),
                })
            }
        }
    }
}

impl ModuleSource for ModuleLoader {
    fn load(
        &mut self,
        from_file: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError> {
        if is_registry_reference(reference) {
            self.load_registry(from_file, reference, span)
        } else {
            self.load_local(from_file, reference, span)
        }
    }

    /// Read relative to the declaring file, bounded like every file read.
    fn read_relative_bytes(
        &mut self,
        from_file: &Path,
        path: &str,
        span: Span,
    ) -> Result<Vec<u8>, LowerError> {
        let resolved = resolve_local(from_file, path);
        crate::source::read::read_file(&resolved)
            .map(|(bytes, _)| bytes)
            .map_err(|e| {
                let why = if resolved.exists() {
                    e.message()
                } else {
                    "does not exist".to_string()
                };
                LowerError::new(span, format!("the file '{path}' {why}"))
            })
    }
}

/// `path` with the home directory written `~`, as users know the cache (`~/.bicep/…`), and
/// the same on every machine.
fn shown_from_home(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// Where `bicep restore` puts the compiled template of registry module `reference`; why not
/// when the reference or its alias cannot be resolved.
pub fn cache_path(config: &BicepConfig, reference: &str) -> Result<PathBuf, String> {
    let root = config
        .cache_root
        .as_ref()
        .ok_or("no module cache: neither cacheRootDirectory nor $HOME is set")?;
    if let Some(rest) = reference.strip_prefix("ts") {
        return template_spec_path(config, root, rest);
    }
    let rest = reference.strip_prefix("br").unwrap_or(reference);
    let (registry, repository, version) = match rest.strip_prefix(':') {
        Some(address) => {
            let (registry, path) = address
                .split_once('/')
                .ok_or("a br: reference is <registry>/<repository>:<tag>")?;
            let (repository, version) = split_version(path)?;
            (registry.to_string(), repository.to_string(), version)
        }
        None => {
            let rest = rest.strip_prefix('/').unwrap_or(rest);
            let (alias, path) = rest
                .split_once(':')
                .ok_or("a br/<alias>: reference is br/<alias>:<path>:<tag>")?;
            let found = config
                .registry_aliases
                .get(alias)
                .ok_or_else(|| format!("the alias '{alias}' is not in moduleAliases.br"))?;
            let (path, version) = split_version(path)?;
            let repository = match &found.module_path {
                Some(prefix) => format!("{prefix}/{path}"),
                None => path.to_string(),
            };
            (found.registry.clone(), repository, version)
        }
    };
    let registry = registry.replace(':', "$").to_ascii_lowercase();
    let version = match version {
        Version::Tag(tag) => encode_tag(tag)?,
        Version::Digest(digest) => digest.replace(':', "#"),
    };
    Ok(root
        .join("br")
        .join(registry)
        .join(repository.replace('/', "$"))
        .join(version)
        .join("main.json"))
}

enum Version<'a> {
    Tag(&'a str),
    Digest(&'a str),
}

/// `repo:tag` or `repo@sha256:…`.
fn split_version(path: &str) -> Result<(&str, Version<'_>), String> {
    if let Some((repo, digest)) = path.split_once('@') {
        return Ok((repo, Version::Digest(digest)));
    }
    match path.rsplit_once(':') {
        Some((repo, tag)) if !repo.is_empty() => Ok((repo, Version::Tag(tag))),
        _ => Err(format!("'{path}' has no :<tag>")),
    }
}

/// The cache's directory name for a tag: the tag, `$`, and the hex mask of its upper-case
/// letters (so `V1` and `v1` differ on case-insensitive file systems), as the compiler writes it.
fn encode_tag(tag: &str) -> Result<String, String> {
    const MAX_TAG: usize = 128;
    if tag.chars().count() > MAX_TAG {
        return Err(format!("the tag '{tag}' is longer than {MAX_TAG}"));
    }
    let mut mask = [0u64; 2];
    for (i, c) in tag.chars().enumerate() {
        if c.is_uppercase()
            && let Some(word) = mask.get_mut(i / 64)
        {
            *word |= 1u64 << (i % 64);
        }
    }
    let [low, high] = mask;
    let hex = match (high, low) {
        (0, 0) => String::new(),
        (0, low) => format!("{low:x}"),
        (high, low) => format!("{high:x}{low:016x}"),
    };
    Ok(format!("{tag}${hex}"))
}

/// `ts:<sub>/<rg>/<name>:<version>` or `ts/<alias>:<name>:<version>` (lower-cased, as cached).
fn template_spec_path(config: &BicepConfig, root: &Path, rest: &str) -> Result<PathBuf, String> {
    let spec = template_spec(config, rest)?;
    let dir = format!(
        "ts/{}/{}/{}/{}",
        spec.subscription, spec.resource_group, spec.name, spec.version
    )
    .to_lowercase();
    Ok(root.join(dir).join("main.json"))
}

/// The parts of a template spec reference (after `ts`), its alias resolved.
struct TemplateSpec {
    subscription: String,
    resource_group: String,
    name: String,
    version: String,
}

fn template_spec(config: &BicepConfig, rest: &str) -> Result<TemplateSpec, String> {
    let (sub, rg, spec) = match rest.strip_prefix(':') {
        Some(address) => {
            let mut parts = address.splitn(3, '/');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(s), Some(r), Some(n)) => (s.to_string(), r.to_string(), n),
                _ => {
                    return Err("a ts: reference is <subscription>/<group>/<name>:<version>".into());
                }
            }
        }
        None => {
            let rest = rest.strip_prefix('/').unwrap_or(rest);
            let (alias, spec) = rest
                .split_once(':')
                .ok_or("a ts/<alias>: reference is ts/<alias>:<name>:<version>")?;
            let found = config
                .template_spec_aliases
                .get(alias)
                .ok_or_else(|| format!("the alias '{alias}' is not in moduleAliases.ts"))?;
            (
                found.subscription.clone(),
                found.resource_group.clone(),
                spec,
            )
        }
    };
    let (name, version) = spec
        .rsplit_once(':')
        .ok_or_else(|| format!("'{spec}' has no :<version>"))?;
    Ok(TemplateSpec {
        subscription: sub,
        resource_group: rg,
        name: name.to_string(),
        version: version.to_string(),
    })
}

/// The resource ID of the template spec version `reference` (`ts:…` or `ts/alias:…`) names:
/// the compiler links a template spec module by it (`templateLink.id`) instead of inlining it.
pub fn template_spec_id(config: &BicepConfig, reference: &str) -> Option<String> {
    let spec = template_spec(config, reference.strip_prefix("ts")?).ok()?;
    Some(format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Resources/templateSpecs/{}/versions/{}",
        spec.subscription, spec.resource_group, spec.name, spec.version
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::temp_dir::TempDir;

    #[test]
    fn tags_are_encoded_as_the_compiler_does() {
        assert_eq!(encode_tag("v1").unwrap(), "v1$");
        assert_eq!(encode_tag("V1").unwrap(), "V1$1");
        assert_eq!(encode_tag("AbCd").unwrap(), "AbCd$5");
        let long = "ABCD".repeat(8) + "A";
        assert_eq!(encode_tag(&long).unwrap(), format!("{long}$1ffffffff"));
        let upper = "A".repeat(128);
        assert!(
            encode_tag(&upper)
                .unwrap()
                .ends_with(&format!("${}", "f".repeat(32)))
        );
        assert!(encode_tag(&"a".repeat(129)).is_err());
    }

    #[test]
    fn a_template_spec_is_linked_by_its_version_id() {
        let mut config = BicepConfig::defaults(Some(Path::new("/h")));
        config.template_spec_aliases.insert(
            "specs".into(),
            super::super::bicep_config::TemplateSpecAlias {
                subscription: "Sub".into(),
                resource_group: "RG".into(),
            },
        );
        assert_eq!(
            template_spec_id(&config, "ts:0000/test-rg/storage-spec:1.0").as_deref(),
            Some(
                "/subscriptions/0000/resourceGroups/test-rg/providers/Microsoft.Resources/templateSpecs/storage-spec/versions/1.0"
            )
        );
        assert_eq!(
            template_spec_id(&config, "ts/specs:vnet:V2").as_deref(),
            Some(
                "/subscriptions/Sub/resourceGroups/RG/providers/Microsoft.Resources/templateSpecs/vnet/versions/V2"
            )
        );
        assert_eq!(template_spec_id(&config, "ts/nope:vnet:v2"), None);
        assert_eq!(template_spec_id(&config, "br:r.io/a:v1"), None);
    }

    #[test]
    fn registry_references_map_to_the_restore_layout() {
        let mut config = BicepConfig::defaults(Some(Path::new("/h")));
        config.template_spec_aliases.insert(
            "specs".into(),
            super::super::bicep_config::TemplateSpecAlias {
                subscription: "Sub".into(),
                resource_group: "RG".into(),
            },
        );
        let at = |r: &str| cache_path(&config, r).map(|p| p.display().to_string());
        assert_eq!(
            at("br/public:avm/res/network/vnet:0.3.1").unwrap(),
            "/h/.bicep/br/mcr.microsoft.com/bicep$avm$res$network$vnet/0.3.1$/main.json"
        );
        assert_eq!(
            at("br:Example.azurecr.io:443/a/b:V2").unwrap(),
            "/h/.bicep/br/example.azurecr.io$443/a$b/V2$1/main.json"
        );
        assert_eq!(
            at("br:r.io/m@sha256:abc").unwrap(),
            "/h/.bicep/br/r.io/m/sha256#abc/main.json"
        );
        assert_eq!(
            at("ts:S/G/Spec:V1").unwrap(),
            "/h/.bicep/ts/s/g/spec/v1/main.json"
        );
        assert_eq!(
            at("ts/specs:Net:1.0").unwrap(),
            "/h/.bicep/ts/sub/rg/net/1.0/main.json"
        );
        assert!(at("br/nope:x:1").unwrap_err().contains("nope"));
    }

    #[test]
    fn local_modules_missing_files_cycles_and_the_cache() {
        let t = TempDir::new("module-loader");
        let main = t.write("main.bicep", "module a 'mods/a.bicep' = {}\n");
        t.write("mods/a.bicep", "module b '../main.bicep' = {}\n");
        t.write("mods/c.json", "{}");
        t.write(
            "cache/br/mcr.microsoft.com/bicep$x/1.0$/main.json",
            r#"{"$schema": "x"}"#,
        );
        t.write("bicepconfig.json", r#"{"cacheRootDirectory": "cache"}"#);
        let mut loader = ModuleLoader::new(None);
        let span = Span::new(9, 23);
        let a = loader.load(&main, "mods/a.bicep", span).unwrap();
        assert!(
            matches!(a, ModuleContent::Bicep { ref path, .. } if path.ends_with("mods/a.bicep"))
        );
        // a.bicep's module leads back to main.bicep: a cycle at its path, naming main.bicep's.
        let a_path = t.0.join("mods/a.bicep");
        let back = Span::new(9, 24);
        let err = loader.load(&a_path, "../main.bicep", back).unwrap_err();
        assert_eq!(err.span, back);
        assert!(err.message.contains("main.bicep"), "{}", err.message);
        assert_eq!(loader.cycles.len(), 1);
        assert_eq!(loader.cycles[0].back_span, span);
        let missing = loader.load(&main, "nope.bicep", span).unwrap_err();
        assert!(
            missing.message.contains("does not exist"),
            "{}",
            missing.message
        );
        let json = loader.load(&main, "mods/c.json", span).unwrap();
        assert!(matches!(json, ModuleContent::Json { ref text, .. } if text == "{}"));
        let cached = loader.load(&main, "br/public:x:1.0", span).unwrap();
        assert!(matches!(cached, ModuleContent::Json { .. }), "{cached:?}");
        let text = loader.read_relative(&main, "mods/c.json", span).unwrap();
        assert_eq!(text, "{}");
        let gone = loader.read_relative(&a_path, "gone.txt", span).unwrap_err();
        assert!(gone.message.contains("does not exist"), "{}", gone.message);
        let absent = loader.load(&main, "br/public:y:1.0", span).unwrap();
        assert!(matches!(absent, ModuleContent::Unresolved { .. }));
        assert_eq!(loader.unresolved.len(), 1);
        assert_eq!(loader.unresolved[0].reference, "br/public:y:1.0");
    }
}
