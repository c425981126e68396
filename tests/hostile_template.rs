//! Issue 13, template slice: what Azure rejects is reported (every expression parsed, section
//! types, copy counts, expressions certain to fail), what a template deploys does not depend on what
//! is printed, a limit stops one file and not the run, and the graph stays linear in the template.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use armlint::arm::graph::{EdgeKind, ResourceGraph, Target};
use armlint::arm::scope::{ScopeConfig, ScopeKind};
use armlint::arm::template::{ParameterSet, expand};
use armlint::diagnostic::Diagnostic;
use armlint::discover::{DiscoverOptions, discover};
use armlint::engine::{LintOptions, lint_inputs, lint_template};
use armlint::source::SourceFile;

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn template(body: &str) -> String {
    format!("{{\n\"$schema\": \"{SCHEMA}\",\n\"contentVersion\": \"1.0.0.0\",\n{body}\n}}\n")
}

fn lint_with(text: &str, evaluate_everything: bool) -> (Arc<SourceFile>, Vec<Diagnostic>, u64) {
    let source = Arc::new(SourceFile::new("hostile/main.json", text.to_string()));
    let opts = LintOptions {
        evaluate_everything,
        ..LintOptions::default()
    };
    let (diags, summary) = lint_template(&source, None, &[], &opts);
    (source, diags, summary.resources)
}

fn lint(text: &str) -> (Arc<SourceFile>, Vec<Diagnostic>) {
    let (s, d, _) = lint_with(text, false);
    (s, d)
}

/// (line, column, message) of each finding of `rule`.
fn found(source: &SourceFile, diags: &[Diagnostic], rule: &str) -> Vec<(usize, usize, String)> {
    diags
        .iter()
        .filter(|d| d.rule == rule)
        .map(|d| {
            let (l, c) = source.line_col(d.location.span.start);
            (l, c, d.message.clone())
        })
        .collect()
}

/// The 1-based line and column of the first `needle` in `text`, plus `plus` bytes.
fn position_of(text: &str, needle: &str, plus: usize) -> (usize, usize) {
    let at = text.find(needle).expect("needle in text") + plus;
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// A path under the shared corpus; `None` (with a message) when it is missing, a failure on CI.
fn shared(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(path);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing and CI is set",
        p.display()
    );
    eprintln!("skipped: {} is missing", p.display());
    None
}

// -------------------------------------------------------------------------------------------------
// 1. Every expression Azure evaluates is parsed, used or not.

#[test]
fn syntax_errors_in_unused_variables_and_outputs_are_reported_once_where_they_are() {
    let text = template(
        r#""metadata": {"note": "[concat('documentation', ]"},
"parameters": {"p": {"type": "string", "defaultValue": "[concat('p', ]",
                     "metadata": {"description": "[not parsed("}}},
"variables": {"unused": "[concat('a', ]", "escaped": "[[concat('a', ]"},
"functions": [{"namespace": "f", "members": {"g": {"parameters": [],
               "output": {"type": "string", "value": "[concat('g', ]"}}}}],
"resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
               "name": "[concat('ip', copyIndex())]", "location": "eastus",
               "copy": {"name": "ips", "count": 5}, "comments": "[not parsed(",
               "tags": {"t": "[concat('t', ]"}}],
"outputs": {"o": {"type": "string", "value": "[concat('o', ]"}}"#,
    );
    let (source, diags) = lint(&text);
    let mut got: Vec<(usize, usize)> = found(&source, &diags, "invalid-expression")
        .into_iter()
        .map(|(l, c, _)| (l, c))
        .collect();
    got.sort_unstable();
    // The error is the `]` where a value was expected, in each evaluated section; the tag in a
    // loop of five is reported once. Metadata, comments and `[[` escapes are not expressions.
    let at = |needle: &str| position_of(&text, needle, needle.len() - 1);
    let mut want = vec![
        at("\"[concat('p', ]"),
        at("\"[concat('a', ]"),
        at("\"[concat('g', ]"),
        at("\"[concat('t', ]"),
        at("\"[concat('o', ]"),
    ];
    want.sort_unstable();
    assert_eq!(got, want, "{diags:#?}");
}

