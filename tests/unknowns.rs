//! Unknowns are types, not text: a template whose own text holds the marks that show unknown
//! fragments (`⟪`, `⟫`) is read as the literal text it is (issue 13, item 3).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::sync::Arc;

use armlint::arm::expr::StandaloneContext;
use armlint::arm::functions::{concat_strings, parse_resource_id, parse_resource_id_value};
use armlint::arm::graph::{ResourceGraph, Target};
use armlint::arm::scope::{ScopeConfig, ScopeKind};
use armlint::arm::template::{ParameterSet, expand};
use armlint::arm::value::{Piece, Symbol, UnknownReason, Value};
use armlint::source::SourceFile;
use armlint::source::json;

fn eval(expr: &str) -> Value {
    StandaloneContext::with_scope(&ScopeConfig::default()).eval_str(expr)
}

#[test]
fn a_literal_spelled_like_an_unknown_does_not_equal_it() {
    // The left side's first part is the literal text `⟪parameters('x')⟫`; the right side's is the
    // unknown parameter. Read back from text, both were `⟪parameters('x')⟫⟪parameters('z')⟫`.
    let v = eval(
        "[equals(concat('⟪parameters(''x'')⟫', parameters('z')), concat(parameters('x'), parameters('z')))]",
    );
    assert!(
        !matches!(v, Value::Bool(true)),
        "a literal equals an unknown: {v:?}"
    );
    // The same expression on both sides is still equal.
    let v = eval("[equals(concat('a', parameters('z')), concat('a', parameters('z')))]");
    assert!(matches!(v, Value::Bool(true)), "{v:?}");
}

#[test]
fn a_partly_known_string_keeps_its_literal_marks_as_known_text() {
    let p = Value::unknown(
        UnknownReason::Parameter("n".into()),
        Some(Symbol::expression("parameters('n')")),
    );
    let v = concat_strings(&[Value::string("⟪a⟫/"), p]);
    let symbol = v
        .as_unknown()
        .and_then(|u| u.symbol.clone())
        .expect("symbol");
    // Shown exactly as before.
    assert_eq!(symbol.text(), "⟪a⟫/⟪parameters('n')⟫");
    assert_eq!(
        symbol.pieces(),
        vec![Piece::Known("⟪a⟫/"), Piece::Unknown("parameters('n')")]
    );
}

#[test]
fn a_known_id_with_marks_is_known() {
    let id =
        "/subscriptions/s/resourceGroups/⟪rg⟫/providers/Microsoft.Compute/virtualMachines/⟪vm⟫";
    let parsed = parse_resource_id_value(&Value::string(id)).expect("an ID");
    assert!(!parsed.is_symbolic(), "{parsed:?}");
    // A `/` inside the marks of a known ID separates segments like any other.
    let parsed = parse_resource_id(
        "/subscriptions/s/resourceGroups/⟪a/b⟫/providers/Microsoft.Compute/virtualMachines/vm",
    )
    .expect("an extension resource's ID");
    assert_eq!(parsed.resource_group.as_deref(), Some("⟪a"));
    assert!(!parsed.is_symbolic());
}

fn graph_of(text: &str) -> ResourceGraph {
    let src = Arc::new(SourceFile::new("unknowns.json", text.to_string()));
    let root = json::parse(&src.text).expect("valid JSON");
    ResourceGraph::build(expand(
        &src,
        &root,
        ScopeKind::ResourceGroup,
        &ParameterSet::default(),
        &ScopeConfig::default(),
    ))
}

#[test]
fn a_literal_name_spelled_like_an_unknown_names_only_itself() {
    // `symbolic` is named by a parameter without a value; `literal` by the text its symbol is
    // shown as. The reference names `literal`, and only it.
    let g = graph_of(
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "n": { "type": "string" } },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "[parameters('n')]", "location": "westeurope" },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "⟪parameters('n')⟫", "location": "westeurope" },
    { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "user", "location": "westeurope",
      "properties": { "ref": { "id": "[resourceId('Microsoft.Network/virtualNetworks', '⟪parameters(''n'')⟫')]" } } }
  ]
}"#,
    );
    let literal = g
        .instances()
        .iter()
        .position(|i| i.name.as_str() == Some("⟪parameters('n')⟫"))
        .expect("the literal name is known text");
    let user = g
        .instances()
        .iter()
        .position(|i| i.name.as_str() == Some("user"))
        .expect("user");
    let targets: Vec<Target> = g
        .edges_from(user)
        .filter(|e| e.path == "properties.ref.id")
        .map(|e| e.target.clone())
        .collect();
    assert!(
        matches!(
            targets.as_slice(),
            [Target::Node { index, certain: true }] if *index == literal
        ),
        "{targets:?}"
    );
}
