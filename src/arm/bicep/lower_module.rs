//! `module` statements → nested deployments (`Microsoft.Resources/deployments`) as the compiler
//! emits them: `copy` / `condition`, `type`, `apiVersion`, other body properties, `name` (the
//! compiler's generated `format('{sym}-{0}', uniqueString('sym', deployment().name))` when
//! absent), scope properties, `location` when deployed to another kind of scope, then
//! `properties` with inner expression evaluation, `mode: Incremental`, `parameters` as
//! `{ "value": … }` and the module's own template, lowered recursively (its span map appended).
//! A module the [`ModuleSource`] cannot resolve gets a `templateLink` instead of a template: the
//! engine treats its content and outputs as unknown.

use crate::source::Span;
use crate::source::bicep::syntax::{Expr, ExprKind, ObjectItem, ObjectKey};

use super::json_writer::JsonWriter;
use super::lower_expression::{LowerError, lower_expression};
use super::lower_reference::{DEPLOYMENTS_API_VERSION, instance_scope, loop_owner, own_name};
use super::lower_resource::{
    ResourceContext, write_body, write_copy_and_condition, write_depends_on, write_description,
    write_scope_properties,
};
use super::lower_scope::ScopeKind;
use super::lower_symbols::{Scope, SymbolId, quoted};
use super::lower_value::{ValueContext, write_value};
use super::module_source::{ModuleContent, ModuleSource};

/// Lowers a local Bicep module file into template text and its span map (the caller bounds
/// the depth).
pub type LowerChild<'c> = dyn FnMut(
        &std::path::Path,
        &crate::source::bicep::syntax::BicepFile,
        &mut dyn ModuleSource,
    ) -> Result<(String, super::span_map::SpanMap), LowerError>
    + 'c;

/// Top-level body properties the compiler writes itself for a module.
const MODULE_OMITTED: [&str; 5] = ["name", "params", "extensionConfigs", "scope", "dependsOn"];

/// Deployment names are at most 64 characters; a generated name keeps room for the index
/// (3 digits, the largest copy count is 800), the 13-character unique string and dashes.
const MAX_DEPLOYMENT_NAME: usize = 64;
const UNIQUE_STRING_LENGTH: usize = 13;
const COPY_INDEX_LENGTH: usize = 3;

/// The name the compiler generates for a module without `name:`.
pub fn generated_module_name(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let symbol = scope
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(span, "unknown module"))?;
    let name = &symbol.ident.name;
    let collection = loop_owner(scope, id).is_some();
    let reserved = if collection {
        COPY_INDEX_LENGTH + UNIQUE_STRING_LENGTH + 2
    } else {
        UNIQUE_STRING_LENGTH + 1
    };
    let prefix: String = name
        .chars()
        .take(MAX_DEPLOYMENT_NAME.saturating_sub(reserved))
        .collect();
    let unique = format!("uniqueString({}, deployment().name)", quoted(name));
    Ok(if collection {
        let index = index.unwrap_or("copyIndex()");
        format!(
            "format({}, {index}, {unique})",
            quoted(&format!("{prefix}-{{0}}-{{1}}"))
        )
    } else {
        format!("format({}, {unique})", quoted(&format!("{prefix}-{{0}}")))
    })
}

/// Writes the module `id`. `lower_child` lowers a local Bicep module (recursively, with the
/// module depth bounded by the caller) into template text and its span map.
pub fn write_module(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    id: SymbolId,
    modules: &mut dyn ModuleSource,
    from_file: &std::path::Path,
    lower_child: &mut LowerChild<'_>,
) -> Result<(), LowerError> {
    let top = cx.top();
    let symbol = cx
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(Span::default(), "unknown module"))?;
    let span = symbol.statement.span;
    let inner = instance_scope(&top, id, None, span)?;
    let values = ValueContext {
        file: cx.file,
        symbols: &inner,
    };
    let path = symbol
        .module_path
        .ok_or_else(|| LowerError::new(span, "a module without a path"))?;
    let reference = path
        .as_plain()
        .ok_or_else(|| LowerError::new(path.span, "a module path must be a plain string"))?;
    // Load first: a missing module is the error to report, at its path.
    let content = modules.load(from_file, &reference, path.span)?;
    w.begin_object(cx.origin(span));
    write_copy_and_condition(w, cx, id)?;
    w.key("type");
    w.string("Microsoft.Resources/deployments", None);
    w.key("apiVersion");
    w.string(DEPLOYMENTS_API_VERSION, None);
    write_body(w, symbol.body, &MODULE_OMITTED, &values)?;
    w.key("name");
    let name_span = symbol.name.map(|n| n.span).unwrap_or(symbol.ident.span);
    super::lower_value::write_lowered(w, &own_name(&top, id, None, span)?, cx.origin(name_span));
    write_scope_properties(w, cx, id)?;
    if symbol.scope_data.kind != ScopeKind::ResourceGroup {
        w.key("location");
        let location = if cx.table.target() == ScopeKind::ResourceGroup {
            "[resourceGroup().location]"
        } else {
            "[deployment().location]"
        };
        w.string(location, None);
    }
    w.key("properties");
    w.begin_object(None);
    w.key("expressionEvaluationOptions");
    w.begin_object(None);
    w.key("scope");
    w.string("inner", None);
    w.end_object();
    w.key("mode");
    w.string("Incremental", None);
    if let Some(params) = symbol.property("params") {
        write_parameters(w, params, &values)?;
    }
    write_template(w, content, path.span, &reference, modules, lower_child)?;
    w.end_object();
    write_depends_on(w, cx, id)?;
    write_description(w, cx, id, &values)?;
    w.end_object();
    Ok(())
}

