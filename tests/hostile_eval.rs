//! Bounded evaluation (issue 13): expressions written to exhaust memory, stack or time end quickly
//! with the right answer: a known value, an error Azure would report, or an unknown with a limit,
//! and a template that exhausts its budget gets an `evaluation-limit` finding while the other files
//! of the run are linted.
//!
//! Every hostile case runs in a child copy of this test binary (on the harness's 2 MiB thread), so
//! that a stack overflow, an allocation abort or an endless loop fails the case instead of taking
//! the suite down; the child reports its peak memory (`VmHWM`), which the parent bounds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use armlint::arm::expr::StandaloneContext;
use armlint::arm::value::{Object, Tri, UnknownReason, Value, equals};
use armlint::diagnostic::{self, Diagnostic};
use armlint::engine::{LintOptions, lint_template};
use armlint::limits::{ARRAY_LEN, STRING_BYTES, VALUE_DEPTH};
use armlint::source::SourceFile;

mod support;

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

// -------------------------------------------------------------------------------------------------
// Helpers

/// Evaluate `expr` (a template string) with `variables`, timing it.
fn eval(variables: &[(&str, Value)], expr: &str) -> (Value, Duration) {
    eval_within(StandaloneContext::default(), variables, expr)
}

/// [`eval`] in a given context (a smaller budget).
fn eval_within(
    mut ctx: StandaloneContext,
    variables: &[(&str, Value)],
    expr: &str,
) -> (Value, Duration) {
    for (k, v) in variables {
        ctx.variables.insert(k.to_ascii_lowercase(), v.clone());
    }
    let start = Instant::now();
    let v = ctx.eval_str(expr);
    (v, start.elapsed())
}

fn reason(v: &Value) -> Option<UnknownReason> {
    v.first_unknown().map(|u| (*u.reason).clone())
}

/// A value's JSON cut short for a failure message.
fn brief(v: &Value) -> String {
    v.to_json_string().chars().take(200).collect()
}

fn assert_limit(v: &Value, what: &str) {
    assert!(
        matches!(reason(v), Some(UnknownReason::Limit(_))),
        "{what}: expected a limit, got {}",
        brief(v)
    );
}

fn assert_error(v: &Value, needle: &str, what: &str) {
    match reason(v) {
        Some(UnknownReason::Error(m)) if m.contains(needle) => {}
        other => panic!("{what}: expected an error with '{needle}', got {other:?}"),
    }
}

/// A template from its sections (objects as JSON text).
fn template(sections: &[(&str, String)]) -> String {
    let mut t = format!("{{\n  \"$schema\": \"{SCHEMA}\",\n  \"contentVersion\": \"1.0.0.0\"");
    for (k, v) in sections {
        t.push_str(&format!(",\n  \"{k}\": {v}"));
    }
    t.push_str("\n}\n");
    t
}

/// A public IP whose `properties.x` is `value` (JSON text).
fn resource_with(value: &str) -> String {
    format!(
        "{{\"type\": \"Microsoft.Network/publicIPAddresses\", \"apiVersion\": \"2024-05-01\", \"name\": \"ip\", \"location\": \"eastus\", \"properties\": {{\"x\": {value}}}}}"
    )
}

fn lint_text(text: String) -> (Vec<Diagnostic>, Duration) {
    let source = Arc::new(SourceFile::new("hostile/main.json", text));
    let opts = LintOptions {
        evaluate_everything: true,
        ..LintOptions::default()
    };
    let start = Instant::now();
    let (mut diagnostics, _) = lint_template(&source, None, &[], &opts);
    diagnostic::sort(&mut diagnostics);
    (diagnostics, start.elapsed())
}

fn names(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.name).collect()
}

// -------------------------------------------------------------------------------------------------
// 1. Results too large are refused before they are allocated.

