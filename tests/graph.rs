//! Template expansion and the resource graph on fixtures/templates: array and symbolic forms, copy
//! loops (resource, property, variable), filtered loops, conditions, nested children, a Bicep module
//! (inner scope) in a loop with outputs read back, an outer-scope nested deployment, a linked template.

use std::path::Path;
use std::sync::Arc;

use armlint::arm::graph::{EdgeKind, ResourceGraph, Target};
use armlint::arm::scope::{ScopeConfig, ScopeKind};
use armlint::arm::template::{ParameterSet, expand};
use armlint::arm::value::{Tri, Value};
use armlint::source::SourceFile;
use armlint::source::json;

/// Load a fixture under its repository-relative path, so snapshots do not depend on the checkout.
fn fixture(name: &str) -> Arc<SourceFile> {
    let path = Path::new("fixtures/templates").join(name);
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&path))
        .expect("fixture");
    Arc::new(SourceFile::new(path, text))
}

fn graph(name: &str, params: Option<&str>) -> (ResourceGraph, Arc<SourceFile>) {
    let src = fixture(name);
    let root = json::parse(&src.text).expect("valid JSON");
    let set = match params {
        Some(p) => ParameterSet::from_file(fixture(p)).expect("parameter file"),
        None => ParameterSet::default(),
    };
    let g = ResourceGraph::build(expand(
        &src,
        &root,
        ScopeKind::ResourceGroup,
        &set,
        &ScopeConfig::default(),
    ));
    (g, src)
}

fn names_of(g: &ResourceGraph, ty: &str) -> Vec<String> {
    g.instances()
        .iter()
        .filter(|i| i.is_type(ty))
        .map(|i| {
            i.name
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| "<unknown>".into())
        })
        .collect()
}

fn snapshot(name: &str, params: Option<&str>) {
    let (g, src) = graph(name, params);
    let text = armlint::emit::graph_json::render(&g, &src);
    let snap = format!(
        "{}{}",
        name,
        params.map(|p| format!("+{p}")).unwrap_or_default()
    );
    insta::with_settings!({ snapshot_path => "../fixtures/templates/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(snap, text);
    });
}