/// `"template": …` (or `"templateLink"` for a module that is not available).
fn write_template(
    w: &mut JsonWriter,
    content: ModuleContent,
    path_span: Span,
    reference: &str,
    modules: &mut dyn ModuleSource,
    lower_child: &mut LowerChild<'_>,
) -> Result<(), LowerError> {
    match content {
        ModuleContent::Bicep { path, file } => {
            let (text, map) = lower_child(&path, &file, modules)?;
            if w.len().saturating_add(text.len()) > crate::limits::FILE_BYTES {
                return Err(LowerError::new(
                    path_span,
                    "the lowered template is too large",
                ));
            }
            w.key("template");
            let start = w.raw_value(&text);
            let by = u32::try_from(start)
                .map_err(|_| LowerError::new(path_span, "template too large"))?;
            w.map_mut().append_shifted(&map, by);
        }
        ModuleContent::Json { text, .. } => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
                return Err(LowerError::new(
                    path_span,
                    format!("the module '{reference}' is not a valid JSON template"),
                ));
            }
            w.key("template");
            w.raw_value(text.trim());
        }
        ModuleContent::Unresolved { template_spec, .. } => {
            w.key("templateLink");
            w.begin_object(None);
            match template_spec {
                Some(id) => {
                    w.key("id");
                    w.string(&id, None);
                }
                None => {
                    w.key("uri");
                    w.string(reference, None);
                }
            }
            w.end_object();
        }
    }
    Ok(())
}

/// `"parameters": { "p": { "value": … } }`; a ternary chooses between two such objects and a
/// Key Vault `getSecret` becomes a `reference`.
fn write_parameters(
    w: &mut JsonWriter,
    params: &Expr,
    values: &ValueContext<'_>,
) -> Result<(), LowerError> {
    let ExprKind::Object(items) = &params.kind else {
        return Err(LowerError::new(params.span, "params must be an object"));
    };
    w.key("parameters");
    w.begin_object(values.origin(params));
    for item in items {
        let ObjectItem::Property { key, value, .. } = item else {
            return Err(LowerError::new(
                params.span,
                "spreads in module params are not supported by the lowering yet",
            ));
        };
        let key = match key {
            ObjectKey::Ident(ident) => ident.name.clone(),
            ObjectKey::String(lit) => lit.as_plain().ok_or_else(|| {
                LowerError::new(lit.span, "a module parameter name must be a plain string")
            })?,
        };
        w.key(&key);
        write_parameter_value(w, value, values)?;
    }
    w.end_object();
    Ok(())
}

/// A module parameter as an expression: a ternary chooses between parameter objects
/// (`if(c, createObject('value', a), …)`), a `getSecret` is a `reference` object.
fn parameter_text(
    value: &Expr,
    values: &ValueContext<'_>,
    depth: usize,
) -> Result<String, LowerError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(value.span, "expression nested too deeply"));
    };
    let lower = |e: &Expr| lower_expression(e, values.symbols, crate::limits::EXPRESSION_DEPTH);
    match &value.kind {
        ExprKind::Paren(inner) => parameter_text(inner, values, depth),
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => Ok(format!(
            "if({}, {}, {})",
            lower(condition)?,
            parameter_text(then, values, depth)?,
            parameter_text(otherwise, values, depth)?
        )),
        ExprKind::Call {
            target: Some(vault),
            name,
            args,
        } if name.name == "getSecret" && !args.is_empty() => {
            let id = lower(&property_of(vault, "id", name.span))?;
            let mut reference = format!(
                "createObject('keyVault', createObject('id', {id}), 'secretName', {}",
                args.first().map(lower).transpose()?.unwrap_or_default()
            );
            if let Some(version) = args.get(1) {
                reference.push_str(&format!(", 'secretVersion', {}", lower(version)?));
            }
            Ok(format!("createObject('reference', {reference}))"))
        }
        _ => Ok(format!("createObject('value', {})", lower(value)?)),
    }
}

