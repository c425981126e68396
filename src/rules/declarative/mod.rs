//! Declarative rules: policies as YAML files (`rules/<category>/<name>.yaml` for the built-in
//! ones, embedded in the binary; users' own directories with `--rules-dir` or `rulesDirs` in
//! `.armlint.yaml`). A rule selects resources by type and runs checks over each *evaluated*
//! resource: RFC 9535 JSONPath selectors, operators, `all`/`any`/`not`, a message with
//! placeholders. A check that meets an unknown value does not fire.
//!
//! ```yaml
//! id: CRG020
//! name: opt-out-conflict
//! severity: error
//! category: capacity
//! summary: a VM opts out of capacity reservations yet names a capacity reservation group
//! types: [Microsoft.Compute/virtualMachines]
//! checks:
//!   - each: $.properties.capacityReservation
//!     when:
//!       all:
//!         - path: "@.disableCapacityReservationAssignment"
//!           equals: true
//!         - path: "@.capacityReservationGroup.id"
//!           exists: true
//!     message: "VM '{resource.name}' opts out yet names group '{@.capacityReservationGroup.id|name}'."
//! docs: |
//!   ## What it does
//!   …
//! ```

pub mod condition;
pub mod message;
pub mod selector;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use self::condition::{Condition, SelectorText};
use self::message::{Field, Template};
use self::selector::{Document, Token, is_unknown, original_tokens};
use crate::arm::value::{Symbol, Tri, Value};
use crate::diagnostic::Severity;
use crate::rules::{Finding, RelatedFinding, Rule, RuleContext, RuleMeta, RuleRef};

/// The built-in declarative rules, embedded at compile time (`tests/docs.rs` checks that every
/// YAML file under `rules/` is listed).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "rules/capacity/sharing-profile.yaml",
        include_str!("../../../rules/capacity/sharing-profile.yaml"),
    ),
    (
        "rules/capacity/sla-caveat.yaml",
        include_str!("../../../rules/capacity/sla-caveat.yaml"),
    ),
    (
        "rules/capacity/opt-out-conflict.yaml",
        include_str!("../../../rules/capacity/opt-out-conflict.yaml"),
    ),
    (
        "rules/capacity/unsupported-vm-series.yaml",
        include_str!("../../../rules/capacity/unsupported-vm-series.yaml"),
    ),
];

