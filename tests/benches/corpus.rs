//! `cargo bench --bench corpus`: the performance budgets, measured on ../shared/corpus (or
//! `ARMLINT_CORPUS=DIR`). Prints medians over repeated runs, measured in one run so ratios compare:
//!
//! 1. whole corpus: a plain parallel `serde_json` parse of every JSON file the run reads (the
//!    baseline) against
//!    armlint's full in-process run (discover, expand, graph, rules, JSON report); budget 2x;
//! 2. the same run as a process (`armlint lint DIR --format json`), with its peak memory;
//! 3. one ~1 MB template and one typical quickstart template from process start to exit
//!    (budgets 20 ms and 5 ms), with the peak memory of the 1 MB run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rayon::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Every JSON file the lint run reads (templates, parameter files, JSON it skips), and the
/// templates among them.
fn corpus_files(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let d = armlint::discover::discover(&[root.to_path_buf()], &Default::default())
        .expect("corpus readable");
    let templates = d
        .inputs
        .iter()
        .filter(|i| {
            matches!(
                armlint::discover::load(i),
                armlint::discover::Loaded::Template { .. }
            )
        })
        .map(|i| i.path.clone())
        .collect();
    (d.inputs.into_iter().map(|i| i.path).collect(), templates)
}

/// Peak resident memory (KiB) of the children waited for so far (Linux `getrusage`).
fn children_max_rss_kib() -> i64 {
    // SAFETY: getrusage only writes the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}

fn time_process(bin: &Path, args: &[&str], runs: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new(bin).args(args).output().expect("armlint runs");
        times.push(start.elapsed());
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 1),
            "armlint failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let min = *times.iter().min().expect("runs");
    (median(times), min)
}

fn main() {
    let root = std::env::var_os("ARMLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if !root.is_dir() {
        println!(
            "skipped: corpus not found at {} (set ARMLINT_CORPUS)",
            root.display()
        );
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_armlint"));
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let (all_files, files) = corpus_files(&root);
    let bytes: u64 = all_files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "corpus: {} templates ({} JSON files, {:.1} MB), {} threads, {runs} runs each",
        files.len(),
        all_files.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );

    // 1. Baseline: read + serde_json::Value parse of each file the lint run reads, in parallel,
    //    dropped as a linter would.
    let mut base = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let ok: usize = all_files
            .par_iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                usize::from(serde_json::from_str::<serde_json::Value>(text).is_ok())
            })
            .sum();
        base.push(start.elapsed());
        std::hint::black_box(ok);
    }
    let mut lint = Vec::new();
    let mut out_len = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let d = armlint::discover::discover(std::slice::from_ref(&root), &Default::default())
            .expect("discover");
        let report = armlint::engine::lint_inputs(&d.inputs, d.skipped, &Default::default());
        let json = armlint::emit::render(
            &report,
            armlint::emit::OutputFormat::Json,
            &Default::default(),
        );
        lint.push(start.elapsed());
        out_len = json.len();
    }
    let (b, l) = (median(base), median(lint));
    println!(
        "whole corpus, in process: serde_json parse {}  armlint lint {}  ratio {:.2}x (budget 2x; report {} bytes)",
        ms(b),
        ms(l),
        l.as_secs_f64() / b.as_secs_f64(),
        out_len
    );

    phases(&files, runs);

    // 2. The same as a process, with peak memory.
    let root_s = root.to_string_lossy().into_owned();
    let rss_before = children_max_rss_kib();
    let (med, min) = time_process(bin, &["lint", &root_s, "--format", "json"], runs.min(3));
    let rss_corpus = children_max_rss_kib().max(rss_before);
    println!(
        "whole corpus, process: median {} (best {}), peak RSS {} MiB",
        ms(med),
        ms(min),
        rss_corpus / 1024
    );

    // 3. One ~1 MB template, and a typical quickstart template, from process start.
    let mut sized: Vec<(u64, &PathBuf)> = files
        .iter()
        .filter_map(|f| Some((std::fs::metadata(f).ok()?.len(), f)))
        .collect();
    sized.sort();
    let near = |target: u64| {
        sized
            .iter()
            .min_by_key(|(s, _)| s.abs_diff(target))
            .map(|(s, f)| (*s, (*f).clone()))
    };
    let quick: Vec<&(u64, &PathBuf)> = sized
        .iter()
        .filter(|(_, f)| f.to_string_lossy().contains("quickstart"))
        .collect();
    let typical = quick.get(quick.len() / 2).map(|(s, f)| (*s, (*f).clone()));
    for (label, pick, budget) in [
        ("~1 MB template", near(1_000_000), 20.0),
        ("typical quickstart template", typical, 5.0),
    ] {
        let Some((size, file)) = pick else { continue };
        let f = file.to_string_lossy().into_owned();
        let (med, min) = time_process(
            bin,
            &["lint", &f, "--format", "json", "--no-parameter-files"],
            runs.max(5) * 6,
        );
        println!(
            "{label}: {} ({:.0} KB): median {} (best {}), budget {budget} ms",
            file.strip_prefix(&root).unwrap_or(&file).display(),
            size as f64 / 1e3,
            ms(med),
            ms(min)
        );
    }
    let (_, largest) = sized
        .last()
        .map(|(s, f)| (*s, (*f).clone()))
        .unwrap_or_default();
    let before = children_max_rss_kib();
    let lf = largest.to_string_lossy().into_owned();
    let _ = time_process(bin, &["lint", &lf, "--format", "json"], 1);
    println!(
        "largest template {} ({:.1} MB) alone: peak RSS {} MiB (children's maximum so far, {} MiB before)",
        largest.strip_prefix(&root).unwrap_or(&largest).display(),
        sized.last().map_or(0.0, |(s, _)| *s as f64 / 1e6),
        children_max_rss_kib() / 1024,
        before / 1024
    );
}

