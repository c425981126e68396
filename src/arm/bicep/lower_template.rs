//! A parsed Bicep file → a whole ARM template's JSON text and span map: `$schema` from
//! `targetScope`, `metadata`, `parameters`, `variables`, `resources`, `outputs`, in the order
//! and shapes of the compiler's `main.json` (without `_generator`, which carries no meaning).
//! Statements the lowering does not handle yet are errors at their span, not guesses.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::source::Span;
use crate::source::bicep::syntax::{
    BicepFile, Expr, ExprKind, OutputType, Statement, StatementKind, StringLit,
};

use super::json_writer::JsonWriter;
use super::lower_dependencies::ReferenceGraph;
use super::lower_expression::LowerError;
use super::lower_inline::inlined_variables;
use super::lower_module::write_module;
use super::lower_params::{ParamDeclaration, write_parameter};
use super::lower_reference::resource_id;
use super::lower_resource::{ResourceContext, write_resource};
use super::lower_scope::ScopeKind;
use super::lower_symbols::{SymbolId, SymbolKind, SymbolTable};
use super::lower_types::{TypeContext, TypeNames, write_definition, write_type_keys};
use super::lower_value::{ValueContext, write_lowered, write_value};
use super::module_source::{ModuleSource, NoModules};
use super::span_map::{BicepSpan, SpanMap};

/// The lowered template: JSON text the engine parses, and the map back to Bicep.
#[derive(Debug, Clone)]
pub struct LoweredTemplate {
    pub text: String,
    pub map: SpanMap,
}

/// Parameters → `parameters('x')`, declared (not inlined) variables → `variables('y')`.
fn declared_names(file: &BicepFile, inlined: &HashMap<String, &Expr>) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for statement in &file.statements {
        let (name, expression) = match &statement.kind {
            StatementKind::Param { name, .. } => (name, format!("parameters('{}')", name.name)),
            StatementKind::Var { name, .. } if !inlined.contains_key(&name.name) => {
                (name, format!("variables('{}')", name.name))
            }
            // A call resolves it (`Symbols::user_function`).
            StatementKind::Func { name, .. } => {
                (name, super::lower_functions::qualified(&name.name))
            }
            _ => continue,
        };
        names.insert(name.name.clone(), expression);
    }
    names
}

/// The deployment schema the compiler writes for a `targetScope` value.
fn schema_for(scope: Option<&str>) -> Option<&'static str> {
    Some(match scope.unwrap_or("resourceGroup") {
        "resourceGroup" => {
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
        }
        "subscription" => {
            "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
        }
        "managementGroup" => {
            "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
        }
        "tenant" => {
            "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#"
        }
        _ => return None,
    })
}

fn target_scope(file: &BicepFile) -> Result<Option<String>, LowerError> {
    for statement in &file.statements {
        if let StatementKind::TargetScope(expr) = &statement.kind {
            return match &expr.kind {
                ExprKind::String(lit) => Ok(lit.as_plain()),
                _ => Err(LowerError::new(
                    expr.span,
                    "targetScope must be a string literal",
                )),
            };
        }
    }
    Ok(None)
}

/// Lowers `file` (read from `path`) without access to other files: local modules are errors,
/// registry modules unresolved. Every structural error found is returned, in source order.
pub fn lower_template(file: &BicepFile, path: PathBuf) -> Result<LoweredTemplate, Vec<LowerError>> {
    lower_template_with(file, path, &mut NoModules)
}

/// Lowers `file` (read from `path`), taking the content of its modules from `modules`.
pub fn lower_template_with(
    file: &BicepFile,
    path: PathBuf,
    modules: &mut dyn ModuleSource,
) -> Result<LoweredTemplate, Vec<LowerError>> {
    let lowered = std::cell::Cell::new(0);
    lower_file(
        file,
        path,
        modules,
        (crate::limits::DEPLOYMENT_NESTING, &lowered),
    )
}