/// `base.name` as an expression.
fn property_of(base: &Expr, name: &str, span: Span) -> Expr {
    Expr {
        span: base.span,
        kind: ExprKind::Property {
            base: Box::new(base.clone()),
            name: crate::source::bicep::syntax::Ident {
                name: name.into(),
                span,
            },
            safe: false,
        },
    }
}

fn write_parameter_value(
    w: &mut JsonWriter,
    value: &Expr,
    values: &ValueContext<'_>,
) -> Result<(), LowerError> {
    if let ExprKind::Ternary { .. } = &value.kind {
        let text = parameter_text(value, values, crate::limits::EXPRESSION_DEPTH)?;
        super::lower_value::write_lowered(w, &text, values.origin(value));
        return Ok(());
    }
    if let Some(for_expr) = super::lower_loops::as_for(value) {
        // `[for …]` as a module parameter: a property copy loop named `value`.
        w.begin_object(values.origin(value));
        w.key("copy");
        w.begin_array(None);
        super::lower_loops::write_copy_entry(
            w,
            values,
            Some("value"),
            for_expr,
            crate::limits::VALUE_DEPTH,
        )?;
        w.end_array();
        w.end_object();
        return Ok(());
    }
    if let ExprKind::Call {
        target: Some(vault),
        name,
        args,
    } = &value.kind
        && name.name == "getSecret"
        && let [secret, version @ ..] = args.as_slice()
    {
        // A Key Vault secret passed to a module: a parameter `reference`, not a value.
        let id = property_of(vault, "id", name.span);
        w.begin_object(values.origin(value));
        w.key("reference");
        w.begin_object(None);
        w.key("keyVault");
        w.begin_object(None);
        w.key("id");
        write_value(w, &id, values, crate::limits::VALUE_DEPTH)?;
        w.end_object();
        w.key("secretName");
        write_value(w, secret, values, crate::limits::VALUE_DEPTH)?;
        if let Some(version) = version.first() {
            w.key("secretVersion");
            write_value(w, version, values, crate::limits::VALUE_DEPTH)?;
        }
        w.end_object();
        w.end_object();
        return Ok(());
    }
    w.begin_object(values.origin(value));
    if let Some(for_expr) = super::lower_loops::as_for(value) {
        // A loop as a parameter value: a property loop named `value`, as the compiler writes it.
        w.key("copy");
        w.begin_array(None);
        super::lower_loops::write_copy_entry(
            w,
            values,
            Some("value"),
            for_expr,
            crate::limits::VALUE_DEPTH,
        )?;
        w.end_array();
    } else {
        w.key("value");
        write_value(w, value, values, crate::limits::VALUE_DEPTH)?;
    }
    w.end_object();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::arm::bicep::lower_symbols::SymbolTable;
    use crate::source::bicep::parse;

    #[test]
    fn generated_names_are_the_compilers() {
        // From baselines (main.json): `format('<symbol>-{0}', uniqueString('<symbol>',
        // deployment().name))`, with the copy index first in a loop; the symbol is cut to fit
        // 64 characters.
        let long = "m".repeat(60);
        let text = format!(
            "module single './a.bicep' = {{}}\nmodule many './a.bicep' = [for x in [1]: {{}}]\nmodule {long} './a.bicep' = {{}}\n"
        );
        let file = parse(&text);
        let mut errors = Vec::new();
        let table = SymbolTable::build(&file, ScopeKind::ResourceGroup, &mut errors);
        let (names, inlined) = (HashMap::new(), HashMap::new());
        let scope = Scope {
            table: &table,
            names: &names,
            inlined: &inlined,
            locals: vec![],
            at: None,
            depth: 16,
        };
        let name = |symbol: &str, index: Option<&str>| {
            let id = table.lookup(symbol, None).unwrap();
            generated_module_name(&scope, id, index, Span::default()).unwrap()
        };
        assert_eq!(
            name("single", None),
            "format('single-{0}', uniqueString('single', deployment().name))"
        );
        assert_eq!(
            name("many", Some("2")),
            "format('many-{0}-{1}', 2, uniqueString('many', deployment().name))"
        );
        let cut = "m".repeat(50);
        assert_eq!(
            name(&long, None),
            format!("format('{cut}-{{0}}', uniqueString('{long}', deployment().name))")
        );
    }
}
