//! Hostile input: no panic, bounded recursion, a located diagnostic for every malformed file, and
//! the other files still linted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::sync::Arc;
use std::time::{Duration, Instant};

use armlint::diagnostic::{self, Diagnostic};
use armlint::emit::{OutputFormat, RenderOptions, render};
use armlint::engine::{LintOptions, LintReport, Summary, lint_template};
use armlint::source::SourceFile;

mod support;

use support::isolated;

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

// -------------------------------------------------------------------------------------------------
// Helpers

/// One template linted on its defaults, with everything rendered.
struct Linted {
    source: Arc<SourceFile>,
    diagnostics: Vec<Diagnostic>,
    summary: Summary,
}

fn lint_text(text: impl Into<String>) -> Linted {
    let source = Arc::new(SourceFile::new("robust/main.json", text.into()));
    // Everything evaluated: these cases probe the evaluator wherever an expression sits.
    let opts = LintOptions {
        evaluate_everything: true,
        ..LintOptions::default()
    };
    let (mut diagnostics, summary) = lint_template(&source, None, &[], &opts);
    diagnostic::sort(&mut diagnostics);
    Linted {
        source,
        diagnostics,
        summary,
    }
}

/// Every span in `file` lies within its text, on character boundaries.
fn assert_span_in(file: &SourceFile, span: armlint::source::Span, what: &str) {
    let text = &file.text;
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(
        s <= e && e <= text.len(),
        "{what}: span {s}..{e} outside the text ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(s) && text.is_char_boundary(e),
        "{what}: span {s}..{e} splits a character"
    );
}

impl Linted {
    fn assert_locations(&self) {
        for d in &self.diagnostics {
            assert!(
                Arc::ptr_eq(&d.location.file, &self.source),
                "{}: diagnostic in another file",
                d.rule
            );
            assert_span_in(&self.source, d.location.span, d.rule);
            for r in &d.related {
                assert_span_in(&r.location.file, r.location.span, d.rule);
            }
        }
    }

    /// Render in every format (and check the JSON output is JSON).
    fn render_all(&self) -> Vec<String> {
        let report = LintReport {
            diagnostics: self.diagnostics.clone(),
            summary: self.summary.clone(),
            ..LintReport::default()
        };
        let mut out = Vec::new();
        for &format in OutputFormat::ALL {
            for (color, statistics) in [(false, false), (true, true)] {
                let opts = RenderOptions {
                    color,
                    width: 80,
                    statistics,
                    rules: None,
                };
                out.push(render(&report, format, &opts));
            }
        }
        let json = render(&report, OutputFormat::Json, &RenderOptions::default());
        let v: serde_json::Value = serde_json::from_str(&json).expect("the json format is JSON");
        assert_eq!(
            v["diagnostics"].as_array().map(Vec::len),
            Some(self.diagnostics.len())
        );
        out
    }

    fn check(&self) -> &Self {
        self.assert_locations();
        self.render_all();
        self
    }