fn lower_file(
    file: &BicepFile,
    path: PathBuf,
    modules: &mut dyn ModuleSource,
    module_depth: ModuleBudget<'_>,
) -> Result<LoweredTemplate, Vec<LowerError>> {
    let mut errors = Vec::new();
    // Compile-time imports are inlined (lower_imports), and `load*()` calls become the values
    // they load (lower_loads).
    let imported = super::lower_imports::resolve_imports(
        file,
        &path,
        modules,
        &mut errors,
        crate::limits::DEPLOYMENT_NESTING,
    );
    let file = imported.as_ref().unwrap_or(file);
    let loaded = super::lower_loads::resolve_loads(file, &path, modules, &mut errors);
    let file = loaded.as_ref().unwrap_or(file);
    let mut map = SpanMap::new();
    let file_id = map.file_id(path.clone());
    let scope = target_scope(file).map_err(|e| vec![e])?;
    let (Some(schema), Some(target)) = (
        schema_for(scope.as_deref()),
        ScopeKind::from_target(scope.as_deref()),
    ) else {
        let span = file.statements.first().map(|s| s.span).unwrap_or_default();
        return Err(vec![LowerError::new(span, "unknown targetScope")]);
    };
    let table = SymbolTable::build(file, target, &mut errors);
    let graph = ReferenceGraph::build(file, &table);
    let inlined = inlined_variables(file, &graph);
    let names = declared_names(file, &inlined);
    let resources = ResourceContext {
        file: file_id,
        table: &table,
        graph: &graph,
        names: &names,
        inlined: &inlined,
    };
    let symbols = resources.top();
    let cx = ValueContext {
        file: file_id,
        symbols: &symbols,
    };
    let type_names = TypeNames::of(file);
    let types = TypeContext {
        values: &cx,
        names: &type_names,
    };
    let mut w = JsonWriter::new(map);
    w.begin_object(None);
    w.key("$schema");
    w.string(schema, None);
    if let Some(version) = super::lower_language_version::language_version(file) {
        w.key("languageVersion");
        w.string(version, None);
    }
    w.key("contentVersion");
    w.string("1.0.0.0", None);
    write_declarations(&mut w, file, &types, &inlined, &mut errors);
    w.key("resources");
    w.begin_array(None);
    write_resources(
        &mut w,
        &resources,
        &path,
        modules,
        module_depth,
        &mut errors,
    );
    w.end_array();
    write_section(&mut w, "outputs", file, &mut errors, |w, s| {
        write_output(w, &types, &resources, s)
    });
    w.end_object();
    let finished = w.finish();
    if !errors.is_empty() {
        return Err(errors);
    }
    match finished {
        Some((text, map)) => Ok(LoweredTemplate { text, map }),
        None => Err(vec![LowerError::new(
            Span::default(),
            "internal: unbalanced JSON",
        )]),
    }
}

/// `metadata`, `definitions`, `parameters` and `variables` (inlined variables left out).
fn write_declarations(
    w: &mut JsonWriter,
    file: &BicepFile,
    types: &TypeContext<'_>,
    inlined: &HashMap<String, &Expr>,
    errors: &mut Vec<LowerError>,
) {
    let cx = types.values;
    write_section(w, "metadata", file, errors, |w, s| match &s.kind {
        StatementKind::Metadata { name, value } => {
            w.key(&name.name);
            write_value(w, value, cx, crate::limits::VALUE_DEPTH).map(|()| true)
        }
        _ => Ok(false),
    });
    write_section(w, "definitions", file, errors, |w, s| {
        write_definition(w, types, s)
    });
    super::lower_functions::write_functions(w, types, file, errors);
    write_section(w, "parameters", file, errors, |w, s| match &s.kind {
        StatementKind::Param { name, ty, value } => {
            let declaration = ParamDeclaration {
                span: s.span,
                name,
                ty: ty.as_ref(),
                default: value.as_ref(),
                decorators: &s.decorators,
                types: types.names,
            };
            write_parameter(w, cx, declaration).map(|()| true)
        }
        _ => Ok(false),
    });
    write_section(w, "variables", file, errors, |w, s| match &s.kind {
        StatementKind::Var { name, value, .. } if !inlined.contains_key(&name.name) => {
            if super::lower_loops::as_for(value).is_some() {
                let declared = |n: &str| !inlined.contains_key(n);
                return super::lower_loops::write_variable_loops(w, cx, file, s, &declared);
            }
            w.key(&name.name);
            write_value(w, value, cx, crate::limits::VALUE_DEPTH).map(|()| true)
        }
        _ => Ok(false),
    });
}

/// How deep local modules may still nest, and how many module files were lowered so far for
/// the file being linted (shared by the whole tree).
type ModuleBudget<'c> = (usize, &'c std::cell::Cell<usize>);