// -------------------------------------------------------------------------------------------------
// 2. Section types, as Azure's template validation checks them.

#[test]
fn sections_of_the_wrong_type_are_invalid_templates() {
    let cases = [
        (
            r#""resources": 5"#,
            "'resources' must be a JSON array",
            "/resources",
        ),
        (
            r#""resources": [], "parameters": []"#,
            "'parameters' must be a JSON object",
            "/parameters",
        ),
        (
            r#""resources": [], "variables": "x""#,
            "'variables' must be a JSON object",
            "/variables",
        ),
        (
            r#""resources": [], "outputs": 1"#,
            "'outputs' must be a JSON object",
            "/outputs",
        ),
        (
            r#""resources": [], "functions": {}"#,
            "'functions' must be a JSON array",
            "/functions",
        ),
        (
            r#""resources": [true]"#,
            "a resource must be a JSON object",
            "/resources/0",
        ),
        (
            r#""resources": {"sym": []}"#,
            "a resource must be a JSON object",
            "/resources/sym",
        ),
        (
            r#""resources": [], "parameters": {"p": 1}"#,
            "parameter 'p' must be a JSON object",
            "/parameters/p",
        ),
        (
            r#""resources": [], "outputs": {"o": "x"}"#,
            "output 'o' must be a JSON object",
            "/outputs/o",
        ),
        // In an inline template, the pointer runs through the deployment.
        (
            r#""resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                "name": "d", "properties": {"mode": "Incremental", "template": {
                  "resources": [], "parameters": {"q": [1]}}}}]"#,
            "parameter 'q' must be a JSON object",
            "/resources/0/properties/template/parameters/q",
        ),
    ];
    for (body, message, pointer) in cases {
        let (source, diags) = lint(&template(body));
        let got = found(&source, &diags, "invalid-template");
        assert!(
            got.len() == 1 && got[0].2.starts_with(message),
            "{body}: {got:?}"
        );
        let pointers: Vec<&str> = diags
            .iter()
            .filter(|d| d.rule == "invalid-template")
            .map(|d| d.location.pointer.as_str())
            .collect();
        assert_eq!(pointers, [pointer], "{body}");
    }
    // Symbolic names and null sections are accepted.
    let (source, diags) = lint(&template(
        r#""languageVersion": "2.0", "parameters": null,
           "resources": {"ip": {"type": "Microsoft.Network/publicIPAddresses",
                                "apiVersion": "2024-05-01", "name": "ip", "location": "eastus"}}"#,
    ));
    assert!(
        found(&source, &diags, "invalid-template").is_empty(),
        "{diags:#?}"
    );
}

#[test]
fn copy_counts_that_are_not_integers_are_invalid_templates() {
    for count in ["9223372036854775808", "1e999", "800.5", "\"[json('2.5')]\""] {
        let (source, diags) = lint(&template(&format!(
            r#""resources": [{{"type": "Microsoft.Network/publicIPAddresses",
                "apiVersion": "2024-05-01", "name": "[concat('ip', copyIndex())]",
                "location": "eastus", "copy": {{"name": "ips", "count": {count}}}}}]"#
        )));
        let got = found(&source, &diags, "invalid-template");
        assert!(
            got.len() == 1 && got[0].2.contains("is not an integer"),
            "{count}: {got:?}"
        );
    }
}

// -------------------------------------------------------------------------------------------------
// 3. What a template deploys does not depend on what is printed.

