//! `.pre-commit-hooks.yaml` with the real `pre-commit` tool (from PyPI) in a scratch git
//! repository: the hook is added by repository and revision as users add it, a staged bad
//! template blocks the commit, a good one (beside a package.json) goes through. Skipped with a
//! message when `pre-commit` or git is missing, or the hooks file is not committed yet.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn pre_commit_blocks_a_bad_template() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let head = run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(repo));
    let committed = run(Command::new("git")
        .args(["cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"])
        .current_dir(repo));
    if !head.status.success() || !committed.status.success() {
        eprintln!("skipped: the crate is not a git checkout with .pre-commit-hooks.yaml committed");
        return;
    }
    let rev = String::from_utf8_lossy(&head.stdout).trim().to_string();

    let scratch: PathBuf =
        std::env::temp_dir().join(format!("armlint-pre-commit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("dir");
    let git = |args: &[&str]| {
        run(Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&scratch))
    };
    assert!(git(&["init", "-q"]).status.success());
    std::fs::write(
        scratch.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: armlint\n",
            repo.display()
        ),
    )
    .expect("config");
    // pre-commit builds the hook with cargo; a cache under target/ keeps later runs quick, and
    // a lighter release profile keeps the first one short.
    let with_env = |c: &mut Command| {
        c.env("PRE_COMMIT_HOME", repo.join("target/pre-commit-home"))
            .env("CARGO_TARGET_DIR", repo.join("target/pre-commit-build"))
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .current_dir(&scratch);
    };
    let mut install = Command::new("pre-commit");
    install.args(["install", "--install-hooks"]);
    with_env(&mut install);
    let out = run(&mut install);
    assert!(out.status.success(), "{}", text(&out));

    let commit = |msg: &str| {
        let mut c = Command::new("git");
        c.args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            msg,
        ]);
        with_env(&mut c);
        run(&mut c)
    };
    let fixture = |name: &str| repo.join("fixtures/rules/flex-vm-missing-crg").join(name);
    std::fs::copy(fixture("invalid.json"), scratch.join("main.json")).expect("copy");
    std::fs::write(scratch.join("package.json"), "{\"name\": \"app\"}\n").expect("write");
    assert!(git(&["add", "."]).status.success());
    let out = commit("bad");
    let said = text(&out);
    assert!(!out.status.success(), "the commit went through:\n{said}");
    assert!(said.contains("error[CRG001]"), "{said}");
    assert!(said.contains("main.json:"), "{said}");
    assert!(!said.contains("package.json:"), "{said}");

    std::fs::copy(fixture("valid.json"), scratch.join("main.json")).expect("copy");
    assert!(git(&["add", "."]).status.success());
    let out = commit("good");
    assert!(out.status.success(), "{}", text(&out));
    let log = git(&["log", "--oneline"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
    let _ = std::fs::remove_dir_all(&scratch);
}