/// Every deployed resource (not `existing` ones), then every module, as the compiler orders
/// them. A local module is lowered recursively, within the module budget.
fn write_resources(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    path: &std::path::Path,
    modules: &mut dyn ModuleSource,
    module_depth: ModuleBudget<'_>,
    errors: &mut Vec<LowerError>,
) {
    for id in cx.table.emission_order() {
        let deployed = cx
            .table
            .get(id)
            .is_some_and(|s| s.kind == SymbolKind::Resource && !s.existing);
        if deployed && let Err(error) = write_resource(w, cx, id) {
            errors.push(error);
        }
    }
    // Errors inside module files, each reported in its own file as well as (summed up) at the
    // module statement that uses it.
    let mut in_modules = Vec::new();
    let mut lower_child = |child: &std::path::Path,
                           file: &BicepFile,
                           modules: &mut dyn ModuleSource|
     -> Result<(String, SpanMap), LowerError> {
        let (depth, lowered) = module_depth;
        let Some(depth) = depth.checked_sub(1) else {
            return Err(LowerError::new(
                Span::default(),
                "modules nested too deeply",
            ));
        };
        lowered.set(lowered.get().saturating_add(1));
        if lowered.get() > crate::limits::BICEP_MODULE_LOWERINGS {
            return Err(LowerError::new(
                Span::default(),
                "too many modules to lower",
            ));
        }
        lower_file(file, child.to_path_buf(), modules, (depth, lowered))
            .map(|lowered| (lowered.text, lowered.map))
            .map_err(|errors| {
                let summary = module_error(child, &errors);
                in_modules.extend(errors.into_iter().map(|mut e| {
                    e.file.get_or_insert_with(|| child.to_path_buf());
                    e
                }));
                // A module used many times (or deep in a fan-out) keeps one copy of each
                // error, so what climbs to the entry is bounded by the files, not the uses.
                in_modules.sort_by(|a, b| {
                    (&a.file, a.span.start, &a.message).cmp(&(&b.file, b.span.start, &b.message))
                });
                in_modules.dedup();
                summary
            })
    };
    for (i, symbol) in cx.table.symbols.iter().enumerate() {
        if symbol.kind == SymbolKind::Module {
            let result = write_module(w, cx, SymbolId(i), modules, path, &mut lower_child);
            if let Err(mut error) = result {
                // Errors without a position (from inside another file) go to the statement.
                if error.span == Span::default() {
                    error.span = symbol
                        .module_path
                        .map(|p| p.span)
                        .unwrap_or(symbol.statement.span);
                }
                errors.push(error);
            }
        }
    }
    errors.extend(in_modules);
}

/// The error at a module statement whose file does not lower: how many errors it has and the
/// first (each is also reported at its own position in the module file).
fn module_error(child: &std::path::Path, errors: &[LowerError]) -> LowerError {
    let first = errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default();
    LowerError::new(
        Span::default(),
        format!(
            "the module '{}' does not lower ({} error(s)): {first}",
            child.display(),
            errors.len()
        ),
    )
}

/// `"key": { … }` holding what `write` writes for each statement; omitted when empty, as the
/// compiler omits empty `metadata`, `parameters`, `variables` and `outputs`.
fn write_section(
    w: &mut JsonWriter,
    key: &str,
    file: &BicepFile,
    errors: &mut Vec<LowerError>,
    mut write: impl FnMut(&mut JsonWriter, &Statement) -> Result<bool, LowerError>,
) {
    let mut scratch = JsonWriter::new(SpanMap::new());
    scratch.begin_object(None);
    let mut any = false;
    for statement in &file.statements {
        match write(&mut scratch, statement) {
            Ok(wrote) => any |= wrote,
            Err(error) => errors.push(error),
        }
    }
    if !any {
        return;
    }
    w.key(key);
    w.begin_object(None);
    for statement in &file.statements {
        // Written a second time into the real output so offsets are right; errors were
        // collected above.
        let _ = write(w, statement);
    }
    w.end_object();
}

fn write_output(
    w: &mut JsonWriter,
    types: &TypeContext<'_>,
    resources: &ResourceContext<'_, '_>,
    statement: &Statement,
) -> Result<bool, LowerError> {
    let cx = types.values;
    let StatementKind::Output { name, ty, value } = &statement.kind else {
        return Ok(false);
    };
    let ty = match ty {
        OutputType::Type(ty) => ty,
        OutputType::Resource(type_name) => {
            return write_resource_output(w, resources, statement, &name.name, type_name, value);
        }
    };
    w.key(&name.name);
    w.begin_object(Some(BicepSpan {
        file: cx.file,
        span: statement.span,
    }));
    write_type_keys(
        w,
        types,
        ty,
        &statement.decorators,
        crate::limits::BICEP_DEPTH,
    )?;
    super::lower_types::write_constraints(w, cx, &statement.decorators)?;
    super::lower_types::write_metadata(w, cx, &statement.decorators)?;
    super::lower_loops::write_output_value(w, cx, value)?;
    w.end_object();
    Ok(true)
}