/// A loop of deployments read through `reference()` with an index that is not known, or out of
/// range, from the properties of a type no rule reads: only `--statistics` evaluates those.
const MODULE_LOOP: &str = r#""languageVersion": "2.0",
"parameters": {"index": {"type": "int"}},
"resources": {
  "mods": {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
           "name": "[format('mod{0}', copyIndex())]", "copy": {"name": "mods", "count": 2},
           "properties": {"mode": "Incremental", "template": {
             "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
             "contentVersion": "1.0.0.0", "resources": [],
             "outputs": {"o": {"type": "string", "value": "x"}}}}},
  "site": {"type": "Microsoft.Web/sites", "apiVersion": "2023-01-01", "name": "site",
           "location": "eastus",
           "properties": {"a": "[reference(format('mods[{0}]', parameters('index'))).outputs.o.value]",
                          "b": "[reference('mods[2]').outputs.o.value]"}}
}"#;

#[test]
fn the_resource_count_does_not_depend_on_what_is_evaluated() {
    let text = template(MODULE_LOOP);
    let (_, _, plain) = lint_with(&text, false);
    let (_, _, everything) = lint_with(&text, true);
    // Two deployments and the site.
    assert_eq!((plain, everything), (3, 3));
}

#[test]
fn the_bicep_sample_loops_indexed_counts_the_same_with_and_without_statistics() {
    let Some(path) =
        shared("bicep/bicep-samples/baselines/LoopsIndexed_LF/main.symbolicnames.json")
    else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("readable sample");
    let (_, _, plain) = lint_with(&text, false);
    let (_, _, everything) = lint_with(&text, true);
    assert_eq!(plain, everything);
    // 35 before the fix with --statistics, 34 without: both counted instances Azure never
    // deploys (`moduleCollectionWithCollectionDependencies` outside its loop, `apim[2]`).
    assert_eq!(plain, 33);
}

// -------------------------------------------------------------------------------------------------
// 4. Expressions certain to fail, where Azure certainly evaluates them.

#[test]
fn failing_expressions_are_reported_once_where_they_fail() {
    let text = template(
        r#""variables": {"big": "[add(9223372036854775807, 1)]", "user": "[variables('big')]",
                 "neverRead": "[json('[[[')]"},
"resources": [
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
   "name": "[concat('ip', copyIndex(), string(variables('user')))]", "location": "eastus",
   "copy": {"name": "ips", "count": 50}},
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
   "name": "[concat('j', copyIndex())]", "location": "[string(range(0, 100000000))]",
   "copy": {"name": "js", "count": 50}}
]"#,
    );
    let (source, diags) = lint(&text);
    let got = found(&source, &diags, "expression-fails");
    let want = [
        position_of(&text, "\"[add(9223372036854775807", 0),
        position_of(&text, "\"[string(range(0, 100000000", 0),
    ];
    assert_eq!(
        got.iter().map(|(l, c, _)| (*l, *c)).collect::<Vec<_>>(),
        want,
        "{got:?}"
    );
    assert!(got[0].2.contains("overflow"), "{got:?}");
}

#[test]
fn failing_expressions_that_azure_may_not_evaluate_are_not_reported() {
    let text = template(
        r#""parameters": {"maybe": {"type": "bool"}},
"resources": [
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "a",
   "location": "[string(add(9223372036854775807, 1))]", "condition": false},
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "b",
   "location": "[string(json('[[['))]", "condition": "[parameters('maybe')]"},
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "c",
   "location": "[if(true, 'eastus', string(range(0, 100000000)))]"},
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "d",
   "location": "[if(false, string(range(0, 100000000)), 'eastus')]"},
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "e",
   "existing": true, "location": "[string(add(9223372036854775807, 1))]"}
]"#,
    );
    let (source, diags) = lint(&text);
    assert!(
        found(&source, &diags, "expression-fails").is_empty(),
        "{diags:#?}"
    );
}

