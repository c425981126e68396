//! The real-template corpus (../shared/corpus, or ARMLINT_CORPUS=DIR): every template loads and is
//! linted without panic; the only parse errors are files that are really invalid; no function used
//! by real templates is unsupported; the rule pack reports nothing on templates that declare no
//! capacity reservation. Skipped, with a message, when the corpus is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

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
        support::skip_unless_ci(
            "no corpus at ../shared/corpus (set ARMLINT_CORPUS to run this test)",
        );
        return;
    };
    let d = discover(std::slice::from_ref(&root), &DiscoverOptions::default())
        .expect("corpus readable");
    assert!(
        d.inputs.len() > 1000,
        "expected thousands of files, found {}",
        d.inputs.len()
    );
    // Everything evaluated, so that every expression of the corpus is counted and checked.
    let everything = LintOptions {
        evaluate_everything: true,
        ..LintOptions::default()
    };
    let report = lint_inputs(&d.inputs, d.skipped, &everything);
    // What the rules read is all they need: evaluating only that gives the same findings.
    let focused = lint_inputs(&d.inputs, d.skipped, &LintOptions::default());
    let findings = |r: &armlint::engine::LintReport| -> Vec<String> {
        r.diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}:{} {}",
                    d.rule,
                    d.location.file.display_path(),
                    d.location.span.start,
                    d.location.span.end,
                    d.message
                )
            })
            .collect()
    };
    assert_eq!(findings(&focused), findings(&report));
    assert!(
        focused.summary.expressions.evaluated < report.summary.expressions.evaluated,
        "evaluating what the rules read evaluates less"
    );
    eprintln!(
        "expressions evaluated for the enabled rules: {} of {}",
        focused.summary.expressions.evaluated, report.summary.expressions.evaluated
    );
    let s = &report.summary;
    eprintln!(
        "corpus: {} templates, {} skipped files, {} resources, {} expressions ({} unknown)",
        s.templates, s.skipped, s.resources, s.expressions.evaluated, s.expressions.unknown
    );
    assert!(s.templates >= 3000, "{} templates", s.templates);
    assert_eq!(
        (s.templates + s.skipped) as usize,
        d.inputs.len(),
        "every file found is linted or skipped"
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

    // Findings by rule, for the closing note. Every finding other than a parse error must be one
    // checked by hand to be a true problem in the file (the capacity pack must be silent on a
    // corpus without capacity reservation groups).
    let mut by_rule = std::collections::BTreeMap::new();
    let mut unchecked = Vec::new();
    for d in &report.diagnostics {
        *by_rule.entry(d.rule).or_insert(0) += 1;
        if d.rule == "parse-error" {
            continue;
        }
        let path = d.location.file.display_path().replace('\\', "/");
        let checked = CHECKED_BY_HAND
            .iter()
            .any(|(rule, file, _)| *rule == d.rule && path.ends_with(file));
        eprintln!("{}: {path}:{}: {}", d.rule, d.location.pointer, d.message);
        if !checked {
            unchecked.push(format!("{}: {path}: {}", d.rule, d.message));
        }
    }
    eprintln!("findings by rule: {by_rule:?}");
    assert!(
        unchecked.is_empty(),
        "findings on the corpus not checked by hand: {unchecked:#?}"
    );
}

