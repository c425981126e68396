//! `.pre-commit-hooks.yaml` with the real `pre-commit` tool (from PyPI) in a scratch git
//! repository: the hook is added by repository and revision as users add it, a staged bad
//! template blocks the commit, a good one (beside a package.json) goes through. Skipped with a
//! message when `pre-commit` is missing (a failure in CI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

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

/// The repository pre-commit installs the hook from, and its revision: this checkout at HEAD, or,
/// when the crate is not a git checkout with the hooks file committed (an exported tree), a scratch
/// repository holding a copy of the crate's files, so that the test runs either way.
fn hook_repository(crate_dir: &Path) -> (PathBuf, String) {
    let git = |dir: &Path, args: &[&str]| {
        run(Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir))
    };
    let head = git(crate_dir, &["rev-parse", "HEAD"]);
    let committed = git(
        crate_dir,
        &["cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"],
    );
    let top = git(crate_dir, &["rev-parse", "--show-toplevel"]);
    let is_own_checkout = top.status.success()
        && Path::new(String::from_utf8_lossy(&top.stdout).trim())
            .canonicalize()
            .ok()
            == crate_dir.canonicalize().ok();
    if head.status.success() && committed.status.success() && is_own_checkout {
        let rev = String::from_utf8_lossy(&head.stdout).trim().to_string();
        return (crate_dir.to_path_buf(), rev);
    }
    let copy = std::env::temp_dir().join(format!("armlint-hook-repo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(crate_dir, &copy);
    assert!(git(&copy, &["init", "-q"]).status.success());
    assert!(git(&copy, &["add", "."]).status.success());
    assert!(git(&copy, &["commit", "-q", "-m", "hook"]).status.success());
    let head = git(&copy, &["rev-parse", "HEAD"]);
    assert!(head.status.success(), "{}", text(&head));
    let rev = String::from_utf8_lossy(&head.stdout).trim().to_string();
    (copy, rev)
}

/// The crate's files without build output or version control.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

#[test]
fn pre_commit_blocks_a_bad_template() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        support::skip_unless_ci("pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let (hook_repo, rev) = hook_repository(repo);
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
            hook_repo.display()
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
    if hook_repo != repo {
        let _ = std::fs::remove_dir_all(&hook_repo);
    }
}