#[test]
fn string_of_a_megabyte_variable_mapped_ten_thousand_times() {
    support::isolated_within(
        "string_of_a_megabyte_variable_mapped_ten_thousand_times",
        Duration::from_secs(30),
        400,
        || {
            let big = Value::string("x".repeat(1 << 20));
            let vars = [("big", big)];
            let mapped = "map(range(0, 10000), lambda('x', variables('big')))";
            for f in [
                format!("[string({mapped})]"),
                format!("[format('{{0}}', {mapped})]"),
                format!("[dataUri({mapped})]"),
                format!("[base64(string({mapped}))]"),
                format!("[join({mapped}, ',')]"),
                format!("[uniqueString(string({mapped}))]"),
                "[concat(variables('big'), variables('big'), variables('big'), variables('big'), variables('big'))]".to_string(),
                "[replace(variables('big'), 'x', 'yyyy')]".to_string(),
                "[uriComponent(concat(variables('big'), variables('big')))]".to_string(),
                "[base64(concat(variables('big'), variables('big'), variables('big'), variables('big')))]".into(),
                "[dataUri(concat(variables('big'), variables('big'), variables('big')))]".into(),
            ] {
                let (v, t) = eval(&vars, &f);
                assert_limit(&v, &f);
                assert!(t < Duration::from_secs(5), "{f}: {t:?}");
            }
            // Reading a large variable many times builds nothing: the budget is not spent.
            let (v, _) = eval(&vars, &format!("[length({mapped})]"));
            assert_eq!(v.as_int_lenient(), Some(10_000));
            let (v, _) = eval(
                &vars,
                "[length(map(range(0, 10000), lambda('x', concat(variables('big'), 'y'))))]",
            );
            assert_limit(&v, "10,000 new megabyte strings exhaust the budget");
            // Below the limit the same functions still answer.
            let (v, _) = eval(
                &vars,
                "[length(string(map(range(0, 3), lambda('x', variables('big')))))]",
            );
            assert_eq!(v.as_int_lenient(), Some(3 * ((1 << 20) + 2) + 4));
        },
    );
}

#[test]
fn small_inputs_that_ask_for_huge_results() {
    support::isolated_within(
        "small_inputs_that_ask_for_huge_results",
        Duration::from_secs(30),
        300,
        || {
            let cases: &[(&str, Option<&str>)] = &[
                // Azure's own limits: errors.
                (
                    "[padLeft('a', 100000000)]",
                    Some("exceeds the template literal limit"),
                ),
                ("[format('{0,100000000}', 1)]", None),
                ("[format('{100000000}', 1)]", None),
                ("[range(0, 100000000)]", Some("between 0 and 10000")),
                ("[take(range(0, 10), 9223372036854775807)]", None),
                ("[skip('abc', 9223372036854775807)]", None),
                (
                    "[dateTimeAdd('2020-01-01T00:00:00Z', 'P99999999999999Y')]",
                    Some(""),
                ),
                ("[cidrSubnet('10.0.0.0/8', 32, 99999999999)]", Some("")),
                ("[cidrHost('::/0', 9223372036854775807)]", None),
                ("[indexOf(string(range(0, 10000)), 'zzz')]", None),
            ];
            for (expr, error) in cases {
                let (v, t) = eval(&[], expr);
                assert!(t < Duration::from_secs(5), "{expr}: {t:?}");
                if let Some(needle) = error {
                    assert_error(&v, needle, expr);
                }
                if let Some(s) = v.as_str() {
                    assert!(s.len() <= STRING_BYTES, "{expr}: {} bytes", s.len());
                }
            }
            // A string repeated by nested replace grows to the limit, then stops.
            let mut e = "'xxxxxxxxxxxxxxxx'".to_string();
            for _ in 0..12 {
                e = format!("replace({e}, 'x', 'xxxxxxxx')");
            }
            let (v, t) = eval(&[], &format!("[length({e})]"));
            assert_limit(&v, "nested replace");
            assert!(t < Duration::from_secs(5), "nested replace: {t:?}");
        },
    );
}

// -------------------------------------------------------------------------------------------------
// 2. Nesting is bounded where values are built.

