//! `cargo bench --bench bicep`: the Bicep front end's budgets on ../shared/bicep/avm (or
//! `ARMLINT_BICEP=DIR`), from process start, medians measured in one run so ratios compare:
//!
//! 1. a typical AVM resource module `main.bicep` (the median size of those with a compiled twin,
//!    its local child modules included) against its compiled `main.json`; budget 10 ms;
//! 2. the largest AVM pattern module (`avm/ptn/**/main.bicep`) against its twin; budget 100 ms;
//! 3. every `main.bicep` with a compiled twin against all the twins, one run each side (the
//!    twins inline registry modules, which the `.bicep` run leaves unresolved without a module
//!    cache); budget 2x.
//!
//! `BENCH_RUNS=N` sets the runs of 1 and 2 (default 20).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median wall time of `runs` runs of `armlint lint <files> --format json`, from process start.
fn time_lint(bin: &Path, files: &[PathBuf], runs: usize) -> Duration {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(bin)
            .arg("lint")
            .args(files)
            .args(["--format", "json", "--no-parameter-files"])
            // No module cache: registry modules are unresolved, as on a machine without restore.
            .env("HOME", std::env::temp_dir().join("armlint-bench-no-home"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("armlint runs");
        times.push(start.elapsed());
        let code = status.code().unwrap_or(-1);
        assert!(code == 0 || code == 1, "armlint exited with {code}");
    }
    median(times)
}

/// Every `main.bicep` under `dir` with its compiled `main.json` beside it.
fn pairs(dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            pairs(&p, out);
        } else if p.file_name().is_some_and(|n| n == "main.bicep") {
            let twin = p.with_file_name("main.json");
            if twin.is_file() {
                out.push((p, twin));
            }
        }
    }
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn compare(
    bin: &Path,
    root: &Path,
    label: &str,
    pair: &(PathBuf, PathBuf),
    runs: usize,
    budget: f64,
) {
    let bicep = time_lint(bin, std::slice::from_ref(&pair.0), runs);
    let json = time_lint(bin, std::slice::from_ref(&pair.1), runs);
    println!(
        "{label}: {} ({:.0} KB .bicep, {:.0} KB twin): .bicep median {}, twin median {}, ratio {:.2}, budget {budget} ms",
        pair.0.strip_prefix(root).unwrap_or(&pair.0).display(),
        size(&pair.0) as f64 / 1e3,
        size(&pair.1) as f64 / 1e3,
        ms(bicep),
        ms(json),
        bicep.as_secs_f64() / json.as_secs_f64().max(1e-9),
    );
}

/// How many of `files` lower (no `parse-error` or `invalid-template` finding in the file).
fn lowered_count(bin: &Path, files: &[PathBuf]) -> usize {
    let out = Command::new(bin)
        .arg("lint")
        .args(files)
        .args(["--format", "json", "--no-parameter-files"])
        .args(["--select", "parse-error,invalid-template"])
        .env("HOME", std::env::temp_dir().join("armlint-bench-no-home"))
        .output()
        .expect("armlint runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let failed: std::collections::HashSet<&str> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["file"].as_str())
        .collect();
    files
        .iter()
        .filter(|f| !failed.contains(f.to_string_lossy().as_ref()))
        .count()
}

fn main() {
    let root = std::env::var_os("ARMLINT_BICEP")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bicep/avm"));
    if !root.is_dir() {
        println!(
            "skipped: no Bicep sources at {} (set ARMLINT_BICEP)",
            root.display()
        );
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_armlint"));
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let mut all = Vec::new();
    pairs(&root, &mut all);
    println!(
        "{} main.bicep files with a compiled twin, {runs} runs each",
        all.len()
    );
    // Top-level resource modules (`res/<provider>/<name>/main.bicep`), not their child modules.
    let mut resources: Vec<&(PathBuf, PathBuf)> = all
        .iter()
        .filter(|(b, _)| {
            let rel = b.strip_prefix(&root).unwrap_or(b);
            let rel = rel.strip_prefix("avm").unwrap_or(rel);
            rel.starts_with("res") && rel.components().count() == 4
        })
        .collect();
    resources.sort_by_key(|(b, _)| size(b));
    if let Some(typical) = resources.get(resources.len() / 2) {
        compare(bin, &root, "typical AVM module", typical, runs, 10.0);
    }
    let largest = all
        .iter()
        .filter(|(b, _)| b.to_string_lossy().contains("/ptn/"))
        .max_by_key(|(b, _)| size(b));
    if let Some(largest) = largest {
        compare(bin, &root, "largest AVM pattern", largest, runs, 100.0);
    }
    let (bicep, json): (Vec<PathBuf>, Vec<PathBuf>) = all.into_iter().unzip();
    println!(
        "  of which lowered: {} (the rest stop at a parse-error or invalid-template, which is cheaper)",
        lowered_count(bin, &bicep)
    );
    let b = time_lint(bin, &bicep, 3);
    let j = time_lint(bin, &json, 3);
    println!(
        "all {} pairs: .bicep median {}, twins median {}, ratio {:.2}, budget 2x",
        bicep.len(),
        ms(b),
        ms(j),
        b.as_secs_f64() / j.as_secs_f64().max(1e-9)
    );
}
