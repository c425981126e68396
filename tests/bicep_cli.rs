//! Bicep sources through the command line: a directory with `.bicep` templates, `.bicepparam`
//! parameter sets, local modules, a broken file and a JSON template is linted as one run, every
//! position in the file the user wrote (module files included); missing modules, cycles, stdin,
//! `using none`; the docs' CRG001 example written in Bicep.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use assert_cmd::Command;
use serde_json::Value;
use support::TempDir;

fn armlint(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("armlint").expect("binary built");
    c.current_dir(dir);
    c.env_remove("NO_COLOR");
    // No module cache of the machine's user can change what these tests see.
    c.env("HOME", dir.join("no-home"));
    c
}

/// `lint --format json` of `args` in `dir`: the report.
fn lint_json(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = armlint(dir)
        .arg("lint")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (rule, file, line, column) of every diagnostic, in output order.
fn found(report: &Value) -> Vec<(String, String, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn at(rule: &str, file: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (rule.to_string(), file.to_string(), line, column)
}

const JSON_TEMPLATE: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
 "parameters": {"p": {"type": "int", "minValue": 3, "defaultValue": 1}}, "resources": []}"#;

/// main.bicep + main.bicepparam + a local module + a broken .bicep + a JSON template.
fn project() -> TempDir {
    let t = TempDir::new("bicep-cli-project");
    t.write(
        "main.bicep",
        "@minValue(5)\nparam count int = 7\nparam prefix string\n\nmodule child 'modules/child.bicep' = {\n  name: 'child'\n  params: {\n    n: count\n  }\n}\n\noutput o int = child.outputs.doubled\n",
    );
    // Both values are checked against main.bicep's constraints: the finding is on the value here.
    t.write(
        "main.bicepparam",
        "using 'main.bicep'\n\nvar base = 'app'\nparam count = 2\nparam prefix = '${base}-${count}'\n",
    );
    t.write(
        "modules/child.bicep",
        "@maxValue(3)\nparam n int\n\noutput doubled int = n * 2\n",
    );
    // A module that breaks its own constraint on its default: found in the module file.
    t.write(
        "other.bicep",
        "module strict 'modules/strict.bicep' = {\n  name: 'strict'\n}\n",
    );
    t.write(
        "modules/strict.bicep",
        "@minLength(3)\nparam code string = 'ab'\noutput c string = code\n",
    );
    t.write("broken.bicep", "param x int =\n");
    t.write("template.json", JSON_TEMPLATE);
    t
}

#[test]
fn a_directory_of_bicep_and_json_is_linted_at_the_positions_written() {
    let t = project();
    let report = lint_json(t.path(), &["."]);
    assert_eq!(
        found(&report),
        [
            at("parse-error", "broken.bicep", 1, 14),
            // The .bicepparam value below @minValue(5) of main.bicep.
            at("invalid-parameter-value", "main.bicepparam", 4, 15),
            at("invalid-parameter-value", "modules/strict.bicep", 2, 21),
            at("invalid-parameter-value", "template.json", 2, 69),
        ],
        "{report:#}"
    );
    let value = report["diagnostics"][1]["message"].as_str().unwrap();
    assert!(value.contains("'count' is 2"), "{value}");
    // Five .bicep files (module files are templates of their own too) and template.json; and
    // main.bicepparam. The module finding in strict.bicep, found linting it and other.bicep,
    // is reported once.
    assert_eq!(report["summary"]["templates"], 6, "{report:#}");
    assert_eq!(report["summary"]["files"], 7, "{report:#}");
    assert_eq!(report["summary"]["unresolvedModules"], 0);
}

#[test]
fn a_value_passed_to_a_module_is_found_where_it_is_passed() {
    let t = project();
    // Without the .bicepparam, main.bicep's default 7 goes to the module's @maxValue(3).
    let report = lint_json(t.path(), &["main.bicep", "--no-parameter-files"]);
    assert_eq!(
        found(&report),
        [at("invalid-parameter-value", "main.bicep", 8, 8)],
        "{report:#}"
    );
    // Named alone, main.bicep still pairs with the .bicepparam beside it that names it.
    let report = lint_json(t.path(), &["main.bicep"]);
    assert_eq!(
        found(&report),
        [at("invalid-parameter-value", "main.bicepparam", 4, 15)]
    );
    // Named alone, a .bicepparam lints the template it names with its values.
    let report = lint_json(t.path(), &["main.bicepparam"]);
    assert_eq!(
        found(&report),
        [at("invalid-parameter-value", "main.bicepparam", 4, 15)]
    );
}

#[test]
fn a_missing_module_is_an_error_at_its_path() {
    let t = TempDir::new("bicep-cli-missing");
    t.write(
        "main.bicep",
        "param p string = 'x'\n\nmodule gone './modules/gone.bicep' = {\n  name: 'gone'\n}\n",
    );
    t.write("fine.bicep", "param q int = 1\noutput r int = q\n");
    let report = lint_json(t.path(), &["."]);
    assert_eq!(
        found(&report),
        [at("invalid-template", "main.bicep", 3, 13)],
        "{report:#}"
    );
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("does not exist"), "{message}");
    // The other file was linted.
    assert_eq!(report["summary"]["templates"], 2);
}

