//! The command line as users and scripts see it: exit codes, formats, stdin, rule listing and
//! documentation, graph output, colour, and byte-identical output whatever the thread count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use assert_cmd::Command;

fn armlint() -> Command {
    let mut c = Command::cargo_bin("armlint").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR");
    c
}

fn stdout(c: &mut Command) -> String {
    String::from_utf8(c.output().expect("runs").stdout).expect("utf-8")
}

const INVALID: &str = "fixtures/rules/member-of-non-flexible/invalid.json";
const VALID: &str = "fixtures/rules/member-of-non-flexible/valid.json";

#[test]
fn exit_codes_follow_the_contract() {
    armlint().args(["lint", VALID]).assert().code(0);
    armlint().args(["lint", INVALID]).assert().code(1);
    armlint()
        .args(["lint", INVALID, "--fail-on", "never"])
        .assert()
        .code(0);
    // A warning fails only with --fail-on warning.
    let dup = "fixtures/rules/duplicate-key/invalid.json";
    armlint().args(["lint", dup]).assert().code(0);
    armlint()
        .args(["lint", dup, "--fail-on", "warning"])
        .assert()
        .code(1);
    armlint()
        .args(["lint", "does/not/exist.json"])
        .assert()
        .code(2);
    armlint()
        .args(["lint", VALID, "--select", "NO-SUCH-RULE"])
        .assert()
        .code(2);
    armlint()
        .args(["lint", VALID, "--format", "yaml"])
        .assert()
        .code(2);
    armlint().args(["explain", "NO-SUCH-RULE"]).assert().code(2);
}

#[test]
fn malformed_file_is_a_finding_and_the_others_are_still_linted() {
    let out = stdout(armlint().args([
        "lint",
        "fixtures/rules/parse-error/invalid.json",
        INVALID,
        "--format",
        "compact",
    ]));
    assert!(
        out.contains("parse-error/invalid.json:8:20: error[parse-error]"),
        "{out}"
    );
    assert!(
        out.contains("member-of-non-flexible/invalid.json:29:9: error[VMSS001]"),
        "{out}"
    );
}

