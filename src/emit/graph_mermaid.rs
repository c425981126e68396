//! `armlint graph --format mermaid`: a Mermaid flowchart (renders in GitHub and Azure DevOps
//! markdown).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::graph_dot::node_label;
use crate::arm::graph::{EdgeKind, ResourceGraph, Target};

fn escape(s: &str) -> String {
    s.replace('"', "#quot;").replace('\n', "<br/>")
}

pub fn render(graph: &ResourceGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, inst) in graph.instances().iter().enumerate() {
        let label = escape(&node_label(graph, i));
        if inst.existing {
            let _ = writeln!(out, "  n{i}[/\"{label}\"/]");
        } else {
            let _ = writeln!(out, "  n{i}[\"{label}\"]");
        }
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
                    let _ = writeln!(out, "  x{k}([\"{}\"])", escape(id));
                }
                format!("x{k}")
            }
            Target::Unknown(_) => {
                unknowns += 1;
                let _ = writeln!(out, "  u{unknowns}{{\"?\"}}");
                format!("u{unknowns}")
            }
        };
        let arrow = match e.kind {
            EdgeKind::DependsOn => "-.->",
            EdgeKind::Parent => "==>",
            _ => "-->",
        };
        let label = if e.path.is_empty() {
            e.kind.as_str().to_string()
        } else {
            e.path.clone()
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|\"{}\"| {target}",
            e.from,
            escape(&label)
        );
    }
    out
}
