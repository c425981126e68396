//! Template expansion: evaluates a template the way Azure would before deploying it. Parameters
//! (defaults, parameter files), variables (with copy loops), user-defined functions, resources in both
//! shapes (array and languageVersion 2.0 symbolic object), `existing` resources, nested children,
//! resource and property copy loops, conditions per iteration, nested inline deployments with inner
//! or outer expression scope and their outputs read back through `reference()`.

use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use crate::source::json::{JsonObject as JObject, JsonValue as Json};

use super::budget::{Budget, Limit};
use super::constraints;
use super::model::*;
use super::parameters::{ParameterSet, literal_value, number_value};
use super::structure;
use super::user_functions;
use crate::arm::expr::{
    EvalContext, EvalStats, Evaluator, TemplateString, call_symbol, parse_template_string,
};
use crate::arm::scope::{DeploymentScope, ScopeConfig, ScopeKind};
use crate::arm::value::{Object, Symbol, Tri, UnknownReason, Value};
use crate::source::json::{self as sj, push_pointer_token};
use crate::source::{SourceFile, Span};

use crate::limits::AZURE_COPY_COUNT;
use crate::limits::DEPLOYMENT_NESTING;
use crate::limits::INSTANCES;

/// The failures reported at expressions of one file.
#[derive(Default)]
struct Failures {
    /// The reasons already accounted for, kept alive so that their addresses stay unique.
    reasons: FxHashMap<usize, Arc<UnknownReason>>,
    /// Start offsets of the template strings reported.
    expressions: FxHashSet<usize>,
}

impl Failures {
    /// True the first time `reason` is seen.
    fn claim_reason(&mut self, reason: &Arc<UnknownReason>) -> bool {
        let key = Arc::as_ptr(reason) as usize;
        if self.reasons.contains_key(&key) {
            return false;
        }
        self.reasons.insert(key, reason.clone());
        true
    }

    /// Forget `reason`, so that a later certain use of the value reports it.
    fn release_reason(&mut self, reason: &Arc<UnknownReason>) {
        self.reasons.remove(&(Arc::as_ptr(reason) as usize));
    }
}

fn limit_text(reason: &UnknownReason) -> String {
    match reason {
        UnknownReason::Limit(msg) => msg.clone(),
        other => other.to_string(),
    }
}

/// The value of an evaluation refused by the depth limit.
fn too_deep() -> Value {
    Value::unknown(
        UnknownReason::Limit("evaluation nested too deeply".into()),
        None,
    )
}

const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

/// Expand a parsed template under one parameter set, evaluating everything.
pub fn expand(
    file: &Arc<SourceFile>,
    root: &Json,
    kind: ScopeKind,
    params: &ParameterSet,
    config: &ScopeConfig,
) -> Expansion {
    expand_for(file, root, kind, params, config, None)
}

/// [`expand`], evaluating the `properties` of only the resource types in `property_types`
/// (lower-case; `None`: all). Other resources get their identity (name, type, location, zones,
/// sku, scope, dependsOn, ...), and their properties are checked for expression syntax only:
/// what no rule reads is not evaluated.
pub fn expand_for(
    file: &Arc<SourceFile>,
    root: &Json,
    kind: ScopeKind,
    params: &ParameterSet,
    config: &ScopeConfig,
    property_types: Option<Arc<FxHashSet<String>>>,
) -> Expansion {
    let out = Rc::new(RefCell::new(Expansion {
        parameters: params.file.clone(),
        ..Default::default()
    }));
    let Some(template) = sj::as_object(root) else {
        return Rc::try_unwrap(out)
            .map(RefCell::into_inner)
            .unwrap_or_default();
    };
    let scope = DeploymentScope::top_level(kind, config);
    out.borrow_mut().deployments.push(DeploymentInfo {
        template_pointer: String::new(),
        instance: None,
        parent: None,
        scope: scope.clone(),
        inner_scope: true,
    });
    let given: FxHashMap<String, Value> = params
        .values
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let store = Store::new(template, String::new(), &given);
    let mut exp = Expander {
        file,
        parse_cache: Rc::default(),
        decl_ids: Rc::default(),
        property_types,
        syntax_reported: Rc::default(),
        failures: Rc::default(),
        certain: true,
        at_resource_body: false,
        budget: Rc::default(),
        pending_cycle: None,
        template,
        template_pointer: String::new(),
        store: Rc::new(RefCell::new(store)),
        id_scope: scope.clone(),
        deployed_base: Tri::True,
        scope,
        copy_stack: Vec::new(),
        property_loops: Vec::new(),
        base_copy_stack: Vec::new(),
        copy_path_prefix: Vec::new(),
        fn_args: None,
        udf_stack: Vec::new(),
        nesting: 0,
        deployment: 0,
        out: out.clone(),
        stats: EvalStats::default(),
        nested_cache: FxHashMap::default(),
        decl_index: None,
        early: Default::default(),
        deployment_names: None,
    };
    exp.check_user_functions();
    exp.check_parameter_constraints(&|name| {
        let file = params.file.as_ref()?;
        let (spelled, span) = params.spans.get(name)?;
        let span = *span;
        let mut pointer = String::from("/parameters/");
        push_pointer_token(&mut pointer, spelled);
        pointer.push_str("/value");
        Some((Some(file.clone()), span, pointer))
    });
    exp.expand_resources();
    exp.check_structure(root);
    let stats = exp.take_stats();
    drop(exp);
    let mut result = Rc::try_unwrap(out)
        .map(RefCell::into_inner)
        .unwrap_or_default();
    result.stats.merge(&stats);
    // Deterministic order: by declaration position, then copy path.
    // Instances are created in evaluation order; a module expanded early for `reference()` must
    // still appear where it is declared. Keys are computed once per instance.
    let keys: Vec<(u32, Vec<i64>)> = result
        .instances
        .iter()
        .map(|i| {
            (
                result
                    .declarations
                    .get(i.decl)
                    .map_or(u32::MAX, |d| d.span.start),
                copy_key(&i.copy_path),
            )
        })
        .collect();
    if keys.is_sorted() {
        return result;
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys.get(a).cmp(&keys.get(b)));
    reorder_instances(&mut result, &order);
    result
}

fn copy_key(path: &[Value]) -> Vec<i64> {
    path.iter()
        .map(|v| v.as_int_lenient().unwrap_or(i64::MAX))
        .collect()
}

/// Apply a permutation to the instances and fix the indexes that point at them.
fn reorder_instances(result: &mut Expansion, order: &[usize]) {
    let mut new_pos = vec![0usize; order.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(slot) = new_pos.get_mut(old) {
            *slot = new;
        }
    }
    let mut old: Vec<Option<ResourceInstance>> = std::mem::take(&mut result.instances)
        .into_iter()
        .map(Some)
        .collect();
    for &o in order {
        if let Some(mut inst) = old.get_mut(o).and_then(Option::take) {
            inst.parent = inst.parent.and_then(|p| new_pos.get(p).copied());
            result.instances.push(inst);
        }
    }
    for d in &mut result.deployments {
        d.instance = d.instance.and_then(|i| new_pos.get(i).copied());
    }
}

/// Parameters, variables and functions of one template, evaluated lazily and memoized. Shared by
/// nested deployments with outer scope.
struct Store<'t, 'a> {
    /// Prefix of the symbols of this template's unknown parameters (the template's pointer for
    /// nested ones, so that two modules' `parameters('name')` differ).
    symbol_prefix: String,
    params: FxHashMap<String, Slot<'t, 'a>>,
    vars: FxHashMap<String, Slot<'t, 'a>>,
    functions: FxHashMap<String, &'t JObject<'a>>,
    /// Whether the functions may call each other (languageVersion 2.0); when not, a call from one
    /// to another is reported where the functions are declared and evaluates to this reason,
    /// claimed so that it is not reported again where the value is used.
    calls_between_functions: Option<Arc<UnknownReason>>,
}

enum Slot<'t, 'a> {
    /// Not evaluated yet: the JSON to evaluate (a variable, or a parameter's default).
    Pending(&'t Json<'a>),
    /// A variable copy loop (`variables.copy[]` entry).
    PendingCopy(&'t JObject<'a>),
    /// A parameter with neither a value nor a default (its declared name).
    Missing {
        name: &'t str,
        secret: bool,
    },
    Evaluating,
    Done(Value),
}

impl Slot<'_, '_> {
    /// A cheap copy of an evaluated slot (anything else reads as not evaluated).
    fn peek(&self) -> Slot<'static, 'static> {
        match self {
            Slot::Done(v) => Slot::Done(v.clone()),
            _ => Slot::Evaluating,
        }
    }
}

/// Run `f` on the ASCII-lowercased `name` without allocating for names up to 64 bytes.
fn with_lowercase<R>(name: &str, f: impl FnOnce(&str) -> R) -> Option<R> {
    let mut buf = [0u8; 64];
    let bytes = name.as_bytes();
    let slot = buf.get_mut(..bytes.len())?;
    slot.copy_from_slice(bytes);
    slot.make_ascii_lowercase();
    std::str::from_utf8(slot).ok().map(f)
}

