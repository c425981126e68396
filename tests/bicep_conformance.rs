//! Conformance of the Bicep lowering with the real Bicep compiler: for every `.bicep` in
//! `../shared/bicep` with a compiled twin, armlint's resource graph built from the lowered text
//! must be the one it builds from the compiler's JSON (nodes: type, evaluated name, condition,
//! copy path, evaluated body; edges; parameter defaults; output values; `languageVersion`).
//! Prints the counts by cause and asserts a floor of identical pairs that only goes up.
//!
//! Environment: `BICEP_CONFORMANCE_ONLY=<substring>` compares only the matching paths,
//! `BICEP_CONFORMANCE_LIST=1` lists the identical pairs, `BICEP_CONFORMANCE_KIND=<text>` prints
//! every snippet of the matching lowering-error kinds, `BICEP_CONFORMANCE_DUMP=<dir>` writes each
//! lowered template into `<dir>`.
//!
//! The 12 `baselines_bicepparam` samples are compared with their `parameters.json` in
//! `tests/bicepparam_baselines.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use armlint::arm::bicep::lower_template::lower_template_with;
use armlint::arm::bicep::module_source::{ModuleContent, ModuleSource};
use armlint::arm::document::{DocumentKind, kind_of_schema};
use armlint::arm::functions::parse_resource_id_value;
use armlint::arm::graph::{ResourceGraph, Target, same_resource};
use armlint::arm::scope::ScopeConfig;
use armlint::arm::template::{ParameterSet, expand};
use armlint::arm::value::{Tri, Value};
use armlint::discover::module_loader::ModuleLoader;
use armlint::source::{SourceFile, bicep, json};
use rayon::prelude::*;
use serde_json::Value as J;

/// Identical pairs reached. Raise it as the lowering improves, never lower it.
/// 2026-12-04 02:35 UTC (h14-res): 732 of 837 (modules through the loader, registry modules
/// from the twins, existing resources as the classic output has them).
/// 2026-12-04 02:55 UTC (h14-expr): 725 of 837 with output values and languageVersion compared
/// too (functions, output loops), a stricter compare.
/// 2026-12-04 02:58 UTC: 762 of 837 (resource types compared case-insensitively, as ARM does).
/// 2026-12-04 03:00 UTC (h14-res): 767 of 837 (`.?` on conditional symbols guarded).
/// 2026-12-04 02:57 UTC: 769 of 837 (literal object unions, secure and indexed derived types,
/// JSON with comments in loadJsonContent).
/// 2026-12-04 03:05 UTC (h14-res + h14-expr merged): 774 of 837.
/// 2026-12-04 03:22 UTC (h14-expr): 777 of 837 (compile-time imports, untyped derived types).
/// 2026-12-04 03:42 UTC (h14-body): 784 of 837 (instances sharing a key compared as a
/// multiset; Logic integration account `metadata` untyped).
/// 2026-12-04 03:38 UTC (h14-refs): 788 of 837 (registry modules keep the twin's resource
/// order: symbolic-name resources were re-serialised sorted by name).
/// 2026-12-04 03:41 UTC (h14-refs): 795 of 837 (a parameter whose default is `utcNow()` or
/// `newGuid()` is one value: resource IDs built from it name one resource).
/// 2026-12-04 03:43 UTC (h14-refs + h14-body merged): 798 of 837.
/// 2026-12-04 03:48 UTC (h14-refs): 799 of 837 (extension scopes compared as IDs: an extension
/// of a connected cluster is not one of a managed cluster).
/// 2026-12-04 03:47 UTC (h14-refs + h14-body merged): 799 of 837.
/// 2026-12-04 03:47 UTC (h14-body): template spec modules linked by ID.
/// 2026-12-04 03:50 UTC (h14-refs): 802 of 837 (a reference to an `existing` resource is, as
/// the classic output has it, one to the resource a module deploys with that ID).
/// 2026-12-04 03:55 UTC (h14-refs + h14-body merged): 803 of 837.
/// 2026-12-04 03:58 UTC (h14-body): 804 of 837 (mixed literal-union arrays, tagged unions of
/// unions: TypeDeclarations_LF).
/// 2026-12-04 04:15 UTC (lead): 805 of 837 (a string starting with `[` is escaped only when it
/// ends with `]`: 30-json-object-simple).
const IDENTICAL_FLOOR: usize = 805;

