//! The Bicep compiler's `.bicepparam` samples (`../shared/bicep/bicep-samples/baselines_bicepparam`):
//! every parameter value armlint evaluates from `parameters.bicepparam` is compared with the
//! value the real compiler wrote to `parameters.json`. A value the compiler could only write as
//! an `expression` or a Key Vault `reference` (external inputs, secrets) must be unknown to
//! armlint; `readEnvironmentVariable` values, which the compiler read from its test machine's
//! environment, must be unknown too. Samples without `parameters.json` do not compile (the
//! `Invalid_*` ones): they must not panic. Prints the counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use armlint::arm::bicep::lower_bicepparam::lower_bicepparam;
use armlint::discover::module_loader::ModuleLoader;

fn samples() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/bicep/bicep-samples/baselines_bicepparam");
    dir.is_dir().then_some(dir)
}

/// What the compiler wrote for each parameter: its value, or `None` for an expression or a
/// reference (unknown before deployment).
fn compiled(text: &str) -> BTreeMap<String, Option<serde_json::Value>> {
    let root: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
    // An `Invalid_*` sample's file is `{}`: nothing compiled.
    root["parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, entry)| (name.clone(), entry.get("value").cloned()))
        .collect()
}

#[derive(Default, Debug)]
struct Counts {
    identical: usize,
    unknown_both: usize,
    /// (sample, parameter, why)
    differences: Vec<(String, String, String)>,
}

fn compare_sample(dir: &Path, counts: &mut Counts) {
    let sample = dir.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(dir.join("parameters.bicepparam")).unwrap();
    let file = armlint::source::bicep::parse_params(&text);
    let path = dir.join("parameters.bicepparam");
    let Ok(expected) = std::fs::read_to_string(dir.join("parameters.json")) else {
        // Does not compile: linting it must still finish (errors are findings).
        let _ = lower_bicepparam(&file, &path, &mut ModuleLoader::new(None));
        return;
    };
    let expected = compiled(&expected);
    let lowered = lower_bicepparam(&file, &path, &mut ModuleLoader::new(None));
    let env_read = |name: &str| {
        text.lines().any(|l| {
            l.trim_start().starts_with(&format!("param {name} "))
                && l.contains("readEnvironmentVariable")
        })
    };
    let mut ours: BTreeMap<String, Option<serde_json::Value>> = BTreeMap::new();
    for p in &lowered.parameters {
        let value = (!p.value.is_unknown())
            .then(|| serde_json::from_str(&p.value.to_json_string()).unwrap());
        ours.insert(p.name.clone(), value);
    }
    for (name, theirs) in &expected {
        let why = match (ours.get(name), theirs) {
            (None, _) => Some("not assigned by armlint (extends / imported)".to_string()),
            (Some(None), None) => {
                counts.unknown_both += 1;
                None
            }
            (Some(None), Some(_)) if env_read(name) => {
                // The compiler read its machine's environment; armlint does not guess it.
                counts.unknown_both += 1;
                None
            }
            (Some(None), Some(v)) => Some(format!("unknown to armlint, compiled to {v}")),
            (Some(Some(v)), None) => Some(format!("armlint has {v}, the compiler an expression")),
            (Some(Some(a)), Some(b)) if a == b => {
                counts.identical += 1;
                None
            }
            (Some(Some(a)), Some(b)) => Some(format!("armlint has {a}, the compiler {b}")),
        };
        if let Some(why) = why {
            counts.differences.push((sample.clone(), name.clone(), why));
        }
    }
}

#[test]
fn bicepparam_values_match_the_compiled_parameter_files() {
    let Some(root) = samples() else {
        support::skip_unless_ci("../shared/bicep/bicep-samples is absent");
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("parameters.bicepparam").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 12, "{} samples", dirs.len());
    let mut counts = Counts::default();
    for dir in &dirs {
        compare_sample(dir, &mut counts);
    }
    eprintln!(
        "bicepparam samples: {} values identical, {} unknown to both, {} different",
        counts.identical,
        counts.unknown_both,
        counts.differences.len()
    );
    for (sample, name, why) in &counts.differences {
        eprintln!("  {sample}/{name}: {why}");
    }
    // A known value armlint computes must be the compiler's: never a wrong guess.
    let wrong: Vec<_> = counts
        .differences
        .iter()
        .filter(|(_, _, why)| why.starts_with("armlint has"))
        .collect();
    assert!(wrong.is_empty(), "values that differ: {wrong:#?}");
    // Floor: what is identical today (Imports/two: an imported function is not lowered; it
    // leaves the value unknown, named above).
    assert!(counts.identical >= 30, "{counts:?}");
}