#[test]
fn an_error_inside_a_module_file_is_reported_where_it_is_written() {
    let t = TempDir::new("bicep-cli-module-error");
    t.write(
        "main.bicep",
        "module a 'mod.bicep' = {\n  name: 'a'\n}\nmodule b 'mod.bicep' = {\n  name: 'b'\n}\n",
    );
    t.write(
        "mod.bicep",
        "param p string = 'x'\n\nvar y = nosuchthing\noutput o string = y\n",
    );
    // The module file is named on its own, so only the entry's lowering can report in it.
    let report = lint_json(t.path(), &["main.bicep"]);
    assert_eq!(
        found(&report),
        [
            at("invalid-template", "main.bicep", 1, 10),
            at("invalid-template", "main.bicep", 4, 10),
            at("invalid-template", "mod.bicep", 3, 9),
        ],
        "{report:#}"
    );
    let inner = report["diagnostics"][2]["message"].as_str().unwrap();
    assert!(inner.contains("'nosuchthing' does not exist"), "{inner}");
}

#[test]
fn a_module_cycle_names_both_places() {
    let t = TempDir::new("bicep-cli-cycle");
    t.write("main.bicep", "module a 'a.bicep' = {\n  name: 'a'\n}\n");
    t.write(
        "a.bicep",
        "param unused string = ''\nmodule back 'main.bicep' = {\n  name: 'back'\n}\n",
    );
    let report = lint_json(t.path(), &["main.bicep"]);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let cycle = diagnostics
        .iter()
        .find(|d| d["message"].as_str().unwrap().starts_with("module cycle"))
        .unwrap_or_else(|| panic!("{report:#}"));
    // Where it closes: a.bicep's module path; where it started: main.bicep's.
    assert_eq!(
        (
            &cycle["rule"],
            &cycle["file"],
            &cycle["line"],
            &cycle["column"]
        ),
        (
            &"invalid-template".into(),
            &"a.bicep".into(),
            &2.into(),
            &13.into()
        )
    );
    let related = &cycle["related"][0];
    assert_eq!(
        (&related["file"], &related["line"], &related["column"]),
        (&"main.bicep".into(), &1.into(), &10.into())
    );
    // Never a hang or a panic, and the run says it failed.
    armlint(t.path())
        .args(["lint", "main.bicep", "a.bicep"])
        .assert()
        .code(1);
}

#[test]
fn stdin_named_bicep_is_read_as_bicep() {
    let t = project();
    let text = std::fs::read_to_string(t.path().join("modules/strict.bicep")).unwrap();
    let out = armlint(t.path())
        .args(["lint", "-", "--stdin-filename", "modules/strict.bicep"])
        .args(["--format", "compact"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "modules/strict.bicep:2:21: error[invalid-parameter-value] parameter 'code' has length 2, below its minLength 3\n"
    );
    // A syntax error on stdin is a parse-error at its place in the buffer.
    let out = armlint(t.path())
        .args([
            "lint",
            "-",
            "--stdin-filename",
            "edited.bicep",
            "--format",
            "compact",
        ])
        .write_stdin("var ok = 1\nparam broken int = \n")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("edited.bicep:2:20: error[parse-error]"),
        "{text}"
    );
}

#[test]
fn using_none_pairs_with_nothing_and_a_missing_template_is_named() {
    let t = TempDir::new("bicep-cli-using");
    t.write(
        "alone.bicepparam",
        "using none\nparam x = 1\nparam y = x + 1\n",
    );
    t.write("lost.bicepparam", "using './nowhere.bicep'\nparam x = 1\n");
    let report = lint_json(t.path(), &["."]);
    assert_eq!(
        found(&report),
        [at("invalid-template", "lost.bicepparam", 1, 7)],
        "{report:#}"
    );
    assert_eq!(report["summary"]["templates"], 0);
    armlint(t.path())
        .args(["lint", "alone.bicepparam"])
        .assert()
        .code(0);
}