/// Examples printed per cause.
const EXAMPLES: usize = 3;

/// A `.bicep` source and the compiler's JSON for it.
struct Pair {
    bicep: PathBuf,
    json: PathBuf,
}

/// AVM `main.bicep` files with `main.json` beside; the compiling baselines (not `Invalid*`);
/// every user-submitted `X.bicep` with its `X.json`.
fn pairs(shared: &Path) -> Vec<Pair> {
    let mut files = Vec::new();
    support::files_under(&shared.join("avm"), &mut files);
    support::files_under(&shared.join("bicep-samples/baselines"), &mut files);
    support::files_under(&shared.join("bicep-samples/user_submitted"), &mut files);
    let samples = shared.join("bicep-samples");
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "bicep"))
        .filter_map(|bicep| {
            let name = bicep.file_name()?.to_str()?;
            let under_samples = bicep.starts_with(&samples);
            let baseline = bicep.starts_with(samples.join("baselines"));
            if name.ends_with(".diagnostics.bicep") || name.ends_with(".sourcemap.bicep") {
                return None;
            }
            if (!under_samples || baseline) && name != "main.bicep" {
                return None;
            }
            if baseline && bicep.to_string_lossy().contains("/Invalid") {
                return None;
            }
            let json = bicep.with_extension("json");
            json.is_file().then_some(Pair { bicep, json })
        })
        .collect()
}

/// How one pair compared.
enum Outcome {
    Identical,
    Differs { cause: String, detail: String },
}

fn differs(cause: impl Into<String>, detail: impl Into<String>) -> Outcome {
    Outcome::Differs {
        cause: cause.into(),
        detail: detail.into(),
    }
}

/// A lowering error's kind: its message without the names and numbers in it.
fn message_kind(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '\'' | '`' => {
                if !quoted {
                    out.push_str("'…'");
                }
                quoted = !quoted;
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            _ => out.push(c),
        }
    }
    out.chars().take(90).collect()
}

/// The lowered text, or the outcome that stops the comparison.
/// Lowering errors met: kind and the source text of the first one of the kind.
type ErrorKinds = Vec<(String, String)>;

/// Modules for the comparison: local ones read from disk (the real loader); a registry module
/// (`br:` / `ts:`) is the template the compiled twin inlined for that module statement, the way
/// a restored module cache would hold it. A local module file's "twin" is the template its
/// parent's twin inlined for it, so registry modules inside local modules resolve too. Templates
/// are kept as the twin's own text: a symbolic-name template's resources are an object whose
/// member order is the deployment order (a re-serialised `serde_json` map would sort it).
#[derive(Default)]
struct TwinModules {
    loader: ModuleLoader,
    /// Per local module file: the text of the template its parent's twin inlined for it.
    twins: std::collections::HashMap<PathBuf, Option<String>>,
    /// Per Bicep file: (module path, inlined template text) of each module statement, from its
    /// twin.
    by_statement: std::collections::HashMap<PathBuf, Option<Vec<StatementTemplate>>>,
}

/// A module statement's path and the template text its twin inlined for it (`None` when the
/// twin links it instead).
type StatementTemplate = (String, Option<String>);

/// The `(symbolic name, path)` of every module statement of `file`.
fn module_statements(file: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    bicep::parse(text.trim_start_matches('\u{feff}'))
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            bicep::syntax::StatementKind::Module { name, path, .. } => {
                Some((name.name.clone(), path.as_plain()?))
            }
            _ => None,
        })
        .collect()
}

/// The text of the deployment `template` the twin text `twin` holds for each module statement,
/// in statement order (by symbolic name, or in classic output by the order of the deployments);
/// `None` for one the twin links instead (a template spec's `templateLink`).
fn inlined_templates(twin: &str, modules: &[(String, String)]) -> Option<Vec<Option<String>>> {
    let value: J = serde_json::from_str(twin).ok()?;
    let pointers: Vec<String> = match value.get("resources") {
        Some(J::Object(map)) => modules
            .iter()
            .filter(|(n, _)| map.contains_key(n))
            .map(|(n, _)| json::member_pointer("", "resources", n))
            .collect(),
        Some(J::Array(list)) => list
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.get("type").and_then(J::as_str) == Some("Microsoft.Resources/deployments")
            })
            .map(|(i, _)| json::element_pointer("", "resources", i))
            .collect(),
        _ => return None,
    };
    if pointers.len() != modules.len() {
        return None;
    }
    let root = json::parse(twin).ok()?;
    let template = |p: &String| {
        let template = json::lookup_pointer(&root, &format!("{p}/properties/template"))?;
        let span = json::span_of(template);
        twin.get(span.start as usize..span.end as usize)
            .map(str::to_string)
    };
    Some(pointers.iter().map(template).collect())
}

