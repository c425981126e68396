//! Baselines through the command line, in a temporary directory: a baseline written today keeps
//! every finding out after lines move, the file is reformatted and a resource is added above;
//! exactly a new finding (a new violating resource, a renamed one) is reported; malformed
//! baselines are usage errors with a position.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use assert_cmd::Command;

/// A template with findings of several rules: CRG003 (VM `big`), CRG009 (scale set `web`),
/// CRG013 (idle reservation) and duplicate-key (no resource).
const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Compute/capacityReservationGroups",
      "apiVersion": "2024-07-01",
      "name": "crg",
      "location": "eastus",
      "zones": ["1"]
    },
    {
      "type": "Microsoft.Compute/capacityReservationGroups/capacityReservations",
      "apiVersion": "2024-07-01",
      "name": "crg/d2",
      "location": "eastus",
      "zones": ["1"],
      "sku": { "name": "Standard_D2s_v3", "capacity": 2 },
      "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]"]
    },
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-07-01",
      "name": "big",
      "location": "eastus",
      "location": "eastus",
      "zones": ["1"],
      "properties": {
        "hardwareProfile": { "vmSize": "Standard_D4s_v5" },
        "capacityReservation": {
          "capacityReservationGroup": { "id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]" }
        }
      }
    },
    {
      "type": "Microsoft.Compute/virtualMachineScaleSets",
      "apiVersion": "2024-07-01",
      "name": "web",
      "location": "eastus",
      "zones": ["1"],
      "sku": { "name": "Standard_D2s_v3", "capacity": 2 },
      "properties": {
        "orchestrationMode": "Uniform",
        "singlePlacementGroup": true,
        "platformFaultDomainCount": 1,
        "virtualMachineProfile": {
          "capacityReservation": {
            "capacityReservationGroup": { "id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]" }
          }
        }
      }
    },
    {
      "type": "Microsoft.Compute/capacityReservationGroups",
      "apiVersion": "2024-07-01",
      "name": "crg-idle",
      "location": "eastus",
      "zones": ["1"]
    },
    {
      "type": "Microsoft.Compute/capacityReservationGroups/capacityReservations",
      "apiVersion": "2024-07-01",
      "name": "crg-idle/d4",
      "location": "eastus",
      "zones": ["1"],
      "sku": { "name": "Standard_D4s_v5", "capacity": 1 },
      "dependsOn": ["[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg-idle')]"]
    }
  ]
}
"#;

/// A resource without findings, to insert above the others.
const QUIET: &str = r#"{ "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "logs", "location": "eastus", "kind": "StorageV2", "sku": { "name": "Standard_LRS" } },"#;

/// A VM of a size the group does not reserve: a new CRG003 finding.
const NEW_BIG: &str = r#"{ "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "new-big", "location": "eastus", "zones": ["1"], "properties": { "hardwareProfile": { "vmSize": "Standard_D8s_v5" }, "capacityReservation": { "capacityReservationGroup": { "id": "[resourceId('Microsoft.Compute/capacityReservationGroups', 'crg')]" } } } },"#;

use support::TempDir;

fn armlint(dir: &TempDir) -> Command {
    let mut c = Command::cargo_bin("armlint").expect("binary built");
    c.current_dir(dir.path());
    c.env_remove("NO_COLOR");
    c
}