impl<'t, 'a> Store<'t, 'a> {
    fn new(
        template: &'t JObject<'a>,
        symbol_prefix: String,
        given: &FxHashMap<String, Value>,
    ) -> Self {
        let mut params = FxHashMap::default();
        if let Some(Json::Object(decl)) = sj::get(template, "parameters") {
            for p in &decl.properties {
                let key = p.name.as_str().to_ascii_lowercase();
                let def = sj::as_object(&p.value);
                let default = def.and_then(|d| sj::get(d, "defaultValue"));
                // A null value passed to a parameter with a default gives the default, as Azure
                // does (Bicep passes `createObject('value', null())` for an omitted module input).
                let passed = given
                    .get(&key)
                    .filter(|v| !(v.is_null() && default.is_some()));
                let slot = if let Some(v) = passed {
                    Slot::Done(v.clone())
                } else if let Some(d) = default {
                    Slot::Pending(d)
                } else {
                    let ty = def.and_then(|d| sj::get_str(d, "type")).unwrap_or("");
                    let nullable = def
                        .and_then(|d| sj::get(d, "nullable"))
                        .is_some_and(|n| matches!(n, Json::BooleanLit(b) if b.value));
                    if nullable && ty.is_empty() {
                        Slot::Done(Value::Null)
                    } else {
                        // Its unknown value is made when first read: most are never read.
                        Slot::Missing {
                            name: p.name.as_str(),
                            secret: ty.len() >= 6
                                && ty
                                    .get(..6)
                                    .is_some_and(|t| t.eq_ignore_ascii_case("secure")),
                        }
                    }
                };
                params.insert(key, slot);
            }
        }
        let mut vars = FxHashMap::default();
        if let Some(Json::Object(decl)) = sj::get(template, "variables") {
            for p in &decl.properties {
                if p.name.as_str() == "copy"
                    && let Json::Array(loops) = &p.value
                {
                    for l in &loops.elements {
                        if let Some(lo) = sj::as_object(l)
                            && let Some(name) = sj::get_str(lo, "name")
                        {
                            vars.insert(name.to_ascii_lowercase(), Slot::PendingCopy(lo));
                        }
                    }
                    continue;
                }
                vars.insert(
                    p.name.as_str().to_ascii_lowercase(),
                    Slot::Pending(&p.value),
                );
            }
        }
        let mut functions = FxHashMap::default();
        if let Some(Json::Array(namespaces)) = sj::get(template, "functions") {
            for ns in &namespaces.elements {
                let Some(ns) = sj::as_object(ns) else {
                    continue;
                };
                let Some(ns_name) = sj::get_str(ns, "namespace") else {
                    continue;
                };
                if let Some(Json::Object(members)) = sj::get(ns, "members") {
                    for m in &members.properties {
                        if let Some(mo) = sj::as_object(&m.value) {
                            functions.insert(
                                format!("{}.{}", ns_name, m.name.as_str()).to_ascii_lowercase(),
                                mo,
                            );
                        }
                    }
                }
            }
        }
        let calls_between_functions = (!user_functions::may_call_each_other(template)).then(|| {
            Arc::new(UnknownReason::Error(
                "a user-defined function calls another, which only templates of languageVersion \
                 2.0 allow"
                    .into(),
            ))
        });
        Store {
            symbol_prefix,
            params,
            vars,
            functions,
            calls_between_functions,
        }
    }
}

/// A nested deployment instance, expanded once. Its outputs are evaluated only when a
/// `reference()` asks for them; the child expander is kept for that (and for its own nested cache).
enum NestedState<'t, 'a, 'f> {
    /// Being expanded: a reference back to it is a cycle.
    InProgress,
    /// Outputs fixed without an inline template (linked template, nesting limit).
    Fixed(Value),
    Expanded {
        child: Box<Expander<'t, 'a, 'f>>,
        outputs: Option<Value>,
    },
}

/// A nested deployment declaration and its evaluated names, for `reference()`.
struct DeploymentName<'t, 'a> {
    json: &'t JObject<'a>,
    pointer: String,
    /// languageVersion 2.0 symbolic name, lower-cased.
    symbolic: Option<String>,
    /// Per copy index: the name, and whether it holds an unknown fragment.
    names: Vec<(Option<i64>, String, bool)>,
}

/// The declarations of the current template, indexed for `reference()` and `dependsOn` lookups.
struct DeclEntry<'t, 'a> {
    json: &'t JObject<'a>,
    pointer: String,
    symbolic: Option<String>,
}

/// A parsed template string, shared by every evaluation of the same text.
#[derive(Clone)]
enum Parsed {
    Literal(Arc<str>),
    Expression(Rc<crate::arm::expr::Expr>),
}

struct Expander<'t, 'a, 'f> {
    file: &'f Arc<SourceFile>,
    /// Parsed template strings by text, shared by all expanders of the file.
    parse_cache: Rc<RefCell<FxHashMap<Box<str>, Parsed>>>,
    /// Declaration pointer → index into `Expansion::declarations`, shared by all expanders.
    decl_ids: Rc<RefCell<FxHashMap<String, usize>>>,
    /// Lower-case resource types whose `properties` are evaluated; `None`: all.
    property_types: Option<Arc<FxHashSet<String>>>,
    /// Start offsets of the template strings already reported as invalid expressions, shared by
    /// all expanders of the file: each is reported once, where it is first evaluated, and the
    /// final syntax pass reports the rest.
    syntax_reported: Rc<RefCell<FxHashSet<usize>>>,
    /// Failures reported at an expression, shared by all expanders of the file.
    failures: Rc<RefCell<Failures>>,
    /// Whether what is being evaluated certainly runs at deployment (false inside a resource
    /// whose condition or loop count is not known).
    certain: bool,
    /// The next [`Self::eval_object`] evaluates a resource body (not a nested object).
    at_resource_body: bool,
    /// Evaluation limits, shared by all expanders of the file.
    budget: Rc<Budget>,
    /// A circular reference found while evaluating, reported at the innermost expression.
    pending_cycle: Option<String>,
    template: &'t JObject<'a>,
    template_pointer: String,
    store: Rc<RefCell<Store<'t, 'a>>>,
    /// What `resourceGroup()`, `subscription()`, `deployment()` and `resourceId()` see: with
    /// outer expression scope, the enclosing template's (Microsoft's scope-functions table).
    scope: DeploymentScope,
    /// Where this template's resources are deployed (their resource IDs).
    id_scope: DeploymentScope,
    /// Whether the deployment running this template happens: `Unknown` inside a nested
    /// deployment whose condition or loop count is not known.
    deployed_base: Tri,
    /// Active copy loops, innermost last: (loop name, index).
    copy_stack: Vec<(Option<String>, Value)>,
    /// Active property and variable copy loops (`"copy": [{name, count, input}]`), innermost last.
    /// ARM reaches them only by name: an unnamed `copyIndex()` inside one is the resource loop's.
    property_loops: Vec<(String, Value)>,
    /// The loops active where this template's resources are declared: none for the file and
    /// inner-scope deployments, the enclosing loop's for an outer-scope deployment in a loop.
    base_copy_stack: Vec<(Option<String>, Value)>,
    /// Copy indexes of enclosing module loops (for instance identity).
    copy_path_prefix: Vec<Value>,
    /// Arguments of the user-defined function being evaluated.
    fn_args: Option<Vec<(String, Value)>>,
    /// User-defined functions being evaluated (lower-case `namespace.name`), innermost last.
    udf_stack: Vec<String>,
    nesting: usize,
    deployment: usize,
    out: Rc<RefCell<Expansion>>,
    stats: EvalStats,
    /// (declaration pointer, copy index text) → expanded nested deployment.
    nested_cache: FxHashMap<(String, String), NestedState<'t, 'a, 'f>>,
    decl_index: Option<Vec<DeclEntry<'t, 'a>>>,
    /// `None`: not computed; `Some(None)`: being computed.
    #[allow(clippy::option_option)]
    deployment_names: Option<Option<Rc<Vec<DeploymentName<'t, 'a>>>>>,
    /// Deployment instances created early by `reference()`; the main loop must not add them again.
    early: rustc_hash::FxHashSet<(String, String)>,
}

/// Where a given parameter value is written: file (`None`: the template), span, JSON pointer.
type ValueSite = (Option<Arc<SourceFile>>, Span, String);

/// The parameter store of a nested deployment of inner scope: the parameters passed in
/// `properties.parameters`, already evaluated in the outer scope (`body`).
fn inner_store<'t, 'a>(
    template: &'t JObject<'a>,
    template_pointer: &str,
    body: &Value,
) -> Rc<RefCell<Store<'t, 'a>>> {
    // Parameters passed in `properties.parameters`, already evaluated in the outer scope.
    let mut given = FxHashMap::default();
    if let Some(Value::Object(ps)) = body.path("properties.parameters") {
        for (k, v) in ps.iter() {
            if let Some(val) = v.get("value") {
                given.insert(k.to_ascii_lowercase(), val);
            } else if v.get("reference").is_some() {
                given.insert(
                    k.to_ascii_lowercase(),
                    Value::unknown(UnknownReason::Secret(k.to_string()), None),
                );
            }
        }
    }
    let prefix = format!("{}:", template_pointer);
    Rc::new(RefCell::new(Store::new(template, prefix, &given)))
}