impl TwinModules {
    /// The template text the twin of `from` inlined for its module statement `reference`.
    fn inlined(&mut self, from: &Path, reference: &str) -> Option<String> {
        if !self.by_statement.contains_key(from) {
            let twin = self.twins.remove(from).flatten().or_else(|| {
                let text = std::fs::read_to_string(from.with_extension("json")).ok()?;
                Some(text.trim_start_matches('\u{feff}').to_string())
            });
            let modules = module_statements(from);
            let templates = twin.and_then(|twin| inlined_templates(&twin, &modules));
            let paired = templates.map(|t| modules.into_iter().map(|(_, p)| p).zip(t).collect());
            self.by_statement.insert(from.to_path_buf(), paired);
        }
        let paired = self.by_statement.get(from)?.as_ref()?;
        paired
            .iter()
            .find(|(path, _)| path == reference)
            .and_then(|(_, template)| template.clone())
    }
}

impl ModuleSource for TwinModules {
    fn load(
        &mut self,
        from_file: &Path,
        reference: &str,
        span: armlint::source::Span,
    ) -> Result<ModuleContent, armlint::arm::bicep::lower_expression::LowerError> {
        let registry = ["br:", "br/", "ts:", "ts/"]
            .iter()
            .any(|p| reference.starts_with(p));
        let inlined = self.inlined(from_file, reference);
        if registry && let Some(template) = inlined {
            return Ok(ModuleContent::Json {
                path: PathBuf::from(reference),
                text: template,
            });
        }
        let content = self.loader.load(from_file, reference, span)?;
        if let (ModuleContent::Bicep { path, .. }, Some(template)) = (&content, inlined) {
            self.twins.entry(path.clone()).or_insert(Some(template));
        }
        Ok(content)
    }

    fn read_relative_bytes(
        &mut self,
        from_file: &Path,
        path: &str,
        span: armlint::source::Span,
    ) -> Result<Vec<u8>, armlint::arm::bicep::lower_expression::LowerError> {
        self.loader.read_relative_bytes(from_file, path, span)
    }
}

fn lower(pair: &Pair) -> Result<String, (Outcome, ErrorKinds)> {
    // Read as armlint reads any source: a byte order mark is not part of the text.
    let source = SourceFile::read(&pair.bicep)
        .map_err(|e| (differs("unreadable .bicep", e.to_string()), Vec::new()))?;
    let text = source.text.as_str();
    let file = bicep::parse(text);
    if let Some(e) = file.errors.first() {
        let outcome = differs("parse error", format!("{e:?}"));
        return Err((outcome, vec![("parse error".into(), String::new())]));
    }
    // Local modules from disk; registry modules from the templates the twins inlined.
    let mut modules = TwinModules::default();
    match lower_template_with(&file, pair.bicep.clone(), &mut modules) {
        Ok(lowered) => Ok(lowered.text),
        Err(errors) => {
            // "unbalanced JSON" only follows another error.
            let kinds: Vec<(String, String)> = errors
                .iter()
                .filter(|e| !e.message.starts_with("internal: unbalanced"))
                .map(|e| {
                    let snippet = text
                        .get(e.span.start as usize..e.span.end as usize)
                        .unwrap_or_default()
                        .chars()
                        .take(70)
                        .collect::<String>()
                        .replace(['\n', '\r'], " ");
                    (format!("lower: {}", message_kind(&e.message)), snippet)
                })
                .collect();
            let first = errors.first();
            let (line, _) = first.map_or((0, 0), |e| source.line_col(e.span.start));
            let snippet: String = first
                .and_then(|e| text.get(e.span.start as usize..e.span.end as usize))
                .unwrap_or_default()
                .chars()
                .take(60)
                .collect();
            let detail = format!(
                "line {line}: {} `{}`",
                first.map(|e| e.message.as_str()).unwrap_or_default(),
                snippet.replace('\n', " ")
            );
            let cause = kinds.first().map(|k| k.0.clone()).unwrap_or_default();
            Err((differs(cause, detail), kinds))
        }
    }
}

