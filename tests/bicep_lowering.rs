//! Lowering snapshots: every `fixtures/bicep/lower/*.bicep` lowered (local modules from disk,
//! no module cache) and snapshotted as the template text and the resource graph armlint builds
//! from it; every `fixtures/bicep/lower/invalid/*.bicep` snapshotted as its errors. And the
//! compiler's own baselines (`../shared/bicep/bicep-samples/baselines`): for the samples whose
//! resources the lowering covers, the lowered `resources` must be exactly the compiler's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use armlint::arm::bicep::lower_template::lower_template_with;
use armlint::arm::document::{DocumentKind, kind_of_schema};
use armlint::arm::graph::{ResourceGraph, Target};
use armlint::arm::scope::ScopeConfig;
use armlint::arm::template::{ParameterSet, expand};
use armlint::discover::module_loader::ModuleLoader;
use armlint::source::{SourceFile, bicep, json};
use serde_json::Value as J;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bicep/lower")
}

fn bicep_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bicep"))
        .collect();
    files.sort();
    files
}

/// Lowers the file at `path`: the template text, or its errors as `line:col: message`.
fn lower(path: &Path) -> Result<String, String> {
    let source = SourceFile::read(path).expect("readable fixture");
    let file = bicep::parse(&source.text);
    assert!(
        file.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        file.errors
    );
    let mut modules = ModuleLoader::new(None);
    lower_template_with(&file, path.to_path_buf(), &mut modules)
        .map(|lowered| lowered.text)
        .map_err(|errors| {
            errors
                .iter()
                .map(|e| {
                    // Paths are machine-specific.
                    let repo = env!("CARGO_MANIFEST_DIR");
                    let message = e.message.replace(repo, "<repo>");
                    match &e.file {
                        None => {
                            let (line, col) = source.line_col(e.span.start);
                            format!("{line}:{col}: {message}\n")
                        }
                        // An error inside a module file, at its position in that file.
                        Some(module) => {
                            let module_source = SourceFile::read(module).expect("module read");
                            let (line, col) = module_source.line_col(e.span.start);
                            let name = module.display().to_string().replace(repo, "<repo>");
                            format!("{name}:{line}:{col}: {message}\n")
                        }
                    }
                })
                .collect()
        })
}

/// The graph armlint builds from `text`: one line per node, one per edge.
fn graph_lines(text: &str) -> String {
    let root = json::parse(text).expect("lowered text is JSON");
    let Some(DocumentKind::Template(kind)) = json::as_object(&root)
        .and_then(|o| json::get_str(o, "$schema"))
        .map(kind_of_schema)
    else {
        panic!("no template schema");
    };
    let source = Arc::new(SourceFile::new("lowered.json", text));
    let expansion = expand(
        &source,
        &root,
        kind,
        &ParameterSet::default(),
        &ScopeConfig::default(),
    );
    let graph = ResourceGraph::build(expansion);
    let node = |i: usize| {
        graph.instances().get(i).map_or("?".to_string(), |inst| {
            format!("{} {}", inst.resource_type, inst.name.to_serde())
        })
    };
    let mut out = String::new();
    for (i, inst) in graph.instances().iter().enumerate() {
        out += &format!("node {} deployed={:?}\n", node(i), inst.deployed);
    }
    let mut edges: Vec<String> = graph
        .all_edges()
        .map(|edge| {
            let target = match &edge.target {
                Target::Node { index, .. } => node(*index),
                Target::External(id) => format!("external {id}"),
                Target::Unknown(why) => format!("unknown ({why})"),
            };
            format!(
                "edge {} -{}:{}-> {target}\n",
                node(edge.from),
                edge.kind.as_str(),
                edge.path
            )
        })
        .collect();
    edges.sort();
    out + &edges.concat()
}

#[test]
fn valid_fixtures_lower_to_the_snapshotted_template_and_graph() {
    let files = bicep_files(&fixtures());
    assert!(files.len() >= 7, "fixtures missing: {files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = lower(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let shown = format!("{text}\n--- graph\n{}", graph_lines(&text));
        insta::assert_snapshot!(format!("lower__{name}"), shown);
    }
}

#[test]
fn invalid_fixtures_report_errors_at_their_positions() {
    let files = bicep_files(&fixtures().join("invalid"));
    assert!(files.len() >= 5, "fixtures missing: {files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let errors = match lower(&path) {
            Ok(text) => panic!("{name}: lowered without an error:\n{text}"),
            Err(errors) => errors,
        };
        insta::assert_snapshot!(format!("lower_invalid__{name}"), errors);
    }
}

