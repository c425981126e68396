//! `armlint lsp`: the language server, with each document's configuration and rules.

use std::path::PathBuf;

use super::configuration::{ConfigArgs, configuration_with_rules, read_instance_views};
use crate::arm::scope::ScopeConfig;
use crate::engine::LintOptions;

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
}

/// `armlint lsp` on a connection (the binary gives it stdio): the exit code, and what to say on
/// stderr (the client shows a server's stderr in its log).
pub fn serve_lsp(connection: &lsp_server::Connection, args: &LspArgs) -> (i32, String) {
    // A long-lived process that lints whole documents on every change: huge pages pay off.
    #[cfg(feature = "mimalloc")]
    crate::alloc::use_huge_pages(true);
    // Each document is linted with the configuration nearest to it (its workspace's
    // `.armlint.yaml`); the server reads it again when it or a rule file changes.
    let rules_dirs = args.rules_dirs.clone();
    let options = move |found: Option<&std::path::Path>| -> crate::lsp::DocumentOptions {
        let config_args = ConfigArgs {
            config: found.map(std::path::Path::to_path_buf),
            no_config: found.is_none(),
        };
        match configuration_with_rules(&config_args, &rules_dirs) {
            Ok((config, extra_rules, problems)) => {
                let lint = LintOptions {
                    extra_rules,
                    selection: config.selection(&[], &[]),
                    scope: config.scope(ScopeConfig::default()),
                    severity_overrides: config.severity_overrides(),
                    capacity_assumptions: config.capacity,
                    instance_views: read_instance_views(&config.instance_views(&[]))
                        .unwrap_or_default(),
                    ..LintOptions::default()
                };
                crate::lsp::DocumentOptions {
                    lint,
                    discover: config.discover_options(&[], false),
                    problems: problems
                        .lines()
                        .map(|l| l.trim_start_matches("armlint: ").to_string())
                        .collect(),
                    rules_dirs: config.rules_dirs(&rules_dirs),
                }
            }
            Err(o) => crate::lsp::DocumentOptions {
                problems: vec![o.stderr.trim().trim_start_matches("armlint: ").to_string()],
                rules_dirs: rules_dirs.clone(),
                ..Default::default()
            },
        }
    };
    (
        crate::lsp::serve(connection, Box::new(options)),
        String::new(),
    )
}
