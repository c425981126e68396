//! Template expansion and the resource graph on fixtures/templates: array and symbolic forms, copy
//! loops (resource, property, variable), filtered loops, conditions, nested children, a Bicep module
//! (inner scope) in a loop with outputs read back, an outer-scope nested deployment, a linked template.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

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
            .and_then(|u| u.symbol.as_ref().map(armlint::arm::value::Symbol::text))
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
        sym.text()
            .ends_with("/providers/Microsoft.Compute/virtualMachines/worker0"),
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

/// The instance of a type with a given evaluated name.
fn named<'g>(
    g: &'g ResourceGraph,
    ty: &str,
    name: &str,
) -> (usize, &'g armlint::arm::template::ResourceInstance) {
    g.instances()
        .iter()
        .enumerate()
        .find(|(_, i)| i.is_type(ty) && i.name.as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {ty} '{name}'"))
}

fn text(v: Option<Value>) -> String {
    v.map(|v| v.to_json_string()).unwrap_or_default()
}

fn copy_path(i: &armlint::arm::template::ResourceInstance) -> Vec<i64> {
    i.copy_path
        .iter()
        .map(|v| v.as_int_lenient().unwrap_or(-1))
        .collect()
}

fn depends_on_targets(g: &ResourceGraph, from: usize) -> Vec<usize> {
    let mut t: Vec<usize> = g
        .edges_from(from)
        .filter(|e| e.kind == EdgeKind::DependsOn)
        .filter_map(|e| match e.target {
            Target::Node { index, .. } => Some(index),
            _ => None,
        })
        .collect();
    t.sort();
    t
}

/// Every expansion fixture has a graph snapshot (the JSON `armlint graph` prints), with and
/// without its parameter file.
#[test]
fn expansion_fixtures_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/templates");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/templates")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("exp-") && n.ends_with(".json") && !n.contains(".parameters"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for n in &names {
        snapshot(n, None);
        let p = n.replace(".json", ".parameters.json");
        if dir.join(&p).exists() {
            snapshot(n, Some(&p));
        }
    }
}

