// Scratch exploration (not committed): compare lowered resources with baselines.
use std::path::{Path, PathBuf};

use armlint::arm::bicep::lower_expression::LowerError;
use armlint::arm::bicep::lower_template::lower_template_with;
use armlint::arm::bicep::module_source::{
    ModuleContent, ModuleSource, is_registry_reference, resolve_local,
};
use armlint::source::Span;

struct Disk;
impl ModuleSource for Disk {
    fn load(
        &mut self,
        from: &Path,
        reference: &str,
        span: Span,
    ) -> Result<ModuleContent, LowerError> {
        if is_registry_reference(reference) {
            return Ok(ModuleContent::Unresolved {
                reason: "registry".into(),
            });
        }
        let path = resolve_local(from, reference);
        let text =
            std::fs::read_to_string(&path).map_err(|e| LowerError::new(span, e.to_string()))?;
        if path.extension().is_some_and(|e| e == "json") {
            return Ok(ModuleContent::Json { path, text });
        }
        Ok(ModuleContent::Bicep {
            file: armlint::source::bicep::parse(&text),
            path,
        })
    }
}

fn strip(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(serde_json::Value::Object(m)) = o.get_mut("metadata") {
                m.remove("_generator");
                if m.is_empty() {
                    o.remove("metadata");
                }
            }
            for (_, x) in o.iter_mut() {
                strip(x);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                strip(x)
            }
        }
        _ => {}
    }
}

#[test]
fn scratch() {
    let dir =
        std::env::var("BASELINES").unwrap_or("../shared/bicep/bicep-samples/baselines".into());
    let only = std::env::var("ONLY").ok();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for d in entries {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        if let Some(o) = &only {
            if !name.contains(o.as_str()) {
                continue;
            }
        }
        let json = d.join("main.json");
        if !json.exists() {
            continue;
        }
        let text = std::fs::read_to_string(d.join("main.bicep"))
            .unwrap()
            .trim_start_matches('\u{feff}')
            .to_string();
        let file = armlint::source::bicep::parse(&text);
        let mut expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        strip(&mut expected);
        match lower_template_with(&file, d.join("main.bicep"), &mut Disk) {
            Ok(l) => {
                let mut got: serde_json::Value = serde_json::from_str(&l.text).unwrap();
                strip(&mut got);
                let er = expected.get("resources").cloned().unwrap_or_default();
                let gr = got.get("resources").cloned().unwrap_or_default();
                let ea = er.as_array().cloned().unwrap_or_default();
                let ga = gr.as_array().cloned().unwrap_or_default();
                let same = ea.iter().zip(ga.iter()).filter(|(a, b)| a == b).count();
                let keys: Vec<String> = expected
                    .as_object()
                    .unwrap()
                    .keys()
                    .chain(got.as_object().unwrap().keys())
                    .filter(|k| expected.get(k.as_str()) != got.get(k.as_str()))
                    .cloned()
                    .collect();
                println!(
                    "{name}: resources {same}/{} identical (got {}) whole={} differing={keys:?}",
                    ea.len(),
                    ga.len(),
                    expected == got
                );
                if let Ok(k) = std::env::var("KEY") {
                    println!(
                        "E {}\nG {}",
                        serde_json::to_string_pretty(&expected.get(&k)).unwrap(),
                        serde_json::to_string_pretty(&got.get(&k)).unwrap()
                    );
                }
                if std::env::var("SHOW").is_ok() {
                    for (a, b) in ea.iter().zip(ga.iter()) {
                        if a != b {
                            println!(
                                "--- expected\n{}\n+++ got\n{}",
                                serde_json::to_string_pretty(a).unwrap(),
                                serde_json::to_string_pretty(b).unwrap()
                            );
                        }
                    }
                }
            }
            Err(errors) => {
                let line = |s: usize| text[..s.min(text.len())].matches('\n').count() + 1;
                println!(
                    "{name}: {} errors; first: {:?}",
                    errors.len(),
                    errors
                        .iter()
                        .take(3)
                        .map(|e| format!("{}: {}", line(e.span.start as usize), e.message))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}