    fn rules(&self) -> Vec<&'static str> {
        self.diagnostics.iter().map(|d| d.name).collect()
    }

    fn has(&self, rule: &str, needle: &str) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.name == rule && d.message.contains(needle))
    }

    fn line_col(&self, d: &Diagnostic) -> (usize, usize) {
        self.source.line_col(d.location.span.start)
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

// -------------------------------------------------------------------------------------------------
// 3. Pathological cases

/// `depth` nested arrays holding a number, as a resource property (4 levels of template around it).
fn deep_arrays_in_resource(depth: usize) -> String {
    let inner = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    template(&[(
        "resources",
        format!(
            "[{{\"type\": \"Microsoft.Network/publicIPAddresses\", \"apiVersion\": \"2024-05-01\", \"name\": \"ip\", \"properties\": {{\"x\": {inner}}}}}]"
        ),
    )])
}

/// The parser's limit is 512 open ranges, and an object property is a range of its own: the
/// template around the arrays (root, `resources`, the resource, `properties`, `x`) takes 7.
const ARRAYS_IN_RESOURCE_MAX: usize = 505;

#[test]
fn json_nested_512_deep_is_linted() {
    isolated(
        "json_nested_512_deep_is_linted",
        Duration::from_secs(10),
        || {
            // 512 arrays: the parser's limit exactly. Not a template, but it must not crash.
            let l = lint_text(format!("{}1{}", "[".repeat(512), "]".repeat(512)));
            l.check();
            assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
            // As deep as the parser allows inside a resource: evaluated, walked, rendered.
            let l = lint_text(deep_arrays_in_resource(ARRAYS_IN_RESOURCE_MAX));
            l.check();
            assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
            assert_eq!(l.summary.resources, 1);
            // Objects: two ranges per level.
            let n = (512 - 7) / 2;
            let objects = format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
            let l = lint_text(template(&[(
                "resources",
                format!(
                    "[{{\"type\": \"Microsoft.Network/publicIPAddresses\", \"apiVersion\": \"2024-05-01\", \"name\": \"ip\", \"properties\": {{\"x\": {objects}}}}}]"
                ),
            )]));
            l.check();
            assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
        },
    );
}

#[test]
fn json_nested_too_deep_is_a_located_parse_error() {
    isolated(
        "json_nested_too_deep_is_a_located_parse_error",
        Duration::from_secs(10),
        || {
            let l = lint_text(format!("{}1{}", "[".repeat(513), "]".repeat(513)));
            l.check();
            assert_eq!(l.rules(), ["parse-error"]);
            assert_eq!(l.line_col(&l.diagnostics[0]), (1, 513));
            for depth in [ARRAYS_IN_RESOURCE_MAX + 1, 10_000, 1_000_000] {
                let text = deep_arrays_in_resource(depth);
                let l = lint_text(text.clone());
                l.check();
                assert_eq!(l.rules(), ["parse-error"], "depth {depth}");
                let d = &l.diagnostics[0];
                assert!(d.message.contains("nesting"), "{}", d.message);
                // At the first bracket past the limit, on the line of the property.
                let (line, col) = l.line_col(d);
                let first = text.find("[[").unwrap_or(0);
                let line_start = text[..first].rfind('\n').map_or(0, |i| i + 1);
                assert_eq!(
                    (line, col),
                    (4, first - line_start + 1 + ARRAYS_IN_RESOURCE_MAX),
                    "depth {depth}: {}",
                    d.message
                );
            }
        },
    );
}

/// A public IP whose `properties.x` is `value` (JSON text): a resource the expander evaluates.
fn resource_with(value: &str) -> String {
    format!(
        "{{\"type\": \"Microsoft.Network/publicIPAddresses\", \"apiVersion\": \"2024-05-01\", \"name\": \"ip\", \"location\": \"eastus\", \"properties\": {{\"x\": {value}}}}}"
    )
}

/// A nested deployment: `inner` scope or not, with `body` as the inline template's extra sections.
fn deployment(name: &str, inner: bool, parameters: &str, template_body: &str) -> String {
    let scope = if inner { "inner" } else { "outer" };
    format!(
        "{{\"type\": \"Microsoft.Resources/deployments\", \"apiVersion\": \"2022-09-01\", \"name\": \"{name}\", \"properties\": {{\"mode\": \"Incremental\", \"expressionEvaluationOptions\": {{\"scope\": \"{scope}\"}}, \"parameters\": {parameters}, \"template\": {{\"$schema\": \"{SCHEMA}\", \"contentVersion\": \"1.0.0.0\"{template_body}}}}}}}"
    )
}

#[test]
fn nested_deployments_600_deep() {
    isolated(
        "nested_deployments_600_deep",
        Duration::from_secs(10),
        || {
            // 600 levels cannot be written within the parser's 512 ranges (7 per level): a located
            // parse error, not a stack overflow.
            let chain = |levels: usize| {
                let mut t = String::from(",\"resources\": []");
                for i in (0..levels).rev() {
                    t = format!(
                        ",\"resources\": [{}]",
                        deployment(&format!("d{i}"), i % 2 == 0, "{}", &t)
                    );
                }
                format!("{{\"$schema\": \"{SCHEMA}\"{t}}}")
            };
            let l = lint_text(chain(600));
            l.check();
            assert_eq!(l.rules(), ["parse-error"]);
            // The deepest chain the parser accepts is expanded down to the nesting limit.
            let l = lint_text(chain(72));
            l.check();
            assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
            eprintln!("  resources: {}", l.summary.resources);
            assert!(l.summary.resources >= 16, "{}", l.summary.resources);
        },
    );
}

#[test]
fn deployments_600_chained_by_reference() {
    isolated(
        "deployments_600_chained_by_reference",
        Duration::from_secs(20),
        || {
            // Flat, but each deployment's parameter reads the next one's output: expanding d0
            // expands d1 first, and so on.
            let chain = |n: usize| {
                let deps: Vec<String> = (0..n)
                .map(|i| {
                    let value = if i + 1 < n {
                        format!("[reference('d{}').outputs.o.value]", i + 1)
                    } else {
                        "end".to_string()
                    };
                    deployment(
                        &format!("d{i}"),
                        true,
                        &format!("{{\"p\": {{\"value\": \"{value}\"}}}}"),
                        ",\"parameters\": {\"p\": {\"type\": \"string\"}}, \"resources\": [], \"outputs\": {\"o\": {\"type\": \"string\", \"value\": \"[parameters('p')]\"}}",
                    )
                })
                .collect();
                lint_text(template(&[(
                    "resources",
                    format!("[{}]", deps.join(",\n")),
                )]))
            };
            // Within the depth limit: evaluated to the end.
            let l = chain(20);
            l.check();
            assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
            assert_eq!(l.summary.resources, 20);
            assert_eq!(l.summary.expressions.unknown, 0);
            // Beyond it: every deployment is still a resource, and the limit is reported once.
            let l = chain(600);
            l.check();
            assert_eq!(l.rules(), ["evaluation-limit"]);
            assert!(l.has("evaluation-limit", "nested deeper than"));
            assert_eq!(l.summary.resources, 600);
        },
    );
}

#[test]
fn variables_referring_to_themselves() {
    isolated(
        "variables_referring_to_themselves",
        Duration::from_secs(10),
        || {
            let l = lint_text(template(&[
                (
                    "variables",
                    r#"{"self": "[variables('self')]", "a": "[concat('x', variables('b'))]", "b": "[variables('A')]", "p": "[parameters('p')]"}"#.to_string(),
                ),
                (
                    "parameters",
                    r#"{"p": {"type": "string", "defaultValue": "[concat(parameters('p'), variables('p'))]"}}"#.to_string(),
                ),
                (
                    "resources",
                    format!(
                        "[{}]",
                        resource_with(r#"["[variables('self')]", "[variables('a')]", "[variables('b')]", "[parameters('p')]"]"#)
                    ),
                ),
            ]));
            l.check();
            eprintln!(
                "  {:?}",
                l.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
            );
            // Azure rejects circular references: each is reported where it closes.
            assert!(
                l.has("invalid-template", "variable 'self' refers to itself"),
                "{:?}",
                l.rules()
            );
            assert!(
                l.has("invalid-template", "parameter 'p' refers to itself"),
                "{:?}",
                l.rules()
            );
            assert!(
                l.rules().iter().all(|r| *r == "invalid-template"),
                "{:?}",
                l.rules()
            );
            assert_eq!(l.rules().len(), 3, "{:?}", l.rules());
        },
    );
}

#[test]
fn variable_chain_10000_long() {
    isolated("variable_chain_10000_long", Duration::from_secs(20), || {
        for n in [30usize, 1_000, 10_000] {
            let vars: Vec<String> = (0..n)
                .map(|i| {
                    if i + 1 < n {
                        format!("\"v{i}\": \"[variables('v{}')]\"", i + 1)
                    } else {
                        format!("\"v{i}\": \"end\"")
                    }
                })
                .collect();
            let l = lint_text(template(&[
                ("variables", format!("{{{}}}", vars.join(",\n"))),
                (
                    "resources",
                    format!("[{}]", resource_with("\"[variables('v0')]\"")),
                ),
            ]));
            l.check();
            eprintln!("  n={n}: {:?}", l.rules());
            if n <= 40 {
                assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
                assert_eq!(l.summary.expressions.unknown, 0);
            } else {
                assert_eq!(l.rules(), ["evaluation-limit"]);
            }
        }
    });
}

fn udf_template(body: &str, call: &str) -> String {
    template(&[
        (
            "functions",
            format!(
                r#"[{{"namespace": "ns", "members": {{"f": {{"parameters": [{{"name": "n", "type": "int"}}], "output": {{"type": "int", "value": "{body}"}}}}}}}}]"#
            ),
        ),
        (
            "resources",
            format!("[{}]", resource_with(&format!("\"{call}\""))),
        ),
    ])
}

#[test]
fn user_function_recursing_forever() {
    isolated(
        "user_function_recursing_forever",
        Duration::from_secs(20),
        || {
            let t0 = Instant::now();
            let l = lint_text(udf_template("[ns.f(add(parameters('n'), 1))]", "[ns.f(0)]"));
            l.check();
            eprintln!("  linear: {:?} {:?}", t0.elapsed(), l.rules());
            assert_eq!(l.summary.resources, 1);
            assert!(l.summary.expressions.unknown >= 1);
        },
    );
}

#[test]
fn user_function_recursing_twice_per_call() {
    isolated(
        "user_function_recursing_twice_per_call",
        Duration::from_secs(20),
        || {
            let t0 = Instant::now();
            let l = lint_text(udf_template(
                "[add(ns.f(add(parameters('n'), 1)), ns.f(add(parameters('n'), 1)))]",
                "[ns.f(0)]",
            ));
            l.check();
            eprintln!("  branching: {:?} {:?}", t0.elapsed(), l.rules());
            assert!(l.summary.expressions.unknown >= 1);
        },
    );
}

#[test]
fn user_function_recursing_in_a_lambda() {
    isolated(
        "user_function_recursing_in_a_lambda",
        Duration::from_secs(20),
        || {
            let t0 = Instant::now();
            let l = lint_text(udf_template(
                "[map(range(0, 3), lambda('i', ns.f(lambdaVariables('i'))))]",
                "[ns.f(0)]",
            ));
            l.check();
            eprintln!("  lambda: {:?} {:?}", t0.elapsed(), l.rules());
            assert!(l.summary.expressions.unknown >= 1);
        },
    );
}

#[test]
fn copy_800_over_deployments_with_copy_800() {
    isolated(
        "copy_800_over_deployments_with_copy_800",
        Duration::from_secs(60),
        || {
            // 640,000 instances if nothing stopped it.
            let inner_resource = r#"{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01", "name": "[format('ip-{0}-{1}', parameters('i'), copyIndex())]", "location": "eastus", "copy": {"name": "ips", "count": 800}, "properties": {}}"#;
            let dep = deployment(
                "[format('d{0}', copyIndex())]",
                true,
                r#"{"i": {"value": "[copyIndex()]"}}"#,
                &format!(
                    r#","parameters": {{"i": {{"type": "int"}}}}, "resources": [{inner_resource}]"#
                ),
            );
            let dep = dep.replacen(
                "\"properties\"",
                r#""copy": {"name": "deps", "count": 800}, "properties""#,
                1,
            );
            let t0 = Instant::now();
            let l = lint_text(template(&[("resources", format!("[{dep}]"))]));
            eprintln!(
                "  lint: {:?}, resources {}",
                t0.elapsed(),
                l.summary.resources
            );
            let t0 = Instant::now();
            l.check();
            eprintln!("  check+render: {:?} {:?}", t0.elapsed(), l.rules());
            assert_eq!(l.rules(), ["evaluation-limit"]);
            assert!(l.has("evaluation-limit", "50000 resource instances"));
            assert_eq!(l.summary.resources, 50_000);
        },
    );
}

#[test]
fn expression_nested_1000_calls_deep() {
    isolated(
        "expression_nested_1000_calls_deep",
        Duration::from_secs(10),
        || {
            for depth in [100usize, 1000, 100_000] {
                let expr = format!("[{}'x'{}]", "concat(".repeat(depth), ")".repeat(depth));
                let t0 = Instant::now();
                let l = lint_text(template(&[(
                    "resources",
                    format!("[{}]", resource_with(&format!("\"{expr}\""))),
                )]));
                l.check();
                eprintln!(
                    "  calls {depth}: {:?} {:?}",
                    t0.elapsed(),
                    l.diagnostics
                        .iter()
                        .map(|d| (d.name, d.message.clone(), l.line_col(d)))
                        .collect::<Vec<_>>()
                );
                if depth <= 100 {
                    assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
                } else {
                    assert!(
                        l.has("invalid-expression", "nested too deeply"),
                        "{:?}",
                        l.rules()
                    );
                }
            }
        },
    );
}

#[test]
fn expression_with_a_long_property_chain() {
    isolated(
        "expression_with_a_long_property_chain",
        Duration::from_secs(10),
        || {
            for n in [1000usize, 100_000] {
                let expr = format!("[createObject('a', 1){}]", ".a".repeat(n));
                let t0 = Instant::now();
                let l = lint_text(template(&[(
                    "resources",
                    format!("[{}]", resource_with(&format!("\"{expr}\""))),
                )]));
                l.check();
                eprintln!("  members {n}: {:?} {:?}", t0.elapsed(), l.rules());
                assert!(
                    l.has("invalid-expression", "nested too deeply"),
                    "{:?}",
                    l.rules()
                );
            }
        },
    );
}

#[test]
fn expression_with_a_long_index_chain() {
    isolated(
        "expression_with_a_long_index_chain",
        Duration::from_secs(10),
        || {
            for n in [1000usize, 100_000] {
                let expr = format!("[createArray(1){}]", "[0]".repeat(n));
                let t0 = Instant::now();
                let l = lint_text(template(&[(
                    "resources",
                    format!("[{}]", resource_with(&format!("\"{expr}\""))),
                )]));
                l.check();
                eprintln!("  indexes {n}: {:?} {:?}", t0.elapsed(), l.rules());
                assert!(
                    l.has("invalid-expression", "nested too deeply"),
                    "{:?}",
                    l.rules()
                );
            }
        },
    );
}

#[test]
fn five_megabyte_string_literal() {
    isolated(
        "five_megabyte_string_literal",
        Duration::from_secs(20),
        || {
            let big = "é".repeat(5 << 19) + &"x".repeat(5);
            for value in [
                format!("\"{big}\""),
                format!("\"[concat('{big}', 'y')]\""),
                format!("\"[toUpper(concat('{big}', 'y'))]\""),
                // An invalid expression whose error is at the end of the 5 MB line.
                format!("\"[concat('{big}', ]\""),
            ] {
                let t0 = Instant::now();
                let l = lint_text(template(&[(
                    "resources",
                    format!("[{}]", resource_with(&value)),
                )]));
                let lint = t0.elapsed();
                l.check();
                eprintln!(
                    "  lint {lint:?}, total {:?} {:?}",
                    t0.elapsed(),
                    l.diagnostics
                        .iter()
                        .map(|d| (d.name, l.line_col(d)))
                        .collect::<Vec<_>>()
                );
                // A 5 MB line is shown as an excerpt, not printed whole.
                let longest = l
                    .render_all()
                    .iter()
                    .flat_map(|r| r.lines().map(|x| x.chars().count()).collect::<Vec<_>>())
                    .max();
                assert!(
                    longest.unwrap_or(0) < 1000,
                    "longest rendered line: {longest:?}"
                );
            }
        },
    );
}

fn lint_expression(expr: &str) -> (Duration, Linted) {
    let t0 = Instant::now();
    let l = lint_text(template(&[(
        "resources",
        format!("[{}]", resource_with(&format!("\"{expr}\""))),
    )]));
    (t0.elapsed(), l)
}

#[test]
fn range_10000_mapped_with_lambdas_repeatedly() {
    isolated(
        "range_10000_mapped_with_lambdas_repeatedly",
        Duration::from_secs(60),
        || {
            let mut e = "range(0, 10000)".to_string();
            for _ in 0..10 {
                e = format!("map({e}, lambda('x', add(lambdaVariables('x'), 1)))");
            }
            let (t, l) = lint_expression(&format!("[length({e})]"));
            l.check();
            eprintln!("  10 maps in sequence: {t:?} {:?}", l.rules());
            assert!(l.diagnostics.is_empty(), "{:?}", l.rules());
            assert_eq!(l.summary.expressions.unknown, 0);
            let e = "map(range(0, 10000), lambda('x', filter(range(0, 10000), lambda('y', equals(lambdaVariables('x'), lambdaVariables('y'))))))";
            let (t, l) = lint_expression(&format!("[length({e})]"));
            l.check();
            eprintln!("  nested map x filter: {t:?} {:?}", l.rules());
            assert_eq!(l.rules(), ["evaluation-limit"]);
            assert!(l.has("evaluation-limit", "function calls"));
        },
    );
}

#[test]
fn reduce_over_large_ranges_with_concat() {
    isolated(
        "reduce_over_large_ranges_with_concat",
        Duration::from_secs(120),
        || {
            for n in [500, 1000, 2000, 4000] {
                let (t, l) = lint_expression(&format!(
                    "[length(reduce(range(0, {n}), '', lambda('acc', 'x', concat(lambdaVariables('acc'), string(lambdaVariables('x'))))))]"
                ));
                l.check();
                eprintln!("  string reduce {n}: {t:?} {:?}", l.rules());
                let (t, l) = lint_expression(&format!(
                    "[length(reduce(range(0, {n}), createArray(), lambda('acc', 'x', concat(lambdaVariables('acc'), createArray(lambdaVariables('x'))))))]"
                ));
                l.check();
                eprintln!("  array reduce {n}: {t:?} {:?}", l.rules());
            }
        },
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// On any text built from JSON's pieces (valid or not), the fast parser either leaves the
    /// file to jsonc-parser or builds exactly its AST; and `parse` always agrees with jsonc-parser.
    #[test]
    fn fast_parser_never_disagrees_with_jsonc_parser(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec![
                "{", "}", "[", "]", ",", ":", " ", "\n", "\t", "\r\n", "\"a\"", "\"é\\n\"",
                "\"\\u00e9\"", "\"\\ud83d\"", "\"x\\\"y\"", "\"\\q\"", "\"", "\\", "0", "-1",
                "1.5e-3", "01", "1.", "true", "false", "null", "nul", "trueish", "// c\n",
                "/* c */", "/*", "/", "'s'", "a", "é", "\u{feff}", "\u{a0}",
            ]),
            0..40,
        )
    ) {
        use armlint::source::{fast_json, json};
        let text: String = pieces.concat();
        let expected = json::parse_with_jsonc(&text);
        if let Some(v) = fast_json::parse(&text) {
            proptest::prop_assert_eq!(Ok(&v), expected.as_ref(), "{:?}", text);
        }
        proptest::prop_assert_eq!(json::parse(&text), expected, "{:?}", text);
    }
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e300f64..1e300).prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            proptest::collection::vec((".{0,8}", inner), 0..8)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

    /// Valid JSON, compact or indented, with a comment and a trailing comma added: the fast parser
    /// takes it and builds exactly jsonc-parser's AST.
    #[test]
    fn fast_parser_takes_valid_json(v in json_value(), pretty in proptest::prelude::any::<bool>()) {
        use armlint::source::{fast_json, json};
        let body = if pretty {
            serde_json::to_string_pretty(&v).unwrap_or_default()
        } else {
            serde_json::to_string(&v).unwrap_or_default()
        };
        for text in [
            body.clone(),
            format!("// header\n/* block */ {body}\n"),
            format!("[{body}, ]"),
        ] {
            let fast = fast_json::parse(&text);
            proptest::prop_assert!(fast.is_some(), "{:?}", text);
            let slow = json::parse_with_jsonc(&text);
            proptest::prop_assert_eq!(fast.as_ref(), slow.as_ref().ok(), "{:?}", text);
        }
    }
}

