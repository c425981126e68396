//! `.armlint.yaml` as users meet it: found upward from the working directory or named with
//! `--config`, each key's effect on `lint`, `capacity`, `graph` and `rules`, the command line
//! winning over the file, invalid files as usage errors naming file, line and column, and
//! `armlint init`. Every test works in its own directory under the system temp dir.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use support::TempDir;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn armlint(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("armlint")
        .expect("binary built")
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8"),
        stderr: String::from_utf8(out.stderr).expect("utf-8"),
    }
}

/// `(rule, severity, file)` of each finding, from the JSON output.
fn findings(run: &Run) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["file"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn rules_of(run: &Run) -> Vec<String> {
    findings(run).into_iter().map(|(r, _, _)| r).collect()
}

fn lint_json(cwd: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["lint", "--format", "json"];
    args.extend_from_slice(extra);
    armlint(cwd, &args)
}

/// A group reserving Standard_D2s_v3 in the resource group's location, and a VM in eastus whose
/// size is a parameter (default Standard_D2s_v3): another size is CRG003, another location of
/// the resource group CRG004.
const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"vmSize": {"type": "string", "defaultValue": "Standard_D2s_v3"}},
  "resources": [
    {"type": "Microsoft.Compute/capacityReservationGroups", "apiVersion": "2024-07-01", "name": "crg",
     "location": "[resourceGroup().location]"},
    {"type": "Microsoft.Compute/capacityReservationGroups/capacityReservations", "apiVersion": "2024-07-01",
     "name": "crg/d2", "location": "[resourceGroup().location]",
     "sku": {"name": "Standard_D2s_v3", "capacity": 1},
     "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]},
    {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1", "location": "eastus",
     "properties": {"hardwareProfile": {"vmSize": "[parameters('vmSize')]"},
       "capacityReservation": {"capacityReservationGroup": {"id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"}}}}
  ]
}"#;

const D4_PARAMETERS: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"vmSize": {"value": "Standard_D4s_v3"}}}"#;

const CRG003_FIXTURE: &str = "fixtures/rules/size-not-reserved/invalid.json";
const CRG013_FIXTURE: &str = "fixtures/rules/over-reserved/invalid.json";
const DUPLICATE_KEY_FIXTURE: &str = "fixtures/rules/duplicate-key/invalid.json";

