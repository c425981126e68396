//! Linting one template (under each of its parameter sets) and many templates in parallel.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::arm::document::DocumentKind;
use crate::arm::graph::ResourceGraph;
use crate::arm::scope::{ScopeConfig, ScopeKind};
use crate::arm::template::{IssueKind, ParameterSet, expand_for};
use crate::capacity::model::CapacityAssumptions;
use crate::diagnostic::{
    self, Diagnostic, Location, Related, ResourceRef, Severity, SuppressedDiagnostic,
};
use crate::discover::{Input, Loaded};
use crate::rules::{self, Finding, RuleContext, RuleMeta, Selection};
use crate::source::json::{self, JsonValue};
use crate::source::{SourceFile, Span};

use super::report::{LintReport, Summary};

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub selection: Selection,
    pub scope: ScopeConfig,
    /// Evaluate the properties of every resource, not only of the types the enabled rules read
    /// (the expression statistics then cover the whole template).
    pub evaluate_everything: bool,
    /// Live instance views of capacity reservation groups (`--instance-view`).
    pub instance_views: Vec<crate::capacity::instance_view::InstanceView>,
    /// The date suppression expiry is checked against; `None`: today (UTC, system clock).
    pub today: Option<crate::suppress::Date>,
    /// Users' declarative rules (`--rules-dir`), run beside the built-in ones.
    pub extra_rules: rules::ExtraRules,
    /// Severity per rule ID (`severity:` in `.armlint.yaml`), for every diagnostic of the rule;
    /// `parse-error` stays an error.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// What the capacity model assumes about groups declared in the files.
    pub capacity_assumptions: CapacityAssumptions,
}

/// Lint the discovered inputs in parallel; the report is sorted and identical whatever the thread count.
pub fn lint_inputs(inputs: &[Input], skipped: u64, opts: &LintOptions) -> LintReport {
    // Largest files first, so a big template at the end of the list does not leave one core idle;
    // the report is sorted afterwards, so the order of work does not show.
    let mut order: Vec<(u64, &Input)> = inputs.iter().map(|i| (i.size, i)).collect();
    order.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    let plan = RulePlan::new(opts);
    // One file (an editor's save, a pre-commit of one template) stays on this thread: starting
    // the pool's threads would cost more than the file.
    let results: Vec<Linted> = if order.len() < 2 {
        order
            .iter()
            .map(|(_, input)| lint_input(input, opts, &plan))
            .collect()
    } else {
        order
            .par_iter()
            .with_max_len(1)
            .map(|(_, input)| lint_input(input, opts, &plan))
            .collect()
    };
    let mut report = LintReport::default();
    report.summary.skipped = skipped;
    // Each file read counts once: a parameter file is also walked, or paired with two templates.
    let mut read: HashSet<&std::path::Path> = inputs.iter().map(|i| i.path.as_path()).collect();
    for r in &results {
        read.extend(r.parameter_files.iter().map(PathBuf::as_path));
    }
    let files = skipped + read.len() as u64;
    let unresolved: HashSet<&(PathBuf, u32)> = results
        .iter()
        .flat_map(|r| r.unresolved_modules.iter())
        .collect();
    let unresolved = unresolved.len() as u64;
    for r in results {
        report.summary.merge(&r.summary);
        report.diagnostics.extend(r.diagnostics);
        report.suppressed.extend(r.suppressed);
    }
    report.summary.files = files;
    report.summary.unresolved_modules = unresolved;
    diagnostic::sort(&mut report.diagnostics);
    // A Bicep module file linted on its own and as a module of another file gives the same
    // finding twice, at the same place in the same file: it is reported once.
    report
        .diagnostics
        .dedup_by(|a, b| a.sort_key() == b.sort_key() && a.parameters == b.parameters);
    diagnostic::sort_suppressed(&mut report.suppressed);
    report.summary.count(&report.diagnostics);
    report
}

/// The enabled rules and what they read, worked out once per run.
pub(super) struct RulePlan {
    enabled: Vec<rules::RuleRef>,
    /// The resource types whose properties are evaluated; `None`: all.
    property_types: Option<Arc<rustc_hash::FxHashSet<String>>>,
    /// One date for the whole run, so that every file agrees on what has expired.
    today: crate::suppress::Date,
    /// Every rule a suppression may name: the built-in and the loaded ones, enabled or not.
    known: Vec<rules::RuleRef>,
}

