//! `armlint rules`: every rule, with what the configuration makes of it.

use std::path::PathBuf;

use clap::ValueEnum;

use super::Outcome;
use super::configuration::{ConfigArgs, configuration_with_rules};
use crate::rules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub(super) fn list_rules(args: RulesArgs) -> Outcome {
    let (config, extra, problems) = match configuration_with_rules(&args.config, &args.rules_dirs) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let rules = extra.with_builtin();
    let origin = |m: &rules::RuleMeta| -> String {
        if extra.0.iter().any(|r| std::ptr::eq(r.meta(), m)) {
            m.source.to_string()
        } else {
            "builtin".to_string()
        }
    };
    // With a configuration, what it makes of each rule: its severity, or off.
    let selection = config.selection(&[], &[]);
    let overrides = config.severity_overrides();
    let parse_error = rules::syntax::parse_error::ParseError::META.id;
    let effective = |m: &rules::RuleMeta| match overrides.get(m.id) {
        Some(s) if m.id != parse_error => *s,
        _ => m.severity,
    };
    let stdout = match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id, "name": m.name, "severity": effective(m).as_str(),
                        "category": m.category, "summary": m.summary, "source": origin(m),
                        "definedIn": m.source, "enabled": selection.enabled(m),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        ListFormat::Table => {
            let mut s = format!(
                "{:<24} {:<26} {:<8} {:<11} {}\n",
                "ID", "NAME", "SEVERITY", "CATEGORY", "SUMMARY"
            );
            for r in &rules {
                let m = r.meta();
                let severity = if selection.enabled(m) {
                    effective(m).as_str()
                } else {
                    "off"
                };
                s.push_str(&format!(
                    "{:<24} {:<26} {:<8} {:<11} {}\n",
                    m.id, m.name, severity, m.category, m.summary
                ));
            }
            s
        }
    };
    Outcome {
        stdout,
        code: if problems.is_empty() { 0 } else { 2 },
        stderr: problems,
    }
}