/// The compiler's `_generator` metadata carries no meaning; drop it (and a `metadata` left empty).
fn without_generator(v: &mut J) {
    match v {
        J::Object(o) => {
            if let Some(J::Object(m)) = o.get_mut("metadata") {
                m.remove("_generator");
                if m.is_empty() {
                    o.remove("metadata");
                }
            }
            o.values_mut().for_each(without_generator);
        }
        J::Array(a) => a.iter_mut().for_each(without_generator),
        _ => {}
    }
}

/// Samples whose `main.json` (classic output) the lowering reproduces resource for resource:
/// nested children, loops (indexed, filtered, batched, module loops), dependencies through
/// variables and existing resources, module scopes, subscription / management-group / tenant
/// targets.
const EXACT_RESOURCES: [&str; 11] = [
    "Dependencies_LF",
    "NestedResources_LF",
    "Loops_LF",
    "LoopsIndexed_LF",
    "ModulesSubscription_LF",
    "ModulesWithScopes_LF",
    "ResourcesSubscription_CRLF",
    "ResourcesManagementGroup_CRLF",
    "ResourcesTenant_CRLF",
    "IntermediaryVariables_LF",
    "ValidDeployTimeUsages_LF",
];

#[test]
fn baseline_resources_are_the_compilers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bicep/bicep-samples/baselines");
    if !dir.is_dir() {
        support::skip_unless_ci("../shared/bicep/bicep-samples/baselines is absent");
        return;
    }
    for sample in EXACT_RESOURCES {
        let path = dir.join(sample).join("main.bicep");
        let text = lower(&path).unwrap_or_else(|e| panic!("{sample}: {e}"));
        let mut got: J = serde_json::from_str(&text).unwrap();
        let compiled = std::fs::read_to_string(dir.join(sample).join("main.json")).unwrap();
        let mut expected: J =
            serde_json::from_str(compiled.trim_start_matches('\u{feff}')).unwrap();
        without_generator(&mut got);
        without_generator(&mut expected);
        let (got, expected) = (&got["resources"], &expected["resources"]);
        assert!(
            expected.as_array().is_some_and(|a| !a.is_empty()),
            "{sample}"
        );
        for (i, (g, e)) in got
            .as_array()
            .unwrap()
            .iter()
            .zip(expected.as_array().unwrap())
            .enumerate()
        {
            assert_eq!(
                g,
                e,
                "{sample}: resource {i} differs\nlowered:\n{}\ncompiled:\n{}",
                serde_json::to_string_pretty(g).unwrap(),
                serde_json::to_string_pretty(e).unwrap()
            );
        }
        assert_eq!(
            got.as_array().unwrap().len(),
            expected.as_array().unwrap().len(),
            "{sample}"
        );
    }
}

#[test]
fn ids_of_existing_resources_in_other_scopes_and_extension_resources() {
    // From baselines/Resources_CRLF and Loops_LF (main.json): the forms the compiler writes.
    let dir = std::env::temp_dir().join(format!("armlint-lowering-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("main.bicep");
    std::fs::write(
        &path,
        "resource other 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {\n  name: 'x'\n  scope: resourceGroup('sub', 'rg')\n}\nresource lock 'Microsoft.Authorization/locks@2016-09-01' = {\n  name: 'l'\n  scope: other\n  properties: {\n    level: 'ReadOnly'\n  }\n}\noutput a string = other.id\noutput b string = lock.id\noutput c object = other.properties\n",
    )
    .unwrap();
    let text = lower(&path).unwrap();
    let json: J = serde_json::from_str(&text).unwrap();
    let rg = "extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', 'sub', 'rg'), 'Microsoft.Storage/storageAccounts', 'x')";
    assert_eq!(json["outputs"]["a"]["value"], format!("[{rg}]"));
    assert_eq!(
        json["outputs"]["b"]["value"],
        format!("[extensionResourceId({rg}, 'Microsoft.Authorization/locks', 'l')]")
    );
    assert_eq!(
        json["outputs"]["c"]["value"],
        format!("[reference({rg}, '2023-01-01')]")
    );
    assert_eq!(json["resources"][0]["scope"], format!("[{rg}]"));
    assert_eq!(
        json["resources"].as_array().unwrap().len(),
        1,
        "existing is not declared"
    );
    std::fs::remove_dir_all(&dir).ok();
}