/// Thousands of findings, each under stacked comments, and a file-level list of thousands of
/// entries: matching stays near-linear and every finding is suppressed once.
#[test]
fn thousands_of_suppressions_and_findings() {
    isolated(
        "thousands_of_suppressions_and_findings",
        Duration::from_secs(60),
        || {
            let n = 3000;
            let vm = |i: usize| {
                format!(
                    "// armlint-ignore CRG005: not this one\n/* armlint-ignore CRG003: vm {i} runs on demand */\n// armlint-ignore CRG011 until 2999-01-01: nor this\n{{\"type\": \"Microsoft.Compute/virtualMachines\", \"apiVersion\": \"2024-07-01\", \"name\": \"vm{i}\", \"location\": \"eastus\", \"properties\": {{\"hardwareProfile\": {{\"vmSize\": \"Standard_D4s_v5\"}}, \"capacityReservation\": {{\"capacityReservationGroup\": {{\"id\": \"[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]\"}}}}}}}}"
                )
            };
            let mut resources = vec![
                "{\"type\": \"Microsoft.Compute/capacityReservationGroups\", \"apiVersion\": \"2024-07-01\", \"name\": \"crg\", \"location\": \"eastus\"}".to_string(),
                "{\"type\": \"Microsoft.Compute/capacityReservationGroups/capacityReservations\", \"apiVersion\": \"2024-07-01\", \"name\": \"crg/d2\", \"location\": \"eastus\", \"sku\": {\"name\": \"Standard_D2s_v3\", \"capacity\": 1}}".to_string(),
            ];
            resources.extend((0..n).map(vm));
            let entries: Vec<String> = (0..n)
                .map(|i| {
                    if i % 2 == 0 {
                        format!("\"CRG004: entry {i}\"")
                    } else {
                        format!("{{\"rule\": \"CRG003\", \"note\": {i}}}")
                    }
                })
                .collect();
            let text = template(&[
                (
                    "metadata",
                    format!(
                        "{{\"armlint\": {{\"suppress\": [{}]}}}}",
                        entries.join(",\n")
                    ),
                ),
                ("resources", format!("[\n{}\n]", resources.join(",\n"))),
            ]);
            let t0 = Instant::now();
            let opts = LintOptions::default();
            let source = Arc::new(SourceFile::new("robust/main.json", text));
            let d = armlint::engine::lint_inputs(
                &[armlint::discover::Input {
                    path: source.path.clone(),
                    size: source.text.len() as u64,
                    source: Ok(Some(source.clone())),
                    kind: None,
                    parameter_files: Vec::new(),
                    pair_parameter_files: false,
                    siblings: None,
                }],
                0,
                &opts,
            );
            eprintln!("  lint {:?}", t0.elapsed());
            let suppressed_crg003 = d
                .suppressed
                .iter()
                .filter(|s| s.diagnostic.rule == "CRG003")
                .count();
            assert_eq!(suppressed_crg003, n);
            assert!(!d.diagnostics.iter().any(|x| x.rule == "CRG003"));
            let count = |rule: &str| d.diagnostics.iter().filter(|x| x.rule == rule).count();
            // Two unused comments per VM, the string entries unused, the object entries invalid
            // (no reason, and an unknown key: two problems each).
            assert_eq!(count("unused-suppression"), 2 * n + n / 2);
            assert_eq!(count("invalid-suppression"), n);
            let json = render(&d, OutputFormat::Json, &RenderOptions::default());
            assert!(json.contains("\"suppressed\": 3000"));
        },
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    /// Any JSON value as `metadata.armlint` of the template and of a resource, and any text as a
    /// directive comment: no panic, every location inside the file, every format renders.
    #[test]
    fn any_suppression_shape_is_handled(
        top in json_value(),
        on_resource in json_value(),
        comment in ".{0,40}",
    ) {
        let comment = comment.replace(['\n', '\r'], " ");
        let text = format!(
            "{{\"$schema\": \"{SCHEMA}\", \"contentVersion\": \"1.0.0.0\",\n\"metadata\": {{\"armlint\": {top}}},\n\"resources\": [\n// armlint-ignore {comment}\n{{\"type\": \"Microsoft.Compute/virtualMachines\", \"apiVersion\": \"2024-07-01\", \"name\": \"vm\", \"location\": \"eastus\", \"metadata\": {{\"armlint\": {{\"suppress\": {on_resource}}}}}, \"properties\": {{\"hardwareProfile\": {{\"vmSize\": \"Standard_D2s_v3\"}}}}}}\n]}}\n",
        );
        let l = lint_text(text);
        l.check();
    }
}
