//! A deterministic hostile-input generator: templates built from the expression language's worst
//! cases (values shared between variables, so that their logical size doubles at each step;
//! nested loops over ranges; serialisation, splitting and replacement of large values; arithmetic
//! at the edges of 64 bits; copy counts that are not counts), linted as `armlint lint` lints them.
//! Each must finish in a bounded time without a panic or an abort, and every finding it gives must
//! be placed inside the file. Proptest's seed is fixed, so a CI run is repeatable and bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::sync::Arc;
use std::time::{Duration, Instant};

use armlint::engine::{LintOptions, lint_template};
use armlint::source::SourceFile;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// What one generated template may take, in a debug build on a busy machine: far above what a
/// bounded evaluation needs (the evaluation budget stops any one template long before), far
/// below what an unbounded one takes.
const PER_TEMPLATE: Duration = Duration::from_secs(60);

/// An expression over the variables before `index` (none when `index` is 0).
fn expression(index: usize) -> impl Strategy<Value = String> {
    let reference = if index == 0 {
        Just("'x'".to_string()).boxed()
    } else {
        (0..index)
            .prop_map(|j| format!("variables('v{j}')"))
            .boxed()
    };
    let number = prop_oneof![
        Just("0".to_string()),
        Just("10000".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        (0i64..5000).prop_map(|n| n.to_string()),
    ];
    let leaf = prop_oneof![
        reference.clone(),
        reference.clone(),
        number.clone().prop_map(|n| format!("range(0, {n})")),
        Just("string(range(0, 10000))".to_string()),
        Just("'a,b,c'".to_string()),
        number.clone(),
    ];
    leaf.prop_recursive(4, 24, 3, move |inner| {
        let n = prop_oneof![
            Just("10000".to_string()),
            Just("9223372036854775807".to_string()),
            (0i64..3000).prop_map(|n| n.to_string()),
        ];
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("createArray({a}, {b})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("createObject('l', {a}, 'r', {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("union({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("concat({a}, {b})")),
            inner.clone().prop_map(|a| format!("string({a})")),
            inner.clone().prop_map(|a| format!("length({a})")),
            inner.clone().prop_map(|a| format!("json(string({a}))")),
            inner.clone().prop_map(|a| format!("split(string({a}), ',')")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("replace(string({a}), ',', string({b}))")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("equals({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("contains({a}, {b})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("map({a}, lambda('x', {b}))")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("map(range(0, 100), lambda('i', map({a}, lambda('j', {b}))))")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!(
                "reduce({a}, {b}, lambda('acc', 'x', createArray(lambdaVariables('acc'), lambdaVariables('acc'))))"
            )),
            inner.clone().prop_map(|a| format!("flatten(createArray({a}, {a}))")),
            inner.clone().prop_map(|a| format!("base64(string({a}))")),
            inner.clone().prop_map(|a| format!("format('{{0}}{{0}}{{0}}', string({a}))")),
            n.clone().prop_map(|k| format!("padLeft('x', {k}, '0')")),
            (n.clone(), n.clone()).prop_map(|(a, b)| format!("add({a}, {b})")),
            (n.clone(), n.clone()).prop_map(|(a, b)| format!("mul({a}, {b})")),
            (n.clone(), n.clone()).prop_map(|(a, b)| format!("sub(-{a}, {b})")),
            (n.clone(), n).prop_map(|(a, b)| format!("take(skip(range(0, {a}), {b}), {a})")),
        ]
    })
}

/// A copy count as written in the template: most are counts, some are what Azure rejects.
fn copy_count() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..900).prop_map(|n| n.to_string()),
        Just("9223372036854775808".to_string()),
        Just("1e999".to_string()),
        Just("800.5".to_string()),
        Just("-1".to_string()),
        Just("\"[length(variables('v0'))]\"".to_string()),
    ]
}

/// A template: `vars` variables, each from the ones before; a VM copy loop named from the last
/// one, depending on a second loop; an output of the last variable.
fn template() -> impl Strategy<Value = String> {
    (2usize..7).prop_flat_map(|vars| {
        let exprs: Vec<_> = (0..vars).map(|i| expression(i).boxed()).collect();
        (exprs, copy_count(), copy_count()).prop_map(move |(exprs, first, second)| {
            let last = exprs.len() - 1;
            let variables: Vec<String> = exprs
                .iter()
                .enumerate()
                .map(|(i, e)| format!("\"v{i}\": \"[{e}]\""))
                .collect();
            format!(
                r#"{{
  "$schema": "{SCHEMA}",
  "contentVersion": "1.0.0.0",
  "variables": {{ {vars} }},
  "resources": [
    {{
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-01-01",
      "name": "[concat('nic', copyIndex())]",
      "location": "eastus",
      "copy": {{ "name": "nics", "count": {second} }}
    }},
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-07-01",
      "name": "[concat('vm', copyIndex(), '-', uniqueString(string(variables('v{last}'))))]",
      "location": "eastus",
      "dependsOn": ["nics"],
      "copy": {{ "name": "vms", "count": {first} }},
      "properties": {{ "hardwareProfile": {{ "vmSize": "[string(length(string(variables('v{last}'))))]" }} }}
    }}
  ],
  "outputs": {{ "last": {{ "type": "object", "value": {{ "v": "[variables('v{last}')]" }} }} }}
}}"#,
                vars = variables.join(", ")
            )
        })
    })
}

/// Lint on another thread so that a case that does not finish fails the test instead of hanging it.
fn lint_within(text: String, limit: Duration) -> Result<(usize, Duration), String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker_text = text.clone();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let source = Arc::new(SourceFile::new("generated/main.json", worker_text));
            let opts = LintOptions {
                evaluate_everything: true,
                ..LintOptions::default()
            };
            let started = Instant::now();
            let (diagnostics, summary) = lint_template(&source, None, &[], &opts);
            if std::env::var_os("HOSTILE_SHOW").is_some() {
                let rules: Vec<String> = diagnostics
                    .iter()
                    .map(|d| format!("{}: {}", d.rule, d.message))
                    .collect();
                eprintln!(
                    "{} expressions, findings {rules:?}",
                    summary.expressions.evaluated
                );
            }
            for d in &diagnostics {
                assert!(
                    d.location.span.end as usize <= source.text.len(),
                    "{} placed outside the file",
                    d.rule
                );
            }
            let _ = tx.send((diagnostics.len(), started.elapsed()));
        })
        .map_err(|e| e.to_string())?;
    rx.recv_timeout(limit).map_err(|_| {
        format!("no result within {limit:?} (a panic or an unbounded evaluation) for:\n{text}")
    })
}

#[test]
fn generated_hostile_templates_are_linted_in_bounded_time() {
    let config = Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    };
    // A fixed seed: the same 48 templates on every run.
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let result = runner.run(&template(), |text| {
        let (_, took) = lint_within(text, PER_TEMPLATE).map_err(TestCaseError::fail)?;
        slowest.set(slowest.get().max(took));
        Ok(())
    });
    eprintln!("slowest generated template: {:?}", slowest.get());
    if let Err(e) = result {
        panic!("{e}");
    }
}