impl<'t, 'a, 'f> Expander<'t, 'a, 'f> {
    /// Check each parameter's value against its declared constraints, at the place the value
    /// comes from: `given_at` for values passed in (parameter file, enclosing deployment), the
    /// default value otherwise.
    fn check_parameter_constraints(&mut self, given_at: &dyn Fn(&str) -> Option<ValueSite>) {
        const CONSTRAINTS: [&str; 5] = [
            "allowedValues",
            "minValue",
            "maxValue",
            "minLength",
            "maxLength",
        ];
        let Some(Json::Object(decls)) = sj::get(self.template, "parameters") else {
            return;
        };
        for p in &decls.properties {
            let Some(decl) = sj::as_object(&p.value) else {
                continue;
            };
            if !CONSTRAINTS.iter().any(|c| sj::get(decl, c).is_some()) {
                continue;
            }
            let name = p.name.as_str();
            let key = name.to_ascii_lowercase();
            let site = given_at(&key).or_else(|| {
                let default = sj::get(decl, "defaultValue")?;
                let mut pointer = format!("{}/parameters/", self.template_pointer);
                push_pointer_token(&mut pointer, name);
                pointer.push_str("/defaultValue");
                Some((None, sj::span_of(default), pointer))
            });
            let Some((file, span, pointer)) = site else {
                continue;
            };
            let value = self.parameter(name);
            if let Some(message) = constraints::violation(name, decl, &value) {
                self.out.borrow_mut().issues.push(ExpansionIssue {
                    kind: IssueKind::InvalidParameterValue,
                    file,
                    span,
                    pointer,
                    message,
                });
            }
        }
    }

    fn issue(&mut self, kind: IssueKind, span: Span, pointer: &str, message: String) {
        self.out.borrow_mut().issues.push(ExpansionIssue {
            kind,
            file: None,
            span,
            pointer: pointer.to_string(),
            message,
        });
    }