mod generated {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// A rule file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RuleFile<C = RawCheck> {
    id: String,
    name: String,
    severity: Severity,
    category: Option<String>,
    summary: String,
    /// Resource types the checks apply to (case-insensitive); absent: every type.
    types: Option<Vec<String>>,
    checks: Vec<C>,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / References.
    docs: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawCheck {
    /// Narrower types for this check.
    types: Option<Vec<String>>,
    /// Run the condition once per node this selects (`@` in the condition is that node).
    each: Option<SelectorText>,
    when: Condition,
    /// Where the finding points; default: the node that made the condition true.
    at: Option<SelectorText>,
    message: Template,
    help: Option<Template>,
    /// Overrides the rule's severity for this check.
    severity: Option<Severity>,
    #[serde(default)]
    related: Vec<RawRelated>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelated {
    at: SelectorText,
    message: Template,
}

/// A rule file that cannot be used: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFileError {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for RuleFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

#[derive(Debug)]
struct Check {
    each: Option<selector::Selector>,
    when: Condition,
    at: Option<selector::Selector>,
    message: Template,
    help: Option<Template>,
    severity: Option<Severity>,
    related: Vec<(selector::Selector, Template)>,
}

/// A rule read from YAML.
#[derive(Debug)]
pub struct DeclarativeRule {
    meta: RuleMeta,
    /// Lower-cased; `None`: every type.
    types: Option<Vec<String>>,
    /// Interned, as the engine's union of what rules read is (`Rule::property_types`).
    property_types: Option<Vec<&'static str>>,
    /// Per check, lower-cased: the types it narrows to (`None`: the rule's).
    check_types: Vec<Option<Vec<String>>>,
    /// Compiled on first use: a built-in rule's checks wait, as JSON, for a resource of its
    /// types (compiling JSONPath and regexes is most of what loading costs); a user's rule is
    /// compiled as it is read, so its errors show then.
    checks: OnceLock<Vec<Option<Check>>>,
    deferred: Vec<serde_json::Value>,
}

/// The one `'static` copy of `s`. Every diagnostic carries its rule's ID and name as `&'static
/// str`, so a loaded rule's ID, name, category and resource types are kept once per distinct
/// text: a language server that reloads an edited rule file a thousand times keeps one copy of
/// its ID, and the rule itself (checks, documentation) is freed with the last plan that holds it.
pub fn intern(s: &str) -> &'static str {
    static INTERNED: std::sync::Mutex<Option<std::collections::HashSet<&'static str>>> =
        std::sync::Mutex::new(None);
    // A poisoned lock only means another thread panicked while inserting: the set is still sound.
    let mut guard = INTERNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let set = guard.get_or_insert_default();
    if let Some(known) = set.get(s) {
        return known;
    }
    let copy: &'static str = Box::leak(Box::from(s));
    set.insert(copy);
    copy
}

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Line and column (1-based) of the value of a top-level key, for errors found after parsing.
fn key_position(text: &str, key: &str) -> (usize, usize) {
    for (n, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix(key)
            && let Some(value) = rest.strip_prefix(':')
        {
            let col = key.len() + 2 + (value.len() - value.trim_start().len());
            return (n + 1, col);
        }
    }
    (1, 1)
}

fn check_types(types: &Option<Vec<String>>, text: &str, file: &str) -> Result<(), RuleFileError> {
    for t in types.iter().flatten() {
        if t != "*" && (t.split('/').count() < 2 || t.split('/').any(str::is_empty)) {
            let (line, column) = key_position(text, "types");
            return Err(RuleFileError {
                file: file.to_string(),
                line,
                column,
                message: format!(
                    "'{t}' is not a resource type (write it as `Microsoft.Compute/virtualMachines`)"
                ),
            });
        }
    }
    Ok(())
}

/// A YAML error as a [`RuleFileError`]. serde_norway places errors of a value inside a mapping
/// at the mapping's start; when the message quotes the offending text, point at the text.
pub fn yaml_error(file: &str, text: &str, e: &serde_norway::Error) -> RuleFileError {
    let (mut line, mut column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    let full = e.to_string();
    let message = full.split(" at line ").next().unwrap_or("").to_string();
    let quoted = message
        .split_once('"')
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(needle, _)| needle)
        .filter(|n| !n.is_empty() && !n.contains('\\'));
    if let Some(needle) = quoted
        && line > 0
    {
        let offset: usize = text.lines().take(line - 1).map(|l| l.len() + 1).sum();
        if let Some(found) = text.get(offset..).and_then(|rest| rest.find(needle)) {
            let at = offset + found;
            let before = text.get(..at).unwrap_or("");
            line = before.matches('\n').count() + 1;
            column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        }
    }
    RuleFileError {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

/// Read one rule file.
pub fn parse_rule(file: &str, text: &str) -> Result<DeclarativeRule, RuleFileError> {
    let mut raw: RuleFile = serde_norway::from_str(text).map_err(|e| yaml_error(file, text, &e))?;
    let check_types = raw.checks.iter().map(|c| c.types.clone()).collect();
    let checks = std::mem::take(&mut raw.checks)
        .into_iter()
        .map(|c| Some(Check::from(c)))
        .collect();
    let rule = compile_rule(raw, check_types, file, text)?;
    let _ = rule.checks.set(checks);
    Ok(rule)
}

/// Read one built-in rule from the JSON build.rs made of its YAML `text` (positions in errors
/// still come from `text`).
fn parse_builtin_json(
    file: &str,
    text: &str,
    json: &str,
) -> Result<DeclarativeRule, RuleFileError> {
    let mut raw: RuleFile<serde_json::Value> =
        serde_json::from_str(json).map_err(|e| RuleFileError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: format!("built-in rule converted by build.rs: {e}"),
        })?;
    let check_types = raw
        .checks
        .iter()
        .map(|c| {
            c.get("types")
                .and_then(|t| Option::<Vec<String>>::deserialize(t).ok())
                .flatten()
        })
        .collect();
    let deferred = std::mem::take(&mut raw.checks);
    let mut rule = compile_rule(raw, check_types, file, text)?;
    rule.deferred = deferred;
    Ok(rule)
}

impl From<RawCheck> for Check {
    fn from(c: RawCheck) -> Check {
        Check {
            each: c.each.map(|s| s.0),
            when: c.when,
            at: c.at.map(|s| s.0),
            message: c.message,
            help: c.help,
            severity: c.severity,
            related: c.related.into_iter().map(|r| (r.at.0, r.message)).collect(),
        }
    }
}

/// Check a rule's header and the types of its checks, and work out what the engine must
/// evaluate for it; the checks themselves are the caller's.
fn compile_rule<C>(
    raw: RuleFile<C>,
    check_types: Vec<Option<Vec<String>>>,
    file: &str,
    text: &str,
) -> Result<DeclarativeRule, RuleFileError> {
    let at_key = |key: &str, message: String| {
        let (line, column) = key_position(text, key);
        RuleFileError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    if !is_valid_id(&raw.id) {
        return Err(at_key(
            "id",
            format!(
                "invalid rule id '{}': letters, digits, `-` and `_`, starting with a letter",
                raw.id
            ),
        ));
    }
    if !is_kebab(&raw.name) {
        return Err(at_key(
            "name",
            format!(
                "invalid rule name '{}': lower-case words joined by `-`",
                raw.name
            ),
        ));
    }
    if check_types.is_empty() {
        return Err(at_key("checks", "a rule needs at least one check".into()));
    }
    self::check_types(&raw.types, text, file)?;
    for t in &check_types {
        self::check_types(t, text, file)?;
    }
    let lower = |t: &Option<Vec<String>>| {
        t.as_ref()
            .map(|v| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>())
    };
    let types = lower(&raw.types);
    let check_types: Vec<Option<Vec<String>>> = check_types.iter().map(lower).collect();
    // What the engine must evaluate: the union of the types the checks look at.
    let mut all_types: Vec<&'static str> = Vec::new();
    let mut any_type = false;
    for c in &check_types {
        match c.as_ref().or(types.as_ref()) {
            Some(ts) if !ts.iter().any(|t| t == "*") => {
                for t in ts {
                    if !all_types.iter().any(|a| a.eq_ignore_ascii_case(t)) {
                        all_types.push(intern(t));
                    }
                }
            }
            _ => any_type = true,
        }
    }
    let property_types = (!any_type).then_some(all_types);
    let docs = raw.docs.unwrap_or_else(|| {
        format!(
            "## What it does\nReports {}.\n\n(This rule has no further documentation.)\n",
            raw.summary
        )
    });
    let meta = RuleMeta {
        id: intern(&raw.id),
        name: intern(&raw.name),
        severity: raw.severity,
        category: intern(raw.category.as_deref().unwrap_or("custom")),
        docs: docs.into(),
        source: file.to_string().into(),
        summary: raw.summary.into(),
    };
    Ok(DeclarativeRule {
        meta,
        types,
        property_types,
        check_types,
        checks: OnceLock::new(),
        deferred: Vec::new(),
    })
}

/// The built-in declarative rules, read once.
pub fn builtin() -> &'static [RuleRef] {
    static RULES: OnceLock<Vec<RuleRef>> = OnceLock::new();
    RULES.get_or_init(|| {
        // A built-in file that does not parse is a bug the tests catch (`builtin_rules_parse`);
        // at run time the others still load.
        BUILTIN_FILES
            .iter()
            .filter_map(|(file, text)| {
                match generated::BUILTIN_JSON.iter().find(|(f, _)| f == file) {
                    Some((_, json)) => parse_builtin_json(file, text, json).ok(),
                    None => parse_rule(file, text).ok(),
                }
            })
            .map(|r| Arc::new(r) as RuleRef)
            .collect()
    })
}

/// Whether a file in a rules directory is a rule file (tests end in `.tests.yaml`).
pub fn is_rule_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yaml") || lower.ends_with(".yml")) && !is_test_file(p)
}

pub fn is_test_file(p: &Path) -> bool {
    let lower = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    lower.ends_with(".tests.yaml") || lower.ends_with(".tests.yml")
}

/// YAML files under `dir` (recursively, sorted) that `keep` accepts.
pub fn yaml_files(dir: &Path, keep: fn(&Path) -> bool) -> Result<Vec<PathBuf>, RuleFileError> {
    let meta = std::fs::metadata(dir).map_err(|e| RuleFileError {
        file: crate::source::display_path(dir),
        line: 0,
        column: 0,
        message: e.to_string(),
    })?;
    if meta.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(dir)
        .hidden(true)
        .require_git(false)
        .build()
        .flatten()
    {
        if entry.file_type().is_some_and(|t| t.is_file()) && keep(entry.path()) {
            out.push(entry.path().to_path_buf());
        }
    }
    out.sort();
    Ok(out)
}

/// Load the rules of `dirs` (each a directory or a file). Rules whose files are broken, or whose
/// id or name is already taken (by a built-in rule or another file), are left out with an error;
/// the others load.
pub fn load_dirs(dirs: &[PathBuf], taken: &[RuleRef]) -> (Vec<RuleRef>, Vec<RuleFileError>) {
    let mut rules: Vec<RuleRef> = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        let files = match yaml_files(dir, is_rule_file) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for path in files {
            let file = crate::source::display_path(&path);
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(RuleFileError {
                        file,
                        line: 0,
                        column: 0,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let rule = match parse_rule(&file, &text) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let m = &rule.meta;
            // The file of a built-in rule, edited in a checkout (`test-rules rules/`): it
            // replaces the compiled-in version.
            let replaces_builtin = |r: &&RuleRef| {
                let o = r.meta();
                o.source == m.source && o.id == m.id && o.name == m.name
            };
            let clash = taken
                .iter()
                .filter(|r| !replaces_builtin(r))
                .chain(rules.iter())
                .find(|r| {
                    let o = r.meta();
                    o.id.eq_ignore_ascii_case(m.id)
                        || o.name.eq_ignore_ascii_case(m.name)
                        || o.id.eq_ignore_ascii_case(m.name)
                        || o.name.eq_ignore_ascii_case(m.id)
                });
            if let Some(other) = clash {
                let o = other.meta();
                let (key, what) =
                    if o.id.eq_ignore_ascii_case(m.id) || o.name.eq_ignore_ascii_case(m.id) {
                        ("id", m.id)
                    } else {
                        ("name", m.name)
                    };
                let (line, column) = key_position(&text, key);
                errors.push(RuleFileError {
                    file,
                    line,
                    column,
                    message: format!(
                        "duplicate rule {key} '{what}': already used by {} {} ({})",
                        o.id, o.name, o.source
                    ),
                });
                continue;
            }
            rules.push(Arc::new(rule));
        }
    }
    (rules, errors)
}

impl DeclarativeRule {
    /// The compiled checks (a built-in rule's deferred ones are compiled here, once; they are
    /// checked by the tests, so none is dropped in practice).
    fn checks(&self) -> &[Option<Check>] {
        self.checks.get_or_init(|| {
            self.deferred
                .iter()
                .map(|c| RawCheck::deserialize(c).ok().map(Check::from))
                .collect()
        })
    }

    fn applies(&self, check: usize, resource_type: &str) -> bool {
        let types = self.check_types.get(check).and_then(Option::as_ref);
        match types.or(self.types.as_ref()) {
            None => true,
            Some(ts) => ts
                .iter()
                .any(|t| t == "*" || t.eq_ignore_ascii_case(resource_type)),
        }
    }
}

impl Rule for DeclarativeRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn property_types(&self) -> Option<&[&'static str]> {
        self.property_types.as_deref()
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>) {
        for (i, inst) in ctx.graph.instances().iter().enumerate() {
            // Only what is deployed here, and only with its properties evaluated (otherwise
            // "absent" would be a guess).
            if inst.existing || inst.deployed == Tri::False || !inst.properties_evaluated {
                continue;
            }
            for k in 0..self.check_types.len() {
                if !self.applies(k, &inst.resource_type) {
                    continue;
                }
                let Some(Some(check)) = self.checks().get(k) else {
                    continue;
                };
                let Some(doc) = ctx.document(i) else {
                    continue;
                };
                let currents: Vec<Vec<Token>> = match &check.each {
                    None => vec![Vec::new()],
                    Some(sel) => sel
                        .select(doc, &[])
                        .nodes
                        .into_iter()
                        .filter(|n| !is_unknown(n.value) && !n.value.is_null())
                        .map(|n| n.tokens)
                        .collect(),
                };
                for current in currents {
                    let outcome = check.when.eval(doc, &current);
                    if outcome.tri != Tri::True {
                        continue;
                    }
                    let primary = check
                        .at
                        .as_ref()
                        .and_then(|s| {
                            s.select(doc, &current)
                                .nodes
                                .first()
                                .map(|n| n.tokens.clone())
                        })
                        .or(outcome.witness)
                        .unwrap_or_else(|| current.clone());
                    let fill = |t: &Template, at: &[Token]| {
                        t.render(|f| field_text(f, ctx, i, doc, &current, at))
                    };
                    let related = check
                        .related
                        .iter()
                        .filter_map(|(sel, msg)| {
                            let tokens = sel.select(doc, &current).nodes.first()?.tokens.clone();
                            Some(RelatedFinding {
                                pointer: pointer_of(ctx, i, &tokens),
                                message: fill(msg, &tokens),
                            })
                        })
                        .collect();
                    out.push(Finding {
                        instance: i,
                        pointer: pointer_of(ctx, i, &primary),
                        message: fill(&check.message, &primary),
                        help: check.help.as_ref().map(|h| fill(h, &primary)),
                        related,
                        severity: check.severity,
                    });
                }
            }
        }
    }
}

/// The pointer, in the template, of a node of instance `i`'s evaluated body.
fn pointer_of(ctx: &RuleContext<'_>, i: usize, tokens: &[Token]) -> String {
    let mut p = ctx.decl_pointer(i);
    if let Some(inst) = ctx.instance(i) {
        for t in original_tokens(&inst.body, tokens) {
            p.push('/');
            crate::source::json::push_pointer_token(&mut p, &t);
        }
    }
    p
}

/// The evaluated value at a token path (keys case-insensitive).
fn value_at<'v>(body: &'v Value, tokens: &[Token]) -> Option<&'v Value> {
    let mut v = body;
    for t in tokens {
        v = match t {
            Token::Key(k) => v.as_object()?.get(k)?,
            Token::Index(i) => v.as_array()?.get(*i)?,
        };
    }
    Some(v)
}

