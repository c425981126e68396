//! `armlint explain`: a rule's documentation.

use std::path::PathBuf;

use super::Outcome;
use super::configuration::load_user_rules;
use crate::rules;

pub(super) fn explain(id: &str, rules_dirs: &[PathBuf]) -> Outcome {
    let (extra, problems) = load_user_rules(rules_dirs);
    let known = extra.with_builtin();
    let Some(rule) = rules::find_in(&known, id) else {
        return Outcome {
            stderr: format!("{problems}armlint: no rule named '{id}' (see `armlint rules`)\n"),
            code: 2,
            ..Outcome::default()
        };
    };
    let m = rule.meta();
    let docs: String = m
        .docs
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let stdout = format!(
        "# {} {}\n\nseverity: {} · category: {} · declared in {}\n\n{}\n",
        m.id,
        m.name,
        m.severity,
        m.category,
        m.source,
        docs.trim_end()
    );
    Outcome {
        stdout,
        code: if problems.is_empty() { 0 } else { 2 },
        stderr: problems,
    }
}
