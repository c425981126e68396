//! Table-driven expression tests: every `fixtures/expr/*.json` file is an array of cases
//! `{ "expr", "parameters"?, "variables"?, "copyIndex"?, "scope"?, and one of "expect" | "unknown" | "error" }`.
//! `unknown: true` means the result must contain an unknown (optionally with `"symbol"`);
//! `error: true` means the deployment would fail (an unknown with an error reason).
//! Plus property tests: parsing and evaluating arbitrary text never panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::path::Path;

use armlint::arm::expr::{StandaloneContext, parse_expression};
use armlint::arm::scope::ScopeConfig;
use armlint::arm::value::{UnknownReason, Value};
use proptest::prelude::*;

fn run_case(file: &str, case: &serde_json::Value) -> Result<(), String> {
    let expr = case["expr"].as_str().ok_or("case without 'expr'")?;
    // Validating without building agrees with parsing on every case of the table.
    let parsed = armlint::arm::expr::parse_template_string(expr).err();
    let validated = armlint::arm::expr::validate_template_string(expr).err();
    if parsed != validated {
        return Err(format!(
            "{file}: {expr}: parsing says {parsed:?}, validating {validated:?}"
        ));
    }
    let scope = case.get("scope").cloned().unwrap_or_default();
    let config = ScopeConfig {
        subscription_id: scope
            .get("subscriptionId")
            .and_then(|v| v.as_str())
            .map(String::from),
        resource_group: scope
            .get("resourceGroup")
            .and_then(|v| v.as_str())
            .map(String::from),
        location: scope
            .get("location")
            .and_then(|v| v.as_str())
            .map(String::from),
        tenant_id: None,
    };
    let mut ctx = StandaloneContext::with_scope(&config);
    if let Some(p) = case.get("parameters").and_then(|v| v.as_object()) {
        for (k, v) in p {
            ctx.parameters
                .insert(k.to_ascii_lowercase(), Value::from_serde(v));
        }
    }
    if let Some(p) = case.get("variables").and_then(|v| v.as_object()) {
        for (k, v) in p {
            ctx.variables
                .insert(k.to_ascii_lowercase(), Value::from_serde(v));
        }
    }
    ctx.copy_index = case.get("copyIndex").and_then(|v| v.as_i64());
    let got = ctx.eval_str(expr);
    let describe = || format!("{file}: {expr} gave {}", got.to_serde());
    if let Some(expected) = case.get("expect") {
        if !got.is_fully_known() {
            return Err(format!("{} but {} was expected", describe(), expected));
        }
        if &got.to_serde() != expected {
            return Err(format!("{} but {} was expected", describe(), expected));
        }
    } else if case.get("error").and_then(|v| v.as_bool()) == Some(true) {
        match got.as_unknown().map(|u| &*u.reason) {
            Some(UnknownReason::Error(_)) => {}
            _ => return Err(format!("{} but an error was expected", describe())),
        }
    } else if case.get("unknown").and_then(|v| v.as_bool()) == Some(true) {
        if got.is_fully_known() {
            return Err(format!("{} but an unknown was expected", describe()));
        }
        if let Some(UnknownReason::Error(msg)) = got.first_unknown().map(|u| &*u.reason) {
            return Err(format!(
                "{}: an unknown was expected, not an error ({msg})",
                describe()
            ));
        }
        if let Some(sym) = case.get("symbol").and_then(|v| v.as_str()) {
            let actual = got
                .as_unknown()
                .and_then(|u| u.symbol.as_ref().map(armlint::arm::value::Symbol::text))
                .unwrap_or("<none>");
            if actual != sym {
                return Err(format!(
                    "{}: symbol {actual} but {sym} was expected",
                    describe()
                ));
            }
        }
    } else {
        return Err(format!("{file}: case {expr} has no expectation"));
    }
    Ok(())
}

#[test]
fn expression_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/expr");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/expr exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for c in &cases {
            count += 1;
            if let Err(e) = run_case(&name, c) {
                failures.push(e);
            }
        }
    }
    assert!(count > 0, "no expression cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC{0,80}") {
        let _ = parse_expression(&s, 0);
    }

    /// Validating (what armlint does for properties no rule reads) accepts and rejects exactly
    /// what parsing does, with the same error.
    #[test]
    fn validating_agrees_with_parsing(
        s in "[a-zA-Z(),'\\[\\] .0-9_$-]{0,60}"
    ) {
        let parsed = parse_expression(&s, 3).err();
        let validated = armlint::arm::expr::validate_expression(&s, 3).err();
        prop_assert_eq!(validated, parsed, "{:?}", s);
    }

    #[test]
    fn evaluating_expression_shaped_text_never_panics(
        s in "[a-zA-Z(),'\\[\\] .0-9-]{0,60}"
    ) {
        let mut ctx = StandaloneContext::default();
        let _ = ctx.eval_str(&format!("[{s}]"));
    }

    #[test]
    fn evaluating_random_calls_never_panics(
        f in prop::sample::select(armlint::arm::functions::names()),
        args in prop::collection::vec(prop::sample::select(vec![
            "1", "-3", "'a'", "''", "createArray(1,'b')", "createObject('k', 1)", "null()", "true()",
            "parameters('missing')", "json('{\"a\":[1]}')", "range(0, 3)", "lambda('x', lambdaVariables('x'))",
            "lambda('a', 'b', add(lambdaVariables('a'), 1))", "'2024-01-01T00:00:00Z'", "'10.0.0.0/16'",
        ]), 0..4)
    ) {
        let mut ctx = StandaloneContext { copy_index: Some(1), ..StandaloneContext::default() };
        let _ = ctx.eval_str(&format!("[{f}({})]", args.join(", ")));
    }
}