/// Where one thread's time goes, summed over the corpus (median of `runs`): reading, JSON parsing
/// with spans and duplicate keys, expansion (one parameter set: defaults; the properties the rules
/// read), graph, rules.
fn phases(files: &[PathBuf], runs: usize) {
    use armlint::arm::graph::ResourceGraph;
    use armlint::arm::scope::{ScopeConfig, ScopeKind};
    use armlint::arm::template::{ParameterSet, expand_for};
    use armlint::source::{SourceFile, json};
    let names = [
        "read",
        "parse (with duplicate keys)",
        "expand",
        "graph",
        "rules",
    ];
    // What the lint run evaluates: the properties the rules read.
    let types = armlint::engine::property_types_read_by(armlint::rules::all());
    let mut all: Vec<[Duration; 5]> = Vec::new();
    for _ in 0..runs {
        let mut t = [Duration::ZERO; 5];
        for f in files {
            let mut lap = Instant::now();
            let mut tick = |i: usize, t: &mut [Duration; 5]| {
                let now = Instant::now();
                t[i] += now - lap;
                lap = now;
            };
            let Ok(src) = SourceFile::read(f) else {
                continue;
            };
            let src = std::sync::Arc::new(src);
            tick(0, &mut t);
            // Duplicate keys are found while parsing (the tree walk only for jsonc-parser's files).
            let Ok((root, dups)) = json::parse_with_duplicate_keys(&src.text) else {
                continue;
            };
            std::hint::black_box(dups);
            tick(1, &mut t);
            let e = expand_for(
                &src,
                &root,
                ScopeKind::ResourceGroup,
                &ParameterSet::default(),
                &ScopeConfig::default(),
                types.clone(),
            );
            tick(2, &mut t);
            let g = ResourceGraph::build(e);
            tick(3, &mut t);
            let ctx = armlint::rules::RuleContext::new(&g, &src, &root);
            let mut out = Vec::new();
            for r in armlint::rules::all() {
                r.check(&ctx, &mut out);
            }
            std::hint::black_box(out);
            tick(4, &mut t);
        }
        all.push(t);
    }
    let med: Vec<Duration> = (0..5)
        .map(|i| median(all.iter().map(|t| t[i]).collect()))
        .collect();
    let total: Duration = med.iter().sum();
    let parts: Vec<String> = names
        .iter()
        .zip(&med)
        .map(|(n, d)| {
            format!(
                "{n} {} ({:.0}%)",
                ms(*d),
                100.0 * d.as_secs_f64() / total.as_secs_f64()
            )
        })
        .collect();
    println!("one thread, by phase: {} = {}", parts.join(", "), ms(total));
}