/// What a graph compare looks at, keyed so that declaration order does not matter.
#[derive(Default)]
struct Summary {
    /// Node key (deployment chain, type, name, copy path) → facts, in key order.
    nodes: BTreeMap<String, Vec<J>>,
    /// `from key -kind path-> target`, sorted.
    edges: Vec<String>,
    /// Parameter name (lower-case) → evaluated default.
    parameters: BTreeMap<String, J>,
    /// Output name (lower-case) → evaluated value.
    outputs: BTreeMap<String, J>,
    /// `languageVersion` (2.0 lets user-defined functions call each other).
    language_version: Option<String>,
}

/// An unknown's reason is kept, the symbol (expression text, which differs between the
/// compiler's and the lowering's spellings of one value) dropped; `_generator` metadata goes.
fn normalise(v: J) -> J {
    match v {
        J::Object(mut m) => {
            if m.contains_key("$unknown") {
                m.remove("symbol");
                return J::Object(m);
            }
            if let Some(J::Object(meta)) = m.get_mut("metadata") {
                meta.remove("_generator");
                if meta.is_empty() {
                    m.remove("metadata");
                }
            }
            J::Object(m.into_iter().map(|(k, v)| (k, normalise(v))).collect())
        }
        J::Array(a) => J::Array(a.into_iter().map(normalise).collect()),
        other => other,
    }
}

/// The body with its `type` lower-cased: resource types are case-insensitive, and the compiler
/// writes the casing of its type index (`microsoft.insights/components/…`), not the source's.
fn case_free_type(mut body: J) -> J {
    if let Some(J::String(ty)) = body.get_mut("type") {
        *ty = ty.to_ascii_lowercase();
    }
    body
}

fn node_key(graph: &ResourceGraph, i: usize, depth: usize) -> String {
    let exp = &graph.expansion;
    let Some(inst) = exp.instances.get(i) else {
        return "?".into();
    };
    let outer = exp
        .deployments
        .get(inst.deployment)
        .and_then(|d| d.instance)
        .filter(|_| depth < 16)
        .map(|d| node_key(graph, d, depth + 1) + " > ")
        .unwrap_or_default();
    let copy: Vec<J> = inst.copy_path.iter().map(Value::to_serde).collect();
    format!(
        "{outer}{} {} {}",
        inst.resource_type.to_ascii_lowercase(),
        normalise(inst.name.to_serde()),
        J::Array(copy)
    )
}

fn graph_of(text: &str, path: &Path) -> Result<ResourceGraph, String> {
    let root = json::parse(text).map_err(|e| format!("invalid JSON: {}", e.message))?;
    let kind = match json::as_object(&root)
        .and_then(|o| json::get_str(o, "$schema"))
        .map(kind_of_schema)
    {
        Some(DocumentKind::Template(k)) => k,
        _ => return Err("no deployment template $schema".into()),
    };
    let source = Arc::new(SourceFile::new(path, text));
    let expansion = expand(
        &source,
        &root,
        kind,
        &ParameterSet::default(),
        &ScopeConfig::default(),
    );
    Ok(ResourceGraph::build(expansion))
}