#[test]
fn chained_reduce_nesting_arrays_does_not_overflow_the_stack() {
    support::isolated_within(
        "chained_reduce_nesting_arrays_does_not_overflow_the_stack",
        Duration::from_secs(60),
        400,
        || {
            let mut e = "createArray()".to_string();
            for _ in 0..12 {
                e = format!(
                    "reduce(range(0, 10000), {e}, lambda('a', 'x', createArray(lambdaVariables('a'))))"
                );
            }
            let (v, t) = eval(&[], &format!("[string({e})]"));
            eprintln!("  12 chained reduce + string: {t:?}");
            assert_limit(&v, "string of the nested arrays");
            let (v, _) = eval(&[], &format!("[{e}]"));
            assert!(v.shape().depth as usize <= VALUE_DEPTH);
            // Equality, conversion and drop of the deepest value all return.
            assert_ne!(equals(&v, &v.clone()), Tri::False);
            let _ = v.to_serde();
            drop(v);
            // The same through a whole template, where rules walk the property too.
            let (d, t) = lint_text(template(&[(
                "resources",
                format!("[{}]", resource_with(&format!("\"[{e}]\""))),
            )]));
            eprintln!("  as a resource property: {t:?} {:?}", names(&d));
            // A depth exactly at the limit is still a known value.
            let mut at_limit = Value::Int(1);
            for _ in 0..VALUE_DEPTH {
                at_limit = Value::array(vec![at_limit]);
            }
            assert!(at_limit.is_fully_known());
            assert!(Value::array(vec![at_limit]).is_unknown());
        },
    );
}

// -------------------------------------------------------------------------------------------------
// 3. split() and the array-length limit.

#[test]
fn split_into_millions_of_parts_is_refused() {
    support::isolated_within(
        "split_into_millions_of_parts_is_refused",
        Duration::from_secs(60),
        400,
        || {
            let commas = Value::string(",".repeat(4 << 20));
            let vars = [("s", commas)];
            let start = Instant::now();
            // Unoptimised test builds scan a string slowly: five calls stand for fifty.
            for _ in 0..5 {
                let (v, _) = eval(&vars, "[length(split(variables('s'), ','))]");
                assert_limit(&v, "split into 4M parts");
                let (v, _) = eval(
                    &vars,
                    "[length(split(variables('s'), createArray(';', ',')))]",
                );
                assert_limit(&v, "split into 4M parts on two delimiters");
            }
            eprintln!("  10 splits into 4M parts: {:?}", start.elapsed());
            assert!(start.elapsed() < Duration::from_secs(30));
            // Exactly ARRAY_LEN parts is allowed.
            let vars = [("s", Value::string(",".repeat(ARRAY_LEN - 1)))];
            let (v, _) = eval(&vars, "[length(split(variables('s'), ','))]");
            assert_eq!(v.as_int_lenient(), Some(ARRAY_LEN as i64));
        },
    );
}

// -------------------------------------------------------------------------------------------------
// 4. Shared data: logical sizes exponential in the memory size.

/// `v_i = createArray(v_{i-1}, v_{i-1})` (or an object `{l, r}`), `depth` times.
fn shared_dag(depth: usize, object: bool) -> Value {
    let mut v = Value::Int(1);
    for _ in 0..depth {
        v = if object {
            let mut o = Object::new();
            o.insert("l", v.clone());
            o.insert("r", v);
            Value::object(o)
        } else {
            Value::array(vec![v.clone(), v])
        };
    }
    v
}

#[test]
fn functions_over_shared_data_return() {
    support::isolated_within(
        "functions_over_shared_data_return",
        Duration::from_secs(60),
        300,
        || {
            let v = shared_dag(40, false);
            let w = shared_dag(40, false);
            let o = shared_dag(40, true);
            let vars = [("v", v), ("w", w), ("o", o)];
            let known = [
                ("[length(variables('v'))]", serde_json::json!(2)),
                (
                    "[equals(variables('v'), variables('v'))]",
                    serde_json::json!(true),
                ),
                ("[empty(variables('o'))]", serde_json::json!(false)),
                ("[length(objectKeys(variables('o')))]", serde_json::json!(2)),
                ("[length(first(variables('v')))]", serde_json::json!(2)),
            ];
            for (expr, expected) in known {
                let (r, t) = eval(&vars, expr);
                assert!(t < Duration::from_secs(2), "{expr}: {t:?}");
                assert_eq!(r.to_serde(), expected, "{expr}");
            }
            for expr in [
                "[equals(variables('v'), variables('w'))]",
                "[union(variables('v'), variables('w'))]",
                "[union(variables('o'), variables('o'))]",
                "[intersection(variables('v'), variables('w'))]",
                "[string(variables('v'))]",
                "[string(variables('o'))]",
                "[contains(variables('v'), 3)]",
                "[indexOf(variables('v'), 3)]",
                "[json(string(variables('o')))]",
                "[dataUri(variables('o'))]",
            ] {
                let (r, t) = eval(&vars, expr);
                assert!(t < Duration::from_secs(2), "{expr}: {t:?}");
                assert_limit(&r, expr);
            }
            // Conversion for output stands for the value instead of copying it out.
            let (o, _) = eval(&vars, "[variables('o')]");
            let start = Instant::now();
            let json = o.to_serde();
            assert!(start.elapsed() < Duration::from_secs(1));
            assert!(json.get("$unknown").is_some(), "{json}");
        },
    );
}