    /// Evaluate a JSON value of the template: strings as expressions, objects with property copy
    /// loops expanded. `pointer` locates it for diagnostics.
    fn eval_json(&mut self, v: &Json, pointer: &mut String) -> Value {
        match v {
            Json::StringLit(s) => match self.parse_cached(&s.value) {
                Ok(Parsed::Literal(l)) => Value::String(l),
                Ok(Parsed::Expression(e)) => {
                    let v = Evaluator::new(self).eval_root(&e);
                    let mut reported = false;
                    // The innermost expression that ran into a limit is where it is reported.
                    if let Some(message) = self.pending_cycle.take() {
                        self.issue(
                            IssueKind::InvalidTemplate,
                            s.range.into(),
                            &pointer.clone(),
                            message,
                        );
                        reported = true;
                    }
                    if let Some(limit) = self.budget.take_unreported() {
                        self.issue(
                            IssueKind::EvaluationLimit,
                            s.range.into(),
                            &pointer.clone(),
                            limit.message(),
                        );
                        reported = true;
                    }
                    self.report_failure(&v, s, pointer, reported);
                    v
                }
                Err(e) => Value::error(self.report_invalid_expression(s, &e, pointer)),
            },
            Json::NumberLit(n) => number_value(n.value),
            Json::BooleanLit(b) => Value::Bool(b.value),
            Json::NullKeyword(_) => Value::Null,
            Json::Array(a) => {
                let mut items = Vec::with_capacity(a.elements.len());
                for (i, e) in a.elements.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    sj::push_index(pointer, i);
                    items.push(self.eval_json(e, pointer));
                    pointer.truncate(len);
                }
                Value::array(items)
            }
            Json::Object(o) => self.eval_object(o, pointer, &[]),
        }
    }

    /// Report where an expression's value says it fails (`Error`) or stopped at a limit (`Limit`):
    /// at the innermost expression that produced the reason, once, and only where Azure certainly
    /// evaluates it. `reported`: a cycle or limit was reported here already.
    fn report_failure(
        &mut self,
        v: &Value,
        s: &crate::source::json::JsonString,
        pointer: &str,
        reported: bool,
    ) {
        let Value::Unknown(u) = v else {
            return;
        };
        let kind = match &*u.reason {
            UnknownReason::Error(_) => IssueKind::ExpressionFails,
            UnknownReason::Limit(_) => IssueKind::EvaluationLimit,
            _ => return,
        };
        let mut failures = self.failures.borrow_mut();
        // A reason reported at the expression that made it is not reported again where its value
        // is used (a variable that fails, and every expression that reads it).
        if !failures.claim_reason(&u.reason) || reported {
            return;
        }
        if !self.certain {
            // Maybe never evaluated by Azure; a use that certainly is may report it.
            failures.release_reason(&u.reason);
            return;
        }
        if !failures.expressions.insert(s.range.start) {
            return;
        }
        drop(failures);
        // Limits are reported once per template, as the budget's are: past the first, what it
        // touches is unknown anyway.
        if kind == IssueKind::EvaluationLimit && !self.budget.claim_report() {
            return;
        }
        let message = match &*u.reason {
            UnknownReason::Error(msg) => format!("this expression fails at deployment: {msg}"),
            other => format!(
                "armlint stopped evaluating this expression: {}",
                limit_text(other)
            ),
        };
        self.issue(kind, s.range.into(), pointer, message);
    }

    /// Report an expression that does not parse; the message.
    fn report_invalid_expression(
        &mut self,
        s: &crate::source::json::JsonString,
        e: &crate::arm::expr::ParseError,
        pointer: &str,
    ) -> String {
        // Point at the exact character when the JSON string has no escapes, so the text between
        // the quotes is the expression as parsed.
        let (start, end) = (s.range.start, s.range.end);
        let raw = self.file.text.get(start + 1..end.saturating_sub(1));
        let span: Span = if raw == Some(s.value.as_ref()) {
            let at = (start + 1 + e.offset).min(end.saturating_sub(1));
            Span::new(at, (at + 1).min(end))
        } else {
            s.range.into()
        };
        let msg = format!("invalid expression: {}", e.message);
        if self.syntax_reported.borrow_mut().insert(start) {
            self.issue(IssueKind::InvalidExpression, span, pointer, msg.clone());
        }
        msg
    }

    /// What Azure checks before evaluating: section types, and the syntax of every expression it
    /// would evaluate, used or not (those evaluated were reported already).
    fn check_structure(&mut self, root: &Json) {
        let cache = self.parse_cache.clone();
        let known = move |text: &str| cache.borrow().contains_key(text);
        let found = structure::check(self.template, &known);
        for m in found.misshapen {
            let at = sj::pointer_at(root, m.span.start as usize);
            self.issue(IssueKind::InvalidTemplate, m.span, &at, m.message);
        }
        for (s, e) in found.invalid {
            if self.syntax_reported.borrow().contains(&s.range.start) {
                continue;
            }
            // Pointers are worked out only for what is reported.
            let at = sj::pointer_at(root, s.range.start);
            self.report_invalid_expression(s, &e, &at);
        }
    }

    /// A function of this template's own that calls another where Azure does not allow it, at the
    /// calling body. The body's offset is taken as reported, so that its evaluation does not
    /// report it again.
    fn check_user_functions(&mut self) {
        let store = self.store.borrow();
        if store.calls_between_functions.is_none() {
            return;
        }
        let found = user_functions::forbidden_calls(self.template, &self.template_pointer, &|k| {
            store.functions.contains_key(k)
        });
        drop(store);
        for f in found {
            if self
                .failures
                .borrow_mut()
                .expressions
                .insert(f.span.start as usize)
            {
                self.issue(IssueKind::InvalidTemplate, f.span, &f.pointer, f.message);
            }
        }
    }

    /// Parse a template string, once per distinct text in the file: templates repeat the same
    /// expressions and literals many times (every nested module passes `location`, ...).
    fn parse_cached(&mut self, text: &str) -> Result<Parsed, crate::arm::expr::ParseError> {
        if let Some(p) = self.parse_cache.borrow().get(text) {
            return Ok(p.clone());
        }
        let parsed = match parse_template_string(text)? {
            TemplateString::Literal(l) => Parsed::Literal(Arc::from(l.as_ref())),
            TemplateString::Expression(e) => Parsed::Expression(Rc::new(e)),
        };
        self.parse_cache
            .borrow_mut()
            .insert(Box::from(text), parsed.clone());
        Ok(parsed)
    }

    /// Evaluate an object, skipping `skip` keys (case-insensitive). A `copy` array of
    /// `{name, count, input}` entries defines array properties (property iteration).
    fn eval_object(&mut self, o: &JObject, pointer: &mut String, skip: &[&str]) -> Value {
        let resource_body = std::mem::take(&mut self.at_resource_body);
        let mut obj = Object::with_capacity(o.properties.len());
        for p in &o.properties {
            let key = p.name.as_str();
            if skip.iter().any(|s| s.eq_ignore_ascii_case(key)) {
                continue;
            }
            let len = pointer.len();
            pointer.push('/');
            push_pointer_token(pointer, key);
            if key.eq_ignore_ascii_case("copy")
                && let Some(loops) = property_copy_loops(&p.value)
            {
                for (i, l) in loops.into_iter().enumerate() {
                    let plen = pointer.len();
                    pointer.push('/');
                    sj::push_index(pointer, i);
                    let (name, value) = self.eval_property_copy(l, pointer);
                    pointer.truncate(plen);
                    obj.insert(name, value);
                }
                pointer.truncate(len);
                continue;
            }
            // A resource's `properties` are evaluated only for the types the enabled rules read
            // (all of them with `--statistics`): failures in them are not reported, so that the
            // findings do not depend on what is evaluated.
            let saved_certain = self.certain;
            if resource_body && key.eq_ignore_ascii_case("properties") {
                self.certain = false;
            }
            let v = self.eval_json(&p.value, pointer);
            self.certain = saved_certain;
            pointer.truncate(len);
            // Duplicate keys stay as written; lookups take the last one, as Azure does.
            obj.push(key, v);
        }
        Value::object(obj)
    }

    /// One property copy loop: `{ "name": "dataDisks", "count": n, "input": {...} }`.
    fn eval_property_copy(&mut self, l: &JObject, pointer: &mut String) -> (String, Value) {
        let name = sj::get_str(l, "name").unwrap_or("").to_string();
        let count = match sj::get(l, "count") {
            Some(c) => {
                let len = pointer.len();
                pointer.push_str("/count");
                let v = self.eval_json(c, pointer);
                pointer.truncate(len);
                v
            }
            None => Value::error("copy loop without count"),
        };
        let Some(input) = sj::get(l, "input") else {
            return (name, Value::error("copy loop without input"));
        };
        let n = match self.loop_count(&count, l, pointer) {
            Some(n) => n,
            None => {
                let reason = count
                    .first_unknown()
                    .map(|u| u.reason.clone())
                    .unwrap_or_else(|| UnknownReason::CopyIndex.into());
                return (name, Value::unknown(reason, None));
            }
        };
        let mut items = Vec::with_capacity(n as usize);
        pointer.push_str("/input");
        for i in 0..n {
            self.property_loops.push((name.clone(), Value::Int(i)));
            let len = pointer.len();
            items.push(self.eval_json(input, pointer));
            pointer.truncate(len);
            self.property_loops.pop();
        }
        (name, Value::array(items))
    }

    /// A known, valid loop count; reports counts Azure rejects.
    fn loop_count(&mut self, count: &Value, at: &JObject, pointer: &str) -> Option<i64> {
        // A number Azure cannot read as a count (a fraction, or beyond a 64-bit integer, whose
        // literal evaluates to an error) is rejected, not unknown.
        let literal = match sj::get(at, "count") {
            Some(Json::NumberLit(n)) => Some(n.value),
            _ => None,
        };
        let not_integer = match count {
            Value::Float(f) => Some(literal.map_or_else(|| f.to_string(), str::to_string)),
            Value::Unknown(u) if matches!(*u.reason, UnknownReason::Error(_)) => {
                literal.map(str::to_string)
            }
            _ => None,
        };
        if let Some(text) = not_integer {
            self.issue(
                IssueKind::InvalidTemplate,
                at.range.into(),
                pointer,
                format!(
                    "copy count {text} is not an integer in the range Azure accepts (0 to {AZURE_COPY_COUNT})"
                ),
            );
            return None;
        }
        let n = count.as_int_lenient()?;
        if !(0..=AZURE_COPY_COUNT).contains(&n) {
            let span: Span = at.range.into();
            self.issue(
                IssueKind::InvalidTemplate,
                span,
                pointer,
                format!(
                    "copy count {n} is outside the range Azure accepts (0 to {AZURE_COPY_COUNT})"
                ),
            );
            return None;
        }
        Some(n)
    }

    /// Evaluate template JSON with no copy loop active (variables, parameter defaults, outputs).
    fn eval_detached(&mut self, v: &Json, pointer: &str) -> Value {
        let saved = std::mem::take(&mut self.copy_stack);
        let saved_loops = std::mem::take(&mut self.property_loops);
        let saved_args = self.fn_args.take();
        let mut p = pointer.to_string();
        let r = self.eval_json(v, &mut p);
        self.copy_stack = saved;
        self.property_loops = saved_loops;
        self.fn_args = saved_args;
        r
    }

    fn section_pointer(&self, section: &str, key: &str) -> String {
        sj::member_pointer(&self.template_pointer, section, key)
    }

    // ---------------------------------------------------------------------------------------------
    // Resources

    fn declarations(&mut self) -> &Vec<DeclEntry<'t, 'a>> {
        if self.decl_index.is_none() {
            let mut entries = Vec::new();
            match sj::get(self.template, "resources") {
                Some(Json::Array(a)) => {
                    for (i, r) in a.elements.iter().enumerate() {
                        if let Some(o) = sj::as_object(r) {
                            entries.push(DeclEntry {
                                json: o,
                                pointer: sj::element_pointer(
                                    &self.template_pointer,
                                    "resources",
                                    i,
                                ),
                                symbolic: None,
                            });
                        }
                    }
                }
                Some(Json::Object(o)) => {
                    for p in &o.properties {
                        if let Some(ro) = sj::as_object(&p.value) {
                            entries.push(DeclEntry {
                                json: ro,
                                pointer: sj::member_pointer(
                                    &self.template_pointer,
                                    "resources",
                                    p.name.as_str(),
                                ),
                                symbolic: Some(p.name.as_str().to_string()),
                            });
                        }
                    }
                }
                _ => {}
            }
            self.decl_index = Some(entries);
        }
        self.decl_index.get_or_insert_with(Vec::new)
    }

    fn expand_resources(&mut self) {
        let count = self.declarations().len();
        for i in 0..count {
            let Some((json, pointer, symbolic)) = self
                .declarations()
                .get(i)
                .map(|d| (d.json, d.pointer.clone(), d.symbolic.clone()))
            else {
                continue;
            };
            self.expand_declaration(json, &pointer, symbolic, None);
        }
    }

    fn register_declaration(
        &mut self,
        json: &JObject,
        pointer: &str,
        symbolic: Option<String>,
        resource_type: &str,
        existing: bool,
    ) -> usize {
        let mut out = self.out.borrow_mut();
        if let Some(&i) = self.decl_ids.borrow().get(pointer) {
            return i;
        }
        let name_text = match sj::get(json, "name") {
            Some(Json::StringLit(s)) => s.value.to_string(),
            _ => String::new(),
        };
        let copy_name = sj::get(json, "copy")
            .and_then(sj::as_object)
            .and_then(|c| sj::get_str(c, "name"))
            .map(String::from);
        out.declarations.push(Declaration {
            pointer: pointer.to_string(),
            span: json.range.into(),
            symbolic_name: symbolic,
            resource_type: resource_type.to_string(),
            name_text,
            copy_name,
            existing,
            deployment: self.deployment,
        });
        self.decl_ids
            .borrow_mut()
            .insert(pointer.to_string(), out.declarations.len() - 1);
        out.declarations.len() - 1
    }

    /// Expand one declaration (with its copy loop) and its nested children.
    /// `parent`: (instance index, parent type, parent name) for nested children.
    fn expand_declaration(
        &mut self,
        json: &'t JObject<'a>,
        pointer: &str,
        symbolic: Option<String>,
        parent: Option<(usize, String, Value)>,
    ) {
        let raw_type = sj::get_str(json, "type")
            .unwrap_or("")
            .trim_matches('/')
            .to_string();
        let resource_type = match &parent {
            Some((_, pt, _)) if !raw_type.contains('.') => {
                format!("{pt}/{raw_type}")
            }
            _ => raw_type,
        };
        let existing = matches!(sj::get(json, "existing"), Some(Json::BooleanLit(b)) if b.value);
        let decl = self.register_declaration(json, pointer, symbolic, &resource_type, existing);
        match sj::get(json, "copy").and_then(sj::as_object) {
            Some(copy) => {
                let loop_name = sj::get_str(copy, "name").map(String::from);
                let count = match sj::get(copy, "count") {
                    Some(c) => self.eval_json(c, &mut format!("{pointer}/copy/count")),
                    None => Value::error("copy loop without count"),
                };
                match self.loop_count(&count, copy, &format!("{pointer}/copy")) {
                    Some(n) => {
                        for i in 0..n {
                            if self.out.borrow().instances.len() >= INSTANCES {
                                if self.budget.claim_report() {
                                    self.issue(
                                        IssueKind::EvaluationLimit,
                                        copy.range.into(),
                                        &format!("{pointer}/copy"),
                                        Limit::Instances.message(),
                                    );
                                }
                                return;
                            }
                            self.copy_stack.push((loop_name.clone(), Value::Int(i)));
                            self.expand_instance(
                                json,
                                pointer,
                                decl,
                                &resource_type,
                                existing,
                                &parent,
                                Tri::True,
                            );
                            self.copy_stack.pop();
                        }
                    }
                    None => {
                        // One representative instance: properties that do not depend on the index
                        // are still checked; counting treats it as "maybe deployed".
                        let reason = count
                            .first_unknown()
                            .map(|u| u.reason.clone())
                            .unwrap_or_else(|| UnknownReason::CopyIndex.into());
                        let sym = Symbol::expression(&format!(
                            "copyIndex('{}')",
                            loop_name.as_deref().unwrap_or("")
                        ));
                        self.copy_stack
                            .push((loop_name.clone(), Value::unknown(reason, Some(sym))));
                        self.expand_instance(
                            json,
                            pointer,
                            decl,
                            &resource_type,
                            existing,
                            &parent,
                            Tri::Unknown,
                        );
                        self.copy_stack.pop();
                    }
                }
            }
            None => {
                self.expand_instance(
                    json,
                    pointer,
                    decl,
                    &resource_type,
                    existing,
                    &parent,
                    Tri::True,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_instance(
        &mut self,
        json: &'t JObject<'a>,
        pointer: &str,
        decl: usize,
        resource_type: &str,
        existing: bool,
        parent: &Option<(usize, String, Value)>,
        loop_known: Tri,
    ) -> Option<usize> {
        let is_deployment = resource_type.eq_ignore_ascii_case(DEPLOYMENTS);
        // Expanded already, because an expression earlier in the file read its outputs.
        if is_deployment && self.early.contains(&self.cache_key(pointer)) {
            return None;
        }
        // Inside a deployment that may not happen, nothing is certain.
        let mut deployed = loop_known.and(self.deployed_base);
        if let Some(c) = sj::get(json, "condition") {
            let cond = self.eval_json(c, &mut sj::child_pointer(pointer, "condition"));
            match cond.as_bool_lenient() {
                Some(false) => {
                    self.out.borrow_mut().skipped_by_condition += 1;
                    return None;
                }
                Some(true) => {}
                None => deployed = Tri::Unknown,
            }
        }
        let saved_certain = self.certain;
        // An `existing` resource is only read when something refers to it.
        self.certain = saved_certain && deployed == Tri::True && !existing;
        let index = self.expand_instance_body(
            json,
            pointer,
            decl,
            resource_type,
            existing,
            parent,
            deployed,
        );
        self.certain = saved_certain;
        Some(index)
    }

    /// The rest of [`Self::expand_instance`], once the instance is known to be (maybe) deployed.
    #[allow(clippy::too_many_arguments)]
    fn expand_instance_body(
        &mut self,
        json: &'t JObject<'a>,
        pointer: &str,
        decl: usize,
        resource_type: &str,
        existing: bool,
        parent: &Option<(usize, String, Value)>,
        deployed: Tri,
    ) -> usize {
        let is_deployment = resource_type.eq_ignore_ascii_case(DEPLOYMENTS);
        let mut body_ptr = pointer.to_string();
        let properties_evaluated = is_deployment
            || self.property_types.as_ref().is_none_or(|types| {
                with_lowercase(resource_type, |t| types.contains(t)) != Some(false)
            });
        let body = if is_deployment {
            self.eval_deployment_body(json, &mut body_ptr)
        } else if !properties_evaluated {
            let body = self.eval_object(
                json,
                &mut body_ptr,
                &["copy", "condition", "dependsOn", "resources", "properties"],
            );
            // Its expressions' syntax is checked by the final pass over the whole template.
            body
        } else {
            self.at_resource_body = true;
            self.eval_object(
                json,
                &mut body_ptr,
                &["copy", "condition", "dependsOn", "resources"],
            )
        };
        let mut name = body.get("name").unwrap_or(Value::Null);
        if let Some((_, _, parent_name)) = parent {
            // A nested child's short name is qualified by its parent's.
            if let Some(short) = name.as_str() {
                if !short.contains('/') {
                    name = crate::arm::functions::concat_strings(&[
                        parent_name.clone(),
                        Value::string("/"),
                        name.clone(),
                    ]);
                }
            } else if !name.is_null() {
                name = crate::arm::functions::concat_strings(&[
                    parent_name.clone(),
                    Value::string("/"),
                    name.clone(),
                ]);
            }
        }
        let id = self.resource_id_of(&body, resource_type, &name);
        let api_version = body
            .get("apiVersion")
            .and_then(|v| v.as_str().map(String::from));
        let mut depends_on = Vec::new();
        if let Some(Json::Array(deps)) = sj::get(json, "dependsOn") {
            for (i, d) in deps.elements.iter().enumerate() {
                depends_on
                    .push(self.eval_json(d, &mut sj::element_pointer(pointer, "dependsOn", i)));
            }
        }
        let mut copy_path = self.copy_path_prefix.clone();
        // An outer-scope template inherits the enclosing loop, which the prefix already holds.
        copy_path.extend(
            self.copy_stack
                .iter()
                .skip(self.base_copy_stack.len())
                .map(|(_, v)| v.clone()),
        );
        let instance = ResourceInstance {
            decl,
            copy_path,
            resource_type: resource_type.to_string(),
            name: name.clone(),
            id,
            api_version,
            body,
            deployed,
            existing,
            depends_on,
            parent: parent.as_ref().map(|p| p.0),
            deployment: self.deployment,
            properties_evaluated,
        };
        let index = {
            let mut out = self.out.borrow_mut();
            out.instances.push(instance);
            out.instances.len() - 1
        };
        if is_deployment && !existing {
            self.expand_nested(json, pointer, index);
        }
        // Nested children (1.0 `resources` inside a resource).
        if let Some(Json::Array(children)) = sj::get(json, "resources") {
            for (i, c) in children.elements.iter().enumerate() {
                if let Some(co) = sj::as_object(c) {
                    let cp = sj::element_pointer(pointer, "resources", i);
                    self.expand_declaration(
                        co,
                        &cp,
                        None,
                        Some((index, resource_type.to_string(), name.clone())),
                    );
                }
            }
        }
        index
    }

    /// The body of a `Microsoft.Resources/deployments` resource, without its inline template (whose
    /// expressions belong to the nested evaluation).
    fn eval_deployment_body(&mut self, json: &JObject, pointer: &mut String) -> Value {
        let mut obj = Object::with_capacity(json.properties.len());
        for p in &json.properties {
            let key = p.name.as_str();
            if ["copy", "condition", "dependsOn", "resources"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(key))
            {
                continue;
            }
            let len = pointer.len();
            pointer.push('/');
            push_pointer_token(pointer, key);
            let v = if key.eq_ignore_ascii_case("properties") {
                match &p.value {
                    Json::Object(po) => {
                        // With outer scope the inline template's parameters are not passed; with
                        // inner scope `parameters` is evaluated here, in the outer scope.
                        self.eval_object(po, pointer, &["template"])
                    }
                    other => self.eval_json(other, pointer),
                }
            } else {
                self.eval_json(&p.value, pointer)
            };
            pointer.truncate(len);
            obj.insert(key, v);
        }
        Value::object(obj)
    }

    /// The ID of a declared resource in the current scope (or its `scope`/`resourceGroup`/
    /// `subscriptionId` properties for cross-scope and extension resources).
    fn resource_id_of(&self, body: &Value, resource_type: &str, name: &Value) -> Value {
        let mut prefix: Vec<Value> = Vec::new();
        if let Some(scope) = body.get("scope").filter(|v| !v.is_null()) {
            // Extension resource: `{scope}/providers/{type}/{name}`; a relative scope
            // (`Microsoft.Compute/virtualMachines/vm`) is relative to the resource group.
            match scope.as_str() {
                Some(s) if !s.starts_with('/') => {
                    prefix.push(self.id_scope.resource_group_id());
                    prefix.push(Value::string(["/providers/", s].concat()));
                }
                _ => prefix.push(scope),
            }
        } else {
            let sub = body
                .get("subscriptionId")
                .filter(|v| !v.is_null())
                .unwrap_or(self.id_scope.subscription_id.clone());
            let rg = body
                .get("resourceGroup")
                .filter(|v| !v.is_null())
                .or_else(|| self.id_scope.resource_group.clone());
            if resource_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups") {
                prefix.push(Value::string("/subscriptions/"));
                prefix.push(sub);
            } else if self.id_scope.management_group.is_some()
                && body.get("subscriptionId").is_none()
            {
                prefix.push(Value::string(
                    "/providers/Microsoft.Management/managementGroups/",
                ));
                prefix.push(
                    self.id_scope
                        .management_group
                        .clone()
                        .unwrap_or(Value::Null),
                );
            } else {
                prefix.push(Value::string("/subscriptions/"));
                prefix.push(sub);
                if let Some(rg) = rg {
                    prefix.push(Value::string("/resourceGroups/"));
                    prefix.push(rg);
                }
            }
        }
        let mut parts = prefix;
        let mut segs = resource_type.split('/');
        let namespace = segs.next().unwrap_or("");
        let types: Vec<&str> = segs.collect();
        parts.push(Value::string(["/providers/", namespace].concat()));
        let names = split_name(name);
        if names.len() == types.len() {
            for (t, n) in types.iter().zip(names) {
                parts.push(Value::string(["/", t, "/"].concat()));
                parts.push(n);
            }
        } else {
            // The name does not split into one segment per type level (unknown or malformed).
            parts.push(Value::string(["/", &types.join("/"), "/"].concat()));
            parts.push(name.clone());
        }
        crate::arm::functions::concat_strings(&parts)
    }

    // ---------------------------------------------------------------------------------------------
    // Nested deployments

    fn cache_key(&self, pointer: &str) -> (String, String) {
        let idx: Vec<String> = self
            .copy_stack
            .iter()
            .map(|(_, v)| v.symbol_fragment())
            .collect();
        (pointer.to_string(), idx.join(","))
    }

    /// Expand a nested deployment instance (inline template), once.
    fn expand_nested(&mut self, json: &'t JObject<'a>, pointer: &str, instance: usize) {
        let key = self.cache_key(pointer);
        if self.nested_cache.contains_key(&key) {
            return;
        }
        self.nested_cache
            .insert(key.clone(), NestedState::InProgress);
        let state = self.expand_nested_uncached(json, pointer, instance);
        self.nested_cache.insert(key, state);
    }

    /// The outputs of an expanded nested deployment (evaluated on first use).
    fn nested_outputs(&mut self, key: &(String, String)) -> Value {
        match self.nested_cache.get_mut(key) {
            None | Some(NestedState::InProgress) => Value::unknown(
                UnknownReason::Limit("circular reference between deployments".into()),
                None,
            ),
            Some(NestedState::Fixed(v)) => v.clone(),
            Some(NestedState::Expanded { child, outputs }) => {
                if let Some(v) = outputs {
                    return v.clone();
                }
                let v = child.eval_outputs();
                let stats = child.take_stats();
                *outputs = Some(v.clone());
                self.stats.merge(&stats);
                v
            }
        }
    }

    /// Statistics of this expander and every nested one it keeps.
    fn take_stats(&mut self) -> EvalStats {
        let mut stats = std::mem::take(&mut self.stats);
        for state in self.nested_cache.values_mut() {
            if let NestedState::Expanded { child, .. } = state {
                stats.merge(&child.take_stats());
            }
        }
        stats
    }

    fn expand_nested_uncached(
        &mut self,
        json: &'t JObject<'a>,
        pointer: &str,
        instance: usize,
    ) -> NestedState<'t, 'a, 'f> {
        let linked = NestedState::Fixed(Value::unknown(UnknownReason::LinkedTemplate, None));
        let Some(props) = sj::get(json, "properties").and_then(sj::as_object) else {
            return linked;
        };
        let Some(template) = sj::get(props, "template").and_then(sj::as_object) else {
            return linked;
        };
        if self.nesting >= DEPLOYMENT_NESTING {
            return NestedState::Fixed(Value::unknown(
                UnknownReason::Limit("nested deployments too deep".into()),
                None,
            ));
        }
        let inner = sj::get(props, "expressionEvaluationOptions")
            .and_then(sj::as_object)
            .and_then(|o| sj::get_str(o, "scope"))
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let body = self
            .out
            .borrow()
            .instances
            .get(instance)
            .map(|i| i.body.clone())
            .unwrap_or(Value::Null);
        let scope = self.nested_scope(&body);
        let template_pointer = format!("{pointer}/properties/template");
        let deployment = {
            let mut out = self.out.borrow_mut();
            out.deployments.push(DeploymentInfo {
                template_pointer: template_pointer.clone(),
                instance: Some(instance),
                parent: Some(self.deployment),
                scope: scope.clone(),
                inner_scope: inner,
            });
            out.deployments.len() - 1
        };
        let store = if inner {
            inner_store(template, &template_pointer, &body)
        } else {
            self.store.clone()
        };
        let deployed_base = self
            .out
            .borrow()
            .instances
            .get(instance)
            .map_or(Tri::Unknown, |i| i.deployed);
        let mut copy_path_prefix = self.copy_path_prefix.clone();
        copy_path_prefix.extend(
            self.copy_stack
                .iter()
                .skip(self.base_copy_stack.len())
                .map(|(_, v)| v.clone()),
        );
        let child_copy_stack = if inner {
            Vec::new()
        } else {
            self.copy_stack.clone()
        };
        let mut child = Expander {
            file: self.file,
            parse_cache: self.parse_cache.clone(),
            decl_ids: self.decl_ids.clone(),
            property_types: self.property_types.clone(),
            syntax_reported: self.syntax_reported.clone(),
            failures: self.failures.clone(),
            certain: self.certain,
            at_resource_body: false,
            budget: self.budget.clone(),
            pending_cycle: None,
            template,
            template_pointer,
            store,
            scope: if inner {
                scope.clone()
            } else {
                self.scope.clone()
            },
            id_scope: scope,
            deployed_base,
            // Outer scope: the inline template still sees the enclosing loop's copyIndex().
            copy_stack: child_copy_stack.clone(),
            property_loops: Vec::new(),
            base_copy_stack: child_copy_stack,
            copy_path_prefix,
            fn_args: None,
            udf_stack: Vec::new(),
            nesting: self.nesting + 1,
            deployment,
            out: self.out.clone(),
            stats: EvalStats::default(),
            nested_cache: FxHashMap::default(),
            decl_index: None,
            early: Default::default(),
            deployment_names: None,
        };
        if inner {
            child.check_user_functions();
            child.check_passed_parameters(props, pointer);
        }
        if self.budget.enter() {
            child.expand_resources();
            self.budget.leave();
        }
        NestedState::Expanded {
            child: Box::new(child),
            outputs: None,
        }
    }

    /// Where a nested deployment deploys: the enclosing deployment's target unless it names
    /// its own resource group or subscription (`body` is its evaluated declaration).
    fn nested_scope(&self, body: &Value) -> DeploymentScope {
        let mut scope = self.id_scope.clone();
        if let Some(sub) = body.get("subscriptionId").filter(|v| !v.is_null()) {
            scope.subscription_id = sub;
        }
        if let Some(rg) = body.get("resourceGroup").filter(|v| !v.is_null()) {
            scope.resource_group = Some(rg);
        }
        if let Some(n) = body.get("name") {
            scope.deployment_name = n;
        }
        scope.changed();
        scope
    }

    /// Checks the parameters a nested deployment of inner scope passes against its template's
    /// constraints, each reported at its `value` in `properties.parameters`.
    fn check_passed_parameters(&mut self, props: &JObject<'a>, pointer: &str) {
        let params_json = sj::get(props, "parameters").and_then(sj::as_object);
        self.check_parameter_constraints(&|name| {
            let params_json = params_json?;
            let entry = params_json
                .properties
                .iter()
                .find(|p| p.name.as_str().eq_ignore_ascii_case(name))?;
            let value = sj::as_object(&entry.value).and_then(|o| sj::get(o, "value"))?;
            let mut ptr = format!("{pointer}/properties/parameters/");
            push_pointer_token(&mut ptr, entry.name.as_str());
            ptr.push_str("/value");
            Some((None, sj::span_of(value), ptr))
        });
    }

    /// The template's `outputs`, as `reference()` returns them: `{ name: { type, value } }`.
    fn eval_outputs(&mut self) -> Value {
        let mut outs = Object::new();
        if let Some(Json::Object(o)) = sj::get(self.template, "outputs") {
            for p in &o.properties {
                let ptr = self.section_pointer("outputs", p.name.as_str());
                let Some(def) = sj::as_object(&p.value) else {
                    continue;
                };
                let mut entry = Object::new();
                if let Some(t) = sj::get_str(def, "type") {
                    entry.insert("type", Value::string(t));
                }
                let value = if let Some(copy) = sj::get(def, "copy").and_then(sj::as_object) {
                    let mut vp = format!("{ptr}/copy");
                    let saved = std::mem::take(&mut self.copy_stack);
                    let count = sj::get(copy, "count")
                        .map(|c| self.eval_json(c, &mut vp.clone()))
                        .unwrap_or(Value::Null);
                    let v = match (self.loop_count(&count, copy, &vp), sj::get(copy, "input")) {
                        (Some(n), Some(input)) => {
                            let mut items = Vec::new();
                            for i in 0..n {
                                self.copy_stack.push((None, Value::Int(i)));
                                items.push(self.eval_json(input, &mut vp));
                                self.copy_stack.pop();
                            }
                            Value::array(items)
                        }
                        _ => Value::unknown(UnknownReason::CopyIndex, None),
                    };
                    self.copy_stack = saved;
                    v
                } else {
                    match sj::get(def, "value") {
                        Some(v) => self.eval_detached(v, &format!("{ptr}/value")),
                        None => Value::Null,
                    }
                };
                entry.insert("value", value);
                outs.insert(p.name.as_str(), Value::object(entry));
            }
        }
        Value::object(outs)
    }

    /// Find the nested deployment a `reference()` argument names (symbolic name, `name[i]` in 2.0,
    /// deployment name, or a deployments resource ID) and return its outputs object.
    fn reference_deployment(&mut self, target: &Value) -> Option<Value> {
        let (text, target_unknown) = match target {
            Value::String(s) => (s.as_ref(), false),
            Value::Unknown(u) => {
                let symbol = u.symbol.as_ref()?;
                (symbol.text(), symbol.has_unknown())
            }
            _ => return None,
        };
        // Most references name other resources by ID: reject them before any work.
        let lower = text.to_ascii_lowercase();
        let wanted_name = if lower.contains("/providers/") {
            if !lower.contains("/microsoft.resources/deployments/") {
                return None;
            }
            match crate::arm::functions::parse_resource_id_value(target) {
                Some(p) if p.resource_type == "microsoft.resources/deployments" => {
                    let last = p.names.len().saturating_sub(1);
                    p.names.last().cloned().map(|n| (n, p.unknown.name(last)))
                }
                _ => return None,
            }
        } else {
            None
        };
        // 2.0: `reference('mod')` or `reference('mods[3]')`.
        let (sym, sym_index) = match lower.find('[') {
            Some(i) if lower.ends_with(']') => (
                lower[..i].to_string(),
                lower
                    .get(i + 1..lower.len() - 1)
                    .and_then(|n| n.parse::<i64>().ok()),
            ),
            _ => (lower.clone(), None),
        };
        // A name matches only a name as unknown as itself: a literal name spelled like a symbol
        // is not that symbol.
        let target_name = wanted_name.unwrap_or((lower, target_unknown));
        let names = self.deployment_names()?;
        let found = names.iter().find_map(|d| {
            if !target_unknown && d.symbolic.as_deref() == Some(sym.as_str()) && !text.contains('/')
            {
                return Some((d.json, d.pointer.clone(), sym_index));
            }
            d.names
                .iter()
                .find(|(_, n, unknown)| (n, *unknown) == (&target_name.0, target_name.1))
                .map(|(i, _, _)| (d.json, d.pointer.clone(), *i))
        });
        let (json, pointer, index) = found?;
        Some(self.outputs_of(json, &pointer, index))
    }

    /// The nested deployments declared in this template with their evaluated names per copy
    /// index (lower-cased; symbols for unknown names), computed once.
    fn deployment_names(&mut self) -> Option<Rc<Vec<DeploymentName<'t, 'a>>>> {
        match &self.deployment_names {
            Some(Some(n)) => return Some(n.clone()),
            Some(None) => return None, // being computed: a name that refers to a deployment's outputs
            None => {}
        }
        self.deployment_names = Some(None);
        let decls: Vec<(&'t JObject<'a>, String, Option<String>)> = self
            .declarations()
            .iter()
            .filter(|d| {
                sj::get_str(d.json, "type").is_some_and(|t| t.eq_ignore_ascii_case(DEPLOYMENTS))
            })
            .map(|d| (d.json, d.pointer.clone(), d.symbolic.clone()))
            .collect();
        let saved = std::mem::replace(&mut self.copy_stack, self.base_copy_stack.clone());
        let mut out = Vec::with_capacity(decls.len());
        for (json, pointer, symbolic) in decls {
            let copy = sj::get(json, "copy").and_then(sj::as_object);
            let indexes: Vec<Option<i64>> = match copy {
                None => vec![None],
                Some(c) => {
                    let count = sj::get(c, "count")
                        .map(|v| self.eval_json(v, &mut format!("{pointer}/copy/count")));
                    match count.and_then(|c| c.as_int_lenient()) {
                        Some(n) if (0..=AZURE_COPY_COUNT).contains(&n) => {
                            (0..n).map(Some).collect()
                        }
                        _ => vec![],
                    }
                }
            };
            let loop_name = copy.and_then(|c| sj::get_str(c, "name")).map(String::from);
            let mut names = Vec::with_capacity(indexes.len());
            for idx in indexes {
                if let Some(i) = idx {
                    self.copy_stack.push((loop_name.clone(), Value::Int(i)));
                }
                let name = sj::get(json, "name")
                    .map(|n| self.eval_json(n, &mut format!("{pointer}/name")));
                if idx.is_some() {
                    self.copy_stack.pop();
                }
                let (text, unknown) = match &name {
                    Some(Value::String(s)) => (s.to_ascii_lowercase(), false),
                    Some(Value::Unknown(u)) => u.symbol.as_ref().map_or_else(
                        || (String::new(), false),
                        |s| (s.text().to_ascii_lowercase(), s.has_unknown()),
                    ),
                    _ => (String::new(), false),
                };
                if !text.is_empty() {
                    names.push((idx, text, unknown));
                }
            }
            out.push(DeploymentName {
                json,
                pointer,
                symbolic: symbolic.map(|s| s.to_ascii_lowercase()),
                names,
            });
        }
        self.copy_stack = saved;
        let rc = Rc::new(out);
        self.deployment_names = Some(Some(rc.clone()));
        Some(rc)
    }

    fn outputs_of(&mut self, json: &'t JObject<'a>, pointer: &str, index: Option<i64>) -> Value {
        let copy = sj::get(json, "copy").and_then(sj::as_object);
        let loop_name = copy.and_then(|c| sj::get_str(c, "name")).map(String::from);
        // Only an index that names one of the deployment's instances is expanded: anything else
        // would add an instance Azure never deploys (and the count of instances would then depend
        // on which properties were evaluated).
        if let Some(unresolved) = self.unresolved_instance(copy, pointer, index) {
            return unresolved;
        }
        // The deployment's own loop index, in the loops active where it is declared (not those of
        // the resource whose expression asks for its outputs).
        let saved = std::mem::replace(&mut self.copy_stack, self.base_copy_stack.clone());
        if let Some(i) = index {
            self.copy_stack.push((loop_name, Value::Int(i)));
        }
        let key = self.cache_key(pointer);
        let result = match self.nested_cache.contains_key(&key) {
            true => self.nested_outputs(&key),
            false => {
                // Expand it now, as the main loop would (condition, dependsOn, nested template);
                // the main loop skips it later.
                let symbolic = self
                    .declarations()
                    .iter()
                    .find(|d| d.pointer == pointer)
                    .and_then(|d| d.symbolic.clone());
                let decl = self.register_declaration(json, pointer, symbolic, DEPLOYMENTS, false);
                let deployed =
                    self.expand_instance(json, pointer, decl, DEPLOYMENTS, false, &None, Tri::True);
                self.early.insert(key.clone());
                if deployed.is_none() {
                    self.nested_cache.insert(
                        key.clone(),
                        NestedState::Fixed(Value::error(
                            "the deployment is not deployed (its condition is false)",
                        )),
                    );
                }
                self.nested_outputs(&key)
            }
        };
        self.copy_stack = saved;
        let mut o = Object::new();
        o.insert("outputs", result);
        o.open = true;
        Value::object(o)
    }
}

impl<'t, 'a> Expander<'t, 'a, '_> {
    /// Why `reference()` of the deployment declared at `pointer` (its `copy`, the instance
    /// `index` asked for) names no single instance, as the value it returns; `None` when it does.
    fn unresolved_instance(
        &mut self,
        copy: Option<&'t JObject<'a>>,
        pointer: &str,
        index: Option<i64>,
    ) -> Option<Value> {
        let (copy, index) = match (copy, index) {
            (None, None) => return None,
            (None, Some(i)) => {
                return Some(Value::error(format!(
                    "the deployment has no copy loop, so it has no instance {i}"
                )));
            }
            // The whole loop, or an index not known: which instance is meant is not known.
            (Some(_), None) => return Some(Value::unknown(UnknownReason::CopyIndex, None)),
            (Some(c), Some(i)) => (c, i),
        };
        let saved = std::mem::replace(&mut self.copy_stack, self.base_copy_stack.clone());
        let count = sj::get(copy, "count")
            .map(|c| self.eval_json(c, &mut format!("{pointer}/copy/count")))
            .and_then(|c| c.as_int_lenient());
        self.copy_stack = saved;
        match count {
            Some(n) if !(0..n).contains(&index) => Some(Value::error(format!(
                "index {index} is out of range: the deployment loop has {n} instances"
            ))),
            Some(_) => None,
            None => Some(Value::unknown(UnknownReason::CopyIndex, None)),
        }
    }
}

