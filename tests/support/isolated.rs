//! One test of this binary run in a child copy of it, so that a stack overflow, an allocation
//! abort or an endless loop fails that test instead of taking the suite down.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child: run the body instead of spawning.
const CHILD_ENV: &str = "ARMLINT_ISOLATED_CHILD";

/// Run the calling test's `body` in a child copy of this test binary (that test alone, on the
/// harness's 2 MiB test thread, like rayon's workers in the CLI); fail when the child crashes or
/// runs past `limit`. Returns the child's wall time.
pub fn isolated(test: &str, limit: Duration, body: impl FnOnce()) -> Duration {
    run(test, limit, None, body)
}

/// [`isolated`], also failing when the child's peak resident memory (`VmHWM`) is above
/// `max_rss_mb`.
pub fn isolated_within(test: &str, limit: Duration, max_rss_mb: u64, body: impl FnOnce()) {
    run(test, limit, Some(max_rss_mb), body);
}

fn run(test: &str, limit: Duration, max_rss_mb: Option<u64>, body: impl FnOnce()) -> Duration {
    if std::env::var_os(CHILD_ENV).is_some() {
        eprintln!();
        let start = Instant::now();
        body();
        eprintln!("[{test}] body: {:?}", start.elapsed());
        if let Some(kb) = peak_rss_kb() {
            eprintln!("[peak-rss-kb {kb}]");
        }
        return start.elapsed();
    }
    let (elapsed, text) = run_child(test, limit);
    for line in text
        .lines()
        .filter(|l| l.starts_with('[') || l.starts_with("  "))
    {
        eprintln!("{line}");
    }
    eprintln!("[{test}] finished in {elapsed:?} (child process)");
    if let Some(max) = max_rss_mb {
        check_peak(test, &text, max);
    }
    elapsed
}

/// Spawn the child for `test`, kill it after `limit`, and check that it ran exactly that test and
/// passed: its wall time and what it printed.
fn run_child(test: &str, limit: Duration) -> (Duration, String) {
    let log = std::env::temp_dir().join(format!(
        "armlint-isolated-{}-{test}.log",
        std::process::id()
    ));
    let out = std::fs::File::create(&log).expect("log file");
    let err = out.try_clone().expect("log file");
    let start = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([test, "--exact", "--include-ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn the test binary");
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(&log) {
        let _ = f.read_to_string(&mut text);
    }
    let _ = std::fs::remove_file(&log);
    let Some(status) = status else {
        panic!("[{test}] still running after {limit:?}: killed\n{text}");
    };
    assert!(
        status.success(),
        "[{test}] the child failed ({status}) after {elapsed:?}:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "[{test}] the child did not run exactly this test:\n{text}"
    );
    (elapsed, text)
}

/// Bound the peak memory the child printed.
fn check_peak(test: &str, text: &str, max_rss_mb: u64) {
    let peak = text
        .lines()
        // The harness may print the test's name on the same line first.
        .find_map(|l| {
            let at = l.find("[peak-rss-kb ")?;
            l.get(at + "[peak-rss-kb ".len()..)?.split(']').next()
        })
        .and_then(|n| n.parse::<u64>().ok());
    let Some(kb) = peak else {
        super::skip_unless_ci("/proc/self/status (VmHWM), for the peak memory, is missing");
        return;
    };
    eprintln!("[{test}] peak {} MB", kb / 1024);
    assert!(
        kb / 1024 <= max_rss_mb,
        "[{test}] peaked at {} MB (at most {max_rss_mb} MB)",
        kb / 1024
    );
}

/// The process's peak resident memory, where Linux reports it.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