/// `output x resource 'T@v' = r`: the resource's ID, typed `string`, with its resource type
/// in `metadata`, as the compiler writes it.
fn write_resource_output(
    w: &mut JsonWriter,
    resources: &ResourceContext<'_, '_>,
    statement: &Statement,
    name: &str,
    type_name: &StringLit,
    value: &Expr,
) -> Result<bool, LowerError> {
    let top = resources.top();
    let id = resources
        .table
        .symbol_of(value, None)
        .ok_or_else(|| LowerError::new(value.span, "a resource output must name a resource"))?;
    let index = match &value.kind {
        ExprKind::Index { index, .. } => Some(super::lower_expression::lower_expression(
            index,
            &top,
            crate::limits::EXPRESSION_DEPTH,
        )?),
        _ => None,
    };
    w.key(name);
    w.begin_object(resources.origin(statement.span));
    w.key("type");
    w.string("string", None);
    w.key("metadata");
    w.begin_object(None);
    w.key("resourceType");
    w.string(
        &type_name.as_plain().unwrap_or_default(),
        resources.origin(type_name.span),
    );
    w.end_object();
    w.key("value");
    write_lowered(
        w,
        &resource_id(&top, id, index.as_deref(), value.span)?,
        resources.origin(value.span),
    );
    w.end_object();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::source::bicep::syntax::{Expr, Ident, TypeExpr, TypeKind};

    fn at(start: usize, end: usize) -> Span {
        Span::new(start, end)
    }
    fn ident(name: &str, span: Span) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }
    fn statement(span: Span, kind: StatementKind) -> Statement {
        Statement {
            span,
            decorators: vec![],
            kind,
        }
    }
    fn int_type() -> TypeExpr {
        TypeExpr {
            span: at(0, 0),
            kind: TypeKind::Name(ident("int", at(0, 0))),
        }
    }

    /// `param count int = 2` / `var twice = count * 2` / `output out int = twice`
    fn sample(reference: &str) -> BicepFile {
        let count = Expr {
            span: at(30, 35),
            kind: ExprKind::Ident(ident(reference, at(30, 35))),
        };
        let times = Expr {
            span: at(30, 39),
            kind: ExprKind::Binary {
                op: crate::source::bicep::syntax::BinaryOp::Mul,
                left: Box::new(count),
                right: Box::new(Expr {
                    span: at(38, 39),
                    kind: ExprKind::Int("2".into()),
                }),
            },
        };
        BicepFile {
            statements: vec![
                statement(
                    at(0, 20),
                    StatementKind::Param {
                        name: ident("count", at(6, 11)),
                        ty: Some(int_type()),
                        value: Some(Expr {
                            span: at(19, 20),
                            kind: ExprKind::Int("2".into()),
                        }),
                    },
                ),
                statement(
                    at(21, 39),
                    StatementKind::Var {
                        name: ident("twice", at(25, 30)),
                        ty: None,
                        value: times,
                    },
                ),
                statement(
                    at(40, 65),
                    StatementKind::Output {
                        name: ident("out", at(47, 50)),
                        ty: OutputType::Type(int_type()),
                        value: Expr {
                            span: at(60, 65),
                            kind: ExprKind::Ident(ident("twice", at(60, 65))),
                        },
                    },
                ),
            ],
            comments: vec![],
            errors: vec![],
        }
    }

    #[test]
    fn params_variables_and_outputs_lower_to_the_compiler_shapes() {
        let lowered = lower_template(&sample("count"), "main.bicep".into()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&lowered.text).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {"count": {"type": "int", "defaultValue": 2}},
                "variables": {"twice": "[mul(parameters('count'), 2)]"},
                "resources": [],
                "outputs": {"out": {"type": "int", "value": "[variables('twice')]"}}
            })
        );
        let at_var = lowered.text.find("[mul").unwrap();
        let origin = lowered.map.lookup(Span::new(at_var, at_var + 4)).unwrap();
        assert_eq!(origin.span, at(30, 39));
        let at_output = lowered.text.find("\"[variables").unwrap();
        let origin = lowered
            .map
            .lookup(Span::new(at_output, at_output + 1))
            .unwrap();
        assert_eq!(origin.span, at(60, 65));
    }

    #[test]
    fn an_unknown_name_is_an_error_at_its_span() {
        let errors = lower_template(&sample("cuont"), "main.bicep".into()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].span, at(30, 35));
        assert!(errors[0].message.contains("'cuont'"));
    }
}