impl RulePlan {
    pub(super) fn new(opts: &LintOptions) -> RulePlan {
        let known = opts.extra_rules.with_builtin();
        let enabled: Vec<rules::RuleRef> = known
            .iter()
            .filter(|r| opts.selection.enabled(r.meta()))
            .cloned()
            .collect();
        // What the enabled rules read: the properties of other resource types are not evaluated.
        let property_types = if opts.evaluate_everything {
            None
        } else {
            property_types_read_by(&enabled)
        };
        RulePlan {
            enabled,
            property_types,
            today: opts.today.unwrap_or_else(crate::suppress::Date::today_utc),
            known,
        }
    }
}

/// One template's findings: reported, suppressed, and its counts.
#[derive(Default)]
pub(super) struct Linted {
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) suppressed: Vec<SuppressedDiagnostic>,
    pub(super) summary: Summary,
    /// The parameter files read, so that the run counts each file once.
    pub(super) parameter_files: Vec<PathBuf>,
    /// Unresolved Bicep registry modules as (declaring file, offset of the path): a module
    /// file linted alone and as another's module counts once.
    pub(super) unresolved_modules: Vec<(PathBuf, u32)>,
}

fn lint_input(input: &Input, opts: &LintOptions, plan: &RulePlan) -> Linted {
    match crate::discover::load(input) {
        Loaded::Template {
            source,
            kind,
            parameter_files,
        } => {
            let mut linted = lint_planned(&source, Some(kind), &parameter_files, opts, plan);
            linted.parameter_files = parameter_files;
            linted
        }
        Loaded::Bicep {
            source,
            parameter_files,
        } => {
            let mut linted =
                super::lint_bicep::lint_bicep_planned(&source, &parameter_files, opts, plan);
            linted.parameter_files = parameter_files;
            linted
        }
        Loaded::BicepParams { source } => super::lint_bicepparam::lint_alone(&source, opts),
        Loaded::Skipped => Linted {
            summary: Summary {
                files: 1,
                skipped: 1,
                ..Summary::default()
            },
            ..Linted::default()
        },
        Loaded::Unreadable(unreadable) => {
            // Report the unreadable file where it is, so the other files are still linted.
            let (source, span) = unreadable.at.unwrap_or_else(|| {
                let empty = Arc::new(SourceFile::new(&input.path, String::new()));
                (empty, Span::default())
            });
            let message = unreadable.message;
            let meta = &rules::syntax::parse_error::ParseError::META;
            let summary = Summary {
                files: 1,
                templates: 1,
                ..Summary::default()
            };
            let diags = if opts.selection.enabled(meta) {
                vec![engine_diagnostic(
                    meta,
                    &source,
                    span,
                    "",
                    format!("cannot read the file: {message}"),
                )]
            } else {
                vec![]
            };
            Linted {
                diagnostics: diags,
                summary,
                ..Linted::default()
            }
        }
    }
}

pub(super) fn engine_diagnostic(
    meta: &RuleMeta,
    file: &Arc<SourceFile>,
    span: Span,
    pointer: &str,
    message: String,
) -> Diagnostic {
    let location = Location {
        file: file.clone(),
        span,
        pointer: pointer.to_string(),
    };
    meta.diagnostic(location, message)
}

