//! A parsed `.bicepparam` file → the parameter values it assigns, as the Bicep compiler
//! evaluates them when it writes `parameters.json`: `param x = expr` is evaluated at compile time
//! (functions, operators, `var`s of the file and other params), `using 'main.bicep'` names the
//! template they belong to, and what only a deployment knows (`readEnvironmentVariable`,
//! `getSecret`, `externalInput`) is unknown. Each value keeps the span of its expression, so a
//! finding about it lands in the `.bicepparam`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::arm::expr::StandaloneContext;
use crate::arm::value::{UnknownReason, Value};
use crate::source::Span;
use crate::source::bicep::syntax::{
    ArrayItem, BicepFile, Expr, ExprKind, ObjectItem, StatementKind, StringPart,
};

use super::lower_builtins::{DiskFiles, FileReader};
use super::lower_expression::{LowerError, Symbols, lower_expression};
use super::lower_imports::resolve_imports;
use super::lower_loads::resolve_loads;
use super::module_source::ModuleSource;

/// What `using` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsingTarget {
    /// No `using` statement (the compiler requires one).
    Absent,
    /// `using none`: a parameter set for no template.
    None,
    /// `using 'path'`: the template (a local path, or a `br:` / `ts:` reference), with the span
    /// of the path string.
    Path { path: String, span: Span },
}

/// One `param name = value` of the file.
#[derive(Debug, Clone)]
pub struct LoweredParameter {
    pub name: String,
    /// The span of the value expression (where findings about the value go).
    pub span: Span,
    pub value: Value,
}

/// The lowered `.bicepparam`: its template, its values in source order, and what could not be
/// lowered (each an `invalid-template` at its span; the value is then unknown).
#[derive(Debug, Clone)]
pub struct LoweredParameters {
    pub using: UsingTarget,
    pub parameters: Vec<LoweredParameter>,
    pub errors: Vec<LowerError>,
}

/// The `using` target of a `.bicepparam` (read alone when discovery pairs files).
pub fn using_of(file: &BicepFile) -> UsingTarget {
    for statement in &file.statements {
        if let StatementKind::Using { path, .. } = &statement.kind {
            return match path {
                None => UsingTarget::None,
                Some(lit) => match lit.as_plain() {
                    Some(path) => UsingTarget::Path {
                        path,
                        span: lit.span,
                    },
                    None => UsingTarget::Absent,
                },
            };
        }
    }
    UsingTarget::Absent
}

/// A `var` or `param` of the file, to be evaluated once what it names is.
struct Declaration<'f> {
    is_param: bool,
    name: &'f str,
    value: &'f Expr,
}

/// `var x` → `variables('x')`, `param x` → `parameters('x')`: the evaluator's maps hold them;
/// `load*()` read beside the file.
struct FileSymbols {
    names: HashMap<String, String>,
    files: DiskFiles,
}

impl Symbols for FileSymbols {
    fn resolve(&self, name: &str) -> Option<String> {
        self.names.get(name).cloned()
    }

    fn file_reader(&self) -> &dyn FileReader {
        &self.files
    }
}

/// Lowers and evaluates every `param` of `file`, read from `path`: compile-time imports and
/// `load*()` calls are resolved first through `modules`, relative to `path`, as for a template.
pub fn lower_bicepparam(
    file: &BicepFile,
    path: &Path,
    modules: &mut dyn ModuleSource,
) -> LoweredParameters {
    lower_extending(file, path, modules, crate::limits::DEPLOYMENT_NESTING)
}

/// [`lower_bicepparam`], with the values of the file `extends` names under this file's own: an
/// inherited value is reported at the `extends` statement (the place in this file that brings it
/// in). `depth` bounds a chain of `extends` (a cycle ends there, as an error).
fn lower_extending(
    file: &BicepFile,
    path: &Path,
    modules: &mut dyn ModuleSource,
    depth: usize,
) -> LoweredParameters {
    let mut lowered = lower_own(file, path, modules);
    for statement in &file.statements {
        let StatementKind::Extends { path: base } = &statement.kind else {
            continue;
        };
        let Some(base_path) = base.as_plain() else {
            lowered.errors.push(LowerError::new(
                base.span,
                "the path must be a string literal",
            ));
            continue;
        };
        let Some(depth) = depth.checked_sub(1) else {
            lowered.errors.push(LowerError::new(
                base.span,
                "extends nested too deeply (a cycle?)",
            ));
            continue;
        };
        let text = match modules.read_relative(path, &base_path, base.span) {
            Ok(text) => text,
            Err(error) => {
                lowered.errors.push(error);
                continue;
            }
        };
        let base_file = crate::source::bicep::parse_params(&text);
        if let Some(first) = base_file.errors.first() {
            lowered.errors.push(LowerError::new(
                base.span,
                format!("'{base_path}' does not parse: {}", first.message),
            ));
            continue;
        }
        let full = path.parent().map_or_else(
            || Path::new(&base_path).to_path_buf(),
            |d| d.join(&base_path),
        );
        let inherited = lower_extending(&base_file, &full, modules, depth);
        if let Some(first) = inherited.errors.first() {
            lowered.errors.push(LowerError::new(
                base.span,
                format!("'{base_path}' does not lower: {}", first.message),
            ));
        }
        for parameter in inherited.parameters {
            if lowered.parameters.iter().any(|p| p.name == parameter.name) {
                continue;
            }
            lowered.parameters.push(LoweredParameter {
                span: statement.span,
                ..parameter
            });
        }
    }
    lowered
}

