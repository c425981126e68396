//! The configuration's unit tests: the starter file, every key, mistakes at their position,
//! discovery upward, the command line over the file, `init`.

use super::*;
use std::path::Path;

use crate::source::temp_dir::TempDir;

fn parse_in(dir: &Path, file: &str, text: &str) -> Result<Config, ConfigError> {
    parse(text, Path::new(file), dir, &KnownRules::builtin())
}

fn error_of(dir: &Path, text: &str) -> String {
    match parse_in(dir, ".armlint.yaml", text) {
        Ok(c) => panic!("accepted {text:?}: {c:?}"),
        Err(e) => e.to_string(),
    }
}

/// Without the file's path and directory, a parsed configuration is the defaults.
fn without_origin(mut c: Config) -> Config {
    c.path = None;
    c.dir = PathBuf::new();
    c
}

#[test]
fn empty_and_comment_only_files_are_the_defaults() {
    let t = TempDir::new("empty");
    for text in ["", "\n", "# nothing yet\n", "~\n", "---\n"] {
        let c = parse_in(&t.0, ".armlint.yaml", text).expect(text);
        assert_eq!(c.path.as_deref(), Some(Path::new(".armlint.yaml")));
        assert_eq!(without_origin(c), Config::default(), "{text:?}");
    }
}

#[test]
fn the_starter_file_is_valid_and_the_defaults() {
    let t = TempDir::new("starter");
    let c = parse_in(&t.0, ".armlint.yaml", STARTER).expect("starter parses");
    assert_eq!(without_origin(c), Config::default());
    // Every key of the format is in it, so users see every setting.
    for key in [
        "select:",
        "ignore:",
        "severity:",
        "exclude:",
        "parameters:",
        "pairParameterFiles:",
        "deployment:",
        "subscriptionId:",
        "resourceGroup:",
        "location:",
        "tenantId:",
        "capacity:",
        "assumeDeclaredGroupsComplete:",
        "instanceViews:",
        "rulesDirs:",
    ] {
        assert!(
            STARTER
                .lines()
                .any(|l| l.trim_start().trim_start_matches("# ").starts_with(key)),
            "{key} missing from the starter"
        );
    }
}

/// The commented-out examples of the starter, uncommented, are valid too (paths the examples
/// name are created).
#[test]
fn the_starter_examples_uncommented_are_valid() {
    let t = TempDir::new("starter-examples");
    t.write("env/prod.parameters.json", "{}");
    t.write("env/dev.parameters.json", "{}");
    // Examples are the indented comments.
    let uncommented: String = STARTER
        .lines()
        .map(|l| match l.strip_prefix("  # ") {
            Some(example) => format!("  {example}\n"),
            None => format!("{l}\n"),
        })
        .collect();
    let c = parse_in(&t.0, ".armlint.yaml", &uncommented).expect(&uncommented);
    assert_eq!(
        c.severity.get("CRG011"),
        Some(&SeverityOverride::Level(Severity::Error))
    );
    assert_eq!(c.severity.get("CRG013"), Some(&SeverityOverride::Off));
    assert_eq!(c.deployment.resource_group.as_deref(), Some("rg-app"));
    assert_eq!(c.parameters.len(), 1);
    assert!(c.exclude.is_some());
}

