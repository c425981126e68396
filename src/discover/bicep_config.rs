//! What a Bicep file's nearest `bicepconfig.json` says about registry modules: where `bicep
//! restore` keeps them (`cacheRootDirectory`, default `~/.bicep`) and the `moduleAliases` that
//! `br/<alias>:` and `ts/<alias>:` references go through (`br/public` is built in, as in the
//! compiler's defaults). The file is JSON with comments, as the compiler reads it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::source::SourceFile;
use crate::source::json;

/// `moduleAliases.br.<alias>`: a registry and an optional path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryAlias {
    pub registry: String,
    pub module_path: Option<String>,
}

/// `moduleAliases.ts.<alias>`: a subscription and resource group of template specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpecAlias {
    pub subscription: String,
    pub resource_group: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BicepConfig {
    /// The module cache's root (`bicep restore` writes `br/…` and `ts/…` under it); `None` when
    /// neither the configuration nor `$HOME` says where it is.
    pub cache_root: Option<PathBuf>,
    pub registry_aliases: HashMap<String, RegistryAlias>,
    pub template_spec_aliases: HashMap<String, TemplateSpecAlias>,
    /// The file read, if any (for messages).
    pub path: Option<PathBuf>,
}

impl BicepConfig {
    /// The compiler's defaults: the cache in `~/.bicep`, `br/public` the public registry.
    pub fn defaults(home: Option<&Path>) -> BicepConfig {
        let public = RegistryAlias {
            registry: "mcr.microsoft.com".into(),
            module_path: Some("bicep".into()),
        };
        BicepConfig {
            cache_root: home.map(|h| h.join(".bicep")),
            registry_aliases: HashMap::from([("public".to_string(), public)]),
            template_spec_aliases: HashMap::new(),
            path: None,
        }
    }

    /// The configuration that applies to files in `dir`: the nearest `bicepconfig.json` from
    /// `dir` upward over the defaults, or the defaults. A file that cannot be read or parsed
    /// is passed over like a missing one (the compiler would refuse to build; armlint lints).
    pub fn for_directory(dir: &Path, home: Option<&Path>) -> BicepConfig {
        // Upward from the absolute directory: a relative `mods` also looks in `.` and above.
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut at = Some(absolute.as_path());
        while let Some(d) = at {
            let candidate = d.join("bicepconfig.json");
            if candidate.is_file()
                && let Ok(file) = SourceFile::read(&candidate)
            {
                return BicepConfig::parse(&file.text, &candidate, home);
            }
            at = d.parent().filter(|p| !p.as_os_str().is_empty());
        }
        BicepConfig::defaults(home)
    }

    /// `text` (a `bicepconfig.json` at `path`) over the defaults.
    pub fn parse(text: &str, path: &Path, home: Option<&Path>) -> BicepConfig {
        let mut config = BicepConfig::defaults(home);
        config.path = Some(path.to_path_buf());
        let Ok(root) = json::parse(text) else {
            return config;
        };
        let Some(root) = json::as_object(&root) else {
            return config;
        };
        if let Some(dir) = json::get_str(root, "cacheRootDirectory").filter(|d| !d.is_empty()) {
            let base = path.parent().unwrap_or(Path::new(""));
            config.cache_root = expand_home(dir, home).map(|d| base.join(d));
        }
        let aliases = json::get(root, "moduleAliases").and_then(json::as_object);
        let section = |name: &str| {
            aliases
                .and_then(|a| json::get(a, name))
                .and_then(json::as_object)
        };
        for p in section("br").map_or(&[][..], |o| &o.properties[..]) {
            let Some(alias) = json::as_object(&p.value) else {
                continue;
            };
            let Some(registry) = json::get_str(alias, "registry") else {
                continue;
            };
            let module_path = json::get_str(alias, "modulePath").map(str::to_string);
            let alias = RegistryAlias {
                registry: registry.to_string(),
                module_path,
            };
            config
                .registry_aliases
                .insert(p.name.as_str().to_string(), alias);
        }
        for p in section("ts").map_or(&[][..], |o| &o.properties[..]) {
            let alias = json::as_object(&p.value).and_then(|a| {
                Some(TemplateSpecAlias {
                    subscription: json::get_str(a, "subscription")?.to_string(),
                    resource_group: json::get_str(a, "resourceGroup")?.to_string(),
                })
            });
            if let Some(alias) = alias {
                config
                    .template_spec_aliases
                    .insert(p.name.as_str().to_string(), alias);
            }
        }
        config
    }
}

/// A leading `~` (alone or before a separator) is the home directory, as the compiler expands it.
fn expand_home(dir: &str, home: Option<&Path>) -> Option<PathBuf> {
    match dir.strip_prefix('~') {
        Some("") => home.map(Path::to_path_buf),
        Some(rest) if rest.starts_with('/') || rest.starts_with('\\') => {
            home.map(|h| h.join(rest.trim_start_matches(['/', '\\'])))
        }
        _ => Some(PathBuf::from(dir)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::temp_dir::TempDir;

    #[test]
    fn the_nearest_config_over_the_defaults() {
        let t = TempDir::new("bicepconfig");
        t.write(
            "bicepconfig.json",
            r#"{
  // comments, as the compiler allows
  "cacheRootDirectory": "~/cache",
  "moduleAliases": {
    "br": { "corp": { "registry": "corp.azurecr.io", "modulePath": "infra" } },
    "ts": { "specs": { "subscription": "sub", "resourceGroup": "rg" } },
  }
}"#,
        );
        t.write("a/b/main.bicep", "");
        let home = Path::new("/home/u");
        let config = BicepConfig::for_directory(&t.0.join("a/b"), Some(home));
        assert_eq!(config.cache_root, Some(PathBuf::from("/home/u/cache")));
        assert_eq!(
            config
                .registry_aliases
                .get("corp")
                .map(|a| a.registry.as_str()),
            Some("corp.azurecr.io")
        );
        assert!(config.registry_aliases.contains_key("public"));
        assert_eq!(
            config.template_spec_aliases.get("specs"),
            Some(&TemplateSpecAlias {
                subscription: "sub".into(),
                resource_group: "rg".into()
            })
        );
        let defaults = BicepConfig::for_directory(Path::new("/nonexistent/x"), Some(home));
        assert_eq!(defaults.cache_root, Some(PathBuf::from("/home/u/.bicep")));
    }
}