fn lower_own(file: &BicepFile, path: &Path, modules: &mut dyn ModuleSource) -> LoweredParameters {
    let mut errors = Vec::new();
    let depth = crate::limits::DEPLOYMENT_NESTING;
    let imported = resolve_imports(file, path, modules, &mut errors, depth);
    let file = imported.as_ref().unwrap_or(file);
    let loaded = resolve_loads(file, path, modules, &mut errors);
    let file = loaded.as_ref().unwrap_or(file);
    let mut lowered = lower_resolved(file, path);
    errors.append(&mut lowered.errors);
    lowered.errors = errors;
    lowered
}

fn lower_resolved(file: &BicepFile, path: &Path) -> LoweredParameters {
    let mut declarations = Vec::new();
    let mut names = HashMap::new();
    for statement in &file.statements {
        let (is_param, name, value) = match &statement.kind {
            StatementKind::Param {
                name,
                value: Some(value),
                ..
            } => (true, name, value),
            StatementKind::Var { name, value, .. } => (false, name, value),
            _ => continue,
        };
        let function = if is_param { "parameters" } else { "variables" };
        names.insert(name.name.clone(), format!("{function}('{}')", name.name));
        declarations.push(Declaration {
            is_param,
            name: &name.name,
            value,
        });
    }
    let symbols = FileSymbols {
        names,
        files: DiskFiles::beside(path),
    };
    let mut errors = Vec::new();
    let mut lowered: Vec<Option<String>> = Vec::with_capacity(declarations.len());
    for d in &declarations {
        if deployment_only(d.value, crate::limits::BICEP_DEPTH).is_some() {
            lowered.push(None);
            continue;
        }
        match lower_expression(d.value, &symbols, crate::limits::EXPRESSION_DEPTH) {
            Ok(text) => lowered.push(Some(text)),
            Err(e) => {
                errors.push(e);
                lowered.push(None);
            }
        }
    }
    let values = evaluate_in_order(&declarations, &lowered, &mut errors);
    let parameters = declarations
        .iter()
        .zip(values)
        .filter(|(d, _)| d.is_param)
        .map(|(d, value)| LoweredParameter {
            name: d.name.to_string(),
            span: d.value.span,
            value,
        })
        .collect();
    LoweredParameters {
        using: using_of(file),
        parameters,
        errors,
    }
}

