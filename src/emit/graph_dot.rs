//! `armlint graph --format dot`: Graphviz DOT (`dot -Tsvg`). Declared resources are boxes (dashed
//! when `existing`, dotted when their deployment is not certain), external references are grey
//! ellipses, references that could not be evaluated are red diamonds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::arm::graph::{EdgeKind, ResourceGraph, Target};
use crate::arm::value::Tri;

/// A node label: the short type and the name (or its declaration text).
pub(crate) fn node_label(graph: &ResourceGraph, i: usize) -> String {
    let Some(inst) = graph.instances().get(i) else {
        return String::new();
    };
    let short_type = inst
        .resource_type
        .rsplit('/')
        .next()
        .unwrap_or(&inst.resource_type);
    let name = graph.display_name(i);
    let copy = if inst.copy_path.is_empty() {
        String::new()
    } else {
        let idx: Vec<String> = inst
            .copy_path
            .iter()
            .map(|v| {
                v.as_int_lenient()
                    .map_or("?".to_string(), |i| i.to_string())
            })
            .collect();
        format!(" [{}]", idx.join(","))
    };
    format!("{short_type}\n{name}{copy}")
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn render(graph: &ResourceGraph) -> String {
    let mut out = String::from(
        "digraph resources {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (i, inst) in graph.instances().iter().enumerate() {
        let style = if inst.existing {
            "dashed"
        } else if inst.deployed == Tri::Unknown {
            "dotted"
        } else {
            "solid"
        };
        let _ = writeln!(
            out,
            "  n{i} [shape=box, style={style}, label=\"{}\"];",
            escape(&node_label(graph, i))
        );
    }
    let mut externals: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknowns = 0usize;
    for e in graph.all_edges() {
        let target = match &e.target {
            Target::Node { index, .. } => format!("n{index}"),
            Target::External(id) => {
                let next = externals.len();
                let k = *externals.entry(id.clone()).or_insert(next);
                if k == next {
                    let _ = writeln!(
                        out,
                        "  x{k} [shape=ellipse, color=gray50, fontcolor=gray30, label=\"{}\"];",
                        escape(id)
                    );
                }
                format!("x{k}")
            }
            Target::Unknown(why) => {
                unknowns += 1;
                let _ = writeln!(
                    out,
                    "  u{unknowns} [shape=diamond, color=red, label=\"?\", tooltip=\"{}\"];",
                    escape(why)
                );
                format!("u{unknowns}")
            }
        };
        // Graphviz takes the colour as its own attribute, not inside `style`.
        let (style, color) = match e.kind {
            EdgeKind::Reference => ("solid", "black"),
            EdgeKind::DependsOn => ("dashed", "black"),
            EdgeKind::Parent => ("bold", "black"),
            EdgeKind::AutoscaleTarget => ("solid", "blue"),
        };
        let label = if e.path.is_empty() {
            e.kind.as_str().to_string()
        } else {
            e.path.clone()
        };
        let _ = writeln!(
            out,
            "  n{} -> {target} [style={style}, color={color}, label=\"{}\", fontsize=8];",
            e.from,
            escape(&label)
        );
    }
    out.push_str("}\n");
    out
}