/// `lint main.json --format json` with extra arguments: (exit code, JSON).
fn lint_json(dir: &TempDir, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = armlint(dir)
        .args(["lint", "main.json", "--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

/// (rule, resource name) of the reported (not suppressed) findings.
fn reported(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["suppressed"].is_null())
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_string(),
                d["resource"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The template on one line: every line and column moves.
fn reformatted(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn with_resource_first(text: &str, resource: &str) -> String {
    text.replacen(
        "\"resources\": [",
        &format!("\"resources\": [ {resource}"),
        1,
    )
}

#[test]
fn a_baseline_survives_moved_lines_and_reports_exactly_what_is_new() {
    let dir = TempDir::new("survives");
    dir.write("main.json", TEMPLATE);
    let (code, before) = lint_json(&dir, &[]);
    assert_eq!(code, 1, "the template has errors");
    let findings = reported(&before);
    let rules: Vec<&str> = findings.iter().map(|(r, _)| r.as_str()).collect();
    for rule in ["CRG003", "CRG009", "CRG013", "duplicate-key"] {
        assert!(rules.contains(&rule), "{rule} missing from {findings:?}");
    }

    // Written with errors present: exit 0, one entry per finding, the same bytes twice.
    armlint(&dir)
        .args(["lint", "main.json", "--write-baseline", "base.json"])
        .assert()
        .code(0);
    let written = dir.read("base.json");
    armlint(&dir)
        .args(["lint", "main.json", "--write-baseline", "base.json"])
        .assert()
        .code(0);
    assert_eq!(dir.read("base.json"), written, "deterministic");
    let base: serde_json::Value = serde_json::from_str(&written).expect("baseline is JSON");
    assert_eq!(base["version"], 1);
    let entries = base["findings"].as_array().expect("findings");
    assert_eq!(entries.len(), findings.len());
    let fingerprints: Vec<&str> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap_or(""))
        .collect();
    assert!(
        fingerprints
            .iter()
            .all(|f| f.len() == 16 && f.chars().all(|c| c.is_ascii_hexdigit())),
        "{fingerprints:?}"
    );
    let mut unique = fingerprints.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        fingerprints.len(),
        "fingerprints are distinct"
    );
    assert!(entries.iter().any(|e| e["rule"] == "CRG003"
        && e["resource"] == "Microsoft.Compute/virtualMachines/big"
        && e["file"] == "main.json"));

    // Unchanged: nothing reported, everything baselined, exit 0.
    let (code, same) = lint_json(&dir, &["--baseline", "base.json"]);
    assert_eq!(code, 0);
    assert_eq!(reported(&same), vec![]);
    assert_eq!(same["summary"]["baselined"], findings.len());
    assert!(
        same["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .all(
                |d| d["suppressed"]["kind"] == "baseline" && d["suppressed"]["file"] == "base.json"
            )
    );

    // Lines inserted above, the file reformatted onto one line, a resource added first (every
    // array index shifts): still nothing new.
    let moved = format!(
        "// moved down\n\n\n{}\n",
        with_resource_first(&reformatted(TEMPLATE), QUIET)
    );
    dir.write("main.json", &moved);
    let (code, after) = lint_json(&dir, &["--baseline", "base.json"]);
    assert_eq!(code, 0, "{after}");
    assert_eq!(reported(&after), vec![]);
    assert_eq!(after["summary"]["baselined"], findings.len());
    // The same findings without the baseline, at other lines.
    let (_, unbaselined) = lint_json(&dir, &[]);
    assert_eq!(reported(&unbaselined), findings);

    // A new violating resource: exactly its finding is reported.
    dir.write("main.json", with_resource_first(&moved, NEW_BIG));
    let (code, added) = lint_json(&dir, &["--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        reported(&added),
        vec![("CRG003".to_string(), "new-big".to_string())]
    );
    assert_eq!(added["summary"]["baselined"], findings.len());

    // The compact format shows only the new finding.
    let out = armlint(&dir)
        .args([
            "lint",
            "main.json",
            "--baseline",
            "base.json",
            "--format",
            "compact",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("error[CRG003]") && text.contains("'new-big'"),
        "{text}"
    );
}

#[test]
fn a_finding_about_another_resource_or_rule_is_new() {
    let dir = TempDir::new("identity");
    dir.write("main.json", TEMPLATE);
    armlint(&dir)
        .args(["lint", "main.json", "--write-baseline", "base.json"])
        .assert()
        .code(0);
    // The same mistakes on a renamed VM are findings about another resource (the duplicate key
    // has no resource, but its pointer runs through the declaration, named by its name).
    dir.write(
        "main.json",
        TEMPLATE.replace("\"name\": \"big\"", "\"name\": \"bigger\""),
    );
    let (code, v) = lint_json(&dir, &["--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        reported(&v),
        vec![
            ("CRG003".to_string(), "bigger".to_string()),
            ("duplicate-key".to_string(), String::new())
        ]
    );

    // A baseline holds findings, not resources: the scale set's new mistake (CRG010, too many
    // fault domains) is reported although its CRG009 finding is in the baseline.
    dir.write(
        "main.json",
        TEMPLATE.replace(
            "\"platformFaultDomainCount\": 1",
            "\"platformFaultDomainCount\": 5",
        ),
    );
    let (_, v) = lint_json(&dir, &["--baseline", "base.json"]);
    let new = reported(&v);
    assert!(new.iter().all(|(_, name)| name == "web"), "{new:?}");
    assert!(new.iter().any(|(rule, _)| rule == "CRG010"), "{new:?}");
    assert!(!new.iter().any(|(rule, _)| rule == "CRG009"), "{new:?}");
}

#[test]
fn rewriting_a_baseline_with_an_old_one_records_every_current_finding() {
    let dir = TempDir::new("refresh");
    dir.write("main.json", TEMPLATE);
    armlint(&dir)
        .args(["lint", "main.json", "--write-baseline", "old.json"])
        .assert()
        .code(0);
    dir.write("main.json", with_resource_first(TEMPLATE, NEW_BIG));
    armlint(&dir)
        .args([
            "lint",
            "main.json",
            "--baseline",
            "old.json",
            "--write-baseline",
            "new.json",
        ])
        .assert()
        .code(0);
    let count = |name: &str| {
        let v: serde_json::Value = serde_json::from_str(&dir.read(name)).expect("json");
        v["findings"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(count("new.json"), count("old.json") + 1);
    let (code, v) = lint_json(&dir, &["--baseline", "new.json"]);
    assert_eq!((code, reported(&v)), (0, vec![]));
}

#[test]
fn a_malformed_baseline_is_a_usage_error_with_its_position() {
    let dir = TempDir::new("malformed");
    dir.write("main.json", TEMPLATE);
    for (text, needle) in [
        (
            "{\"version\": 1,\n \"findings\": [\n",
            "base.json:2:14: invalid baseline",
        ),
        (
            "{\"version\": 1,\n \"findings\": [{\"rule\": \"CRG003\"}]}",
            "base.json:2:15: invalid baseline: a finding without `fingerprint`",
        ),
        (
            "{\"version\": 9, \"findings\": []}",
            "base.json:1:13: invalid baseline: unsupported version",
        ),
    ] {
        dir.write("base.json", text);
        let out = armlint(&dir)
            .args(["lint", "main.json", "--baseline", "base.json"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{text}: {err}");
        assert!(out.stdout.is_empty());
    }
    armlint(&dir)
        .args(["lint", "main.json", "--baseline", "missing.json"])
        .assert()
        .code(2);
    armlint(&dir)
        .args([
            "lint",
            "main.json",
            "--write-baseline",
            "no/such/dir/base.json",
        ])
        .assert()
        .code(2);
}
