//! The options each document is linted with, from the configuration nearest to it, read once
//! and again only when the configuration file or a rule file under its rules directories changes
//! (or the client says so: a saved YAML file, `workspace/didChangeWatchedFiles`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::limits::LSP_WATCHED_RULE_FILES;
use crate::rules::declarative::{is_rule_file, yaml_files};

use super::{DocumentOptions, OptionsFor};

/// What a configuration's options were read from, as it was: each file's modification time and
/// length (`None`: missing or unreadable).
type Stamp = Vec<(PathBuf, Option<(Option<SystemTime>, u64)>)>;

struct Cached {
    stamp: Stamp,
    options: Arc<DocumentOptions>,
}

pub(super) struct Workspaces {
    load: Box<OptionsFor>,
    /// By configuration file (`None`: documents with none).
    cache: HashMap<Option<PathBuf>, Cached>,
}

impl Workspaces {
    pub(super) fn new(load: Box<OptionsFor>) -> Self {
        Workspaces {
            load,
            cache: HashMap::new(),
        }
    }

    /// Read every configuration and its rules again at their next use.
    pub(super) fn forget(&mut self) {
        self.cache.clear();
    }

    pub(super) fn options_for(&mut self, document: &Path) -> Arc<DocumentOptions> {
        let dir = document.parent().unwrap_or(Path::new("."));
        let config = match crate::config::find(dir) {
            Ok(found) => found,
            Err(e) => {
                return Arc::new(DocumentOptions {
                    problems: vec![e.to_string()],
                    ..DocumentOptions::default()
                });
            }
        };
        if let Some(cached) = self.cache.get(&config)
            && stamp(config.as_deref(), &cached.options.rules_dirs) == cached.stamp
        {
            return Arc::clone(&cached.options);
        }
        let options = Arc::new((self.load)(config.as_deref()));
        let stamp = stamp(config.as_deref(), &options.rules_dirs);
        self.cache.insert(
            config,
            Cached {
                stamp,
                options: Arc::clone(&options),
            },
        );
        options
    }
}

/// The state of the configuration file and of every rule file under `rules_dirs` (and of the
/// directories themselves, which change when a file is added or removed).
fn stamp(config: Option<&Path>, rules_dirs: &[PathBuf]) -> Stamp {
    let state = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| (m.modified().ok(), m.len()))
    };
    let mut out: Stamp = Vec::new();
    if let Some(c) = config {
        out.push((c.to_path_buf(), state(c)));
    }
    for dir in rules_dirs {
        out.push((dir.clone(), state(dir)));
        let files = yaml_files(dir, is_rule_file).unwrap_or_default();
        for file in files.into_iter().take(LSP_WATCHED_RULE_FILES) {
            let s = state(&file);
            out.push((file, s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn options_are_read_again_when_a_rule_file_changes() {
        let dir = std::env::temp_dir().join(format!("armlint-lsp-ws-{}", std::process::id()));
        let rules = dir.join("policies");
        std::fs::create_dir_all(&rules).unwrap();
        std::fs::write(dir.join(".armlint.yaml"), "").unwrap();
        std::fs::write(rules.join("a.yaml"), "x").unwrap();
        let loads = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&loads);
        let rules_dir = rules.clone();
        let mut ws = Workspaces::new(Box::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            DocumentOptions {
                rules_dirs: vec![rules_dir.clone()],
                ..DocumentOptions::default()
            }
        }));
        let doc = dir.join("main.json");
        ws.options_for(&doc);
        ws.options_for(&doc);
        assert_eq!(loads.load(Ordering::SeqCst), 1, "unchanged: read once");
        std::fs::write(rules.join("a.yaml"), "xy").unwrap();
        ws.options_for(&doc);
        assert_eq!(loads.load(Ordering::SeqCst), 2, "an edited rule file");
        std::fs::write(rules.join("b.yml"), "").unwrap();
        ws.options_for(&doc);
        assert_eq!(loads.load(Ordering::SeqCst), 3, "a new rule file");
        ws.forget();
        ws.options_for(&doc);
        assert_eq!(loads.load(Ordering::SeqCst), 4, "told to");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
