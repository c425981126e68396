//! `armlint graph --format json`: the resolved resource graph with evaluated values, for tools and
//! for users checking what armlint understood.

use crate::arm::graph::{ResourceGraph, Target};
use crate::arm::value::{Tri, Value};
use crate::source::SourceFile;

pub fn render(graph: &ResourceGraph, source: &SourceFile) -> String {
    render_located(graph, &source.display_path(), &|span| {
        source.line_col(span.start)
    })
}

/// [`render`] for a template whose declarations are somewhere else than its text (a lowered
/// `.bicep`): `file` is the name to show, `locate` the line and column of a declaration's span.
pub fn render_located(
    graph: &ResourceGraph,
    file: &str,
    locate: &dyn Fn(crate::source::Span) -> (usize, usize),
) -> String {
    let exp = &graph.expansion;
    let nodes: Vec<serde_json::Value> = exp
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let decl = exp.declarations.get(inst.decl);
            let (line, column) = decl.map_or((0, 0), |d| locate(d.span));
            serde_json::json!({
                "index": i,
                "type": inst.resource_type,
                "name": inst.name.to_serde(),
                "id": inst.id.to_serde(),
                "symbolicName": decl.and_then(|d| d.symbolic_name.clone()),
                "pointer": decl.map(|d| d.pointer.clone()),
                "line": line,
                "column": column,
                "copyIndex": inst.copy_path.iter().map(Value::to_serde).collect::<Vec<_>>(),
                "existing": inst.existing,
                "deployed": match inst.deployed { Tri::True => "yes", Tri::False => "no", Tri::Unknown => "maybe" },
                "deployment": inst.deployment,
                "apiVersion": inst.api_version,
                "location": inst.get("location").map(|v| v.to_serde()),
                "zones": inst.get("zones").map(|v| v.to_serde()),
                "sku": inst.get("sku").map(|v| v.to_serde()),
                "properties": inst.get("properties").map(|v| v.to_serde()),
            })
        })
        .collect();
    let edges: Vec<serde_json::Value> = graph
        .all_edges()
        .map(|e| {
            let (to, certain, external, unknown) = match &e.target {
                Target::Node { index, certain } => (Some(*index), Some(*certain), None, None),
                Target::External(id) => (None, None, Some(id.clone()), None),
                Target::Unknown(why) => (None, None, None, Some(why.clone())),
            };
            serde_json::json!({
                "from": e.from, "to": to, "kind": e.kind.as_str(), "path": e.path,
                "certain": certain, "external": external, "unknown": unknown,
            })
        })
        .collect();
    let deployments: Vec<serde_json::Value> = exp
        .deployments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            serde_json::json!({
                "index": i, "templatePointer": d.template_pointer, "instance": d.instance,
                "parent": d.parent, "innerScope": d.inner_scope,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "version": 1,
        "file": file,
        "parameters": exp.parameters.as_ref().map(|p| p.display_path()),
        "nodes": nodes,
        "edges": edges,
        "deployments": deployments,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