/// The DAGs built by a template's own variables, read by the rules and the graph.
fn dag_template(depth: usize, object: bool, use_expr: &str) -> String {
    let mut vars = vec!["\"v0\": 1".to_string()];
    for i in 1..=depth {
        let p = i - 1;
        vars.push(if object {
            format!("\"v{i}\": {{\"l\": \"[variables('v{p}')]\", \"r\": \"[variables('v{p}')]\"}}")
        } else {
            format!("\"v{i}\": \"[createArray(variables('v{p}'), variables('v{p}'))]\"")
        });
    }
    template(&[
        ("variables", format!("{{{}}}", vars.join(", "))),
        (
            "resources",
            format!("[{}]", resource_with(&format!("\"{use_expr}\""))),
        ),
    ])
}

#[test]
fn templates_with_shared_data_are_linted() {
    support::isolated_within(
        "templates_with_shared_data_are_linted",
        Duration::from_secs(60),
        500,
        || {
            for (object, expr) in [
                (false, "[length(variables('v40'))]"),
                (false, "[union(variables('v40'), variables('v40'))]"),
                (false, "[string(variables('v40'))]"),
                (false, "[contains(variables('v40'), 2)]"),
                (false, "[variables('v40')]"),
                (true, "[variables('v40')]"),
                (true, "[equals(variables('v40'), json('{}'))]"),
            ] {
                let (d, t) = lint_text(dag_template(40, object, expr));
                eprintln!("  {expr} (object: {object}): {t:?} {:?}", names(&d));
                assert!(t < Duration::from_secs(10), "{expr}: {t:?}");
            }
            // A rule's selectors read a scale set's profile: the shared object, bounded.
            let vmss = dag_template(40, true, "[variables('v40')]").replace(
                "\"type\": \"Microsoft.Network/publicIPAddresses\"",
                "\"type\": \"Microsoft.Compute/virtualMachineScaleSets\", \"sku\": {\"name\": \"Standard_D2s_v3\", \"capacity\": 2}",
            ).replace("\"properties\": {\"x\":", "\"properties\": {\"orchestrationMode\": \"Flexible\", \"virtualMachineProfile\":");
            assert!(vmss.contains("virtualMachineProfile"));
            let (d, t) = lint_text(vmss);
            eprintln!("  scale set profile (object DAG): {t:?} {:?}", names(&d));
            assert!(t < Duration::from_secs(10), "scale set profile: {t:?}");
            // The graph of such a template, through the binary.
            let dir = support::TempDir::new("dag-graph");
            let file = dir.path().join("main.json");
            std::fs::write(&file, dag_template(40, true, "[variables('v40')]")).expect("write");
            let start = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_armlint"))
                .args(["graph", "--format", "json"])
                .arg(&file)
                .output()
                .expect("run armlint");
            assert!(start.elapsed() < Duration::from_secs(10));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.stdout.len() < 1 << 20, "{} bytes", out.stdout.len());
        },
    );
}

// -------------------------------------------------------------------------------------------------
// 5. One budget per template: cells built, not only calls made.

const NESTED_RANGES: &str =
    "[length(map(range(0, 50), lambda('a', map(range(0, 10000), lambda('b', range(0, 10000))))))]";