#[test]
fn every_key_is_read_and_paths_resolve_against_the_file() {
    let t = TempDir::new("keys");
    t.write("conf/env/prod.parameters.json", "{}");
    t.write("conf/live/crg.json", "{}");
    std::fs::create_dir_all(t.0.join("conf/policies")).expect("dir");
    let text = r#"
select: [CRG001, unreserved-burst, crg001]
ignore: [over-reserved]
severity:
  CRG011: Error
  duplicate-key: off
exclude: ["legacy/**"]
parameters:
  - template: "infra/*.json"
    files: ["./env/prod.parameters.json"]
pairParameterFiles: false
deployment:
  subscriptionId: "00000000-0000-0000-0000-000000000001"
  resourceGroup: rg-app
  location: westeurope
  tenantId: "t"
capacity:
  assumeDeclaredGroupsComplete: false
instanceViews: [live/crg.json]
rulesDirs: [policies/]
"#;
    let c = parse_in(&t.0, "conf/.armlint.yaml", text).expect("valid");
    assert_eq!(c.dir, PathBuf::from("conf"));
    assert_eq!(c.select, ["CRG001", "CRG011"]);
    assert_eq!(c.ignore, ["CRG013"]);
    assert_eq!(
        c.severity.get("CRG011"),
        Some(&SeverityOverride::Level(Severity::Error))
    );
    assert_eq!(
        c.severity.get("duplicate-key"),
        Some(&SeverityOverride::Off)
    );
    assert!(!c.pair_parameter_files);
    assert_eq!(
        c.deployment,
        ScopeConfig {
            subscription_id: Some("00000000-0000-0000-0000-000000000001".into()),
            resource_group: Some("rg-app".into()),
            location: Some("westeurope".into()),
            tenant_id: Some("t".into()),
        }
    );
    assert!(!c.capacity.declared_groups_complete);
    assert_eq!(c.instance_views, [PathBuf::from("conf/live/crg.json")]);
    assert_eq!(c.rules_dirs, [PathBuf::from("conf/policies")]);
    let mapping = c.parameters.first().expect("a mapping");
    assert_eq!(
        mapping.files,
        [PathBuf::from("conf/env/prod.parameters.json")]
    );
    // Globs are relative to the file's directory, paths to the working directory.
    assert!(
        mapping
            .templates
            .matches(Path::new("conf/infra/main.json"), false)
    );
    assert!(
        !mapping
            .templates
            .matches(Path::new("infra/main.json"), false)
    );
    let exclude = c.exclude.as_ref().expect("exclude");
    assert!(exclude.matches(Path::new("conf/legacy/a/b.json"), false));
    assert!(exclude.matches(&t.0.join("conf/legacy/b.json"), false));
    assert!(!exclude.matches(Path::new("legacy/b.json"), false));
}

