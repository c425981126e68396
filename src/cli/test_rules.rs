//! `armlint test-rules`: policy authors' rule tests.

use std::path::PathBuf;

use super::Outcome;
use super::configuration::load_user_rules;
use crate::engine::LintOptions;

#[derive(clap::Args, Debug)]
pub struct TestRulesArgs {
    /// A directory of rule files and their tests (or one test file).
    pub dir: PathBuf,
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Print each case, also the passing ones.
    #[arg(long, short)]
    pub verbose: bool,
}

/// `armlint test-rules DIR`: like a test runner, one line per failing case (every case with
/// `--verbose`), then the counts. Exit 0 when all pass, 1 when one fails, 2 when a rule or test
/// file cannot be read.
pub(super) fn test_rules(args: TestRulesArgs) -> Outcome {
    let mut dirs = vec![args.dir.clone()];
    dirs.extend(args.rules_dirs.iter().cloned());
    let (extra, problems) = load_user_rules(&dirs);
    let rules = extra.with_builtin();
    let opts = LintOptions {
        extra_rules: extra,
        ..LintOptions::default()
    };
    let run = crate::engine::rule_tests::run_dir(&args.dir, &rules, &opts);
    let mut out = String::new();
    let mut current_file = "";
    for r in &run.results {
        if !args.verbose && r.passed() {
            continue;
        }
        if r.file != current_file {
            out.push_str(&format!("{}\n", r.file));
            current_file = &r.file;
        }
        let status = if r.passed() { "PASS" } else { "FAIL" };
        let detail = match (&r.error, r.actual) {
            (Some(e), _) => format!(": {e}"),
            (None, Some(actual)) if actual != r.expected => format!(
                ": expected {} to {}, it {}",
                r.rule,
                r.expected.as_str(),
                if actual == crate::engine::rule_tests::Verdict::Fail {
                    "reported a finding"
                } else {
                    "reported nothing"
                }
            ),
            _ => format!(" ({} {})", r.rule, r.expected.as_str()),
        };
        out.push_str(&format!("  {status}  {}{detail}\n", r.case));
        if !r.passed() {
            for f in &r.findings {
                out.push_str(&format!("          {f}\n"));
            }
        }
    }
    let mut stderr = problems;
    for e in &run.errors {
        stderr.push_str(&format!("armlint: {e}\n"));
    }
    out.push_str(&format!(
        "{} test(s): {} passed, {} failed\n",
        run.results.len(),
        run.passed(),
        run.failed()
    ));
    let code = if !stderr.is_empty() {
        2
    } else if run.failed() > 0 || run.results.is_empty() {
        1
    } else {
        0
    };
    if run.results.is_empty() && stderr.is_empty() {
        stderr = format!(
            "armlint: no tests under {} (test files end in .tests.yaml)\n",
            args.dir.display()
        );
    }
    Outcome {
        stdout: out,
        stderr,
        code,
    }
}