fn summarise(text: &str, path: &Path) -> Result<Summary, String> {
    let graph = graph_of(text, path)?;
    let mut summary = Summary {
        parameters: parameter_defaults(text, path)?,
        outputs: output_values(text, path)?,
        language_version: serde_json::from_str::<J>(text)
            .ok()
            .and_then(|t| t.get("languageVersion").map(J::to_string)),
        ..Summary::default()
    };
    let keys: Vec<String> = (0..graph.instances().len())
        .map(|i| node_key(&graph, i, 0))
        .collect();
    // `existing` resources are declared only in symbolic-name output (languageVersion 2.0); the
    // compiler's classic output, which the lowering writes, references them without declaring
    // them. Compare what is deployed.
    let existing: Vec<bool> = graph.instances().iter().map(|i| i.existing).collect();
    let is_existing = |i: usize| existing.get(i).copied().unwrap_or(false);
    for (inst, key) in graph.instances().iter().zip(&keys) {
        if inst.existing {
            continue;
        }
        let deployed = match inst.deployed {
            Tri::True => "yes",
            Tri::False => "no",
            Tri::Unknown => "maybe",
        };
        let facts = serde_json::json!({
            "deployed": deployed,
            "existing": inst.existing,
            "apiVersion": inst.api_version,
            "body": case_free_type(normalise(inst.body.to_serde())),
        });
        summary.nodes.entry(key.clone()).or_default().push(facts);
    }
    // Instances that share a key (deployments whose names are unknown, in modules whose names
    // are unknown) are one multiset: their expansion order follows the order references pull
    // deployments in, which is not part of the graph.
    for facts in summary.nodes.values_mut() {
        facts.sort_by_cached_key(J::to_string);
    }
    for edge in graph.all_edges() {
        if is_existing(edge.from) {
            continue;
        }
        // The classic output knows an `existing` resource only by its ID: the resource a module
        // deploys when it has that ID for certain, else an external ID.
        let existing_id = |index: usize| match graph.instances().get(index).map(|i| &i.id) {
            Some(id) if let Some(j) = deployed_with_id(&graph, &existing, id) => {
                keys.get(j).cloned().unwrap_or_default()
            }
            Some(Value::String(s)) => format!("external {s}"),
            Some(Value::Unknown(u)) => match &u.symbol {
                Some(symbol) => format!("external {}", symbol.text()),
                None => "unknown".into(),
            },
            _ => "unknown".into(),
        };
        let kind = edge.kind.as_str();
        let target = match &edge.target {
            // An existing parent, or `dependsOn` an existing resource: only in symbolic-name
            // output (the classic one follows dependencies through existing resources).
            Target::Node { index, .. }
                if is_existing(*index) && (kind == "parent" || kind == "dependsOn") =>
            {
                continue;
            }
            Target::Node { index, .. } if is_existing(*index) => existing_id(*index),
            // `dependsOn` that names nothing the graph declares: an `existing` resource by its
            // symbolic name (symbolic-name output has those entries, the classic one does not),
            // or a deployment whose name is unknown. A dependency on a declared resource that
            // one side misses still shows as an edge to a node on the other side.
            Target::External(_) if kind == "dependsOn" => continue,
            Target::Node { index, .. } => keys.get(*index).cloned().unwrap_or_default(),
            Target::External(id) => format!("external {id}"),
            Target::Unknown(_) => "unknown".into(),
        };
        let from = keys.get(edge.from).cloned().unwrap_or_default();
        summary.edges.push(format!(
            "{from} -{}:{}-> {target}",
            edge.kind.as_str(),
            edge.path
        ));
    }
    summary.edges.sort();
    Ok(summary)
}

/// The instance, not an `existing` one, that certainly has resource ID `id`.
fn deployed_with_id(graph: &ResourceGraph, existing: &[bool], id: &Value) -> Option<usize> {
    let wanted = parse_resource_id_value(id)?;
    graph.instances().iter().enumerate().position(|(j, inst)| {
        !existing.get(j).copied().unwrap_or(false)
            && parse_resource_id_value(&inst.id)
                .is_some_and(|p| same_resource(&wanted, &p) == Some(true))
    })
}

/// Parameter defaults as the expander evaluates them: a template with the same parameters (and
/// the definitions and functions they may use) and one resource whose properties read each.
fn parameter_defaults(text: &str, path: &Path) -> Result<BTreeMap<String, J>, String> {
    let template: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(J::Object(parameters)) = template.get("parameters") else {
        return Ok(BTreeMap::new());
    };
    let reads: serde_json::Map<String, J> = parameters
        .keys()
        .map(|k| (k.clone(), J::String(format!("[parameters('{k}')]"))))
        .collect();
    let probe = serde_json::json!({
        "type": "Armlint.Conformance/parameters",
        "apiVersion": "2000-01-01",
        "name": "parameters",
        "properties": reads,
    });
    let mut wrapper = serde_json::Map::new();
    for key in [
        "$schema",
        "languageVersion",
        "definitions",
        "functions",
        "parameters",
    ] {
        if let Some(v) = template.get(key) {
            wrapper.insert(key.into(), v.clone());
        }
    }
    wrapper.insert("contentVersion".into(), "1.0.0.0".into());
    let resources = if template.get("languageVersion").is_some() {
        serde_json::json!({ "parameters": probe })
    } else {
        serde_json::json!([probe])
    };
    wrapper.insert("resources".into(), resources);
    let graph = graph_of(&J::Object(wrapper).to_string(), path)?;
    let Some(J::Object(values)) = graph
        .instances()
        .first()
        .and_then(|i| i.get("properties"))
        .map(|v| normalise(v.to_serde()))
    else {
        return Ok(BTreeMap::new());
    };
    Ok(values
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect())
}