/// Findings on the corpus that are true problems in the files, each checked by hand.
const CHECKED_BY_HAND: &[(&str, &str, &str)] = &[
    (
        "expression-fails",
        "datameer-trend-chef-riskanalysis/azuredeploy.json",
        "`variables(concat('offer', parameters('vmSizeTrendDSM')))` names variables the template does not declare at the default size",
    ),
    (
        "expression-fails",
        "datameer-trend-chef-riskanalysis/nested/trendp2p-chefnodes.json",
        "`parameters('tagvalues').program`: the object parameter's default is the string \"\"",
    ),
    (
        "expression-fails",
        "datameer-trend-chef-riskanalysis/nested/trendp2p-chefserver.json",
        "a property read from an object parameter whose default is a string",
    ),
    (
        "expression-fails",
        "datameer-trend-chef-riskanalysis/nested/trendp2p-orchestrator.json",
        "a property read from an object parameter whose default is a string",
    ),
    (
        "expression-fails",
        "datameer-trend-chef-riskanalysis/nested/trendp2p-trenddsm.json",
        "a property read from an object parameter whose default is a string",
    ),
    (
        "expression-fails",
        "azmgmt-demo/nestedtemplates/drEnablement.json",
        "`resourceId('Microsoft.RecoveryServices/vaults/', vault, policy)`: two names for a one-level type",
    ),
    (
        "invalid-expression",
        "azure-docs-json-samples/application-insights/ServiceFabricCluster.json",
        "`[Application_Insights_Key]` is a placeholder, not an expression",
    ),
    (
        "invalid-expression",
        "orchard/orchard-cms-video-portal/azuredeploy.json",
        "`providers(...)'2015-10-01'0`: a string literal after a call without a comma",
    ),
    (
        "invalid-template",
        "azmgmt-demo/nestedtemplates/drEnablement.json",
        "variable `sourceContainerName` is built from itself (`sourceFabricName` was meant)",
    ),
    (
        "invalid-parameter-value",
        "get-started-deployment/linked-template/azuredeploy.parameters.json",
        "`projectName` is left empty (minLength 3): Azure rejects the file as written",
    ),
    (
        "invalid-parameter-value",
        "create-cluster-2-node-switched-custom-storageip/azuredeploy.parameters.json",
        "five values left empty below their minLength: Azure rejects the file as written",
    ),
    (
        "invalid-parameter-value",
        "create-cluster-3Nodes-Switchless-SingleLink/azuredeploy.parameters.json",
        "three secrets left empty below their minLength 1: Azure rejects the file as written",
    ),
    (
        "invalid-parameter-value",
        "microsoft.azurestackhci/create-cluster/azuredeploy.parameters.json",
        "three IDs left empty below their minLength 1: Azure rejects the file as written",
    ),
    (
        "duplicate-key",
        "yash-datalake/nested/streamAnalytics.json",
        "`variables` is declared twice; Azure keeps the last one",
    ),
];

/// The fast parser builds exactly the AST jsonc-parser builds, for every JSON file of the corpus
/// (templates and parameter files), and handles nearly all of them itself.
#[test]
fn fast_parser_agrees_with_jsonc_parser_on_the_corpus() {
    use armlint::source::{SourceFile, fast_json, json};
    let Some(root) = corpus() else {
        support::skip_unless_ci(
            "no corpus at ../shared/corpus (set ARMLINT_CORPUS to run this test)",
        );
        return;
    };
    let mut stack = vec![root];
    let (mut files, mut fast) = (0, 0);
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let file = SourceFile::new(path.clone(), text);
            files += 1;
            let expected = json::parse_with_jsonc(&file.text);
            if let Some(v) = fast_json::parse(&file.text) {
                fast += 1;
                assert_eq!(Ok(&v), expected.as_ref(), "{}", path.display());
            }
            assert_eq!(json::parse(&file.text), expected, "{}", path.display());
            // Duplicate keys found while parsing are the ones the tree walk finds.
            if let Ok(root) = &expected {
                let mut walked = json::duplicate_keys(root);
                let parsed = json::parse_with_duplicate_keys(&file.text);
                // The parser's word that a file has no comment is what jsonc-parser sees.
                let comments = jsonc_parser::parse_to_ast(
                    &file.text,
                    &jsonc_parser::CollectOptions {
                        comments: jsonc_parser::CommentCollectionStrategy::Separate,
                        tokens: false,
                    },
                    &Default::default(),
                )
                .ok()
                .and_then(|r| r.comments)
                .is_some_and(|c| c.values().any(|v| !v.is_empty()));
                if let Ok(p) = &parsed {
                    assert!(
                        p.may_have_comments || !comments,
                        "{}: comments missed",
                        path.display()
                    );
                    if fast_json::parse(&file.text).is_some() {
                        assert_eq!(p.may_have_comments, comments, "{}", path.display());
                    }
                }
                let mut found = parsed.map(|p| p.duplicates).unwrap_or_default();
                walked.sort_by_key(|d| d.second.start);
                found.sort_by_key(|d| d.second.start);
                assert_eq!(found, walked, "{}", path.display());
            }
        }
    }
    eprintln!("{fast} of {files} JSON files parsed by the fast path");
    assert!(files > 4000, "{files}");
    assert!(
        fast * 100 >= files * 95,
        "fast path used for only {fast} of {files}"
    );
}