#[test]
fn recursive_user_functions_are_reported() {
    let functions = r#""functions": [{"namespace": "my", "members": {
   "a": {"parameters": [], "output": {"type": "int", "value": "[my.b()]"}},
   "b": {"parameters": [], "output": {"type": "int", "value": "[my.a()]"}}}}],"#;
    // languageVersion 2.0 lets functions call each other, so the cycle is what fails.
    let text = template(&format!(
        r#""languageVersion": "2.0", {functions}
"resources": {{"ip": {{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
   "name": "[string(my.a())]", "location": "eastus"}}}}"#
    ));
    let (_, diags) = lint(&text);
    // Whether the evaluator calls it a failure or a limit, it is reported.
    assert!(
        diags
            .iter()
            .any(|d| d.rule == "expression-fails" || d.rule == "evaluation-limit"),
        "{diags:#?}"
    );
    // Before 2.0 no function may call another: each body is an invalid template, and the cycle
    // is not reported again as a failure of the expressions that use it.
    let text = template(&format!(
        r#"{functions}
"resources": [{{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
   "name": "[string(my.a())]", "location": "eastus"}}]"#
    ));
    let (source, diags) = lint(&text);
    let got = found(&source, &diags, "invalid-template");
    let at = |needle: &str| position_of(&text, needle, 0);
    let want = [at("\"[my.b()]"), at("\"[my.a()]")];
    assert_eq!(
        got.iter().map(|(l, c, _)| (*l, *c)).collect::<Vec<_>>(),
        want,
        "{diags:#?}"
    );
    assert!(
        got[0]
            .2
            .contains("'my.a' calls the user-defined function 'my.b'")
    );
    assert!(
        !diags
            .iter()
            .any(|d| d.rule == "expression-fails" || d.rule == "evaluation-limit"),
        "{diags:#?}"
    );
}

#[test]
fn user_function_calls_are_checked_in_unused_functions_and_nested_templates() {
    // An unused function is rejected all the same; a nested inline template of inner scope
    // has its own functions and its own languageVersion.
    let text = template(
        r#""functions": [{"namespace": "f", "members": {
   "unused": {"parameters": [], "output": {"type": "string", "value": "[f.base()]"}},
   "base": {"parameters": [], "output": {"type": "string", "value": "base"}}}}],
"resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
   "name": "inner", "copy": {"name": "d", "count": 3},
   "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
   "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion": "1.0.0.0",
      "functions": [{"namespace": "g", "members": {
         "one": {"parameters": [], "output": {"type": "string", "value": "one"}},
         "two": {"parameters": [], "output": {"type": "string", "value": "[concat(g.one(), '2')]"}}}}],
      "resources": [], "outputs": {"o": {"type": "string", "value": "[g.two()]"}}}}}]"#,
    );
    let (source, diags) = lint(&text);
    let got: Vec<(usize, usize)> = found(&source, &diags, "invalid-template")
        .into_iter()
        .map(|(l, c, _)| (l, c))
        .collect();
    // One finding per body, however many times its deployment is expanded.
    let at = |needle: &str| position_of(&text, needle, 0);
    assert_eq!(
        got,
        [at("\"[f.base()]"), at("\"[concat(g.one(), '2')]")],
        "{diags:#?}"
    );
}

// -------------------------------------------------------------------------------------------------
// 5. A limit stops one file, not the run.

use support::TempDir;

#[test]
fn a_file_at_a_limit_is_reported_and_the_others_are_still_linted() {
    let dir = TempDir::new("limit-and-good");
    let bad = template(
        r#""variables": {
  "grid": "[map(range(0, 2000), lambda('r', map(range(0, 2000), lambda('c', lambdaVariables('c')))))]"},
"resources": [
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "ip",
   "location": "eastus", "tags": {"n": "[string(length(variables('grid')))]"}},
  {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "ip2",
   "location": "[concat('a', ]"}
]"#,
    );
    let good = template(
        r#""resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
   "name": "[concat('ip', copyIndex())]", "location": "eastus",
   "copy": {"name": "ips", "count": 1000}}]"#,
    );
    std::fs::write(dir.0.join("bad.json"), bad).expect("write");
    std::fs::write(dir.0.join("good.json"), good).expect("write");
    let d = discover(std::slice::from_ref(&dir.0), &DiscoverOptions::default()).expect("discover");
    let report = lint_inputs(&d.inputs, d.skipped, &LintOptions::default());
    let rules_of = |file: &str| -> Vec<&str> {
        let mut r: Vec<&str> = report
            .diagnostics
            .iter()
            .filter(|x| x.location.file.display_path().ends_with(file))
            .map(|x| x.rule)
            .collect();
        r.sort_unstable();
        r
    };
    // The limit at its expression, and the rest of the bad file still linted.
    assert_eq!(
        rules_of("bad.json"),
        ["evaluation-limit", "invalid-expression"],
        "{:#?}",
        report.diagnostics
    );
    assert_eq!(rules_of("good.json"), ["invalid-template"]);
    assert_eq!(report.summary.templates, 2);
}

