//! What a Bicep author sees: for every AVM `main.bicep` with the compiler's `main.json` beside it,
//! armlint's findings on the `.bicep` and on its compiled twin are the same (rule and message of
//! each finding reported in the entry file), so linting the source neither adds findings the
//! compiled template does not have (false positives of the lowering) nor loses any. Notes about
//! registry modules not in the cache are left out: the twin inlines those modules.
//!
//! Pairs that differ are printed by first difference; the floor is the number that agree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use armlint::discover::{DiscoverOptions, discover};
use armlint::engine::{LintOptions, lint_inputs};
use rayon::prelude::*;

/// 2026-12-04 (lead): 560 of 573 agree; the other 13 name files the copy in ../shared left out
/// (`load*()` files and `.json` modules).
const AGREEING_FLOOR: usize = 560;

/// The `main.bicep` files under `root` with the compiler's `main.json` beside them.
fn pairs(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    support::files_under(root, &mut all);
    all.retain(|p| {
        p.file_name().is_some_and(|n| n == "main.bicep") && p.with_file_name("main.json").is_file()
    });
    all
}

/// (rule, message) → count, of the findings `lint` reports in `file` itself.
fn findings(file: &Path) -> BTreeMap<(String, String), usize> {
    let discovered = discover(&[file.to_path_buf()], &DiscoverOptions::default()).expect("found");
    let report = lint_inputs(
        &discovered.inputs,
        discovered.skipped,
        &LintOptions::default(),
    );
    let mut out = BTreeMap::new();
    for d in &report.diagnostics {
        if d.rule == "unresolved-module" || d.location.file.path != file {
            continue;
        }
        *out.entry((d.rule.to_string(), d.message.clone()))
            .or_default() += 1;
    }
    out
}

#[test]
fn a_bicep_module_and_its_compiled_twin_have_the_same_findings() {
    let Some(shared) = support::shared_bicep() else {
        return;
    };
    let root = shared.join("avm");
    let files = pairs(&root);
    let differences: Vec<(PathBuf, String)> = files
        .par_iter()
        .filter_map(|bicep| {
            let from_bicep = findings(bicep);
            let from_json = findings(&bicep.with_file_name("main.json"));
            if from_bicep == from_json {
                return None;
            }
            let only = |a: &BTreeMap<_, _>, b: &BTreeMap<_, _>| {
                a.keys()
                    .find(|k| a.get(*k) != b.get(*k))
                    .map(|(rule, message): &(String, String)| format!("{rule}: {message}"))
            };
            let what = match only(&from_bicep, &from_json) {
                Some(extra) => format!("only from .bicep: {extra}"),
                None => format!(
                    "only from .json: {}",
                    only(&from_json, &from_bicep).unwrap_or_default()
                ),
            };
            Some((bicep.clone(), what))
        })
        .collect();
    let agreeing = files.len() - differences.len();
    eprintln!(
        "bicep findings: {} pairs, {agreeing} with the same findings",
        files.len()
    );
    for (path, what) in &differences {
        let rel = path.strip_prefix(&root).unwrap_or(path);
        let what: String = what.chars().take(200).collect();
        eprintln!("  {}: {what}", rel.display());
    }
    assert!(
        files.len() > 500,
        "expected the AVM pairs, found {}",
        files.len()
    );
    assert!(
        agreeing >= AGREEING_FLOOR,
        "{agreeing} of {} pairs have the same findings from .bicep and .json (floor {AGREEING_FLOOR})",
        files.len()
    );
}