/// Output values as the expander evaluates them: the same template with one more resource whose
/// properties are the outputs (an output's `copy` becomes a property loop of the same name).
fn output_values(text: &str, path: &Path) -> Result<BTreeMap<String, J>, String> {
    let mut template: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(J::Object(outputs)) = template.get("outputs").cloned() else {
        return Ok(BTreeMap::new());
    };
    let mut properties = serde_json::Map::new();
    let mut loops = Vec::new();
    for (name, output) in &outputs {
        match output.get("copy") {
            Some(J::Object(copy)) => {
                let mut entry = copy.clone();
                entry.insert("name".into(), J::String(name.clone()));
                loops.push(J::Object(entry));
            }
            _ => {
                let value = output.get("value").cloned().unwrap_or(J::Null);
                properties.insert(name.clone(), value);
            }
        }
    }
    if !loops.is_empty() {
        properties.insert("copy".into(), J::Array(loops));
    }
    const PROBE: &str = "Armlint.Conformance/outputs";
    let probe = serde_json::json!({
        "type": PROBE,
        "apiVersion": "2000-01-01",
        "name": "outputs",
        "properties": properties,
    });
    match template.get_mut("resources") {
        Some(J::Array(resources)) => resources.push(probe),
        Some(J::Object(resources)) => {
            resources.insert("armlintConformanceOutputs".into(), probe);
        }
        _ => return Ok(BTreeMap::new()),
    }
    if let J::Object(t) = &mut template {
        t.remove("outputs");
    }
    let graph = graph_of(&template.to_string(), path)?;
    let Some(J::Object(values)) = graph
        .instances()
        .iter()
        .find(|i| i.resource_type == PROBE)
        .and_then(|i| i.get("properties"))
        .map(|v| normalise(v.to_serde()))
    else {
        return Ok(BTreeMap::new());
    };
    Ok(values
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect())
}

fn truncated(v: &impl std::fmt::Display) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 && std::env::var_os("BICEP_CONFORMANCE_ONLY").is_none() {
        s.chars().take(160).collect::<String>() + "…"
    } else {
        s
    }
}

/// The first place two JSON values differ, as a path and both sides.
fn first_difference(path: &str, a: &J, b: &J) -> Option<String> {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            for (k, v) in x {
                let sub = format!("{path}.{k}");
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(&sub, v, w) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{sub}: only in lowered: {}", truncated(v))),
                }
            }
            y.iter()
                .find(|(k, _)| !x.contains_key(*k))
                .map(|(k, w)| format!("{path}.{k}: only in compiled: {}", truncated(w)))
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(&format!("{path}[{i}]"), v, w)),
        _ if a == b => None,
        _ => Some(format!(
            "{path}: lowered {} / compiled {}",
            truncated(a),
            truncated(b)
        )),
    }
}

