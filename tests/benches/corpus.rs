//! `cargo bench --bench corpus`: the performance budgets, measured on ../shared/corpus (or
//! `ARMLINT_CORPUS=DIR`). Prints medians over repeated runs, measured in one run so ratios compare:
//!
//! 1. whole corpus: a plain parallel `serde_json` parse of every JSON file the run reads (the
//!    baseline) against
//!    armlint's full in-process run (discover, expand, graph, rules, JSON report); budget 2x;
//! 2. the same run as a process (`armlint lint DIR --format json`), with its peak memory;
//! 3. one ~1 MB template and one typical quickstart template from process start to exit
//!    (budgets 20 ms and 5 ms), with the peak memory of the 1 MB run;
//! 4. the editor paths (stdin, a language server's didSave) on the ~1 MB template;
//! 5. one thread's time by phase.
//!
//! `BENCH_ONLY=process|single|editor|corpus|phases` runs one part; `BENCH_RUNS=N` sets the runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rayon::prelude::*;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: armlint::alloc::Allocator = armlint::alloc::Allocator;

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

/// Run a command to its end: (wall time, exit code).
fn run_timed(bin: &Path, args: &[&str]) -> (Duration, i32) {
    let start = Instant::now();
    let status = Command::new(bin)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("armlint runs");
    (start.elapsed(), status.code().unwrap_or(-1))
}

/// Peak resident memory (KiB) of one run, from GNU time (`/usr/bin/time`, when installed): a
/// child spawned from this process would count this process's pages in its own peak. `-1` when
/// it cannot be measured.
fn peak_rss_kib(bin: &Path, args: &[&str]) -> i64 {
    let gnu_time = Path::new("/usr/bin/time");
    if !gnu_time.exists() {
        return -1;
    }
    let out_file = std::env::temp_dir().join(format!("armlint-bench-rss-{}", std::process::id()));
    let _ = Command::new(gnu_time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&out_file)
        .arg(bin)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let rss = std::fs::read_to_string(&out_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(-1);
    let _ = std::fs::remove_file(&out_file);
    rss
}

/// (median, best) wall time and the largest peak memory (KiB) over `runs` runs.
fn time_process(bin: &Path, args: &[&str], runs: usize) -> (Duration, Duration, i64) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (t, code) = run_timed(bin, args);
        assert!(
            code == 0 || code == 1,
            "armlint {args:?} exited with {code}"
        );
        times.push(t);
    }
    let min = *times.iter().min().expect("runs");
    (median(times), min, peak_rss_kib(bin, args))
}

