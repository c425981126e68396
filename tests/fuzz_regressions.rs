//! Inputs the fuzz targets (`fuzz/`) found, kept as regression tests: each once crashed a
//! target, disagreed with the reference, or ran past the fuzzer's time limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::sync::Arc;
use std::time::{Duration, Instant};

use armlint::arm::expr::StandaloneContext;
use armlint::engine::{LintOptions, lint_template};
use armlint::source::{SourceFile, fast_json, json};

/// json_reader: a `//` comment ended by lone carriage returns. The fast parser read the comment
/// to the next LF, swallowing the CRs and the text after them, where jsonc-parser (and Json.NET)
/// end it at the first CR: the two readers built different trees.
#[test]
fn a_line_comment_ends_at_a_lone_carriage_return() {
    let text = "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"resources\": [\n    // armlint-ignor~ CRG011\n    {\n      \"type\": \"Microsoft.Compute/virtualMachines\",\n      \"apiVersion\": \"2024-07-01\",\n      /* armlint-ignore unreserved-burts: a misspelt rule name */\n      \"name\": \"vm1\",\n      // armlint-ignore CRG011 until 2027-02-\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\ras('v04')]\", \"v04\": \"[variables(     }\n    }\n  ]\n}\n// armlint-ignore CRG011: nothing follows to suppress\n";
    let reference = json::parse_with_jsonc(text);
    assert!(reference.is_err(), "the text after the CRs is not JSON");
    assert!(
        fast_json::parse(text).is_none(),
        "the fast parser accepted it"
    );
    assert_eq!(json::parse(text), reference);
    // The same in small: the comment ends at the CR, so `, "b": 2` is read (and is valid).
    let small = "{\"a\": 1 // c\r, \"b\": 2}";
    let fast = fast_json::parse(small).expect("the fast parser takes it");
    assert_eq!(Ok(&fast), json::parse_with_jsonc(small).as_ref());
}

/// expression: four million lambda calls of a function that does not exist, which the fuzzer's
/// 20 s limit stopped; the evaluation budget ends it. Found twice (the second, in the run of
/// this round, a slow unit of 20 s under AddressSanitizer: the misspelt name is the argument of
/// `mul`, not `mul` itself; 0.16 s in a release build).
#[test]
fn millions_of_calls_of_an_unknown_function_end_within_the_budget() {
    for expr in [
        "[map(range(0, 2000), lambda('row', map(range(0, 2000), lambda('col', add(mu777777777777777l(lambdaVariables('row'), 2000), lambdaVaoiables('col'))))))]",
        "[map(range(0, 2000), lambda('row', map(range(0, 2000), lambda('col', add(mul(lamriablesbdaVariables('row'), 2000), lambdaVariables('                                                                                          col'))))))]",
    ] {
        let started = Instant::now();
        let _ = StandaloneContext::default().eval_str(expr);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
}

/// template: the same shape as a variable of a template (with an unknown function inside).
#[test]
fn a_template_variable_of_millions_of_calls_is_linted_within_the_budget() {
    let text = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {
    "grid": "[map(range(0, 2000), lambda('row', map(range(0, 2000), lambda('col', add(mul(lambdaVariables('row'), 2000), UlambdaVariables('col'))))))]"
  },
  "resources": [],
  "outputs": {"g": {"type": "array", "value": "[variables('grid')]"}}
}"#;
    let source = Arc::new(SourceFile::new("fuzz/main.json", text));
    let opts = LintOptions {
        evaluate_everything: true,
        ..LintOptions::default()
    };
    let started = Instant::now();
    let (diagnostics, _) = lint_template(&source, None, &[], &opts);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // `UlambdaVariables` is no function armlint knows: unknown, not an error, so nothing to report.
    assert!(
        diagnostics.is_empty(),
        "{:?}",
        diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>()
    );
}