/// A parsed template and the graphs of its evaluations (one per parameter set).
pub struct Evaluated {
    pub graphs: Vec<ResourceGraph>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lint one template source with its parameter files (none: evaluate on defaults). The findings
/// its suppressions accept are left out ([`lint_inputs`] reports them separately).
pub fn lint_template(
    source: &Arc<SourceFile>,
    kind: Option<ScopeKind>,
    parameter_files: &[PathBuf],
    opts: &LintOptions,
) -> (Vec<Diagnostic>, Summary) {
    let linted = lint_planned(source, kind, parameter_files, opts, &RulePlan::new(opts));
    (linted.diagnostics, linted.summary)
}

fn lint_planned(
    source: &Arc<SourceFile>,
    kind: Option<ScopeKind>,
    parameter_files: &[PathBuf],
    opts: &LintOptions,
    plan: &RulePlan,
) -> Linted {
    let summary = Summary {
        files: 1 + parameter_files.len() as u64,
        templates: 1,
        ..Summary::default()
    };
    let mut diags = Vec::new();
    let json::ParsedDocument {
        root,
        duplicates,
        may_have_comments,
    } = match json::parse_with_duplicate_keys(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let meta = &rules::syntax::parse_error::ParseError::META;
            if opts.selection.enabled(meta) {
                diags.push(engine_diagnostic(
                    meta,
                    source,
                    e.span,
                    "",
                    format!("invalid JSON: {}", e.message),
                ));
            }
            return Linted {
                diagnostics: diags,
                summary,
                ..Linted::default()
            };
        }
    };
    let kind = kind.unwrap_or_else(|| kind_of(&root));

    let dup_meta = &rules::syntax::duplicate_key::DuplicateKey::META;
    if opts.selection.enabled(dup_meta) {
        for d in duplicates {
            let mut diag = engine_diagnostic(
                dup_meta,
                source,
                d.second,
                &format!("{}/{}", d.object_pointer, json::pointer_token(&d.key)),
                format!(
                    "property '{}' occurs more than once; Azure keeps only the last value",
                    d.key
                ),
            );
            diag.related.push(Related {
                location: Location {
                    file: source.clone(),
                    span: d.first,
                    pointer: d.object_pointer.clone(),
                },
                message: "first occurrence, ignored by Azure".into(),
            });
            diags.push(diag);
        }
    }

    // Parameter sets: each paired file, or the defaults when none pairs.
    let mut sets: Vec<ParameterSet> = Vec::new();
    for p in parameter_files {
        let (set, found) = load_parameter_set(p, opts);
        sets.extend(set);
        diags.extend(found);
    }
    lint_sets(
        source,
        &root,
        may_have_comments,
        kind,
        sets,
        diags,
        summary,
        opts,
        plan,
    )
}

/// Lint a template source under parameter sets already loaded (none: the defaults), e.g. the
/// values a rule test gives. Suppressed findings are left out.
pub fn lint_with_parameter_sets(
    source: &Arc<SourceFile>,
    kind: Option<ScopeKind>,
    sets: Vec<ParameterSet>,
    opts: &LintOptions,
) -> (Vec<Diagnostic>, Summary) {
    let plan = RulePlan::new(opts);
    let summary = Summary {
        files: 1,
        templates: 1,
        ..Summary::default()
    };
    // Duplicate keys are the file's business, not what a rule test asks about.
    let json::ParsedDocument {
        root,
        may_have_comments,
        ..
    } = match json::parse_with_duplicate_keys(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let meta = &rules::syntax::parse_error::ParseError::META;
            let diags = vec![engine_diagnostic(
                meta,
                source,
                e.span,
                "",
                format!("invalid JSON: {}", e.message),
            )];
            return (diags, summary);
        }
    };
    let kind = kind.unwrap_or_else(|| kind_of(&root));
    let linted = lint_sets(
        source,
        &root,
        may_have_comments,
        kind,
        sets,
        Vec::new(),
        summary,
        opts,
        &plan,
    );
    (linted.diagnostics, linted.summary)
}