/// The first difference between two summaries, as a cause and a detail.
fn compare_summaries(lowered: &Summary, compiled: &Summary) -> Outcome {
    let lowered_keys: Vec<&String> = lowered.nodes.keys().collect();
    let compiled_keys: Vec<&String> = compiled.nodes.keys().collect();
    if lowered_keys != compiled_keys {
        let missing = compiled_keys
            .iter()
            .find(|k| !lowered.nodes.contains_key(**k));
        let extra = lowered_keys
            .iter()
            .find(|k| !compiled.nodes.contains_key(**k));
        let detail = match (missing, extra) {
            (Some(m), _) => format!("not in lowered: {}", truncated(m)),
            (None, Some(e)) => format!("only in lowered: {}", truncated(e)),
            (None, None) => String::new(),
        };
        return differs("graph: node set", detail);
    }
    for (key, facts) in &lowered.nodes {
        let theirs = &compiled.nodes[key];
        if facts.len() != theirs.len() {
            return differs("graph: node multiplicity", truncated(key));
        }
        for (a, b) in facts.iter().zip(theirs) {
            for field in ["deployed", "existing", "apiVersion", "body"] {
                if let Some(d) = first_difference("", &a[field], &b[field]) {
                    let part = d
                        .trim_start_matches('.')
                        .split(['.', ':', '['])
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let cause = match field {
                        "body" => format!("graph: body.{part}"),
                        _ => format!("graph: {field}"),
                    };
                    return differs(cause, format!("{}: {d}", truncated(key)));
                }
            }
        }
    }
    if lowered.edges != compiled.edges {
        let missing = compiled.edges.iter().find(|e| !lowered.edges.contains(e));
        let extra = lowered.edges.iter().find(|e| !compiled.edges.contains(e));
        let detail = match (missing, extra) {
            (Some(m), _) => format!("not in lowered: {}", truncated(m)),
            (None, Some(e)) => format!("only in lowered: {}", truncated(e)),
            (None, None) => "same edges, different multiplicity".into(),
        };
        return differs("graph: edges", detail);
    }
    let a = J::Object(lowered.parameters.clone().into_iter().collect());
    let b = J::Object(compiled.parameters.clone().into_iter().collect());
    if let Some(d) = first_difference("", &a, &b) {
        return differs("graph: parameter defaults", d);
    }
    let a = J::Object(lowered.outputs.clone().into_iter().collect());
    let b = J::Object(compiled.outputs.clone().into_iter().collect());
    if let Some(d) = first_difference("", &a, &b) {
        return differs("graph: outputs", d);
    }
    if lowered.language_version != compiled.language_version {
        let detail = format!(
            "lowered {:?} / compiled {:?}",
            lowered.language_version, compiled.language_version
        );
        return differs("languageVersion", detail);
    }
    Outcome::Identical
}

/// An API version difference where the `.bicep` declares the lowered version and never names
/// the compiled one: the twin was compiled from an older revision of the source (AVM updates
/// API versions without always recompiling `main.json`). Not a lowering difference; named so.
fn stale_twin(outcome: Outcome, source: &str) -> Outcome {
    let Outcome::Differs { cause, detail } = &outcome else {
        return outcome;
    };
    if cause != "graph: apiVersion" {
        return outcome;
    }
    let versions: Vec<&str> = detail
        .rsplit(": ")
        .next()
        .unwrap_or_default()
        .split('"')
        .skip(1)
        .step_by(2)
        .collect();
    match versions.as_slice() {
        [lowered, compiled]
            if source.contains(&format!("@{lowered}'"))
                && !source.contains(&format!("@{compiled}'")) =>
        {
            differs(
                "stale twin: main.json has an API version the .bicep does not declare",
                detail.clone(),
            )
        }
        _ => outcome,
    }
}

/// A difference where the twin declares its extensions under `imports` with `provider` names:
/// the output of a compiler from before extensions were written as `extensions` (resources
/// then carry `import`, not `extension`), which the lowering does not reproduce. Named so.
fn old_extensibility_twin(outcome: Outcome, compiled: &str) -> Outcome {
    let Outcome::Differs { cause, detail } = &outcome else {
        return outcome;
    };
    // In the template or any template it inlines.
    fn declares_old_imports(v: &J, depth: usize) -> bool {
        let Some(o) = v.as_object().filter(|_| depth < 64) else {
            return false;
        };
        let here = o
            .get("imports")
            .and_then(J::as_object)
            .is_some_and(|i| i.values().any(|v| v.get("provider").is_some()));
        here || o.values().any(|v| match v {
            J::Array(items) => items.iter().any(|i| declares_old_imports(i, depth + 1)),
            _ => declares_old_imports(v, depth + 1),
        })
    }
    let old = serde_json::from_str::<J>(compiled).is_ok_and(|t| declares_old_imports(&t, 0));
    if old {
        differs(
            format!("old-compiler twin (extensibility `imports`): {cause}"),
            detail.clone(),
        )
    } else {
        outcome
    }
}