/// The entries of a property copy array (`"copy": [{name, count, input}, ...]`), if it is one.
fn property_copy_loops<'b, 'a>(v: &'b Json<'a>) -> Option<Vec<&'b JObject<'a>>> {
    let Json::Array(a) = v else { return None };
    let mut loops = Vec::with_capacity(a.elements.len());
    for e in &a.elements {
        let o = sj::as_object(e)?;
        if sj::get(o, "name").is_none() || sj::get(o, "input").is_none() {
            return None;
        }
        loops.push(o);
    }
    (!loops.is_empty()).then_some(loops)
}

/// Split a resource name into its `/`-separated segments, keeping symbols of unknown parts intact.
fn split_name(name: &Value) -> Vec<Value> {
    match name {
        Value::String(s) => s.trim_matches('/').split('/').map(Value::string).collect(),
        Value::Unknown(u) => match &u.symbol {
            Some(sym) => sym
                .split_outside(b'/')
                .into_iter()
                .map(|seg| {
                    if seg.has_unknown() {
                        Value::unknown(u.reason.clone(), Some(seg))
                    } else {
                        Value::string(seg.text())
                    }
                })
                .collect(),
            None => vec![name.clone()],
        },
        other => vec![other.clone()],
    }
}

impl EvalContext for Expander<'_, '_, '_> {
    fn parameter(&mut self, name: &str) -> Value {
        if let Some(args) = &self.fn_args {
            return args
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| {
                    Value::error(format!("function parameter '{name}' is not declared"))
                });
        }
        // Fast path: an evaluated parameter, looked up without allocating.
        if let Some(Slot::Done(v)) =
            with_lowercase(name, |k| self.store.borrow().params.get(k).map(Slot::peek)).flatten()
        {
            return v;
        }
        let key = name.to_ascii_lowercase();
        let pending = {
            let mut store = self.store.borrow_mut();
            match store.params.get_mut(&key) {
                None => return Value::error(format!("parameter '{name}' is not declared")),
                Some(Slot::Done(v)) => return v.clone(),
                Some(Slot::Evaluating) => {
                    let message =
                        format!("the default value of parameter '{name}' refers to itself");
                    self.pending_cycle.get_or_insert(message.clone());
                    return Value::unknown(UnknownReason::Limit(message), None);
                }
                Some(slot) => std::mem::replace(slot, Slot::Evaluating),
            }
        };
        let v = match pending {
            Slot::Pending(json) if self.budget.enter() => {
                let mut ptr = self.section_pointer("parameters", name);
                ptr.push_str("/defaultValue");
                let v = self.eval_detached(json, &ptr);
                self.budget.leave();
                named_after_parameter(v, &self.store.borrow().symbol_prefix, &key)
            }
            Slot::Pending(_) => too_deep(),
            Slot::Missing { name, secret } => {
                let reason = if secret {
                    UnknownReason::Secret(name.to_string())
                } else {
                    UnknownReason::Parameter(name.to_string())
                };
                let prefix = &self.store.borrow().symbol_prefix;
                Value::unknown(
                    reason,
                    Some(Symbol::expression(&format!("{prefix}parameters('{key}')"))),
                )
            }
            _ => Value::error("unexpected parameter state"),
        };
        self.store
            .borrow_mut()
            .params
            .insert(key, Slot::Done(v.clone()));
        v
    }

    fn variable(&mut self, name: &str) -> Value {
        if let Some(Slot::Done(v)) =
            with_lowercase(name, |k| self.store.borrow().vars.get(k).map(Slot::peek)).flatten()
        {
            return v;
        }
        let key = name.to_ascii_lowercase();
        let pending = {
            let mut store = self.store.borrow_mut();
            match store.vars.get_mut(&key) {
                None => return Value::error(format!("variable '{name}' is not declared")),
                Some(Slot::Done(v)) => return v.clone(),
                Some(Slot::Evaluating) => {
                    let message =
                        format!("variable '{name}' refers to itself (a circular reference)");
                    self.pending_cycle.get_or_insert(message.clone());
                    return Value::unknown(UnknownReason::Limit(message), None);
                }
                Some(slot) => std::mem::replace(slot, Slot::Evaluating),
            }
        };
        let ptr = self.section_pointer("variables", name);
        let v = if !self.budget.enter() {
            too_deep()
        } else {
            let v = match pending {
                Slot::Pending(json) => self.eval_detached(json, &ptr),
                Slot::PendingCopy(l) => {
                    let saved = std::mem::take(&mut self.copy_stack);
                    let mut p = format!("{}/variables/copy", self.template_pointer);
                    let (_, v) = self.eval_property_copy(l, &mut p);
                    self.copy_stack = saved;
                    v
                }
                _ => Value::error("unexpected variable state"),
            };
            self.budget.leave();
            v
        };
        self.store
            .borrow_mut()
            .vars
            .insert(key, Slot::Done(v.clone()));
        v
    }

    fn copy_index(&mut self, loop_name: Option<&str>) -> Value {
        let found = match loop_name {
            None => self.copy_stack.last().map(|(_, v)| v),
            Some(n) => self
                .property_loops
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v)
                .or_else(|| {
                    self.copy_stack
                        .iter()
                        .rev()
                        .find(|(k, _)| k.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(n)))
                        .map(|(_, v)| v)
                }),
        };
        match found {
            Some(v) => v.clone(),
            None => Value::error(match loop_name {
                Some(n) => format!("copyIndex('{n}') is used outside the loop '{n}'"),
                None => "copyIndex() is used outside a copy loop".to_string(),
            }),
        }
    }

    fn user_function(&mut self, namespace: &str, name: &str, args: &[Value]) -> Option<Value> {
        let key = format!("{namespace}.{name}").to_ascii_lowercase();
        let (def, refused) = {
            let store = self.store.borrow();
            let def = *store.functions.get(&key)?;
            (def, store.calls_between_functions.clone())
        };
        if let Some(reason) = refused.filter(|_| !self.udf_stack.is_empty()) {
            // Reported at the calling body by `check_user_functions`: unknown, not again.
            self.failures.borrow_mut().claim_reason(&reason);
            return Some(Value::unknown(reason, None));
        }
        if self.udf_stack.contains(&key) {
            // Bicep rejects recursive functions and ARM's own functions cannot call functions.
            return Some(Value::error(format!(
                "user-defined function '{namespace}.{name}' calls itself"
            )));
        }
        if !self.budget.enter() {
            return Some(too_deep());
        }
        let mut bound = Vec::new();
        if let Some(Json::Array(ps)) = sj::get(def, "parameters") {
            for (i, p) in ps.elements.iter().enumerate() {
                if let Some(pname) = sj::as_object(p).and_then(|o| sj::get_str(o, "name")) {
                    bound.push((
                        pname.to_string(),
                        args.get(i).cloned().unwrap_or(Value::Null),
                    ));
                }
            }
        }
        let body = sj::get(def, "output")
            .and_then(sj::as_object)
            .and_then(|o| sj::get(o, "value"))?;
        let saved_args = self.fn_args.replace(bound);
        let saved_copy = std::mem::take(&mut self.copy_stack);
        let saved_loops = std::mem::take(&mut self.property_loops);
        self.udf_stack.push(key);
        let mut p = String::new();
        let v = self.eval_json(body, &mut p);
        self.udf_stack.pop();
        self.budget.leave();
        self.fn_args = saved_args;
        self.copy_stack = saved_copy;
        self.property_loops = saved_loops;
        Some(v)
    }

    fn reference(&mut self, function: &str, args: &[Value]) -> Value {
        if function.eq_ignore_ascii_case("reference")
            && let Some(target) = args.first()
        {
            // A deployment's outputs can depend on another deployment's, and so on.
            if !self.budget.enter() {
                return too_deep();
            }
            let found = self.reference_deployment(target);
            self.budget.leave();
            if let Some(v) = found {
                return v;
            }
        }
        Value::unknown(
            UnknownReason::Runtime(format!("{function}()")),
            call_symbol(function, args),
        )
    }

    fn scope(&self) -> &DeploymentScope {
        &self.scope
    }

    fn stats(&mut self) -> &mut EvalStats {
        &mut self.stats
    }

    fn charge_call(&mut self) -> bool {
        self.budget.charge_call()
    }

    fn charge_cells(&mut self, cells: u64) -> bool {
        self.budget.charge_cells(cells)
    }
}

/// A default known only at deployment (`utcNow()`, `newGuid()`) has no reproducible text, but
/// the parameter holds one value for the whole deployment: every read of it is that value, so
/// `resourceId(…, parameters('baseTime'))` names one resource each time it is read.
fn named_after_parameter(v: Value, prefix: &str, key: &str) -> Value {
    match v {
        Value::Unknown(mut u)
            if u.symbol.is_none() && matches!(*u.reason, UnknownReason::Runtime(_)) =>
        {
            u.symbol = Some(Symbol::expression(&format!("{prefix}parameters('{key}')")));
            Value::Unknown(u)
        }
        other => other,
    }
}

/// Convenience for tests and tools: literal JSON of a parameter value.
pub fn parameter_value_from_json(v: &Json) -> Value {
    literal_value(v)
}