pub(super) fn kind_of(root: &JsonValue) -> ScopeKind {
    match json::as_object(root)
        .and_then(|o| json::get_str(o, "$schema"))
        .map(crate::arm::document::kind_of_schema)
    {
        Some(DocumentKind::Template(k)) => k,
        _ => ScopeKind::ResourceGroup,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn lint_sets(
    source: &Arc<SourceFile>,
    root: &JsonValue,
    // The parser's word; false: no comment, so no suppression comment to look for.
    may_have_comments: bool,
    kind: ScopeKind,
    mut sets: Vec<ParameterSet>,
    mut diags: Vec<Diagnostic>,
    mut summary: Summary,
    opts: &LintOptions,
    plan: &RulePlan,
) -> Linted {
    if sets.is_empty() {
        sets.push(ParameterSet::default());
    }
    let enabled = &plan.enabled;
    let property_types = &plan.property_types;
    let mut seen: HashSet<(&'static str, usize, String, u32)> = HashSet::new();
    for (n, set) in sets.iter().enumerate() {
        let expansion = expand_for(source, root, kind, set, &opts.scope, property_types.clone());
        let param_name = set.file.as_ref().map(|f| f.display_path());
        summary.expressions.merge(&expansion.stats);
        if n == 0 {
            summary.resources = expansion.instances.iter().filter(|i| !i.existing).count() as u64;
        }
        let mut found = Vec::new();
        for issue in &expansion.issues {
            let meta = match issue.kind {
                IssueKind::InvalidExpression => {
                    &rules::syntax::invalid_expression::InvalidExpression::META
                }
                IssueKind::ExpressionFails => {
                    &rules::syntax::expression_fails::ExpressionFails::META
                }
                IssueKind::InvalidTemplate => {
                    &rules::syntax::invalid_template::InvalidTemplate::META
                }
                IssueKind::EvaluationLimit => {
                    &rules::syntax::evaluation_limit::EvaluationLimit::META
                }
                IssueKind::InvalidParameterValue => {
                    &rules::syntax::invalid_parameter_value::InvalidParameterValue::META
                }
            };
            if opts.selection.enabled(meta) {
                let mut d = engine_diagnostic(
                    meta,
                    issue.file.as_ref().unwrap_or(source),
                    issue.span,
                    &issue.pointer,
                    issue.message.clone(),
                );
                if issue.file.is_none() {
                    d.parameters = param_name.clone();
                }
                found.push(d);
            }
        }
        let graph = ResourceGraph::build(expansion);
        let ctx = RuleContext::new(&graph, source, root)
            .with_views(&opts.instance_views)
            .with_assumptions(opts.capacity_assumptions);
        for rule in enabled {
            let mut findings = Vec::new();
            rule.check(&ctx, &mut findings);
            for f in findings {
                found.push(to_diagnostic(rule.meta(), &ctx, f, param_name.clone()));
            }
        }
        // One diagnostic per declaration and rule across parameter sets: keep the first.
        for d in found {
            let key = (
                d.rule,
                Arc::as_ptr(&d.location.file) as usize,
                d.resource
                    .as_ref()
                    .map_or_else(|| d.location.pointer.clone(), |r| r.pointer.clone()),
                d.location.span.start,
            );
            if seen.insert(key) {
                diags.push(d);
            }
        }
    }
    // After merging, so that a suppression counts as used when it accepted the finding under
    // any parameter set.
    let found = crate::suppress::collect(source, root, &plan.known, may_have_comments);
    let mut applied =
        crate::suppress::apply(source, root, &found, diags, &opts.selection, plan.today);
    // Also the suppression machinery's own findings, and the suppressed ones JSON shows.
    apply_severity_overrides(&mut applied.diagnostics, &opts.severity_overrides);
    for s in &mut applied.suppressed {
        apply_severity_overrides(
            std::slice::from_mut(&mut s.diagnostic),
            &opts.severity_overrides,
        );
    }
    Linted {
        diagnostics: applied.diagnostics,
        suppressed: applied.suppressed,
        summary,
        parameter_files: Vec::new(),
        unresolved_modules: Vec::new(),
    }
}

/// The configured severity of each diagnostic's rule. A file that does not parse cannot be
/// linted at all, so `parse-error` is always an error.
fn apply_severity_overrides(diags: &mut [Diagnostic], overrides: &BTreeMap<String, Severity>) {
    if overrides.is_empty() {
        return;
    }
    let parse_error = rules::syntax::parse_error::ParseError::META.id;
    for d in diags.iter_mut().filter(|d| d.rule != parse_error) {
        if let Some(&severity) = overrides.get(d.rule) {
            d.severity = severity;
        }
    }
}

/// The resource types whose properties `rules` read (lower-case); `None` when one may read any.
pub fn property_types_read_by(
    rules: &[rules::RuleRef],
) -> Option<Arc<rustc_hash::FxHashSet<String>>> {
    rules
        .iter()
        .map(|r| r.property_types())
        .try_fold(rustc_hash::FxHashSet::default(), |mut set, types| {
            set.extend(types?.iter().map(|t| t.to_ascii_lowercase()));
            Some(set)
        })
        .map(Arc::new)
}

/// A parameter file (JSON or `.bicepparam`) as a set of values, and the findings reading it
/// gave (of the enabled rules); no set when it cannot be used.
pub(super) fn load_parameter_set(
    path: &Path,
    opts: &LintOptions,
) -> (Option<ParameterSet>, Vec<Diagnostic>) {
    if crate::discover::language_of(path) == crate::discover::Language::BicepParams {
        return super::lint_bicepparam::load_bicepparam(path, opts);
    }
    match load_parameter_file(path) {
        Ok(set) => (Some(set), Vec::new()),
        Err(d) => {
            let meta = &rules::syntax::invalid_parameter_file::InvalidParameterFile::META;
            let shown = opts.selection.enabled(meta).then_some(*d);
            (None, shown.into_iter().collect())
        }
    }
}

/// A parameter file (JSON or `.bicepparam`) for tools that show one evaluation (`graph`):
/// its values, or why it cannot be used.
pub fn read_parameter_set(path: &Path) -> Result<ParameterSet, String> {
    let (set, found) = load_parameter_set(path, &LintOptions::default());
    let why = found.iter().find(|d| d.severity == Severity::Error);
    match (set, why) {
        (Some(set), None) => Ok(set),
        (_, Some(d)) => {
            let (line, col) = d.location.file.line_col(d.location.span.start);
            Err(format!("{line}:{col}: {}", d.message))
        }
        (None, None) => Err("the parameter file cannot be used".into()),
    }
}

pub(crate) fn load_parameter_file(path: &Path) -> Result<ParameterSet, Box<Diagnostic>> {
    let meta = &rules::syntax::invalid_parameter_file::InvalidParameterFile::META;
    let file = match SourceFile::read(path) {
        Ok(f) => Arc::new(f),
        Err(e) => {
            let empty = Arc::new(SourceFile::new(path, String::new()));
            return Err(Box::new(engine_diagnostic(
                meta,
                &empty,
                Span::default(),
                "",
                format!("cannot read the parameter file: {e}"),
            )));
        }
    };
    ParameterSet::from_file(file.clone()).map_err(|e| {
        Box::new(engine_diagnostic(
            meta,
            &file,
            e.span,
            "",
            format!("the parameter file cannot be used: {}", e.message),
        ))
    })
}

/// Resolve a finding's pointers to spans in the template.
fn to_diagnostic(
    meta: &RuleMeta,
    ctx: &RuleContext<'_>,
    f: Finding,
    parameters: Option<String>,
) -> Diagnostic {
    let locate = |pointer: &str| -> Location {
        let (node, reached) = json::lookup_pointer_nearest(ctx.root, pointer);
        Location {
            file: ctx.file.clone(),
            span: span_for(node, &reached, ctx.root),
            pointer: reached,
        }
    };
    let resource = ctx.instance(f.instance).map(|inst| ResourceRef {
        pointer: ctx.decl_pointer(f.instance),
        resource_type: inst.resource_type.clone(),
        name: ctx.display_name(f.instance),
    });
    Diagnostic {
        rule: meta.id,
        name: meta.name,
        severity: f.severity.unwrap_or(meta.severity),
        message: f.message,
        help: f.help,
        location: locate(&f.pointer),
        resource,
        related: f
            .related
            .into_iter()
            .map(|r| Related {
                location: locate(&r.pointer),
                message: r.message,
            })
            .collect(),
        parameters,
    }
}

/// The span to underline for a node reached by a pointer: a property's value with its key
/// (`"virtualMachineScaleSet": {...}`) reads better than the bare value.
fn span_for(node: &JsonValue, pointer: &str, root: &JsonValue) -> Span {
    let value_span = json::span_of(node);
    if let Some((parent_ptr, key)) = pointer.rsplit_once('/')
        && let Some(JsonValue::Object(o)) = json::lookup_pointer(root, parent_ptr)
    {
        let key = key.replace("~1", "/").replace("~0", "~");
        if let Some(p) = o
            .properties
            .iter()
            .rev()
            .find(|p| p.name.as_str().eq_ignore_ascii_case(&key))
        {
            return p.range.into();
        }
    }
    value_span
}
