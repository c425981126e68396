//! Hostile input at the edges of a run: files, encodings, positions, the command line and the
//! capacity arithmetic. Each test is the regression test of a failure of issue 13 (the slice of
//! inputs, files, positions, CLI and capacity sums), run through the binary as users run it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const PARAMS_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

use support::TempDir;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// CPU time of the child (user and system, all threads): what the timing-ratio tests compare,
    /// since on a shared machine a neighbour's build stretches wall time but not CPU time.
    cpu: Duration,
}

/// The exit status and CPU time of `child` once it has exited (reaped here), or `None` while it
/// runs.
#[cfg(target_os = "linux")]
fn try_reap(child: &mut std::process::Child) -> Option<(std::process::ExitStatus, Duration)> {
    use std::os::unix::process::ExitStatusExt;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: `pid` is this process's child, not reaped yet (only this loop waits for it);
    // `status` and `usage` are valid for writes.
    let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
    assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.unsigned_abs())
            + Duration::from_micros(t.tv_usec.unsigned_abs())
    };
    (reaped == pid).then(|| {
        (
            std::process::ExitStatus::from_raw(status),
            time(usage.ru_utime) + time(usage.ru_stime),
        )
    })
}

/// Elsewhere the CPU time is not measured: wall time stands for it.
#[cfg(not(target_os = "linux"))]
fn try_reap(child: &mut std::process::Child) -> Option<(std::process::ExitStatus, Duration)> {
    child.try_wait().expect("wait").map(|s| (s, Duration::ZERO))
}