#[test]
fn array_form_loops_on_defaults() {
    let (g, _) = graph("array-form-loops.json", None);
    assert_eq!(
        names_of(&g, "Microsoft.Compute/virtualMachines"),
        ["web-1", "web-2", "web-3"]
    );
    // Variable copy loop builds the zones; per-iteration zone from it.
    let zones: Vec<String> = g
        .instances()
        .iter()
        .filter(|i| i.is_type("Microsoft.Compute/virtualMachines"))
        .map(|i| {
            i.get("zones")
                .map(|z| z.to_json_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(zones, [r#"["1"]"#, r#"["2"]"#, r#"["3"]"#]);
    // Property copy loop.
    let disks = g.instances()[1]
        .get("properties.storageProfile.dataDisks")
        .expect("dataDisks");
    assert_eq!(
        disks.to_json_string(),
        r#"[{"lun":0,"diskSizeGB":64,"createOption":"Empty"},{"lun":1,"diskSizeGB":64,"createOption":"Empty"}]"#
    );
    // The condition is false on defaults: no storage account.
    assert!(names_of(&g, "Microsoft.Storage/storageAccounts").is_empty());
    assert_eq!(g.expansion.skipped_by_condition, 6 + 1);
    // Filtered loop: indexes 0, 3, 6, 9 of range(0, 10).
    assert_eq!(
        names_of(&g, "Microsoft.Network/networkInterfaces"),
        ["nic-0", "nic-3", "nic-6", "nic-9"]
    );
    // Nested children get qualified names and a parent edge.
    assert_eq!(
        names_of(&g, "Microsoft.Compute/virtualMachines/extensions"),
        ["web-1/health", "web-2/health", "web-3/health"]
    );
    let parent_edges = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Parent)
        .count();
    assert_eq!(parent_edges, 3);
    // Every VM references the scale set, symbolically scoped but certain.
    let ss = g
        .instances()
        .iter()
        .position(|i| i.is_type("Microsoft.Compute/virtualMachineScaleSets"))
        .unwrap();
    let refs = g
        .edges
        .iter()
        .filter(|e| {
            e.path == "properties.virtualMachineScaleSet.id"
                && e.target
                    == Target::Node {
                        index: ss,
                        certain: true,
                    }
        })
        .count();
    assert_eq!(refs, 3);
    // A subnet in another resource group is external.
    assert!(g.edges.iter().any(
        |e| matches!(&e.target, Target::External(id) if id.contains("/resourceGroups/shared-rg/"))
    ));
    snapshot("array-form-loops.json", None);
}

#[test]
fn array_form_loops_with_parameter_file() {
    let (g, _) = graph(
        "array-form-loops.json",
        Some("array-form-loops.parameters.json"),
    );
    assert_eq!(
        names_of(&g, "Microsoft.Compute/virtualMachines"),
        ["api-1", "api-2"]
    );
    let loc = g
        .instances()
        .iter()
        .find(|i| i.is_type("Microsoft.Compute/virtualMachines"))
        .and_then(|i| i.get("location"));
    assert_eq!(
        loc.and_then(|l| l.as_str().map(String::from)).as_deref(),
        Some("westeurope")
    );
    snapshot(
        "array-form-loops.json",
        Some("array-form-loops.parameters.json"),
    );
}

#[test]
fn symbolic_form_with_module_loop_and_outputs() {
    let (g, _) = graph("symbolic-form-module.json", None);
    // Two module instances, each deploying one VM with the name passed in.
    assert_eq!(
        names_of(&g, "Microsoft.Resources/deployments"),
        ["worker-0", "worker-1"]
    );
    assert_eq!(
        names_of(&g, "Microsoft.Compute/virtualMachines"),
        ["worker0", "worker1"]
    );
    // The group name is an unknown parameter, yet the VMs' group reference resolves to it.
    let crg = g
        .instances()
        .iter()
        .position(|i| i.is_type("Microsoft.Compute/capacityReservationGroups"))
        .unwrap();
    assert!(g.instances()[crg].name.is_unknown());
    let to_crg = g
        .edges
        .iter()
        .filter(|e| {
            e.path.ends_with("capacityReservationGroup.id")
                && e.target
                    == Target::Node {
                        index: crg,
                        certain: true,
                    }
        })
        .count();
    assert_eq!(to_crg, 2);
    // Lambdas: zones [1, 2] mapped to strings.
    assert_eq!(
        g.instances()[crg]
            .get("zones")
            .map(|z| z.to_json_string())
            .as_deref(),
        Some(r#"["1","2"]"#)
    );
    // The existing VNet is a node, flagged existing, in its own resource group.
    let vnet = g
        .instances()
        .iter()
        .find(|i| i.is_type("Microsoft.Network/virtualNetworks"))
        .unwrap();
    assert!(vnet.existing);
    assert!(
        vnet.id
            .as_unknown()
            .and_then(|u| u.symbol.as_deref())
            .is_some_and(|s| s.contains("/resourceGroups/network-rg/"))
    );
    // Module outputs read back through reference('workers[i]'); property copy loop in a parameter.
    let tags = g
        .instances()
        .iter()
        .find(|i| i.is_type("Microsoft.Resources/tags"))
        .unwrap();
    assert_eq!(
        tags.get("properties.tags.tagCount")
            .and_then(|v| v.as_str().map(String::from))
            .as_deref(),
        Some("2")
    );
    let first = tags.get("properties.tags.firstWorker").unwrap();
    let sym = first
        .as_unknown()
        .and_then(|u| u.symbol.clone())
        .expect("symbolic ID");
    assert!(
        sym.ends_with("/providers/Microsoft.Compute/virtualMachines/worker0"),
        "{sym}"
    );
    // The module loop's count is known, so every instance is certainly deployed.
    assert!(g.instances().iter().all(|i| i.deployed == Tri::True));
    snapshot("symbolic-form-module.json", None);
}

#[test]
fn outer_scope_nested_deployment_and_linked_template() {
    let (g, _) = graph("outer-scope-nested.json", None);
    let ss = g
        .instances()
        .iter()
        .position(|i| i.is_type("Microsoft.Compute/virtualMachineScaleSets"))
        .unwrap();
    // Outer scope: the inner template reads the parent's parameters and variables.
    assert_eq!(g.instances()[ss].name.as_str(), Some("uniform-ss"));
    assert_eq!(
        g.instances()[ss]
            .get("sku.name")
            .and_then(|v| v.as_str().map(String::from))
            .as_deref(),
        Some("Standard_D2s_v3")
    );
    assert_eq!(g.instances()[ss].deployment, 1);
    let vm = g
        .instances()
        .iter()
        .position(|i| i.is_type("Microsoft.Compute/virtualMachines"))
        .unwrap();
    assert!(g.edges.iter().any(|e| e.from == vm
        && e.target
            == Target::Node {
                index: ss,
                certain: true
            }));
    // A linked template's outputs are unknown.
    let av = g.instances()[vm]
        .get("properties.availabilitySet.id")
        .unwrap();
    assert!(matches!(av, Value::Unknown(_)));
    assert!(
        g.edges
            .iter()
            .any(|e| e.from == vm && matches!(e.target, Target::Unknown(_)))
    );
    snapshot("outer-scope-nested.json", None);
}