#[test]
fn nested_ranges_exhaust_the_budget_not_the_memory() {
    support::isolated_within(
        "nested_ranges_exhaust_the_budget_not_the_memory",
        Duration::from_secs(120),
        1024,
        || {
            let (d, t) = lint_text(template(&[(
                "resources",
                format!("[{}]", resource_with(&format!("\"{NESTED_RANGES}\""))),
            )]));
            eprintln!("  nested ranges: {t:?} {:?}", names(&d));
            assert!(
                d.iter()
                    .any(|d| d.name == "evaluation-limit" && d.message.contains("cells")),
                "{:?}",
                d.iter().map(|d| &d.message).collect::<Vec<_>>()
            );
            let (v, _) = eval(&[], NESTED_RANGES);
            assert_limit(&v, "nested ranges");
        },
    );
}

/// A template with an expression that does not parse: a finding that needs no evaluation.
const GOOD_FILE_FINDING: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "ip",
     "location": "eastus", "properties": {"x": "[concat('a', ]"}}
  ]
}
"#;

#[test]
fn a_file_exhausting_its_budget_leaves_the_others_linted() {
    support::isolated_within(
        "a_file_exhausting_its_budget_leaves_the_others_linted",
        Duration::from_secs(120),
        // The CLI is a separate process: this bounds the test's own memory only.
        1024,
        || {
            let dir = support::TempDir::new("budget-dir");
            // In the name, which every run evaluates.
            let name = format!(
                "[string({})]",
                NESTED_RANGES.trim_start_matches('[').trim_end_matches(']')
            );
            std::fs::write(
                dir.path().join("a-hostile.json"),
                template(&[(
                    "resources",
                    format!(
                        "[{}]",
                        resource_with("1")
                            .replace("\"name\": \"ip\"", &format!("\"name\": \"{name}\""))
                    ),
                )]),
            )
            .expect("write");
            std::fs::write(dir.path().join("b-good.json"), GOOD_FILE_FINDING).expect("write");
            let out = Command::new("/usr/bin/time")
                .arg("-v")
                .arg(env!("CARGO_BIN_EXE_armlint"))
                .args(["lint", "--format", "compact"])
                .arg(dir.path())
                .output();
            let out = match out {
                Ok(o) => o,
                Err(_) => {
                    support::skip_unless_ci(
                        "/usr/bin/time (GNU time), for the peak memory, is missing",
                    );
                    Command::new(env!("CARGO_BIN_EXE_armlint"))
                        .args(["lint", "--format", "compact"])
                        .arg(dir.path())
                        .output()
                        .expect("run armlint")
                }
            };
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            eprintln!("{stdout}");
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(stdout.contains("a-hostile.json") && stdout.contains("evaluation-limit"));
            assert!(stdout.contains("b-good.json") && stdout.contains("invalid-expression"));
            if let Some(kb) = stderr
                .lines()
                .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
                .and_then(|n| n.trim().parse::<u64>().ok())
            {
                eprintln!("  armlint lint peak: {} MB", kb / 1024);
                assert!(kb / 1024 < 1024, "armlint peaked at {} MB", kb / 1024);
            }
        },
    );
}

// -------------------------------------------------------------------------------------------------
// 6. Certain failures are errors with a clear message.

#[test]
fn certain_failures_are_errors() {
    let cases = [
        ("[add(9223372036854775807, 1)]", "overflow"),
        ("[sub(-9223372036854775807, 2)]", "overflow"),
        ("[mul(4611686018427387904, 2)]", "overflow"),
        ("[div(sub(0, 9223372036854775807), 0)]", "division by zero"),
        ("[div(sub(-9223372036854775807, 1), -1)]", "overflow"),
        ("[mod(sub(-9223372036854775807, 1), -1)]", "overflow"),
        ("[mod(5, 0)]", "division by zero"),
        ("[json('[[[')]", "not valid JSON"),
        ("[range(0, 100000000)]", "between 0 and 10000"),
        ("[range(2147483647, 2)]", "32-bit"),
    ];
    for (expr, needle) in cases {
        let (v, _) = eval(&[], expr);
        assert_error(&v, needle, expr);
    }
}