#[test]
fn compact_and_json_formats() {
    let out = stdout(armlint().args(["lint", INVALID, "--format", "compact"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with(&format!(
            "{INVALID}:29:9: error[VMSS001] VM 'member-0' (and 2 more copies) joins"
        )),
        "{out}"
    );

    let out = stdout(armlint().args(["lint", INVALID, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(v["version"], 1);
    assert_eq!(v["diagnostics"][0]["rule"], "VMSS001");
    assert_eq!(v["diagnostics"][0]["resource"]["pointer"], "/resources/1");
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["templates"], 1);
    assert!(
        v["summary"]["expressions"]["evaluated"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
}

#[test]
fn stdin_with_a_reported_filename() {
    let text = std::fs::read_to_string(format!("{}/{INVALID}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    let out = armlint()
        .args([
            "lint",
            "-",
            "--stdin-filename",
            "infra/main.json",
            "--format",
            "compact",
        ])
        .write_stdin(text)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).expect("utf-8");
    assert!(s.starts_with("infra/main.json:29:9: error[VMSS001]"), "{s}");
    // Not a template: skipped silently.
    armlint()
        .args(["lint", "-"])
        .write_stdin(r#"{"name": "pkg", "version": "1.0.0"}"#)
        .assert()
        .code(0);
}

#[test]
fn output_is_identical_with_one_and_two_threads() {
    let run = |threads: &str| {
        let out = armlint()
            .env("RAYON_NUM_THREADS", threads)
            .args(["lint", "fixtures", "--format", "json"])
            .output()
            .expect("runs");
        out.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
}

#[test]
fn rules_and_explain() {
    let out = stdout(armlint().args(["rules"]));
    assert!(
        out.contains("VMSS001")
            && out.contains("member-of-non-flexible")
            && out.contains("parse-error"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(armlint().args(["rules", "--format", "json"]))).expect("json");
    assert!(json.as_array().is_some_and(|a| {
        a.iter()
            .any(|r| r["id"] == "VMSS001" && r["severity"] == "error")
    }));
    for key in ["VMSS001", "member-of-non-flexible", "vmss001"] {
        let doc = stdout(armlint().args(["explain", key]));
        assert!(doc.starts_with("# VMSS001 member-of-non-flexible"), "{doc}");
        assert!(
            doc.contains("## Why is this bad?") && doc.contains("## Use instead"),
            "{doc}"
        );
    }
}

#[test]
fn graph_formats() {
    let f = "fixtures/templates/outer-scope-nested.json";
    let dot = stdout(armlint().args(["graph", f, "--format", "dot"]));
    assert!(dot.starts_with("digraph resources {"), "{dot}");
    assert!(
        dot.contains("virtualMachineScaleSets\\nuniform-ss"),
        "{dot}"
    );
    assert!(
        dot.contains("label=\"properties.virtualMachineScaleSet.id\""),
        "{dot}"
    );
    let mermaid = stdout(armlint().args(["graph", f, "--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(armlint().args(["graph", f, "--format", "json"])))
            .expect("json");
    assert_eq!(json["nodes"].as_array().map(Vec::len), Some(4));
    armlint()
        .args(["graph", "fixtures/expr/core.json"])
        .assert()
        .code(2);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = stdout(armlint().args(["lint", INVALID]));
    assert!(
        !plain.contains('\u{1b}'),
        "no colour when not on a terminal"
    );
    let coloured = stdout(armlint().args(["lint", INVALID, "--color", "always"]));
    assert!(coloured.contains('\u{1b}'), "colour when asked");
    let never = stdout(armlint().args(["lint", INVALID, "--color", "never"]));
    assert!(!never.contains('\u{1b}'));
}

/// On a real terminal (a pseudo-terminal from util-linux `script`), `--color auto` colours and
/// `NO_COLOR` turns it off; `--color always` still wins. Skipped with a message without `script`.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    let bin = assert_cmd::cargo::cargo_bin("armlint");
    let on_terminal = |no_color: Option<&str>, extra: &str| -> Option<String> {
        let cmd = format!("{} lint {INVALID} {extra}", bin.display());
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR")
            .env("TERM", "xterm");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let out = c.output().ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let Some(auto) = on_terminal(None, "") else {
        support::skip_unless_ci("util-linux `script` is not installed");
        return;
    };
    assert!(
        auto.contains("CRG") || auto.contains("VMSS"),
        "the finding is shown on the terminal: {auto}"
    );
    assert!(auto.contains('\u{1b}'), "colour on a terminal by default");
    let no_color = on_terminal(Some("1"), "").unwrap_or_default();
    assert!(no_color.contains("VMSS001"), "{no_color}");
    assert!(!no_color.contains('\u{1b}'), "NO_COLOR turns colour off");
    let empty = on_terminal(Some(""), "").unwrap_or_default();
    assert!(empty.contains('\u{1b}'), "an empty NO_COLOR is not set");
    let always = on_terminal(Some("1"), "--color always").unwrap_or_default();
    assert!(
        always.contains('\u{1b}'),
        "--color always wins over NO_COLOR"
    );
    let never = on_terminal(None, "--color never").unwrap_or_default();
    assert!(!never.contains('\u{1b}'), "--color never on a terminal");
}

/// Every expansion fixture's DOT graph renders with Graphviz without a warning (skipped with a
/// message when Graphviz is not installed).
#[test]
fn dot_graphs_render_with_graphviz() {
    let Ok(version) = std::process::Command::new("dot").arg("-V").output() else {
        support::skip_unless_ci("Graphviz `dot` is not installed");
        return;
    };
    assert!(version.status.success());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/templates");
    let mut rendered = 0;
    for e in std::fs::read_dir(&dir).expect("fixtures/templates") {
        let path = e.expect("entry").path();
        let name = path.to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.contains(".parameters") {
            continue;
        }
        let dot = stdout(armlint().args(["graph", &name, "--format", "dot"]));
        let mut child = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("dot runs");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(dot.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("dot finishes");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("<svg"),
            "{name}"
        );
        rendered += 1;
    }
    assert!(rendered >= 20, "{rendered}");
}

#[test]
fn capacity_table_has_colour_only_when_asked() {
    let f = "fixtures/capacity/overallocated.json";
    let plain = stdout(armlint().args(["capacity", f]));
    assert!(plain.contains("overallocated"), "{plain}");
    assert!(
        !plain.contains('\u{1b}'),
        "no colour when not on a terminal"
    );
    let coloured = stdout(armlint().args(["capacity", f, "--color", "always"]));
    assert!(coloured.contains("\u{1b}[31moverallocated"), "{coloured}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(armlint().args(["capacity", f, "--format", "json"])))
            .expect("json");
    assert_eq!(json["version"], 1);
    assert!(
        stdout(armlint().args(["capacity", f, "--format", "markdown"]))
            .starts_with("### Capacity plan")
    );
}

#[test]
fn malformed_instance_views_are_usage_errors_naming_file_and_path() {
    let dir = std::env::temp_dir().join(format!("armlint-view-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("vm.json");
    std::fs::write(
        &bad,
        r#"{"type": "Microsoft.Compute/virtualMachines", "id": "/subscriptions/x/vm"}"#,
    )
    .expect("write");
    let out = armlint()
        .args([
            "capacity",
            "fixtures/capacity/consumed.json",
            "--instance-view",
        ])
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("vm.json at /type"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A view that contradicts the templates (a reservation's size cannot change) and two views of one
/// group are errors naming the file and the JSON path, not a plan built on one of them.
#[test]
fn mismatching_instance_views_are_usage_errors_naming_file_and_path() {
    let dir = "fixtures/capacity/instance-views";
    let out = armlint()
        .args([
            "capacity",
            &format!("{dir}/template.json"),
            "--instance-view",
            &format!("{dir}/another-size.json"),
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another-size.json at /properties/capacityReservations/0/sku/name"),
        "{err}"
    );
    assert!(
        err.contains("Standard_E4s_v5") && err.contains("Standard_D2s_v3"),
        "{err}"
    );
    for command in ["capacity", "lint"] {
        let out = armlint()
            .args([
                command,
                &format!("{dir}/template.json"),
                "--instance-view",
                &format!("{dir}/article-one-vm.json"),
                "--instance-view",
                &format!("{dir}/article-two-vms.json"),
            ])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("article-two-vms.json at /id: a second instance view"),
            "{command}: {err}"
        );
    }
}

/// The editor path: the buffer comes on stdin, and the parameter files pair relative to the
/// name it is reported under, as if the file were on disk there.
#[test]
fn stdin_pairs_parameter_files_beside_the_reported_name() {
    let name = "fixtures/rules/unsupported-vm-series/invalid-parameters.json";
    let text =
        std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    let run = |reported: &str| {
        let out = armlint()
            .args([
                "lint",
                "-",
                "--stdin-filename",
                reported,
                "--format",
                "json",
                "--select",
                "CRG021",
            ])
            .write_stdin(text.clone())
            .output()
            .expect("runs");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")
    };
    let beside = run(name);
    assert_eq!(
        beside["diagnostics"][0]["parameters"],
        "fixtures/rules/unsupported-vm-series/invalid-parameters.parameters.json"
    );
    assert_eq!(beside["diagnostics"][0]["file"], name);
    // Elsewhere, no parameter file pairs: the defaults reserve a supported size.
    let elsewhere = run("somewhere/else/invalid-parameters.json");
    assert_eq!(elsewhere["diagnostics"].as_array().map(Vec::len), Some(0));
}

/// A newcomer finds a command by its file name: each subcommand `armlint --help` lists has
/// `src/cli/<command>.rs` (`test-rules` in `test_rules.rs`).
#[test]
fn each_command_has_its_own_file() {
    let help = stdout(armlint().arg("--help"));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 8, "commands in --help: {commands:?}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in commands {
        let file = root.join(format!("src/cli/{}.rs", c.replace('-', "_")));
        assert!(file.is_file(), "`armlint {c}` has no {}", file.display());
    }
}

/// No function of the command line or the configuration is over 120 lines: each is split by
/// job. Counted from a line that opens an `fn` to the `}` at its indentation.
#[test]
fn command_line_and_configuration_functions_are_short() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut too_long = Vec::new();
    for dir in ["src/cli", "src/config"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (start, line) in lines.iter().enumerate() {
                let body = line.trim_start();
                let indent = line.len() - body.len();
                let opens_fn = ["fn ", "pub fn ", "pub(super) fn ", "pub(crate) fn "]
                    .iter()
                    .any(|p| body.starts_with(p));
                if !opens_fn || body.ends_with(';') {
                    continue;
                }
                let close = format!("{}}}", " ".repeat(indent));
                let end = lines[start..].iter().position(|l| *l == close).unwrap_or(0);
                if end + 1 > 120 {
                    too_long.push(format!(
                        "{}:{}: {} lines",
                        path.display(),
                        start + 1,
                        end + 1
                    ));
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "functions over 120 lines: {too_long:#?}"
    );
}