/// Compares one pair; also returns every lowering error kind met (for the per-kind counts).
fn compare(pair: &Pair) -> (Outcome, ErrorKinds) {
    let lowered = match lower(pair) {
        Ok(text) => text,
        Err(stop) => return stop,
    };
    let compiled = match SourceFile::read(&pair.json) {
        Ok(t) => t.text,
        Err(e) => return (differs("unreadable .json", e.to_string()), Vec::new()),
    };
    let theirs = match summarise(&compiled, &pair.json) {
        Ok(s) => s,
        Err(e) => return (differs("compiled JSON unusable", e), Vec::new()),
    };
    let ours = match summarise(&lowered, &pair.bicep) {
        Ok(s) => s,
        Err(e) => return (differs("lowered JSON unusable", e), Vec::new()),
    };
    let source = std::fs::read_to_string(&pair.bicep).unwrap_or_default();
    (
        old_extensibility_twin(
            stale_twin(compare_summaries(&ours, &theirs), &source),
            &compiled,
        ),
        Vec::new(),
    )
}

fn relative<'p>(path: &'p Path, shared: &Path) -> std::path::Display<'p> {
    path.strip_prefix(shared).unwrap_or(path).display()
}

#[test]
fn lowered_bicep_builds_the_graph_of_the_compiled_json() {
    let Some(shared) = support::shared_bicep() else {
        return;
    };
    let started = Instant::now();
    let mut pairs = pairs(&shared);
    assert!(
        pairs.len() > 800,
        "expected ~838 pairs, found {}",
        pairs.len()
    );
    // Set to compare only the pairs whose path contains it (the floor is then not checked).
    let only = std::env::var("BICEP_CONFORMANCE_ONLY").ok();
    if let Some(only) = &only {
        pairs.retain(|p| p.bicep.to_string_lossy().contains(only.as_str()));
    }
    let results: Vec<(Outcome, ErrorKinds)> = pairs.par_iter().map(compare).collect();
    let mut by_cause: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut error_kinds: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    let mut identical = 0;
    // Set to list the identical pairs (to see which one a change lost).
    let verbose = std::env::var_os("BICEP_CONFORMANCE_LIST").is_some();
    for (pair, (outcome, kinds)) in pairs.iter().zip(&results) {
        let mut seen: Vec<&(String, String)> = kinds.iter().collect();
        seen.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        seen.dedup_by(|a, b| a.0 == b.0);
        for (kind, snippet) in seen {
            let entry = error_kinds.entry(kind.as_str()).or_default();
            entry.0 += 1;
            entry.1.push(snippet.as_str());
        }
        match outcome {
            Outcome::Identical => {
                identical += 1;
                if verbose {
                    eprintln!("identical: {}", relative(&pair.bicep, &shared));
                }
            }
            Outcome::Differs { cause, detail } => by_cause
                .entry(cause.as_str())
                .or_default()
                .push(format!("{}: {detail}", relative(&pair.bicep, &shared))),
        }
    }
    let mut causes: Vec<_> = by_cause.into_iter().collect();
    causes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut report = format!(
        "bicep conformance: {} pairs, {identical} identical, {:.1?}\n",
        pairs.len(),
        started.elapsed()
    );
    report += "differences by first cause:\n";
    for (cause, examples) in &causes {
        report += &format!("  {:4}  {cause}\n", examples.len());
        for example in examples.iter().take(EXAMPLES) {
            report += &format!("          {}\n", truncated(example));
        }
    }
    let mut kinds: Vec<_> = error_kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    // Set to print every source snippet of the error kinds that contain it.
    let all_of = std::env::var("BICEP_CONFORMANCE_KIND").ok();
    report += "lowering errors by kind (files that have one):\n";
    for (kind, (files, snippets)) in kinds {
        report += &format!("  {files:4}  {kind}\n");
        let every = all_of.as_deref().is_some_and(|k| kind.contains(k));
        for snippet in snippets
            .iter()
            .take(if every { usize::MAX } else { EXAMPLES })
        {
            report += &format!("          `{snippet}`\n");
        }
    }
    eprintln!("{report}");
    assert!(
        only.is_some() || identical >= IDENTICAL_FLOOR,
        "{identical} identical pairs, below the floor of {IDENTICAL_FLOOR}"
    );
}