/// didSave → publishDiagnostics round trips of `armlint lsp` on one document.
fn lsp_round_trips(bin: &Path, file: &Path, text: &str, n: usize) -> Vec<Duration> {
    use std::io::{BufRead, BufReader, Read};
    let Ok(mut child) = Command::new(bin)
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    else {
        return Vec::new();
    };
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Vec::new();
    };
    let mut out = BufReader::new(stdout);
    let mut send = |v: serde_json::Value| {
        let body = v.to_string();
        let _ = write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = stdin.flush();
    };
    let mut read = || -> Option<serde_json::Value> {
        let mut len = 0;
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().ok()?;
            }
        }
        let mut body = vec![0; len];
        out.read_exact(&mut body).ok()?;
        serde_json::from_slice(&body).ok()
    };
    let uri = format!(
        "file://{}",
        std::fs::canonicalize(file).unwrap_or_default().display()
    );
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    let _ = read();
    send(serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}}),
    );
    let _ = read();
    let mut trips = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        send(
            serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}, "text": text}}),
        );
        match read() {
            Some(_) => trips.push(start.elapsed()),
            None => break,
        }
    }
    send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    let _ = read();
    send(serde_json::json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    let _ = child.wait();
    trips
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
    let only = std::env::var("BENCH_ONLY").ok();
    let want = |part: &str| only.as_deref().is_none_or(|o| o == part);
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

    // The processes first, while this process is small: a child's peak memory counts the
    // parent's pages it starts with.
    // 2. The same as a process, with peak memory.
    let root_s = root.to_string_lossy().into_owned();
    let mut rss_corpus = -1;
    if want("process") {
        let (med, min, rss) =
            time_process(bin, &["lint", &root_s, "--format", "json"], runs.min(3));
        rss_corpus = rss;
        println!(
            "whole corpus, process: median {} (best {}), peak RSS {} MiB",
            ms(med),
            ms(min),
            rss_corpus / 1024
        );
    }

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
        let Some((size, file)) = pick.filter(|_| want("single")) else {
            continue;
        };
        let f = file.to_string_lossy().into_owned();
        let (med, min, rss) = time_process(
            bin,
            &["lint", &f, "--format", "json", "--no-parameter-files"],
            runs.max(5) * 6,
        );
        println!(
            "{label}: {} ({:.0} KB): median {} (best {}), budget {budget} ms, peak RSS {} MiB",
            file.strip_prefix(&root).unwrap_or(&file).display(),
            size as f64 / 1e3,
            ms(med),
            ms(min),
            rss / 1024
        );
    }
    // 4. The editor paths on the ~1 MB template: the buffer on stdin from process start, and a
    //    language server's didSave → publishDiagnostics round trip.
    if let Some((size, file)) = near(1_000_000).filter(|_| want("editor")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let f = file.to_string_lossy().into_owned();
        let mut times = Vec::new();
        for _ in 0..runs.max(5) * 4 {
            let start = Instant::now();
            let mut child = Command::new(bin)
                .args(["lint", "-", "--stdin-filename", &f, "--format", "compact"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("armlint");
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(text.as_bytes());
            }
            let _ = child.wait();
            times.push(start.elapsed());
        }
        println!(
            "editor, stdin ({:.0} KB buffer, process start to exit): median {}",
            size as f64 / 1e3,
            ms(median(times))
        );
        let trips = lsp_round_trips(bin, &file, &text, runs.max(5) * 4);
        if !trips.is_empty() {
            println!(
                "editor, language server didSave round trip ({:.0} KB): median {} over {} saves",
                size as f64 / 1e3,
                ms(median(trips.clone())),
                trips.len()
            );
        }
    }
    let (_, largest) = sized
        .last()
        .map(|(s, f)| (*s, (*f).clone()))
        .unwrap_or_default();
    let lf = largest.to_string_lossy().into_owned();
    if want("single") {
        let (t, _, rss) = time_process(bin, &["lint", &lf, "--format", "json"], 3);
        println!(
            "largest template {} ({:.1} MB) alone: {}, peak RSS {} MiB (the whole corpus: {} MiB)",
            largest.strip_prefix(&root).unwrap_or(&largest).display(),
            sized.last().map_or(0.0, |(s, _)| *s as f64 / 1e6),
            ms(t),
            rss / 1024,
            rss_corpus / 1024
        );
    }

    // 1. Baseline: read + serde_json::Value parse of each file the lint run reads, in parallel,
    //    dropped as a linter would; and armlint's whole run. The two alternate, so that drift in
    //    the machine's speed affects both alike; the ratio is the median of the pairs' ratios.
    if want("corpus") {
        let serde_parse = || {
            let ok: usize = all_files
                .par_iter()
                .map(|f| {
                    let text = std::fs::read_to_string(f).unwrap_or_default();
                    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                    usize::from(serde_json::from_str::<serde_json::Value>(text).is_ok())
                })
                .sum();
            std::hint::black_box(ok);
        };
        let mut out_len = 0;
        // Where the lint run's wall time goes: discovery, linting (parallel), the report.
        let mut split: Vec<[Duration; 3]> = Vec::new();
        let mut lint_run = || {
            let start = Instant::now();
            let d = armlint::discover::discover(std::slice::from_ref(&root), &Default::default())
                .expect("discover");
            let discovered = Instant::now();
            let report = armlint::engine::lint_inputs(&d.inputs, d.skipped, &Default::default());
            let linted = Instant::now();
            let json = armlint::emit::render(
                &report,
                armlint::emit::OutputFormat::Json,
                &Default::default(),
            );
            out_len = json.len();
            split.push([discovered - start, linted - discovered, linted.elapsed()]);
        };
        // One of each to warm the page cache and the allocator.
        serde_parse();
        lint_run();
        let (mut base, mut lint, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs.max(3) * 2 {
            let start = Instant::now();
            serde_parse();
            let b = start.elapsed();
            let start = Instant::now();
            lint_run();
            let l = start.elapsed();
            base.push(b);
            lint.push(l);
            ratios.push(l.as_secs_f64() / b.as_secs_f64());
        }
        ratios.sort_by(f64::total_cmp);
        let ratio = ratios[ratios.len() / 2];
        println!(
            "whole corpus, in process ({} alternating pairs): serde_json parse {}  armlint lint {}  ratio {:.2}x (median of the pairs' ratios; range {:.2}..{:.2}; budget 2x; report {} bytes)",
            ratios.len(),
            ms(median(base)),
            ms(median(lint)),
            ratio,
            ratios[0],
            ratios[ratios.len() - 1],
            out_len
        );
        let part = |i: usize| ms(median(split.iter().map(|s| s[i]).collect()));
        println!(
            "  armlint's run: discovery {}, linting {}, report {}",
            part(0),
            part(1),
            part(2)
        );
    }
    if want("phases") {
        phases(&files, runs);
    }
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
            let Ok(parsed) = json::parse_with_duplicate_keys(&src.text) else {
                continue;
            };
            let root = parsed.root;
            std::hint::black_box(parsed.duplicates);
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