/// A recursive user-defined function is an error (Azure rejects a function that calls itself),
/// seen in the value the graph shows. Before languageVersion 2.0 no function may call one at all,
/// and that is the error the value carries.
#[test]
fn recursive_user_function_is_an_error() {
    let functions = r#"[{"namespace": "ns", "members": {"f": {"parameters": [{"name": "n", "type": "int"}], "output": {"type": "int", "value": "[ns.f(add(parameters('n'), 1))]"}}}}]"#;
    let resource = resource_with("\"[ns.f(0)]\"");
    let graph = |t: String| {
        let dir = support::TempDir::new("udf");
        let file = dir.path().join("main.json");
        std::fs::write(&file, t).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_armlint"))
            .args(["graph", "--format", "json"])
            .arg(&file)
            .output()
            .expect("run armlint");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let v2 = graph(template(&[
        ("languageVersion", "\"2.0\"".to_string()),
        ("functions", functions.to_string()),
        ("resources", format!("{{\"r\": {resource}}}")),
    ]));
    assert!(
        v2.contains("the expression fails") && v2.contains("calls itself"),
        "{v2}"
    );
    let v1 = graph(template(&[
        ("functions", functions.to_string()),
        ("resources", format!("[{resource}]")),
    ]));
    assert!(
        v1.contains("the expression fails") && v1.contains("only templates of languageVersion 2.0"),
        "{v1}"
    );
}

// -------------------------------------------------------------------------------------------------
// 8. Messages name the type they saw.

#[test]
fn a_fraction_where_an_integer_is_needed_is_named() {
    let mut ctx = StandaloneContext::default();
    ctx.parameters.insert("f".into(), Value::Float(2.5));
    let v = ctx.eval_str("[add(parameters('f'), 1)]");
    match reason(&v) {
        Some(UnknownReason::Error(m)) => {
            assert!(m.contains("must be an integer, not the number 2.5"), "{m}");
            assert!(!m.contains("not int"), "{m}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

// -------------------------------------------------------------------------------------------------
// Random compositions of the worst-case functions.

mod generated {
    use super::*;
    use proptest::prelude::*;

    /// An expression from the functions that build, copy, compare and serialise values.
    fn hostile_expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("variables('big')".to_string()),
            Just("variables('dag')".to_string()),
            Just("range(0, 10000)".to_string()),
            Just("lambdaVariables('x')".to_string()),
            Just("'abc,def'".to_string()),
            Just("createObject('k', 1)".to_string()),
            (0i64..10_000).prop_map(|n| n.to_string()),
        ];
        leaf.prop_recursive(5, 40, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| format!("string({e})")),
                inner.clone().prop_map(|e| format!("length({e})")),
                inner.clone().prop_map(|e| format!("createArray({e}, {e})")),
                inner.clone().prop_map(|e| format!("map(range(0, 10000), lambda('x', {e}))")),
                inner.clone().prop_map(|e| format!(
                    "reduce(range(0, 1000), createArray(), lambda('a', 'x', createArray(lambdaVariables('a'), {e})))"
                )),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("union(createArray({a}), createArray({b}))")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("concat(string({a}), string({b}))")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("equals({a}, {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("contains(createArray({a}), {b})")),
                inner.clone().prop_map(|e| format!("split(string({e}), ',')")),
                inner.clone().prop_map(|e| format!("replace(string({e}), '1', '1111')")),
                inner.clone().prop_map(|e| format!("base64(string({e}))")),
                inner.clone().prop_map(|e| format!("json(string({e}))")),
                inner.prop_map(|e| format!("padLeft(string(length({e})), 100000)")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Every composition returns, within a bounded time, without a panic.
        #[test]
        fn compositions_of_worst_cases_return(e in hostile_expr()) {
            let vars = [
                ("big", Value::string("y".repeat(1 << 14))),
                ("dag", shared_dag(40, false)),
            ];
            // A tenth of a template's budget: the same mechanism, at the speed of a test build.
            let ctx = StandaloneContext {
                calls_left: armlint::limits::EVAL_CALLS / 10,
                cells_left: armlint::limits::EVAL_CELLS / 10,
                ..StandaloneContext::default()
            };
            let (v, t) = eval_within(ctx, &vars, &format!("[{e}]"));
            prop_assert!(t < Duration::from_secs(3), "{e}: {t:?}");
            if let Some(s) = v.as_str() {
                prop_assert!(s.len() <= STRING_BYTES);
            }
            prop_assert!(v.shape().depth as usize <= VALUE_DEPTH);
        }
    }
}