/// Run armlint in `dir` with `args`, `stdin` fed from a thread; killed (and the test failed)
/// after `limit`, so a hang is a failure, not a stuck suite.
fn run_with(
    dir: &Path,
    args: &[&str],
    stdin: Option<Box<dyn Read + Send>>,
    limit: Duration,
) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_armlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("armlint starts");
    let start = Instant::now();
    let feeder = stdin.zip(child.stdin.take()).map(|(mut from, mut to)| {
        std::thread::spawn(move || {
            // A closed pipe ends an endless input: armlint stopped reading.
            let _ = std::io::copy(&mut from, &mut to);
        })
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let (status, cpu) = loop {
        if let Some(reaped) = try_reap(&mut child) {
            break reaped;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("armlint {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let cpu = if cfg!(target_os = "linux") {
        cpu
    } else {
        elapsed
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&reader.join().expect("stdout read")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr read")).into_owned(),
        elapsed,
        cpu,
    }
}

/// Asserts that `measure(n)` (a run's CPU time on an input of size `n`) grows linearly from
/// `small` to `factor * small`: after a warm-up, the two sizes are timed alternately `RUNS`
/// times, so that a change of load touches both, and the medians are compared. Linear work takes
/// a little under `factor` times as long (the process start is the same for both), quadratic work
/// `factor²`; `bound` lies between, with room on both sides. 50 ms absorbs a clock tick on a
/// small run.
fn grows_linearly(
    what: &str,
    small: usize,
    factor: usize,
    bound: u32,
    mut measure: impl FnMut(usize) -> Duration,
) {
    const RUNS: usize = 5;
    let large = factor * small;
    let _ = measure(small);
    let (mut s, mut l) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        s.push(measure(small));
        l.push(measure(large));
    }
    s.sort();
    l.sort();
    let (s, l) = (s[RUNS / 2], l[RUNS / 2]);
    let ratio = l.as_secs_f64() / s.as_secs_f64().max(1e-9);
    eprintln!(
        "{what}: {small}: {s:?}, {large}: {l:?} (median CPU of {RUNS}), {ratio:.1}x, bound {bound}x"
    );
    assert!(
        l < s * bound + Duration::from_millis(50),
        "{what}: {small}: {s:?}, {large}: {l:?}: {ratio:.1} times the time for {factor} times the input (bound {bound})"
    );
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, None, Duration::from_secs(60))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `--format json` of a run: the summary's counts and each finding's (rule, line, column).
fn summary_and_findings(r: &Run) -> (serde_json::Value, Vec<(String, u64, u64)>) {
    let v = json(&r.stdout);
    let findings = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (v["summary"].clone(), findings)
}

/// A template with one invalid-JSON spot at line 7 (`[}`), lines broken by `eol`.
fn template_broken_on_line_7(eol: &str) -> String {
    [
        "{",
        &format!("  \"$schema\": \"{SCHEMA}\","),
        "  \"contentVersion\": \"1.0.0.0\",",
        "  \"parameters\": {},",
        "  \"variables\": {},",
        "  \"outputs\": {},",
        "  \"resources\": [}",
        "}",
    ]
    .join(eol)
}

const VALID: &str = r#"{"$schema": "SCHEMA", "contentVersion": "1.0.0.0", "resources": []}"#;

fn valid() -> String {
    VALID.replace("SCHEMA", SCHEMA)
}

fn parse_errors(r: &Run) -> Vec<(String, u64, u64)> {
    summary_and_findings(r)
        .1
        .into_iter()
        .filter(|(rule, _, _)| rule == "parse-error")
        .collect()
}

// -------------------------------------------------------------------------------------------------
// 1. Capacity sums never wrap.

fn scale_set(name: &str, capacity: &str) -> String {
    format!(
        r#"{{"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", "name": "{name}",
  "location": "eastus", "zones": ["1"], "sku": {{"name": "Standard_D2s_v3", "capacity": {capacity}}},
  "properties": {{"orchestrationMode": "Uniform", "singlePlacementGroup": false, "platformFaultDomainCount": 1,
    "virtualMachineProfile": {{"capacityReservation": {{"capacityReservationGroup": {{"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}}}}}}}"#
    )
}

fn reservation(name: &str, capacity: &str) -> String {
    format!(
        r#"{{"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
  "name": "crg/{name}", "location": "eastus", "zones": ["1"], "sku": {{"name": "Standard_D2s_v3", "capacity": {capacity}}},
  "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]}}"#
    )
}

fn capacity_template(reservations: &[String], sets: &[String]) -> String {
    let group = r#"{"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01", "name": "crg", "location": "eastus", "zones": ["1"]}"#;
    let mut resources = vec![group.to_string()];
    resources.extend(reservations.iter().cloned());
    resources.extend(sets.iter().cloned());
    format!(
        "{{\"$schema\": \"{SCHEMA}\", \"contentVersion\": \"1.0.0.0\", \"resources\": [\n{}\n]}}",
        resources.join(",\n")
    )
}

const I64_MAX: &str = "9223372036854775807";

#[test]
fn capacity_demand_past_u64_is_a_lower_bound_never_a_wrapped_figure() {
    let t = TempDir::new("overflow");
    let sets: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| scale_set(n, I64_MAX))
        .collect();
    t.write(
        "three.json",
        capacity_template(&[reservation("d2", "2")], &sets),
    );
    // Wrapped, 3 × (2^63 − 1) is 9223372036854775805 mod 2^64.
    let wrapped = "9223372036854775805";
    let lint = run(&t.0, &["lint", "three.json", "--format", "compact"]);
    assert!(!lint.stdout.contains(wrapped), "{}", lint.stdout);
    assert!(!lint.stderr.contains("overflow"), "{}", lint.stderr);
    let plan = run(&t.0, &["capacity", "three.json", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(!plan.stdout.contains(wrapped), "{}", plan.stdout);
    let v = json(&plan.stdout);
    let demand = &v["groups"][0]["reservations"][0]["demand"];
    // The true demand is past u64: what is shown is a lower bound, and marked as one.
    assert_eq!(demand["complete"], serde_json::json!(false), "{demand}");
    let max = demand["max"].as_u64().expect("a figure");
    assert!(max >= 2 * 9_223_372_036_854_775_807, "{demand}");
    let table = run(&t.0, &["capacity", "three.json"]);
    assert!(table.stdout.contains('≥'), "{}", table.stdout);
}

#[test]
fn reserved_capacity_past_u64_is_unknown() {
    let t = TempDir::new("reserved-overflow");
    let reservations: Vec<String> = ["r1", "r2", "r3"]
        .iter()
        .map(|n| reservation(n, I64_MAX))
        .collect();
    t.write(
        "reserved.json",
        capacity_template(&reservations, &[scale_set("a", "1")]),
    );
    let plan = run(&t.0, &["capacity", "reserved.json", "--format", "json"]);
    let v = json(&plan.stdout);
    let r = &v["groups"][0]["reservations"][0];
    assert_eq!(r["reserved"], serde_json::Value::Null, "{r}");
    assert_eq!(r["state"], serde_json::json!("unknown"), "{r}");
    // No rule reports a wrapped total (CRG013 would call the reservation idle).
    let lint = run(&t.0, &["lint", "reserved.json", "--format", "compact"]);
    assert!(!lint.stdout.contains("CRG013"), "{}", lint.stdout);
    assert!(
        !lint.stdout.contains("9223372036854775805"),
        "{}",
        lint.stdout
    );
}

// -------------------------------------------------------------------------------------------------
// 2. No template is skipped silently.

#[test]
fn an_escaped_schema_key_is_a_template() {
    let t = TempDir::new("escaped-schema");
    t.write(
        "escaped.json",
        format!(r#"{{"\u0024schema": "{SCHEMA}", "resources": []}}"#),
    );
    t.write(
        "escaped-broken.json",
        format!(r#"{{"\u0024schema": "{SCHEMA}", "resources": [}}"#),
    );
    let r = run(&t.0, &["lint", ".", "--format", "json"]);
    let (summary, findings) = summary_and_findings(&r);
    assert_eq!(summary["templates"], serde_json::json!(2), "{summary}");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "parse-error");
    assert_eq!(r.code, 1);
}

#[test]
fn a_broken_schema_line_is_a_parse_error_and_other_json_is_left_alone() {
    let t = TempDir::new("broken-schema");
    let cases: [(&str, String); 4] = [
        (
            "missing-quote.json",
            format!("{{\n  \"$schema: \"{SCHEMA}\",\n  \"resources\": []\n}}"),
        ),
        (
            "missing-colon.json",
            format!("{{\n  \"$schema\" \"{SCHEMA}\",\n  \"resources\": []\n}}"),
        ),
        (
            "nul-in-key.json",
            format!("{{\n  \"$sch\0ema\": \"{SCHEMA}\",\n  \"resources\": []\n}}"),
        ),
        (
            "unquoted-value.json",
            format!("{{\n  \"$schema\": {SCHEMA},\n  \"resources\": []\n}}"),
        ),
    ];
    for (name, text) in &cases {
        t.write(name, text);
        let r = run(&t.0, &["lint", name, "--format", "json"]);
        let errors = parse_errors(&r);
        assert_eq!(errors.len(), 1, "{name}: {}", r.stdout);
        // On the `$schema` line, where the file breaks.
        assert_eq!(errors[0].1, 2, "{name}: {errors:?}");
        assert_eq!(r.code, 1, "{name}");
    }
    // JSON that names the schema under another key, or as a well-formed "schema", is not ARM.
    t.write(
        "settings.json",
        format!(r#"{{"json.schemas": [{{"fileMatch": ["*.json"], "url": "{SCHEMA}"}}]}}"#),
    );
    t.write("schema-key.json", format!(r#"{{"schema": "{SCHEMA}"}}"#));
    t.write("list.json", format!(r#"["$schema", "{SCHEMA}"]"#));
    for name in ["settings.json", "schema-key.json", "list.json"] {
        let r = run(&t.0, &["lint", name, "--format", "json"]);
        let (summary, findings) = summary_and_findings(&r);
        assert_eq!(summary["templates"], serde_json::json!(0), "{name}");
        assert!(findings.is_empty(), "{name}: {findings:?}");
        assert_eq!(r.code, 0, "{name}");
    }
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    bom.then_some(0xfeff_u16)
        .into_iter()
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

fn utf32(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    bom.then_some('\u{feff}')
        .into_iter()
        .chain(text.chars())
        .flat_map(|c| {
            if big_endian {
                u32::from(c).to_be_bytes()
            } else {
                u32::from(c).to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn utf16_and_utf32_files_are_read_or_reported_never_skipped() {
    let t = TempDir::new("encodings");
    let text = template_broken_on_line_7("\r\n");
    t.write("utf8.json", &text);
    let expected = parse_errors(&run(&t.0, &["lint", "utf8.json", "--format", "json"]));
    assert_eq!(expected.len(), 1);
    // With a byte order mark Azure reads them, and so does armlint: the same finding.
    for (name, bytes) in [
        ("utf16le.json", utf16(&text, false, true)),
        ("utf16be.json", utf16(&text, true, true)),
        ("utf32le.json", utf32(&text, false, true)),
        ("utf32be.json", utf32(&text, true, true)),
    ] {
        t.write(name, bytes);
        let r = run(&t.0, &["lint", name, "--format", "json"]);
        assert_eq!(parse_errors(&r), expected, "{name}: {}", r.stdout);
        assert_eq!(r.code, 1, "{name}");
    }
    // Without one, a located finding that says why.
    for (name, bytes) in [
        ("utf16le-nobom.json", utf16(&valid(), false, false)),
        ("utf16be-nobom.json", utf16(&valid(), true, false)),
        ("utf32le-nobom.json", utf32(&valid(), false, false)),
        ("utf32be-nobom.json", utf32(&valid(), true, false)),
    ] {
        t.write(name, bytes);
        let r = run(&t.0, &["lint", name, "--format", "compact"]);
        assert_eq!(r.code, 1, "{name}: {} {}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(":1:1: error[parse-error]")
                && r.stdout.contains("without a byte order mark"),
            "{name}: {}",
            r.stdout
        );
    }
    // A UTF-16 file that is not a template is skipped like any other.
    t.write("other.json", utf16(r#"{"name": "pkg"}"#, false, true));
    let r = run(&t.0, &["lint", "other.json", "--format", "json"]);
    assert_eq!(
        summary_and_findings(&r).0["templates"],
        serde_json::json!(0)
    );
}

#[cfg(target_os = "linux")]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL");
    // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

#[cfg(target_os = "linux")]
#[test]
fn a_fifo_never_blocks_a_walk_or_a_named_lint() {
    let t = TempDir::new("fifo");
    t.write("good.json", template_broken_on_line_7("\n"));
    mkfifo(&t.0.join("pipe.json"));
    std::os::unix::fs::symlink("pipe.json", t.0.join("link.json")).expect("symlink");
    let limit = Duration::from_secs(20);
    let r = run_with(&t.0, &["lint", ".", "--format", "compact"], None, limit);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("good.json:7:"), "{}", r.stdout);
    assert!(
        r.stderr.contains("note: skipped link.json")
            && r.stderr.contains("note: skipped pipe.json")
            && r.stderr.contains("FIFO"),
        "{}",
        r.stderr
    );
    // Named: opened without waiting for a writer; with none it has nothing to lint.
    let r = run_with(
        &t.0,
        &["lint", "pipe.json", "--format", "compact"],
        None,
        limit,
    );
    assert_eq!(r.code, 1, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("nothing to read"), "{}", r.stdout);
}

#[cfg(target_os = "linux")]
#[test]
fn an_endless_file_or_stdin_stops_at_the_size_limit_and_the_others_are_linted() {
    let t = TempDir::new("endless");
    t.write("good.json", template_broken_on_line_7("\n"));
    let limit = Duration::from_secs(60);
    let r = run_with(
        &t.0,
        &["lint", "/dev/zero", "good.json", "--format", "compact"],
        None,
        limit,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("/dev/zero:1:1: error[parse-error]")
            && r.stdout.contains("larger than 64 MiB"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("good.json:7:"), "{}", r.stdout);
    let endless = Box::new(std::io::repeat(b' '));
    let r = run_with(
        &t.0,
        &["lint", "-", "--format", "compact"],
        Some(endless),
        limit,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("larger than 64 MiB"), "{}", r.stdout);
}

#[test]
fn non_utf8_on_stdin_is_the_same_finding_as_on_disk() {
    let t = TempDir::new("stdin-bytes");
    let mut bytes = format!("{{\"$schema\": \"{SCHEMA}\",\n  \"resources\": [\"").into_bytes();
    bytes.extend_from_slice(b"\xff\"]}");
    t.write("latin1.json", &bytes);
    let disk = run(&t.0, &["lint", "latin1.json", "--format", "compact"]);
    let stdin = run_with(
        &t.0,
        &[
            "lint",
            "-",
            "--stdin-filename",
            "latin1.json",
            "--format",
            "compact",
        ],
        Some(Box::new(std::io::Cursor::new(bytes))),
        Duration::from_secs(60),
    );
    assert_eq!(disk.code, 1, "{}", disk.stderr);
    assert_eq!((stdin.code, &stdin.stdout), (disk.code, &disk.stdout));
}

// -------------------------------------------------------------------------------------------------
// 3. Positions.

#[test]
fn lf_crlf_and_lone_cr_report_the_same_line() {
    let t = TempDir::new("line-breaks");
    let mut positions = Vec::new();
    for (name, eol) in [("lf.json", "\n"), ("crlf.json", "\r\n"), ("cr.json", "\r")] {
        t.write(name, template_broken_on_line_7(eol));
        let errors = parse_errors(&run(&t.0, &["lint", name, "--format", "json"]));
        assert_eq!(errors.len(), 1, "{name}");
        positions.push((errors[0].1, errors[0].2));
        // The snippet shows line 7 as line 7, without a raw CR.
        let human = run(&t.0, &["lint", name, "--color", "never"]).stdout;
        assert!(
            human.contains(&format!("[{name}:7:"))
                && human.contains(" 7 │ ")
                && !human.contains('\r'),
            "{name}: {human:?}"
        );
    }
    assert_eq!(positions[0].0, 7);
    assert!(
        positions.iter().all(|p| *p == positions[0]),
        "{positions:?}"
    );
}

#[test]
fn invalid_utf8_is_reported_at_the_bad_byte() {
    let t = TempDir::new("bad-byte");
    let mut bytes =
        format!("{{\n  \"$schema\": \"{SCHEMA}\",\n  \"resources\": [\"ab").into_bytes();
    bytes.extend_from_slice(b"\xc3\x28\"]\n}");
    t.write("bad.json", &bytes);
    let r = run(&t.0, &["lint", "bad.json", "--format", "json"]);
    // Line 3, after `  "resources": ["ab` (19 characters).
    assert_eq!(
        parse_errors(&r),
        [("parse-error".to_string(), 3, 20)],
        "{}",
        r.stdout
    );
}

// -------------------------------------------------------------------------------------------------
// 4. Counts and configuration.

#[test]
fn each_file_read_is_counted_once() {
    let t = TempDir::new("counts");
    t.write("main.json", valid());
    t.write("main.jsonc", valid());
    t.write(
        "main.parameters.json",
        format!(r#"{{"$schema": "{PARAMS_SCHEMA}", "parameters": {{}}}}"#),
    );
    t.write("package.json", r#"{"name": "x"}"#);
    let r = run(&t.0, &["lint", ".", "--format", "json"]);
    let (summary, _) = summary_and_findings(&r);
    // Two templates share one parameter file that the walk also found.
    assert_eq!(summary["templates"], serde_json::json!(2), "{summary}");
    assert_eq!(summary["files"], serde_json::json!(4), "{summary}");
    // Named: the parameter file is paired, not walked, and still counted once.
    let r = run(&t.0, &["lint", "main.json", "--format", "json"]);
    assert_eq!(
        summary_and_findings(&r).0["files"],
        serde_json::json!(2),
        "{}",
        r.stdout
    );
}

#[test]
fn rules_dir_dot_in_a_configuration_of_the_current_directory() {
    let t = TempDir::new("rules-dot");
    t.write(".armlint.yaml", "rulesDirs: [\".\"]\n");
    t.write("main.json", template_broken_on_line_7("\n"));
    let r = run(&t.0, &["lint", "main.json", "--format", "compact"]);
    assert!(!r.stderr.contains("No such file"), "{}", r.stderr);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("main.json:7:"), "{}", r.stdout);
}

#[test]
fn a_deeply_nested_configuration_is_refused_at_once_with_its_position() {
    let t = TempDir::new("deep-config");
    t.write("main.json", valid());
    let depth = 100_000;
    let flow = format!("select: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let block: String = (0..2_000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    for (text, line) in [(flow, 1), (block, 65)] {
        t.write(".armlint.yaml", text);
        let r = run_with(&t.0, &["lint", "main.json"], None, Duration::from_secs(30));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!(".armlint.yaml:{line}:"))
                && r.stderr.contains("nested deeper than"),
            "{}",
            r.stderr
        );
        assert!(r.elapsed < Duration::from_secs(5), "{:?}", r.elapsed);
    }
}

// -------------------------------------------------------------------------------------------------
// 5. --write-baseline never replaces an input.

#[test]
fn write_baseline_refuses_to_overwrite_what_the_run_reads() {
    let t = TempDir::new("baseline-target");
    let template = template_broken_on_line_7("\n");
    t.write("main.json", &template);
    let params = format!(r#"{{"$schema": "{PARAMS_SCHEMA}", "parameters": {{}}}}"#);
    t.write("main.parameters.json", &params);
    t.write("conf.yaml", "select: []\n");
    t.write("rules/keep.yaml", "# a rule file\n");
    let cases: [(&[&str], &str); 5] = [
        (
            &["lint", "main.json", "--write-baseline", "main.json"],
            "main.json",
        ),
        (
            &["lint", ".", "--write-baseline", "./sub/../main.json"],
            "main.json",
        ),
        (
            &[
                "lint",
                "main.json",
                "--write-baseline",
                "main.parameters.json",
            ],
            "main.parameters.json",
        ),
        (
            &[
                "lint",
                "main.json",
                "--config",
                "conf.yaml",
                "--write-baseline",
                "conf.yaml",
            ],
            "conf.yaml",
        ),
        (
            &[
                "lint",
                "main.json",
                "--rules-dir",
                "rules",
                "--write-baseline",
                "rules/keep.yaml",
            ],
            "rules/keep.yaml",
        ),
    ];
    std::fs::create_dir_all(t.0.join("sub")).expect("sub");
    for (args, target) in cases {
        let before = std::fs::read(t.0.join(target)).expect("exists");
        let r = run(&t.0, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("refusing"), "{args:?}: {}", r.stderr);
        assert_eq!(
            std::fs::read(t.0.join(target)).expect("kept"),
            before,
            "{args:?}"
        );
    }
    let r = run(
        &t.0,
        &["lint", "main.json", "--write-baseline", "baseline.json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(t.0.join("baseline.json").is_file());
}

// -------------------------------------------------------------------------------------------------
// 6. File names reach no terminal raw.

#[test]
fn control_characters_in_file_names_are_escaped_for_terminals() {
    let t = TempDir::new("escape-names");
    let name = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J.json";
    t.write(name, template_broken_on_line_7("\n"));
    for format in ["human", "compact", "github", "azure"] {
        let r = run(&t.0, &["lint", ".", "--format", format, "--color", "never"]);
        assert_eq!(r.code, 1, "{format}");
        assert!(!r.stdout.contains('\u{1b}'), "{format}: {:?}", r.stdout);
        assert!(!r.stdout.contains('\u{7}'), "{format}: {:?}", r.stdout);
        assert!(r.stdout.contains(r"evil\x1B"), "{format}: {}", r.stdout);
    }
    // JSON escapes by its own rules: the name is there as it is.
    let r = run(&t.0, &["lint", ".", "--format", "json"]);
    let v = json(&r.stdout);
    assert_eq!(v["diagnostics"][0]["file"], serde_json::json!(name));
}

#[cfg(unix)]
#[test]
fn a_non_utf8_file_name_keeps_its_bytes_in_sarif_uris() {
    use std::os::unix::ffi::OsStrExt;
    let t = TempDir::new("latin1-name");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.json");
    t.write(name, template_broken_on_line_7("\n"));
    let r = run(&t.0, &["lint", ".", "--format", "sarif"]);
    let v = json(&r.stdout);
    let uri =
        &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, &serde_json::json!("caf%E9.json"), "{}", r.stdout);
    let r = run(&t.0, &["lint", ".", "--format", "compact"]);
    assert!(r.stdout.starts_with(r"caf\xE9.json:7:"), "{}", r.stdout);
}

// -------------------------------------------------------------------------------------------------
// 7. Instance views in linear time.

fn instance_view(vms: usize) -> String {
    let ids: Vec<String> = (0..vms)
        .map(|i| {
            format!(
                r#"{{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm{i}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"name": "crg", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/capacityReservationGroups/crg",
  "type": "Microsoft.Compute/capacityReservationGroups", "location": "eastus",
  "properties": {{"instanceView": {{"capacityReservations": [{{"name": "r1",
    "sku": {{"name": "Standard_D2s_v3", "capacity": 10}},
    "utilizationInfo": {{"virtualMachinesAllocated": [{}]}}}}]}}}}}}"#,
        ids.join(",\n")
    )
}

#[test]
fn an_instance_view_of_many_vms_is_planned_in_linear_time() {
    let t = TempDir::new("instance-view");
    t.write("empty/none.json", "{}");
    let small = 5_000;
    for n in [small, 4 * small] {
        t.write(format!("view-{n}.json"), instance_view(n));
    }
    // Four times the VMs: about four times the time; quadratic work would take sixteen.
    grows_linearly("instance view", small, 4, 9, |n| {
        let view = format!("view-{n}.json");
        let r = run(
            &t.0,
            &[
                "capacity",
                "empty",
                "--instance-view",
                &view,
                "--format",
                "json",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v = json(&r.stdout);
        assert_eq!(
            v["groups"][0]["reservations"][0]["demand"]["max"],
            serde_json::json!(n)
        );
        r.cpu
    });
}

/// `n` zonal VMs naming one group whose reservation holds one instance: a CRG011 finding about
/// all of them, and a CRG005-free template otherwise.
fn overallocated_vms(n: usize) -> String {
    let vms: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm-{i}",
  "location": "eastus", "zones": ["1"], "properties": {{"hardwareProfile": {{"vmSize": "Standard_D2s_v5"}},
  "capacityReservation": {{"capacityReservationGroup": {{"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [
{{"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01", "name": "crg", "location": "eastus", "zones": ["1"]}},
{{"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01", "name": "crg/r1",
  "location": "eastus", "zones": ["1"], "sku": {{"name": "Standard_D2s_v5", "capacity": 1}},
  "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]}},
{}]}}"#,
        vms.join(",\n")
    )
}

/// One finding about thousands of VMs (CRG011 names every consumer) costs linear time to find
/// and to print: naming each consumer searched the list of all of them, and miette drew every
/// related location against every other (40,000 VMs: 21 s).
#[test]
fn a_finding_about_many_vms_is_found_and_printed_in_linear_time() {
    let t = TempDir::new("overallocated");
    let small = 1_500;
    for n in [small, 4 * small] {
        t.write(format!("vms-{n}.json"), overallocated_vms(n));
    }
    for format in ["compact", "human"] {
        // Four times the VMs: about four times the time; quadratic work would take sixteen.
        grows_linearly(&format!("CRG011, {format}"), small, 4, 9, |n| {
            let r = run(
                &t.0,
                &["lint", "--format", format, &format!("vms-{n}.json")],
            );
            assert!(r.code < 2, "{}", r.stderr);
            let crg011 = r.stdout.matches("CRG011").count();
            assert!(crg011 >= 1, "{}", r.stdout);
            assert!(
                r.stdout.contains(&format!("{n} Standard_D2s_v5 instances")),
                "{format}"
            );
            r.cpu
        });
    }
}

/// The capacity plan of one key with thousands of VMs, each its own declaration, in linear time:
/// each VM's entry was found by comparing its pointer with every entry before it.
#[test]
fn a_key_with_many_vms_is_planned_in_linear_time() {
    let t = TempDir::new("plan-many");
    let small = 2_000;
    for n in [small, 16 * small] {
        t.write(format!("vms-{n}.json"), overallocated_vms(n));
    }
    // Sixteen times the VMs, debug build, median CPU time: 16.3 times the time (0.12 s -> 1.92 s);
    // with the search through the entries before, 43.5 times (0.13 s -> 5.59 s).
    grows_linearly("capacity plan", small, 16, 26, |n| {
        let r = run(
            &t.0,
            &["capacity", "--format", "json", &format!("vms-{n}.json")],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v = json(&r.stdout);
        let consumers = v["groups"][0]["reservations"][0]["consumers"]
            .as_array()
            .map(Vec::len);
        assert_eq!(
            consumers,
            Some(n),
            "{}",
            r.stdout.get(..2000).unwrap_or(&r.stdout)
        );
        r.cpu
    });
}

/// One group with `n` reservations of one size and zone, each in the wrong location: a CRG004
/// finding per reservation, written as a JSON template or as Bicep (where each finding is also
/// mapped back to the `.bicep` through the span map).
fn many_reservations(n: usize, bicep: bool) -> String {
    if bicep {
        let mut out = String::from(
            "resource crg 'Microsoft.Compute/capacityReservationGroups@2024-07-01' = {\n  name: 'crg'\n  location: 'eastus'\n  zones: [\n    '1'\n  ]\n}\n",
        );
        for i in 0..n {
            out.push_str(&format!(
                "resource r{i} 'Microsoft.Compute/capacityReservationGroups/capacityReservations@2024-07-01' = {{\n  parent: crg\n  name: 'r{i}'\n  location: 'westus'\n  zones: [\n    '1'\n  ]\n  sku: {{\n    name: 'Standard_D2s_v3'\n    capacity: 1\n  }}\n}}\n"
            ));
        }
        return out;
    }
    let reservations: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01", "name": "crg/r{i}", "location": "westus", "zones": ["1"], "sku": {{"name": "Standard_D2s_v3", "capacity": 1}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [
{{"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01", "name": "crg", "location": "eastus", "zones": ["1"]}},
{}]}}"#,
        reservations.join(",\n")
    )
}

/// A group with thousands of reservations is linted in linear time, from JSON and from Bicep:
/// each reservation's checks summed the whole group again (8,000 reservations: 4.9 s from Bicep,
/// with the span map scanned whole for every finding).
#[test]
fn a_group_with_many_reservations_is_linted_in_linear_time() {
    let t = TempDir::new("many-reservations");
    let small = 1_000;
    for n in [small, 4 * small] {
        t.write(format!("r-{n}.json"), many_reservations(n, false));
        t.write(format!("r-{n}.bicep"), many_reservations(n, true));
    }
    for ext in ["json", "bicep"] {
        // Four times the reservations: about four times the time; quadratic work, sixteen.
        grows_linearly(&format!("reservations, {ext}"), small, 4, 9, |n| {
            let r = run(
                &t.0,
                &["lint", "--format", "compact", &format!("r-{n}.{ext}")],
            );
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert_eq!(r.stdout.matches("error[CRG004]").count(), n, "{ext}");
            r.cpu
        });
    }
}

/// A minified template (one line) of `n` regional VMs naming a zonal group: a CRG005 finding per
/// VM, each with a related location at the far end of the line.
fn minified_regional_vms(n: usize) -> String {
    let vms: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"type":"Microsoft.Compute/virtualMachines","apiVersion":"2024-07-01","name":"vm-{i}","location":"eastus","properties":{{"hardwareProfile":{{"vmSize":"Standard_D2s_v5"}},"capacityReservation":{{"capacityReservationGroup":{{"id":"[resourceId('Microsoft.Compute/capacityReservationGroups','crg')]"}}}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"$schema":"{SCHEMA}","contentVersion":"1.0.0.0","resources":[{},{{"type":"Microsoft.Compute/capacityReservationGroups","apiVersion":"2024-07-01","name":"crg","location":"eastus","zones":["1","2","3"]}},{{"type":"Microsoft.Compute/capacityReservationGroups/capacityReservations","apiVersion":"2024-07-01","name":"crg/r1","location":"eastus","zones":["1"],"sku":{{"name":"Standard_D2s_v5","capacity":100000}},"dependsOn":["[resourceId('Microsoft.Compute/capacityReservationGroups','crg')]"]}}]}}"#,
        vms.join(",")
    )
}

/// A minified template is one long line: each finding's column is counted from a nearby mark,
/// not from the start of the line (40,000 findings on a 10 MB line: 12 s compact, 60 s JSON),
/// and a finding whose labels lie more than 65,535 columns apart prints (miette panicked).
#[test]
fn findings_on_one_long_line_print_in_linear_time_without_panicking() {
    let t = TempDir::new("minified");
    let small = 1_000;
    let large = 4 * small;
    t.write("small.json", minified_regional_vms(small));
    t.write("large.json", minified_regional_vms(large));
    let human = run(&t.0, &["lint", "large.json"]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert_eq!(human.stdout.matches("error[CRG005]").count(), large);
    assert!(
        human.stdout.contains("╭─[large.json:1:"),
        "{}",
        human.stdout
    );
    for format in ["compact", "json"] {
        // Four times the findings on a line four times as long: quadratic work takes sixteen.
        grows_linearly(&format!("one long line, {format}"), small, 4, 9, |n| {
            let file = if n == small {
                "small.json"
            } else {
                "large.json"
            };
            let r = run(&t.0, &["lint", "--format", format, file]);
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert_eq!(r.stdout.matches("CRG005").count(), n, "{format}");
            r.cpu
        });
    }
}

// -------------------------------------------------------------------------------------------------
// The harness itself must notice a hang, or the tests above could not.

#[test]
#[should_panic(expected = "still running")]
fn the_harness_fails_a_run_that_hangs() {
    let t = TempDir::new("hang");
    // stdin that never ends nor sends: armlint waits for the end of input.
    run_with(
        &t.0,
        &["lint", "-"],
        Some(Box::new(Silent)),
        Duration::from_millis(300),
    );
}

/// A reader that sends nothing for longer than the harness waits.
struct Silent;

impl Read for Silent {
    fn read(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_secs(2));
        Ok(0)
    }
}