#[test]
fn unnamed_copy_index_in_a_property_loop_is_the_resource_loop() {
    let (g, _) = graph("exp-nested-property-loops.json", None);
    let (_, legacy1) = named(&g, "Microsoft.Compute/virtualMachines", "legacy1");
    let disks = legacy1
        .get("properties.storageProfile.dataDisks")
        .expect("disks");
    let disks = disks.as_array().expect("array");
    let names: Vec<String> = disks.iter().map(|d| text(d.get("name"))).collect();
    assert_eq!(names, [r#""legacy1-disk0""#, r#""legacy1-disk1""#]);
    assert!(disks.iter().all(|d| text(d.get("diskSizeGB")) == "64"));
    // Bicep's nested loop: parameters('vms')[copyIndex()].disks[copyIndex('dataDisks')].
    let (_, db1) = named(&g, "Microsoft.Compute/virtualMachines", "db1");
    let sizes: Vec<String> = db1
        .get("properties.storageProfile.dataDisks")
        .and_then(|d| {
            d.as_array()
                .map(|a| a.iter().map(|d| text(d.get("diskSizeGB"))).collect())
        })
        .unwrap_or_default();
    assert_eq!(sizes, ["128", "256"]);
    let (_, db2) = named(&g, "Microsoft.Compute/virtualMachines", "db2");
    let sizes: Vec<String> = db2
        .get("properties.storageProfile.dataDisks")
        .and_then(|d| {
            d.as_array()
                .map(|a| a.iter().map(|d| text(d.get("diskSizeGB"))).collect())
        })
        .unwrap_or_default();
    assert_eq!(sizes, ["512"]);
}

#[test]
fn outer_scope_template_in_a_loop_keeps_one_copy_index() {
    let (g, _) = graph("exp-outer-scope-loop.json", None);
    let paths: Vec<Vec<i64>> = g
        .instances()
        .iter()
        .filter(|i| i.is_type("Microsoft.Storage/storageAccounts"))
        .map(copy_path)
        .collect();
    assert_eq!(paths, [vec![0], vec![1], vec![2]]);
}

#[test]
fn outer_scope_functions_see_the_parent_resource_group() {
    let (g, _) = graph("exp-cross-rg.json", None);
    let (_, nsg) = named(&g, "Microsoft.Network/networkSecurityGroups", "outer-nsg");
    // Deployed to other-rg, but resourceGroup() is the parent's (outer expression scope).
    assert!(text(Some(nsg.id.clone())).contains("/resourceGroups/other-rg/"));
    let rg = nsg.get("tags.rg").expect("tag");
    assert!(
        rg.as_unknown()
            .and_then(|u| u.symbol.as_ref().map(armlint::arm::value::Symbol::text))
            .is_some_and(|s| s.contains("resourceGroup().name")),
        "{rg:?}"
    );
    // Inner scope: the nested deployment's own resource group.
    let inner = g
        .instances()
        .iter()
        .find(|i| i.is_type("Microsoft.Compute/capacityReservationGroups") && i.deployment != 0)
        .expect("group in the module");
    assert_eq!(text(inner.get("tags.rg")), r#""other-rg""#);
}

#[test]
fn depends_on_a_loop_means_every_instance() {
    let (g, _) = graph("exp-depends-on-v2.json", None);
    let (summary, _) = named(&g, "Microsoft.Resources/tags", "default");
    assert_eq!(depends_on_targets(&g, summary).len(), 5);
    // Bicep's element dependency `nics[1]` is the second instance only.
    let (vm1, _) = named(&g, "Microsoft.Compute/virtualMachines", "vm-1");
    let (nic1, _) = named(&g, "Microsoft.Network/networkInterfaces", "nic-1");
    assert_eq!(depends_on_targets(&g, vm1), [nic1]);
}

#[test]
fn relative_extension_scope_is_an_edge() {
    let (g, _) = graph("exp-extension-v1.json", None);
    let (lock, _) = named(&g, "Microsoft.Authorization/locks", "vm1-lock");
    let (vm, _) = named(&g, "Microsoft.Compute/virtualMachines", "vm1");
    assert!(g.edges_from(lock).any(|e| e.path == "scope"
        && e.target
            == Target::Node {
                index: vm,
                certain: true
            }));
}

#[test]
fn module_outputs_read_from_another_loop_do_not_duplicate_the_module() {
    let (g, _) = graph("exp-modules-v1.json", None);
    assert_eq!(
        names_of(&g, "Microsoft.Compute/virtualMachines"),
        ["worker-vm-0", "worker-vm-1"]
    );
    assert_eq!(
        names_of(&g, "Microsoft.Resources/deployments"),
        ["network", "subnets", "worker-0", "worker-1"]
    );
}

#[test]
fn a_module_read_before_its_declaration_keeps_condition_and_depends_on() {
    let (g, _) = graph("exp-maybe-module.json", None);
    let (network, module) = named(&g, "Microsoft.Resources/deployments", "network");
    assert_eq!(module.deployed, Tri::Unknown);
    let (nsg0, _) = named(&g, "Microsoft.Network/networkSecurityGroups", "nsg0");
    assert_eq!(depends_on_targets(&g, network), [nsg0]);
    // What the module deploys is as uncertain as the module.
    let (_, hub) = named(&g, "Microsoft.Network/virtualNetworks", "hub");
    assert_eq!(hub.deployed, Tri::Unknown);
}

#[test]
fn a_runtime_default_is_one_value_per_parameter() {
    // `baseTime` defaults to `utcNow()`: unknown, but one value each time the parameter is read,
    // so the role assignment's scope and dependsOn name the image template.
    let (g, _) = graph("runtime-default-parameter.json", None);
    let template = g
        .instances()
        .iter()
        .position(|i| i.is_type("Microsoft.VirtualMachineImages/imageTemplates"))
        .expect("image template");
    let from = |name: &str| {
        g.instances()
            .iter()
            .position(|i| i.name.as_str() == Some(name))
            .expect("role assignment")
    };
    let targets = |i: usize| -> Vec<(String, Target)> {
        g.edges_from(i)
            .map(|e| (e.kind.as_str().to_string(), e.target.clone()))
            .collect()
    };
    let certain = Target::Node {
        index: template,
        certain: true,
    };
    assert_eq!(
        targets(from("ra")),
        vec![
            ("reference".to_string(), certain.clone()),
            ("dependsOn".to_string(), certain)
        ]
    );
    // Another parameter defaulting to `newGuid()` is another value: not that resource.
    assert!(
        targets(from("rb"))
            .iter()
            .all(|(_, t)| !matches!(t, Target::Node { .. })),
        "{:?}",
        targets(from("rb"))
    );
}