/// A value as a message shows it: strings bare, unknowns by their expression.
fn display(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "null".into(),
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Unknown(u)) => u
            .symbol
            .as_ref()
            .map_or_else(|| "(unknown)".to_string(), Symbol::without_marks),
        Some(other) => other.to_json_string(),
    }
}

fn field_text(
    f: &Field,
    ctx: &RuleContext<'_>,
    i: usize,
    doc: &Document,
    current: &[Token],
    at: &[Token],
) -> String {
    let Some(inst) = ctx.instance(i) else {
        return String::new();
    };
    match f {
        Field::ResourceName => ctx.display_name(i),
        Field::ResourceType => inst.resource_type.clone(),
        Field::Value => display(value_at(&inst.body, at)),
        Field::Path(sel) => match sel.select(doc, current).nodes.first() {
            Some(n) => display(value_at(&inst.body, &n.tokens)),
            None => "(none)".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        for (file, text) in BUILTIN_FILES {
            if let Err(e) = parse_rule(file, text) {
                panic!("{e}");
            }
        }
        assert_eq!(builtin().len(), BUILTIN_FILES.len());
    }

    /// The JSON build.rs makes of each built-in rule reads exactly as its YAML does.
    #[test]
    fn builtin_json_reads_as_the_yaml() {
        for (file, text) in BUILTIN_FILES {
            let json = generated::BUILTIN_JSON
                .iter()
                .find(|(f, _)| f == file)
                .map(|(_, j)| *j)
                .unwrap_or_else(|| panic!("build.rs did not convert {file}"));
            // The JSON form defers its checks; compiled, they must be the YAML's, every one.
            let shown = |r: DeclarativeRule| {
                let checks = r.checks();
                assert!(
                    checks.iter().all(Option::is_some),
                    "{file}: a check did not compile"
                );
                format!(
                    "{:?} {:?} {:?} {:?} {checks:?}",
                    r.meta, r.types, r.property_types, r.check_types
                )
            };
            let from_yaml = parse_rule(file, text).map(shown);
            let from_json = parse_builtin_json(file, text, json).map(shown);
            assert_eq!(from_yaml, from_json, "{file}");
            assert!(from_json.is_ok_and(|r| r.contains("message")), "{file}");
        }
        assert_eq!(generated::BUILTIN_JSON.len(), BUILTIN_FILES.len());
    }

    fn err(text: &str) -> RuleFileError {
        match parse_rule("r.yaml", text) {
            Ok(_) => panic!("{text} parsed"),
            Err(e) => e,
        }
    }

    const HEAD: &str = "id: X001\nname: x-rule\nseverity: error\nsummary: s\n";

    #[test]
    fn bad_rule_files_name_line_and_column() {
        let e = err(&format!(
            "{HEAD}checks:\n  - when: {{path: $.a, exists: true}}\n    mesage: m\n"
        ));
        assert_eq!((e.line, e.column), (7, 5), "{e}");
        assert!(e.message.contains("unknown field `mesage`"), "{e}");
        let e = err(&format!(
            "{HEAD}checks:\n  - when:\n      path: \"$.a[\"\n      exists: true\n    message: m\n"
        ));
        assert!(e.message.contains("invalid JSONPath"), "{e}");
        assert_eq!((e.line, e.column), (7, 14), "{e}");
        let e = err(&format!(
            "{HEAD}checks:\n  - when:\n      path: $.a\n      matches: \"(\"\n    message: m\n"
        ));
        assert!(e.message.contains("invalid regular expression"), "{e}");
        assert_eq!((e.line, e.column), (8, 17), "{e}");
        let e = err(&format!(
            "{HEAD}checks:\n  - when: {{path: $.a, equal: 1}}\n    message: m\n"
        ));
        assert!(e.message.contains("unknown field `equal`"), "{e}");
        let e = err(&format!(
            "{HEAD}checks:\n  - when: {{path: $.a, exists: true, equals: 1}}\n    message: m\n"
        ));
        assert!(e.message.contains("one operator"), "{e}");
        let e = err(&format!(
            "{HEAD}checks:\n  - when: {{path: $.a, exists: true}}\n    message: \"{{nope}}\"\n"
        ));
        assert!(e.message.contains("unknown placeholder"), "{e}");
        assert_eq!((e.line, e.column), (7, 15), "{e}");
        let e = err("id: 1x\nname: x\nseverity: error\nsummary: s\nchecks: []\n");
        assert_eq!((e.line, e.column), (1, 5), "{e}");
        let e = err("id: X\nname: x\nseverity: fatal\nsummary: s\nchecks: []\n");
        assert_eq!(e.line, 3, "{e}");
        let e = err(&format!(
            "{HEAD}types: [virtualMachines]\nchecks:\n  - when: {{path: $.a, exists: true}}\n    message: m\n"
        ));
        assert!(e.message.contains("not a resource type"), "{e}");
        assert_eq!(e.line, 5, "{e}");
        let e = err("id: [\n");
        assert!(e.line > 0, "{e}");
    }

    #[test]
    fn two_user_files_cannot_share_an_id() {
        let dir = std::env::temp_dir().join(format!("armlint-dup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let rule = |name: &str| {
            format!(
                "id: ORG9\nname: {name}\nseverity: note\nsummary: s\nchecks:\n  - when: {{path: $.a, exists: true}}\n    message: m\n"
            )
        };
        std::fs::write(dir.join("a.yaml"), rule("first")).unwrap();
        std::fs::write(dir.join("b.yaml"), rule("second")).unwrap();
        std::fs::write(dir.join("b.tests.yaml"), "cases: []\n").unwrap();
        let (loaded, errors) = load_dirs(std::slice::from_ref(&dir), crate::rules::all());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(loaded.len(), 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].file.ends_with("b.yaml"), "{}", errors[0]);
        assert_eq!((errors[0].line, errors[0].column), (1, 5));
        assert!(
            errors[0].message.contains("duplicate rule id 'ORG9'"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn property_types_are_the_checks_types() {
        let r = parse_rule(
            "r.yaml",
            &format!("{HEAD}types: [Microsoft.Compute/virtualMachines]\nchecks:\n  - when: {{path: $.a, exists: true}}\n    message: m\n  - types: [Microsoft.Compute/virtualMachineScaleSets]\n    when: {{path: $.a, exists: true}}\n    message: m\n"),
        )
        .unwrap();
        assert_eq!(
            r.property_types(),
            Some(
                &[
                    "microsoft.compute/virtualmachines",
                    "microsoft.compute/virtualmachinescalesets"
                ][..]
            )
        );
        let any = parse_rule(
            "r.yaml",
            &format!("{HEAD}checks:\n  - when: {{path: $.a, exists: true}}\n    message: m\n"),
        )
        .unwrap();
        assert_eq!(any.property_types(), None);
    }
}
