//! The real-template corpus (../shared/corpus, or ARMLINT_CORPUS=DIR): every template loads and is
//! linted without panic; the only parse errors are files that are really invalid; no function used
//! by real templates is unsupported; the rule pack reports nothing on templates that declare no
//! capacity reservation. Skipped, with a message, when the corpus is absent.

use std::path::{Path, PathBuf};

use armlint::discover::{DiscoverOptions, discover};
use armlint::engine::{LintOptions, lint_inputs};

fn corpus() -> Option<PathBuf> {
    let root = std::env::var_os("ARMLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    root.is_dir().then_some(root)
}

/// Strict JSON after removing a BOM: an independent oracle for "this file is valid".
fn strict_json_ok(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(text.strip_prefix('\u{feff}').unwrap_or(&text))
        .is_ok()
}

#[test]
fn corpus_lints_cleanly() {
    let Some(root) = corpus() else {
        eprintln!("skipped: no corpus at ../shared/corpus (set ARMLINT_CORPUS to run this test)");
        return;
    };
    let d = discover(std::slice::from_ref(&root), &DiscoverOptions::default())
        .expect("corpus readable");
    assert!(
        d.inputs.len() > 1000,
        "expected thousands of templates, found {}",
        d.inputs.len()
    );
    let report = lint_inputs(&d.inputs, d.skipped, &LintOptions::default());
    let s = &report.summary;
    eprintln!(
        "corpus: {} templates, {} skipped files, {} resources, {} expressions ({} unknown)",
        s.templates, s.skipped, s.resources, s.expressions.evaluated, s.expressions.unknown
    );
    assert_eq!(
        s.templates as usize,
        d.inputs.len(),
        "every template is linted"
    );

    // Parse errors only where a strict parser also fails (armlint accepts more than strict JSON:
    // comments, trailing commas, raw line breaks), and strict-valid files never fail to parse.
    let parse_errors: Vec<&armlint::diagnostic::Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "parse-error")
        .collect();
    for d in &parse_errors {
        assert!(
            !strict_json_ok(&d.location.file.path),
            "parse error on valid JSON: {}: {}",
            d.location.file.display_path(),
            d.message
        );
        eprintln!(
            "parse-error: {}: {}",
            d.location.file.display_path(),
            d.message
        );
    }
    eprintln!("{} files do not parse", parse_errors.len());

    let unsupported = s.unsupported_functions();
    assert!(
        unsupported.is_empty(),
        "unsupported functions in real templates: {unsupported:?}"
    );

    // Findings by rule, for the closing note; the capacity pack must be silent on a corpus without
    // capacity reservation groups unless a finding is a true problem checked by hand (none so far).
    let mut by_rule = std::collections::BTreeMap::new();
    for d in &report.diagnostics {
        *by_rule.entry(d.rule).or_insert(0) += 1;
        if !["parse-error", "duplicate-key", "invalid-expression"].contains(&d.rule) {
            eprintln!(
                "{}: {}:{}: {}",
                d.rule,
                d.location.file.display_path(),
                d.location.pointer,
                d.message
            );
        }
    }
    eprintln!("findings by rule: {by_rule:?}");
    let unexpected: Vec<_> = by_rule
        .keys()
        .filter(|r| !["parse-error", "duplicate-key", "invalid-expression"].contains(r))
        .collect();
    assert!(
        unexpected.is_empty(),
        "rules fired on the corpus: {unexpected:?}"
    );
}