/// Each kind of mistake, at the line and column of the value or key that is wrong.
#[test]
fn mistakes_are_reported_with_file_line_and_column() {
    let t = TempDir::new("errors");
    t.write("env/prod.parameters.json", "{}");
    let cases: &[(&str, &str)] = &[
        (
            "select: [CRG001]\nselct: [CRG002]\n",
            ".armlint.yaml:2:1: unknown key 'selct' (expected one of select, ignore, severity, exclude, parameters, pairParameterFiles, deployment, capacity, instanceViews, rulesDirs)",
        ),
        (
            "capacity:\n  assumeDeclaredGroupsComplete: true\n  assumeComplete: false\n",
            ".armlint.yaml:3:3: unknown key 'assumeComplete' in 'capacity' (expected assumeDeclaredGroupsComplete)",
        ),
        (
            "deployment:\n  subscription: x\n",
            ".armlint.yaml:2:3: unknown key 'subscription' in 'deployment' (expected one of subscriptionId, resourceGroup, location, tenantId)",
        ),
        (
            "parameters:\n  - template: a.json\n    file: [env/prod.parameters.json]\n",
            ".armlint.yaml:3:5: unknown key 'file' in 'parameters[0]' (expected template or files)",
        ),
        (
            "pairParameterFiles: 3\n",
            ".armlint.yaml:1:21: pairParameterFiles: invalid type: integer '3', expected a boolean",
        ),
        (
            "capacity:\n  assumeDeclaredGroupsComplete: yes\n",
            ".armlint.yaml:2:33: capacity.assumeDeclaredGroupsComplete: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "select: CRG001\n",
            ".armlint.yaml:1:9: select: invalid type: string \"CRG001\", expected a sequence",
        ),
        (
            "- select\n",
            ".armlint.yaml:1:1: invalid type: sequence, expected a mapping of configuration keys",
        ),
        (
            "ignore:\n  - CRG001\n  - CRG999\n",
            ".armlint.yaml:3:5: ignore[1]: unknown rule 'CRG999' (armlint rules lists them)",
        ),
        (
            "severity:\n  no-such-rule: error\n",
            ".armlint.yaml:2:3: severity: unknown rule 'no-such-rule' (armlint rules lists them)",
        ),
        (
            "severity:\n  CRG011: error\n  over-reserved: fatal\n",
            ".armlint.yaml:3:18: severity.over-reserved: unknown severity 'fatal' (expected error, warning, note or off)",
        ),
        (
            "severity:\n  CRG011: error\n  unreserved-burst: note\n",
            ".armlint.yaml:2:3: severity: the severity of CRG011 is given twice",
        ),
        (
            "exclude:\n  - \"ok/**\"\n  - \"bad[\"\n",
            ".armlint.yaml:3:5: exclude[1]: invalid glob 'bad[': unclosed character class; missing ']'",
        ),
        (
            "parameters:\n  - template: \"infra/{a,b\"\n    files: []\n",
            ".armlint.yaml:2:15: parameters[0].template: invalid glob 'infra/{a,b': unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)",
        ),
        (
            "parameters:\n  - template: main.json\n    files: [env/prod.parameters.json, env/missing.json]\n",
            ".armlint.yaml:3:39: parameters[0].files[1]: parameter file 'env/missing.json' not found (paths are relative to the configuration's directory)",
        ),
        (
            "parameters:\n  - template: main.json\n",
            ".armlint.yaml:2:5: parameters[0]: missing key 'files'",
        ),
        (
            "instanceViews: [live.json]\n",
            ".armlint.yaml:1:17: instanceViews[0]: instance view 'live.json' not found (paths are relative to the configuration's directory)",
        ),
        (
            "rulesDirs: [env/prod.parameters.json]\n",
            ".armlint.yaml:1:13: rulesDirs[0]: rules directory 'env/prod.parameters.json' not found (paths are relative to the configuration's directory)",
        ),
        (
            "deployment:\n  location: \"\"\n",
            ".armlint.yaml:2:13: deployment.location: must not be empty (leave the key out to keep the value symbolic)",
        ),
        (
            "select: [CRG001\n",
            ".armlint.yaml:2:1: did not find expected ',' or ']', while parsing a flow sequence at line 1 column 9",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(&error_of(&t.0, text), expected, "{text}");
    }
}

#[test]
fn unreadable_files_name_the_file() {
    let t = TempDir::new("unreadable");
    let e = load(Path::new("missing.yaml"), &t.0, &KnownRules::builtin()).expect_err("missing");
    assert!(
        e.to_string()
            .starts_with("missing.yaml: cannot read the configuration"),
        "{e}"
    );
    std::fs::write(t.0.join("latin1.yaml"), b"select: [\xff]\n").expect("write");
    let e = load(Path::new("latin1.yaml"), &t.0, &KnownRules::builtin()).expect_err("latin1");
    assert_eq!(e.to_string(), "latin1.yaml: the configuration is not UTF-8");
}

#[test]
fn other_rules_can_be_named_when_known() {
    let t = TempDir::new("known");
    let rules = KnownRules::new([("ORG001".to_string(), "tag-required".to_string())]);
    let c = parse(
        "select: [tag-required]\n",
        Path::new(".armlint.yaml"),
        &t.0,
        &rules,
    )
    .expect("known");
    assert_eq!(c.select, ["ORG001"]);
    assert!(
        parse(
            "select: [CRG001]\n",
            Path::new(".armlint.yaml"),
            &t.0,
            &rules
        )
        .is_err(),
        "only the rules given are known"
    );
}

#[test]
fn found_upward_from_a_nested_directory() {
    let t = TempDir::new("find");
    let nested = t.0.join("a/b/c");
    std::fs::create_dir_all(&nested).expect("dirs");
    t.write("a/.armlint.yml", "select: [CRG001]\n");
    let found = find(&nested).expect("no error").expect("found");
    assert_eq!(found, t.0.join("a/.armlint.yml"));
    // Reported relative to the working directory; relative paths in it resolve the same way.
    let c = resolve(None, true, &nested).expect("valid");
    assert_eq!(c.path, Some(PathBuf::from("../../.armlint.yml")));
    assert_eq!(c.dir, PathBuf::from("../.."));
    assert_eq!(c.select, ["CRG001"]);
    // The nearest wins; --no-config and --config.
    t.write("a/b/.armlint.yaml", "select: [CRG002]\n");
    assert_eq!(
        resolve(None, true, &nested).expect("valid").select,
        ["CRG002"]
    );
    assert_eq!(
        resolve(None, false, &nested).expect("valid"),
        Config::default()
    );
    let explicit = resolve(Some(Path::new("../../.armlint.yml")), true, &nested).expect("valid");
    assert_eq!(explicit.select, ["CRG001"]);
    // Both names in one directory is ambiguous.
    t.write("a/b/.armlint.yml", "");
    let e = resolve(None, true, &nested).expect_err("ambiguous");
    assert!(e.message.contains("keep one"), "{e}");
}

#[test]
fn the_command_line_wins_over_the_file() {
    let t = TempDir::new("precedence");
    let c = parse_in(
        &t.0,
        ".armlint.yaml",
        "select: [CRG001, CRG013]\nignore: [CRG002]\nseverity:\n  CRG013: off\n  CRG011: note\n\
             deployment:\n  subscriptionId: s\n  location: westeurope\n",
    )
    .expect("valid");
    let s = c.selection(&[], &[]);
    assert_eq!(s.select, ["CRG001", "CRG013"]);
    assert_eq!(s.ignore, ["CRG002", "CRG013"]);
    // --select and --ignore replace the lists; naming an `off` rule on the command line runs it.
    let s = c.selection(&["over-reserved".into()], &["CRG005".into()]);
    assert_eq!(s.select, ["over-reserved"]);
    assert_eq!(s.ignore, ["CRG005"]);
    assert_eq!(
        c.severity_overrides(),
        BTreeMap::from([("CRG011".to_string(), Severity::Note)])
    );
    let scope = c.scope(ScopeConfig {
        location: Some("eastus".into()),
        resource_group: Some("rg".into()),
        ..ScopeConfig::default()
    });
    assert_eq!(scope.subscription_id.as_deref(), Some("s"));
    assert_eq!(scope.location.as_deref(), Some("eastus"));
    assert_eq!(scope.resource_group.as_deref(), Some("rg"));
}

#[test]
fn parameters_on_the_command_line_replace_the_mapping() {
    let t = TempDir::new("mapping");
    t.write("p.json", "{}");
    t.write("live.json", "{}");
    let c = parse_in(
        &t.0,
        ".armlint.yaml",
        "parameters:\n  - template: main.json\n    files: [p.json]\ninstanceViews: [live.json]\n",
    )
    .expect("valid");
    let d = c.discover_options(&[], false);
    assert_eq!(d.parameter_mappings.len(), 1);
    assert!(!d.no_parameter_files);
    let d = c.discover_options(&[PathBuf::from("q.json")], true);
    assert!(d.parameter_mappings.is_empty());
    assert_eq!(d.explicit_parameters, [PathBuf::from("q.json")]);
    assert!(d.no_parameter_files);
    // --instance-view adds; the same file named twice is read once.
    assert_eq!(
        c.instance_views(&[PathBuf::from("./live.json"), PathBuf::from("other.json")]),
        [PathBuf::from("live.json"), PathBuf::from("other.json")]
    );
}

#[test]
fn init_writes_the_starter_and_never_overwrites_unless_forced() {
    let t = TempDir::new("init");
    let written = init(&t.0, false).expect("written");
    assert_eq!(written, t.0.join(".armlint.yaml"));
    assert_eq!(std::fs::read_to_string(&written).expect("read"), STARTER);
    std::fs::write(&written, "select: [CRG001]\n").expect("edit");
    assert!(matches!(init(&t.0, false), Err(InitError::Exists(_))));
    assert_eq!(
        std::fs::read_to_string(&written).expect("read"),
        "select: [CRG001]\n",
        "kept"
    );
    init(&t.0, true).expect("forced");
    assert_eq!(std::fs::read_to_string(&written).expect("read"), STARTER);
    // The other spelling counts as a configuration too.
    let other = TempDir::new("init-yml");
    other.write(".armlint.yml", "");
    let e = init(&other.0, false).expect_err("exists");
    assert!(
        e.to_string()
            .ends_with(".armlint.yml already exists; use --force to overwrite it"),
        "{e}"
    );
    assert!(init(&other.0.join("missing"), false).is_err());
}