// -------------------------------------------------------------------------------------------------
// 6. The graph stays linear in the template.

fn graph_of(text: &str) -> ResourceGraph {
    let source = Arc::new(SourceFile::new("hostile/graph.json", text.to_string()));
    let root = armlint::source::json::parse(&source.text).expect("valid JSON");
    ResourceGraph::build(expand(
        &source,
        &root,
        ScopeKind::ResourceGroup,
        &ParameterSet::default(),
        &ScopeConfig::default(),
    ))
}

#[test]
fn loops_depending_on_loops_are_kept_once_per_entry() {
    // Eight loops of 200, each depending on every earlier loop: 1.12 million edges spelled out.
    let resources: Vec<String> = (0..8)
        .map(|k| {
            let deps: Vec<String> = (0..k).map(|j| format!("\"loop{j}\"")).collect();
            format!(
                r#"{{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
                   "name": "[concat('ip{k}-', copyIndex())]", "location": "eastus",
                   "copy": {{"name": "loop{k}", "count": 200}}, "dependsOn": [{}]}}"#,
                deps.join(",")
            )
        })
        .collect();
    let g = graph_of(&template(&format!(
        "\"resources\": [{}]",
        resources.join(",")
    )));
    assert_eq!(g.instances().len(), 1600);
    // Stored: no edge per target.
    assert!(g.edges.len() < 1600, "{} edges stored", g.edges.len());
    let per_loop = 200 * 200;
    assert_eq!(g.all_edges().count(), per_loop * (0..8).sum::<usize>());
    // An instance of the last loop depends on every instance of the seven before it.
    let last = g.instances().len() - 1;
    let targets: Vec<usize> = g
        .edges_from(last)
        .filter(|e| e.kind == EdgeKind::DependsOn)
        .filter_map(|e| match e.target {
            Target::Node { index, .. } => Some(index),
            _ => None,
        })
        .collect();
    assert_eq!(targets, (0..1400).collect::<Vec<_>>());
}

#[test]
fn dependency_chains_resolve_by_name_in_order() {
    // Each resource depends on the one before it by name, and on the first by `type/name`.
    let resources: Vec<String> = (0..3000)
        .map(|i| {
            let deps = if i == 0 {
                String::new()
            } else {
                format!(
                    "\"ip{}\", \"Microsoft.Network/publicIPAddresses/ip0\", \"missing\"",
                    i - 1
                )
            };
            format!(
                r#"{{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
                   "name": "ip{i}", "location": "eastus", "dependsOn": [{deps}]}}"#
            )
        })
        .collect();
    let g = graph_of(&template(&format!(
        "\"resources\": [{}]",
        resources.join(",")
    )));
    for i in [1usize, 1500, 2999] {
        let targets: Vec<Target> = g.edges_from(i).map(|e| e.target.clone()).collect();
        assert_eq!(
            targets,
            [
                Target::Node {
                    index: i - 1,
                    certain: true
                },
                Target::Node {
                    index: 0,
                    certain: true
                },
                Target::External("missing".into()),
            ],
            "{i}"
        );
    }
    assert_eq!(g.edges_from(0).count(), 0);
}