#[test]
fn capacity_and_graph_accept_a_bicep_file() {
    let t = project();
    let out = armlint(t.path())
        .args(["graph", "main.bicep", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let graph: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(graph["file"], "main.bicep");
    assert_eq!(graph["parameters"], "main.bicepparam");
    armlint(t.path())
        .args(["capacity", "main.bicep", "--format", "json"])
        .assert()
        .code(0);
    // A .bicep that does not parse is named with its position, not skipped.
    let out = armlint(t.path())
        .args(["graph", "broken.bicep"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("broken.bicep:1:14:"), "{stderr}");
}

/// The CRG001 example of `armlint explain CRG001`, written in Bicep: the finding is at the
/// member VM's declaration in the `.bicep`.
const CRG001_BICEP: &str =
    "resource crg 'Microsoft.Compute/capacityReservationGroups@2024-07-01' = {
  name: 'crg'
  location: 'eastus'
  zones: ['1']
}

resource flex 'Microsoft.Compute/virtualMachineScaleSets@2024-07-01' = {
  name: 'flex'
  location: 'eastus'
  zones: ['1']
  properties: {
    orchestrationMode: 'Flexible'
    platformFaultDomainCount: 1
    singlePlacementGroup: false
  }
}

resource vm1 'Microsoft.Compute/virtualMachines@2024-07-01' = {
  name: 'vm1'
  location: 'eastus'
  zones: ['1']
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v3' }
    virtualMachineScaleSet: { id: flex.id }
    capacityReservation: { capacityReservationGroup: { id: crg.id } }
  }
}

resource vm2 'Microsoft.Compute/virtualMachines@2024-07-01' = {
  name: 'vm2'
  location: 'eastus'
  zones: ['1']
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v3' }
    virtualMachineScaleSet: { id: flex.id }
  }
}
";

#[test]
fn the_crg001_example_in_bicep_reports_at_the_vm_declaration() {
    let t = TempDir::new("bicep-cli-crg001");
    t.write("main.bicep", CRG001_BICEP);
    let report = lint_json(t.path(), &["main.bicep", "--select", "CRG001"]);
    let crg001: Vec<_> = found(&report)
        .into_iter()
        .filter(|f| f.0 == "CRG001")
        .collect();
    // `resource vm2 …` is line 29; the finding names the declaration.
    assert_eq!(crg001, [at("CRG001", "main.bicep", 29, 1)], "{report:#}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["resource"]["name"], "vm2");
    // Every related location is in the .bicep too.
    for r in d["related"].as_array().unwrap() {
        assert_eq!(r["file"], "main.bicep", "{report:#}");
    }
}

#[test]
fn a_registry_module_not_restored_is_one_note_and_counted_once() {
    let t = TempDir::new("bicep-cli-unresolved");
    t.write(
        "mods/reg.bicep",
        "module net 'br/public:avm/res/network/virtual-network:0.5.1' = {\n  name: 'net'\n}\n",
    );
    t.write(
        "main.bicep",
        "module reg 'mods/reg.bicep' = {\n  name: 'reg'\n}\n",
    );
    // mods/reg.bicep is linted alone and as main.bicep's module: one note, counted once.
    let report = lint_json(t.path(), &["."]);
    assert_eq!(
        found(&report),
        [at("unresolved-module", "mods/reg.bicep", 1, 12)],
        "{report:#}"
    );
    assert_eq!(report["summary"]["unresolvedModules"], 1);
    // Restored into the cache the nearest bicepconfig.json names, it is read from there.
    t.write("bicepconfig.json", r#"{ "cacheRootDirectory": "cache" }"#);
    t.write(
        "cache/br/mcr.microsoft.com/bicep$avm$res$network$virtual-network/0.5.1$/main.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []}"#,
    );
    let report = lint_json(t.path(), &["main.bicep"]);
    assert_eq!(found(&report), [], "{report:#}");
    assert_eq!(report["summary"]["unresolvedModules"], 0);
}

#[test]
fn a_bicepparam_inherits_the_values_of_the_file_it_extends() {
    let t = project();
    t.write(
        "shared.bicepparam",
        "using none\nparam count = 4\nparam prefix = 'p'\n",
    );
    t.write(
        "prod.bicepparam",
        "using 'main.bicep'\n\nextends 'shared.bicepparam'\n\nparam prefix = 'q'\n",
    );
    let report = lint_json(t.path(), &["main.bicep", "--parameters", "prod.bicepparam"]);
    // count = 4 comes from shared.bicepparam: reported where prod.bicepparam brings it in.
    assert_eq!(
        found(&report),
        [
            at("invalid-parameter-value", "main.bicep", 8, 8),
            at("invalid-parameter-value", "prod.bicepparam", 3, 1)
        ],
        "{report:#}"
    );
}

#[test]
fn a_bicepparam_named_with_parameters_is_used() {
    let t = project();
    t.write(
        "prod.bicepparam",
        "using 'main.bicep'\nparam count = 4\nparam prefix = 'p'\n",
    );
    let report = lint_json(t.path(), &["main.bicep", "--parameters", "prod.bicepparam"]);
    // count = 4: below main.bicep's @minValue(5), and above the module's @maxValue(3) where
    // main.bicep passes it.
    assert_eq!(
        found(&report),
        [
            at("invalid-parameter-value", "main.bicep", 8, 8),
            at("invalid-parameter-value", "prod.bicepparam", 2, 15)
        ],
        "{report:#}"
    );
}