#[test]
fn found_upward_from_a_nested_working_directory() {
    let t = TempDir::new("upward");
    t.fixture(CRG003_FIXTURE, "infra/app/main.json");
    let nested = t.dir("infra/app");
    assert_eq!(
        findings(&lint_json(&nested, &["main.json"])),
        [("CRG003".into(), "error".into(), "main.json".into())]
    );
    t.write(".armlint.yaml", "severity:\n  size-not-reserved: note\n");
    let run = lint_json(&nested, &["main.json"]);
    assert_eq!(
        findings(&run),
        [("CRG003".into(), "note".into(), "main.json".into())]
    );
    assert_eq!(run.code, 0, "a note does not fail");
    // --no-config ignores it; --config names another file.
    assert_eq!(
        findings(&lint_json(&nested, &["main.json", "--no-config"]))[0].1,
        "error"
    );
    t.write("other/strict.yaml", "severity:\n  CRG003: warning\n");
    let run = lint_json(
        &nested,
        &["main.json", "--config", "../../other/strict.yaml"],
    );
    assert_eq!(findings(&run)[0].1, "warning");
    let run = armlint(
        &nested,
        &["lint", "main.json", "--config", "x.yaml", "--no-config"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn select_ignore_and_severity() {
    let t = TempDir::new("selection");
    t.fixture(CRG003_FIXTURE, "a.json");
    t.fixture(CRG013_FIXTURE, "b.json");
    t.fixture(DUPLICATE_KEY_FIXTURE, "c.json");
    let all = rules_of(&lint_json(&t.0, &[]));
    for rule in ["CRG003", "CRG013", "duplicate-key"] {
        assert!(
            all.iter().any(|r| r == rule),
            "{rule} fires by default: {all:?}"
        );
    }
    t.write(".armlint.yaml", "select: [size-not-reserved, CRG013]\n");
    assert_eq!(rules_of(&lint_json(&t.0, &[])), ["CRG003", "CRG013"]);
    t.write(".armlint.yaml", "ignore: [CRG003, duplicate-key]\n");
    assert_eq!(rules_of(&lint_json(&t.0, &[])), ["CRG013"]);
    // `off` disables like ignore; a level changes every diagnostic of the rule, engine rules too.
    t.write(
        ".armlint.yaml",
        "severity:\n  CRG013: off\n  duplicate-key: error\n  CRG003: warning\n",
    );
    let run = lint_json(&t.0, &[]);
    let found = findings(&run);
    assert!(found.iter().all(|(r, _, _)| r != "CRG013"), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(r, s, _)| r == "CRG003" && s == "warning"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .filter(|(r, _, _)| r == "duplicate-key")
            .all(|(_, s, _)| s == "error"),
        "{found:?}"
    );
    assert_eq!(run.code, 1, "a duplicate key is an error now");
    // The summary counts the configured severities; the compact format shows them.
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let errors = found.iter().filter(|(_, s, _)| s == "error").count();
    assert_eq!(v["summary"]["errors"].as_u64(), Some(errors as u64));
    let compact = armlint(&t.0, &["lint", "--format", "compact"]).stdout;
    assert!(compact.contains("warning[CRG003]"), "{compact}");
    assert!(compact.contains("error[duplicate-key]"), "{compact}");
    // `armlint rules` shows what the configuration makes of each rule.
    let listing = armlint(&t.0, &["rules"]).stdout;
    let line = |id: &str| {
        listing
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("CRG013").contains(" off "), "{listing}");
    assert!(line("CRG003").contains(" warning "), "{listing}");
    assert!(line("duplicate-key").contains(" error "), "{listing}");
    let json: serde_json::Value =
        serde_json::from_str(&armlint(&t.0, &["rules", "--format", "json"]).stdout).expect("json");
    assert!(json.as_array().is_some_and(|a| {
        a.iter()
            .any(|r| r["id"] == "CRG013" && r["enabled"] == false)
    }));
}

#[test]
fn parse_error_stays_an_error() {
    let t = TempDir::new("parse-error");
    t.fixture("fixtures/rules/parse-error/invalid.json", "broken.json");
    t.write(".armlint.yaml", "severity:\n  parse-error: note\n");
    let run = lint_json(&t.0, &[]);
    assert_eq!(
        findings(&run),
        [("parse-error".into(), "error".into(), "broken.json".into())]
    );
    assert_eq!(run.code, 1);
}

#[test]
fn exclude_walked_and_named_files() {
    let t = TempDir::new("exclude");
    t.fixture(CRG003_FIXTURE, "infra/main.json");
    t.fixture(CRG003_FIXTURE, "infra/legacy/old.json");
    t.fixture(CRG003_FIXTURE, "infra/app.generated.json");
    let files = |run: &Run| -> Vec<String> { findings(run).into_iter().map(|f| f.2).collect() };
    assert_eq!(files(&lint_json(&t.0, &[])).len(), 3);
    t.write(
        ".armlint.yaml",
        "exclude: [\"infra/legacy/**\", \"**/*.generated.json\"]\n",
    );
    assert_eq!(files(&lint_json(&t.0, &[])), ["infra/main.json"]);
    // Named files too (pre-commit passes each staged file), and globs are relative to the
    // configuration's directory whatever the working directory.
    let infra = t.0.join("infra");
    let run = lint_json(
        &infra,
        &["legacy/old.json", "main.json", "app.generated.json"],
    );
    assert_eq!(files(&run), ["main.json"]);
    let run = lint_json(&infra, &["legacy/old.json"]);
    assert!(files(&run).is_empty());
    assert_eq!(run.code, 0);
    // stdin reported under an excluded name is skipped like the file.
    let text = std::fs::read_to_string(t.0.join("infra/legacy/old.json")).expect("read");
    let out = Command::cargo_bin("armlint")
        .expect("binary")
        .current_dir(&infra)
        .args([
            "lint",
            "-",
            "--stdin-filename",
            "legacy/old.json",
            "--format",
            "compact",
        ])
        .write_stdin(text.clone())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let out = Command::cargo_bin("armlint")
        .expect("binary")
        .current_dir(&infra)
        .args([
            "lint",
            "-",
            "--stdin-filename",
            "new.json",
            "--format",
            "compact",
        ])
        .write_stdin(text)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn parameter_mapping_and_pairing() {
    let t = TempDir::new("parameters");
    t.write("infra/main.json", TEMPLATE);
    t.write("env/prod.parameters.json", D4_PARAMETERS);
    assert!(rules_of(&lint_json(&t.0, &[])).is_empty());
    t.write(
        ".armlint.yaml",
        "parameters:\n  - template: \"infra/*.json\"\n    files: [env/prod.parameters.json]\n",
    );
    let parameters_of = |run: &Run| -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        v["diagnostics"]
            .as_array()
            .expect("array")
            .iter()
            .map(|d| {
                (
                    d["rule"].as_str().unwrap_or_default().to_string(),
                    d["parameters"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        parameters_of(&lint_json(&t.0, &[])),
        [("CRG003".into(), "env/prod.parameters.json".into())]
    );
    // Relative to the configuration's directory, reported from the working directory.
    let infra = t.0.join("infra");
    assert_eq!(
        parameters_of(&lint_json(&infra, &["main.json"])),
        [("CRG003".into(), "../env/prod.parameters.json".into())]
    );
    // --parameters replaces the mapping.
    t.write(
        "env/same.parameters.json",
        D4_PARAMETERS.replace("Standard_D4s_v3", "Standard_D2s_v3"),
    );
    let run = lint_json(&t.0, &["--parameters", "env/same.parameters.json", "infra"]);
    assert!(rules_of(&run).is_empty(), "{}", run.stdout);
    // The mapping is the parameters of `capacity` and `graph` too.
    let plan = armlint(&t.0, &["capacity", "--format", "json", "infra"]).stdout;
    assert!(plan.contains("env/prod.parameters.json"), "{plan}");
    let graph = armlint(&t.0, &["graph", "infra/main.json", "--format", "json"]).stdout;
    assert!(
        graph.contains("\"parameters\": \"env/prod.parameters.json\""),
        "{graph}"
    );

    // Automatic pairing, and pairParameterFiles: false.
    let p = TempDir::new("pairing");
    p.write("main.json", TEMPLATE);
    p.write("main.parameters.json", D4_PARAMETERS);
    assert_eq!(rules_of(&lint_json(&p.0, &[])), ["CRG003"]);
    p.write(".armlint.yaml", "pairParameterFiles: false\n");
    assert!(rules_of(&lint_json(&p.0, &[])).is_empty());
    let graph = armlint(&p.0, &["graph", "main.json", "--format", "json"]).stdout;
    assert!(graph.contains("\"parameters\": null"), "{graph}");
}

#[test]
fn deployment_context_and_its_command_line_overrides() {
    let t = TempDir::new("deployment");
    t.write("main.json", TEMPLATE);
    let graph_ids = |cwd: &Path, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["graph", "main.json", "--format", "json"];
        args.extend_from_slice(extra);
        let v: serde_json::Value =
            serde_json::from_str(&armlint(cwd, &args).stdout).expect("graph json");
        v["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().unwrap_or("<symbolic>").to_string())
            .collect()
    };
    assert!(
        graph_ids(&t.0, &[])
            .iter()
            .all(|id| !id.contains("/subscriptions/0000")),
        "symbolic without a configuration"
    );
    assert!(rules_of(&lint_json(&t.0, &[])).is_empty());
    t.write(
        ".armlint.yaml",
        "deployment:\n  subscriptionId: \"00000000-0000-0000-0000-000000000001\"\n  resourceGroup: rg-app\n  location: westeurope\n",
    );
    let vm = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1";
    assert!(
        graph_ids(&t.0, &[]).iter().any(|id| id == vm),
        "{:?}",
        graph_ids(&t.0, &[])
    );
    // The group is in the resource group's location, westeurope: the VM in eastus is CRG004.
    let run = lint_json(&t.0, &[]);
    assert_eq!(rules_of(&run), ["CRG004"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let message = v["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("westeurope"), "{message}");
    // The command line wins.
    assert!(rules_of(&lint_json(&t.0, &["--location", "eastus"])).is_empty());
    let other =
        "/subscriptions/1111/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1";
    assert!(
        graph_ids(&t.0, &["--subscription-id", "1111"])
            .iter()
            .any(|id| id == other)
    );
}

#[test]
fn assume_declared_groups_complete_false_silences_closed_world_rules() {
    let t = TempDir::new("closed-world");
    t.fixture(CRG003_FIXTURE, "size.json");
    t.fixture(CRG013_FIXTURE, "over.json");
    let by_default = rules_of(&lint_json(&t.0, &[]));
    assert!(by_default.iter().any(|r| r == "CRG003"), "{by_default:?}");
    assert!(by_default.iter().any(|r| r == "CRG013"), "{by_default:?}");
    t.write(
        ".armlint.yaml",
        "capacity:\n  assumeDeclaredGroupsComplete: false\n",
    );
    let open = rules_of(&lint_json(&t.0, &[]));
    assert!(
        open.iter().all(|r| r != "CRG003" && r != "CRG013"),
        "{open:?}"
    );
    // The capacity plan no longer calls the declared groups complete.
    let complete = |cwd: &Path| -> Vec<bool> {
        let v: serde_json::Value = serde_json::from_str(
            &armlint(cwd, &["capacity", "--format", "json", "over.json"]).stdout,
        )
        .expect("plan json");
        v["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["complete"].as_bool().unwrap_or(true))
            .collect()
    };
    assert!(complete(&t.0).iter().all(|c| !c));
    std::fs::remove_file(t.0.join(".armlint.yaml")).expect("remove");
    assert!(complete(&t.0).iter().any(|c| *c));
}

#[test]
fn instance_views_from_the_file_and_the_command_line() {
    let t = TempDir::new("views");
    let fixtures = "fixtures/capacity/instance-views";
    t.fixture(
        &format!("{fixtures}/size-not-in-live.json"),
        "infra/main.json",
    );
    t.fixture(&format!("{fixtures}/live-with-sku.json"), "live/crg.json");
    assert!(rules_of(&lint_json(&t.0, &["infra"])).is_empty());
    t.write(".armlint.yaml", "instanceViews: [live/crg.json]\n");
    assert_eq!(rules_of(&lint_json(&t.0, &["infra"])), ["CRG003"]);
    // A view is Azure's own: the closed-world assumption does not touch it.
    t.write(
        ".armlint.yaml",
        "instanceViews: [live/crg.json]\ncapacity:\n  assumeDeclaredGroupsComplete: false\n",
    );
    assert_eq!(rules_of(&lint_json(&t.0, &["infra"])), ["CRG003"]);
    // --instance-view adds; the same file twice is one view, not a conflict.
    let run = lint_json(&t.0, &["infra", "--instance-view", "live/crg.json"]);
    assert_eq!(rules_of(&run), ["CRG003"], "{}", run.stderr);
    // Another file with a view of the same group is a conflict.
    t.fixture(&format!("{fixtures}/live-with-sku.json"), "live/copy.json");
    let run = lint_json(&t.0, &["infra", "--instance-view", "live/copy.json"]);
    assert_eq!(run.code, 2, "a second view of the group: {}", run.stdout);
    assert!(
        run.stderr
            .contains("copy.json at /id: a second instance view"),
        "{}",
        run.stderr
    );
    let plan = armlint(&t.0, &["capacity", "infra"]).stdout;
    assert!(
        plan.contains("NOW"),
        "the view is read by capacity too: {plan}"
    );
}

#[test]
fn select_on_the_command_line_replaces_the_file() {
    let t = TempDir::new("cli-select");
    t.fixture(CRG003_FIXTURE, "a.json");
    t.fixture(CRG013_FIXTURE, "b.json");
    t.write(
        ".armlint.yaml",
        "select: [CRG003]\nseverity:\n  CRG013: off\n",
    );
    assert_eq!(rules_of(&lint_json(&t.0, &[])), ["CRG003"]);
    // Naming a rule on the command line runs it, even one the file turns off.
    assert_eq!(
        rules_of(&lint_json(&t.0, &["--select", "CRG013"])),
        ["CRG013"]
    );
    assert!(rules_of(&lint_json(&t.0, &["--ignore", "CRG003"])).is_empty());
}

/// Every kind of mistake in the file stops the run with exit code 2 and its place.
#[test]
fn invalid_configurations_are_usage_errors_with_file_line_and_column() {
    let t = TempDir::new("invalid");
    t.fixture(CRG003_FIXTURE, "main.json");
    let cases: &[(&str, &str)] = &[
        (
            "# rules\nselct: [CRG001]\n",
            ".armlint.yaml:2:1: unknown key 'selct' (expected one of select, ignore, severity, exclude, parameters, pairParameterFiles, deployment, capacity, instanceViews, rulesDirs)",
        ),
        (
            "capacity:\n  assumeDeclaredGroupsCompleted: false\n",
            ".armlint.yaml:2:3: unknown key 'assumeDeclaredGroupsCompleted' in 'capacity' (expected assumeDeclaredGroupsComplete)",
        ),
        (
            "select: [CRG001]\npairParameterFiles: \"no\"\n",
            ".armlint.yaml:2:21: pairParameterFiles: invalid type: string \"no\", expected a boolean",
        ),
        (
            "select:\n  - CRG001\n  - CRG404\n",
            ".armlint.yaml:3:5: select[1]: unknown rule 'CRG404' (armlint rules lists them)",
        ),
        (
            "severity:\n  CRG011: critical\n",
            ".armlint.yaml:2:11: severity.CRG011: unknown severity 'critical' (expected error, warning, note or off)",
        ),
        (
            "exclude:\n  - \"legacy/[a-\"\n",
            ".armlint.yaml:2:5: exclude[0]: invalid glob 'legacy/[a-': unclosed character class; missing ']'",
        ),
    ];
    for (text, expected) in cases {
        t.write(".armlint.yaml", text);
        for command in ["lint", "capacity"] {
            let run = armlint(&t.0, &[command, "main.json"]);
            assert_eq!(run.code, 2, "{command} {text}");
            assert_eq!(
                run.stderr,
                format!("armlint: {expected}\n"),
                "{command} {text}"
            );
            assert!(run.stdout.is_empty());
        }
    }
    // Named with --config, the message names it as given.
    std::fs::remove_file(t.0.join(".armlint.yaml")).expect("remove");
    t.write("conf/armlint.yaml", "ignore: nope\n");
    let run = armlint(
        &t.0,
        &["lint", "--config", "conf/armlint.yaml", "main.json"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "armlint: conf/armlint.yaml:1:9: ignore: invalid type: string \"nope\", expected a sequence\n"
    );
    let run = armlint(
        &t.0,
        &["lint", "--config", "conf/missing.yaml", "main.json"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("armlint: conf/missing.yaml: cannot read the configuration"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites_unless_forced() {
    let t = TempDir::new("init");
    let run = armlint(&t.0, &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "wrote .armlint.yaml\n");
    let written = std::fs::read_to_string(t.0.join(".armlint.yaml")).expect("written");
    // Valid, and the defaults: loading it gives what no configuration gives.
    let mut loaded = armlint::config::load(
        Path::new(".armlint.yaml"),
        &t.0,
        &armlint::config::KnownRules::builtin(),
    )
    .expect("the starter is valid");
    loaded.path = None;
    loaded.dir = PathBuf::new();
    assert_eq!(loaded, armlint::config::Config::default());
    assert!(
        written.lines().filter(|l| l.starts_with('#')).count() > 10,
        "commented"
    );
    // Linting with it is linting without it.
    t.fixture(CRG003_FIXTURE, "main.json");
    assert_eq!(
        lint_json(&t.0, &[]).stdout,
        lint_json(&t.0, &["--no-config"]).stdout
    );

    std::fs::write(t.0.join(".armlint.yaml"), "select: [CRG001]\n").expect("edit");
    let run = armlint(&t.0, &["init"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "armlint: .armlint.yaml already exists; use --force to overwrite it\n"
    );
    assert_eq!(
        std::fs::read_to_string(t.0.join(".armlint.yaml")).expect("kept"),
        "select: [CRG001]\n"
    );
    assert_eq!(armlint(&t.0, &["init", "--force"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(t.0.join(".armlint.yaml")).expect("forced"),
        written
    );
    // --path DIR.
    let sub = t.dir("sub");
    let run = armlint(&t.0, &["init", "--path", "sub"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "wrote sub/.armlint.yaml\n");
    assert!(sub.join(".armlint.yaml").is_file());
    assert_eq!(armlint(&t.0, &["init", "--path", "missing"]).code, 2);
}

/// The README's annotated example is a valid configuration.
#[test]
fn readme_configuration_example_is_valid() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let (start, end) = (
        "<!-- config-example:start -->",
        "<!-- config-example:end -->",
    );
    let block = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(block, _)| block)
        .expect("README has the configuration example markers");
    let yaml = block
        .trim()
        .strip_prefix("```yaml")
        .and_then(|b| b.strip_suffix("```"))
        .expect("a yaml code block");
    // The paths it names exist in a checkout like the one it describes.
    let t = TempDir::new("readme");
    t.write("env/prod.parameters.json", "{}");
    t.write("env/dev.parameters.json", "{}");
    t.write("live/crg-prod.json", "{}");
    t.dir("policies");
    let c = armlint::config::parse(
        yaml,
        Path::new(".armlint.yaml"),
        &t.0,
        &armlint::config::KnownRules::builtin(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(c.is_in_effect());
    assert!(!c.select.is_empty() && !c.parameters.is_empty() && c.exclude.is_some());
}

/// `rulesDirs` loads declarative rules, and the file may then name them in `select`,
/// `ignore` and `severity` (the names are checked against the loaded rules, too).
#[test]
fn rules_dirs_load_declarative_rules_the_file_may_name() {
    let t = TempDir::new("rules-dirs");
    t.write(
        "policies/env-tag.yaml",
        "id: ORG001\nname: env-tag\nseverity: note\nsummary: a resource has no env tag\nchecks:\n  - when: {path: $.tags.env, absent: true}\n    message: \"'{resource.name}' has no env tag\"\n",
    );
    t.write(
        "infra/main.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "st1"}]}"#,
    );
    t.write(
        ".armlint.yaml",
        "rulesDirs: [policies]\nselect: [env-tag]\nseverity:\n  env-tag: error\n",
    );
    let run = lint_json(&t.0, &["infra"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        findings(&run),
        vec![(
            "ORG001".to_string(),
            "error".to_string(),
            "infra/main.json".to_string()
        )]
    );
    // A name that is in neither the built-in nor the loaded rules is still an error.
    t.write(
        ".armlint.yaml",
        "rulesDirs: [policies]\nselect: [env-tags]\n",
    );
    let run = lint_json(&t.0, &["infra"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".armlint.yaml:2:"), "{}", run.stderr);
    // Without the directory the rule is unknown.
    t.write(".armlint.yaml", "select: [env-tag]\n");
    assert_eq!(lint_json(&t.0, &["infra"]).code, 2);
}