/// The names among `declarations` that `text` (a lowered expression) reads.
fn dependencies(text: &str, declarations: &[Declaration<'_>]) -> Vec<usize> {
    declarations
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            let function = if d.is_param {
                "parameters"
            } else {
                "variables"
            };
            text.contains(&format!("{function}('{}')", d.name))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Evaluates each declaration after those it reads (the compiler allows any order); a cycle
/// is an error at each declaration in it.
fn evaluate_in_order(
    declarations: &[Declaration<'_>],
    lowered: &[Option<String>],
    errors: &mut Vec<LowerError>,
) -> Vec<Value> {
    let deps: Vec<Vec<usize>> = lowered
        .iter()
        .map(|text| {
            text.as_deref()
                .map_or_else(Vec::new, |t| dependencies(t, declarations))
        })
        .collect();
    let mut values: Vec<Option<Value>> = vec![None; declarations.len()];
    let mut cx = StandaloneContext::default();
    let mut done = HashSet::new();
    loop {
        let mut progressed = false;
        for (i, d) in declarations.iter().enumerate() {
            let ready = deps
                .get(i)
                .is_some_and(|ds| ds.iter().all(|dep| *dep == i || done.contains(dep)));
            if done.contains(&i) || !ready {
                continue;
            }
            let value = match lowered.get(i).and_then(Option::as_ref) {
                Some(text) => cx.eval_str(&format!("[{text}]")),
                None => unknown_value(d),
            };
            let key = d.name.to_ascii_lowercase();
            if d.is_param {
                cx.parameters.insert(key, value.clone());
            } else {
                cx.variables.insert(key, value.clone());
            }
            if let Some(slot) = values.get_mut(i) {
                *slot = Some(value);
            }
            done.insert(i);
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    declarations
        .iter()
        .zip(values)
        .map(|(d, value)| {
            value.unwrap_or_else(|| {
                errors.push(LowerError::new(
                    d.value.span,
                    format!("'{}' depends on itself through other declarations", d.name),
                ));
                Value::unknown(UnknownReason::Limit("a cycle".into()), None)
            })
        })
        .collect()
}

/// The unknown value of a declaration that reads what only a deployment knows, or that could
/// not be lowered.
fn unknown_value(d: &Declaration<'_>) -> Value {
    let reason = match deployment_only(d.value, crate::limits::BICEP_DEPTH) {
        Some("getSecret") => UnknownReason::Secret(d.name.to_string()),
        Some(function) => UnknownReason::Context(format!("{function}()")),
        None => UnknownReason::Parameter(d.name.to_string()),
    };
    Value::unknown(reason, None)
}

/// The first function in `expr` whose value only the deployment (or the machine that deploys)
/// knows: `readEnvironmentVariable`, `getSecret`, `externalInput`.
fn deployment_only(expr: &Expr, depth: usize) -> Option<&'static str> {
    let depth = depth.checked_sub(1)?;
    let inner = |e: &Expr| deployment_only(e, depth);
    match &expr.kind {
        ExprKind::Call { target, name, args } => {
            let found = ["readEnvironmentVariable", "getSecret", "externalInput"]
                .into_iter()
                .find(|f| *f == name.name);
            found
                .or_else(|| target.as_deref().and_then(inner))
                .or_else(|| args.iter().find_map(inner))
        }
        ExprKind::String(lit) => lit.parts.iter().find_map(|p| match p {
            StringPart::Expr(e) => inner(e),
            StringPart::Text { .. } => None,
        }),
        ExprKind::Property { base, .. } | ExprKind::ChildResource { base, .. } => inner(base),
        ExprKind::Index { base, index, .. } => inner(base).or_else(|| inner(index)),
        ExprKind::NonNull(e) | ExprKind::Paren(e) => inner(e),
        ExprKind::Unary { operand, .. } => inner(operand),
        ExprKind::Binary { left, right, .. } => inner(left).or_else(|| inner(right)),
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => inner(condition)
            .or_else(|| inner(then))
            .or_else(|| inner(otherwise)),
        ExprKind::Lambda { body, .. } => inner(body),
        ExprKind::Object(items) => items.iter().find_map(|item| match item {
            ObjectItem::Property { value, .. } | ObjectItem::Spread { value, .. } => inner(value),
            ObjectItem::Resource(_) => None,
        }),
        ExprKind::Array(items) => items.iter().find_map(|item| match item {
            ArrayItem::Value(value) | ArrayItem::Spread { value, .. } => inner(value),
        }),
        ExprKind::For(f) => inner(&f.iterable).or_else(|| inner(&f.body)),
        ExprKind::If { condition, body } => inner(condition).or_else(|| inner(body)),
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null | ExprKind::Ident(_) => None,
        ExprKind::Missing => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::bicep::parse_params;

    fn values(text: &str) -> (LoweredParameters, Vec<(String, String)>) {
        let file = parse_params(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let mut none = super::super::module_source::NoModules;
        let lowered = lower_bicepparam(&file, Path::new("main.bicepparam"), &mut none);
        let shown = lowered
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.value.to_json_string()))
            .collect();
        (lowered, shown)
    }

    #[test]
    fn values_are_evaluated_with_vars_and_other_params_in_any_order() {
        let text = "using './main.bicep'\nparam b = '${a}-${v.x}'\nvar v = { x: toUpper('y') }\nparam a = 1 + 2\nparam n = [true ? 'k' : 'l']\n";
        let (lowered, shown) = values(text);
        assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
        assert_eq!(
            lowered.using,
            UsingTarget::Path {
                path: "./main.bicep".into(),
                span: Span::new(6, 20)
            }
        );
        assert_eq!(
            shown,
            [
                ("b".to_string(), "\"3-Y\"".to_string()),
                ("a".to_string(), "3".to_string()),
                ("n".to_string(), "[\"k\"]".to_string()),
            ]
        );
        // The value's span: where a finding about it goes.
        let b = lowered.parameters.first().map(|p| p.span);
        assert_eq!(b, Some(Span::new(31, 44)));
    }

    #[test]
    fn what_only_a_deployment_knows_is_unknown_and_so_is_what_reads_it() {
        let text = "using none\nparam s = az.getSecret('sub', 'rg', 'kv', 'name')\nvar e = readEnvironmentVariable('X', 'd')\nparam t = '${e}!'\nparam k = 'known'\n";
        let (lowered, _) = values(text);
        assert_eq!(lowered.using, UsingTarget::None);
        assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
        let known: Vec<(&str, bool)> = lowered
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), !p.value.is_unknown()))
            .collect();
        assert_eq!(known, [("s", false), ("t", false), ("k", true)]);
    }

    #[test]
    fn a_name_that_does_not_exist_and_a_cycle_are_errors_at_their_values() {
        let text = "using 'main.bicep'\nparam a = nope\nvar x = y\nvar y = x\nparam ok = 1\n";
        let (lowered, shown) = values(text);
        let spans: Vec<Span> = lowered.errors.iter().map(|e| e.span).collect();
        assert_eq!(
            spans,
            [Span::new(29, 33), Span::new(42, 43), Span::new(52, 53)]
        );
        assert_eq!(shown.last().map(|s| s.1.as_str()), Some("1"));
    }
}
