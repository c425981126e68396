//! `resource` statements → entries of the template's `resources` array, in the compiler's
//! property order: `copy` (a `for` loop, `@batchSize` → serial mode), `condition` (`if`, a
//! loop's filter, and the conditions of the resources it is nested in), `type`, `apiVersion`,
//! scope properties, `name` (`format('{0}/{1}', …)` for a child), every other body property in
//! source order, `dependsOn`, and `metadata.description` from `@description`. `existing`
//! resources are not written (they are only referenced).

use std::collections::HashMap;

use crate::source::Span;
use crate::source::bicep::syntax::{Expr, ObjectItem, ObjectKey};

use super::json_writer::JsonWriter;
use super::lower_dependencies::{ReferenceGraph, depends_on, target_key};
use super::lower_expression::{LowerError, lower_expression};
use super::lower_params::decorator_call;
use super::lower_reference::{arm_name, instance_scope, loop_owner, resource_id};
use super::lower_scope::ScopeKind;
use super::lower_symbols::{Scope, SymbolId, SymbolTable};
use super::lower_value::{ValueContext, write_lowered, write_value};
use super::span_map::{BicepFileId, BicepSpan};

/// What writing resources and modules needs from the file being lowered.
pub struct ResourceContext<'s, 'a> {
    pub file: BicepFileId,
    pub table: &'s SymbolTable<'a>,
    pub graph: &'s ReferenceGraph<'a>,
    /// Parameters and declared variables.
    pub names: &'s HashMap<String, String>,
    pub inlined: &'s HashMap<String, &'a Expr>,
}

impl<'s, 'a> ResourceContext<'s, 'a> {
    /// The scope of the file's top level.
    pub fn top(&self) -> Scope<'s, 'a> {
        Scope {
            table: self.table,
            names: self.names,
            inlined: self.inlined,
            locals: Vec::new(),
            at: None,
            depth: crate::limits::BICEP_DEPTH,
        }
    }

    pub fn origin(&self, span: Span) -> Option<BicepSpan> {
        Some(BicepSpan {
            file: self.file,
            span,
        })
    }
}

/// Top-level body properties the compiler writes itself (or not at all) for a resource.
const RESOURCE_OMITTED: [&str; 4] = ["name", "scope", "parent", "dependsOn"];

/// Writes the resource `id` (not called for `existing` ones).
pub fn write_resource(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    id: SymbolId,
) -> Result<(), LowerError> {
    let top = cx.top();
    let symbol = cx
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(Span::default(), "unknown resource"))?;
    let span = symbol.statement.span;
    let inner = instance_scope(&top, id, None, span)?;
    let values = ValueContext {
        file: cx.file,
        symbols: &inner,
    };
    w.begin_object(cx.origin(span));
    write_copy_and_condition(w, cx, id)?;
    w.key("type");
    w.string(&symbol.type_name, cx.origin(type_span(symbol)));
    if let Some(version) = &symbol.api_version {
        w.key("apiVersion");
        w.string(version, cx.origin(type_span(symbol)));
    }
    write_scope_properties(w, cx, id)?;
    w.key("name");
    let name_span = symbol.name.map(|n| n.span).unwrap_or(span);
    write_lowered(w, &arm_name(&top, id, None, span)?, cx.origin(name_span));
    write_body(w, symbol.body, &RESOURCE_OMITTED, &values)?;
    write_depends_on(w, cx, id)?;
    write_description(w, cx, id, &values)?;
    w.end_object();
    Ok(())
}

fn type_span(symbol: &super::lower_symbols::ResourceSymbol<'_>) -> Span {
    match &symbol.statement.kind {
        crate::source::bicep::syntax::StatementKind::Resource { type_name, .. } => type_name.span,
        crate::source::bicep::syntax::StatementKind::Module { path, .. } => path.span,
        _ => symbol.statement.span,
    }
}

/// The body's properties in source order, except `omitted`.
pub fn write_body(
    w: &mut JsonWriter,
    items: &[ObjectItem],
    omitted: &[&str],
    values: &ValueContext<'_>,
) -> Result<(), LowerError> {
    for item in items {
        let ObjectItem::Property {
            key, value, span, ..
        } = item
        else {
            continue;
        };
        let key = match key {
            ObjectKey::Ident(ident) => ident.name.clone(),
            ObjectKey::String(lit) => lit.as_plain().ok_or_else(|| {
                LowerError::new(lit.span, "a resource property name must be a plain string")
            })?,
        };
        if omitted.contains(&key.as_str()) {
            continue;
        }
        w.key_from(&key, values.origin_span(*span));
        write_value(w, value, values, crate::limits::VALUE_DEPTH)?;
    }
    Ok(())
}

/// `copy` for the symbol's loop (its own or the one of the resource it is nested in) and
/// `condition` for its `if`s.
pub fn write_copy_and_condition(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    id: SymbolId,
) -> Result<(), LowerError> {
    let top = cx.top();
    let symbol = cx
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(Span::default(), "unknown resource"))?;
    let span = symbol.statement.span;
    if let Some(owner) = loop_owner(&top, id)
        && let Some(spec) = cx.table.get(owner).and_then(|s| s.loop_spec)
    {
        let outer = Scope {
            at: cx.table.get(owner).and_then(|s| s.nested_in),
            ..cx.top()
        };
        let iterable = lower_expression(spec.iterable, &outer, crate::limits::EXPRESSION_DEPTH)?;
        w.key("copy");
        w.begin_object(cx.origin(spec.span));
        w.key("name");
        w.string(&target_key(cx.table, owner), None);
        w.key("count");
        w.string(
            &format!("[length({iterable})]"),
            cx.origin(spec.iterable.span),
        );
        if let Some(size) = batch_size(cx.table, owner)? {
            w.key("mode");
            w.string("serial", None);
            w.key("batchSize");
            w.integer(size, None);
        }
        w.end_object();
    }
    // Conditions stack with nesting: the outermost resource's first.
    let mut conditions: Vec<(SymbolId, &Expr)> = Vec::new();
    let mut at = Some(id);
    while let Some(current) = at {
        let Some(s) = cx.table.get(current) else {
            break;
        };
        if let Some(filter) = s.loop_spec.and_then(|l| l.filter) {
            conditions.push((current, filter));
        }
        if let Some(condition) = s.condition {
            conditions.push((current, condition));
        }
        at = s.nested_in;
        if conditions.len() > crate::limits::BICEP_DEPTH {
            break;
        }
    }
    let mut combined: Option<(String, Span)> = None;
    for (owner, condition) in conditions.into_iter().rev() {
        let scope = instance_scope(&top, owner, None, span)?;
        let text = lower_expression(condition, &scope, crate::limits::EXPRESSION_DEPTH)?;
        combined = Some(match combined {
            None => (text, condition.span),
            Some((before, _)) => (format!("and({before}, {text})"), condition.span),
        });
    }
    if let Some((text, condition_span)) = combined {
        w.key("condition");
        write_lowered(w, &text, cx.origin(condition_span));
    }
    Ok(())
}

/// `@batchSize(n)` on the statement of `id`.
fn batch_size(table: &SymbolTable<'_>, id: SymbolId) -> Result<Option<i64>, LowerError> {
    let Some(symbol) = table.get(id) else {
        return Ok(None);
    };
    for decorator in &symbol.statement.decorators {
        if let Some(("batchSize", args)) = decorator_call(decorator) {
            return match args {
                [value] => match &value.kind {
                    crate::source::bicep::syntax::ExprKind::Int(digits) => digits
                        .parse::<i64>()
                        .map(Some)
                        .map_err(|_| LowerError::new(value.span, "batch size out of range")),
                    _ => Err(LowerError::new(
                        value.span,
                        "@batchSize takes an integer literal",
                    )),
                },
                _ => Err(LowerError::new(
                    decorator.span,
                    "@batchSize takes one argument",
                )),
            };
        }
    }
    Ok(None)
}

/// `scope`, `subscriptionId`, `resourceGroup` as the compiler writes them for the symbol's
/// scope.
pub fn write_scope_properties(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    id: SymbolId,
) -> Result<(), LowerError> {
    let top = cx.top();
    let symbol = cx
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(Span::default(), "unknown resource"))?;
    let span = symbol.statement.span;
    let origin = cx.origin(symbol.scope.map(|s| s.span).unwrap_or(span));
    let data = symbol.scope_data;
    let value = |v| super::lower_reference::scope_value(&top, v, id, None, span);
    match data.kind {
        ScopeKind::Resource => {
            if let Some((target, index)) = data.resource {
                let index = match index {
                    Some((expr, owner)) => {
                        let inner = instance_scope(&top, owner, None, span)?;
                        Some(lower_expression(
                            expr,
                            &inner,
                            crate::limits::EXPRESSION_DEPTH,
                        )?)
                    }
                    None => None,
                };
                w.key("scope");
                write_lowered(
                    w,
                    &resource_id(&top, target, index.as_deref(), span)?,
                    origin,
                );
            }
        }
        ScopeKind::Tenant => {
            if cx.table.target() != ScopeKind::Tenant {
                w.key("scope");
                w.string("/", origin);
            }
        }
        ScopeKind::ManagementGroup => {
            if let Some(name) = data.management_group {
                let name = value(name)?;
                let qualified = !matches!(
                    cx.table.target(),
                    ScopeKind::Tenant | ScopeKind::ManagementGroup
                );
                let text = if qualified {
                    format!("tenantResourceId('Microsoft.Management/managementGroups', {name})")
                } else {
                    format!("format('Microsoft.Management/managementGroups/{{0}}', {name})")
                };
                w.key("scope");
                write_lowered(w, &text, origin);
            }
        }
        ScopeKind::Subscription => {
            if let Some(sub) = data.subscription {
                w.key("subscriptionId");
                write_lowered(w, &value(sub)?, origin);
            } else if cx.table.target() == ScopeKind::ResourceGroup {
                w.key("subscriptionId");
                write_lowered(w, "subscription().subscriptionId", origin);
            }
        }
        ScopeKind::ResourceGroup => {
            if let Some(sub) = data.subscription {
                w.key("subscriptionId");
                write_lowered(w, &value(sub)?, origin);
            }
            if let Some(group) = data.resource_group {
                w.key("resourceGroup");
                write_lowered(w, &value(group)?, origin);
            }
        }
    }
    Ok(())
}

/// `dependsOn`, when there is any.
pub fn write_depends_on(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    id: SymbolId,
) -> Result<(), LowerError> {
    let top = cx.top();
    let span = cx
        .table
        .get(id)
        .map(|s| s.statement.span)
        .unwrap_or_default();
    let entries = depends_on(&top, cx.graph, id, span)?;
    if entries.is_empty() {
        return Ok(());
    }
    let origin = cx
        .table
        .get(id)
        .and_then(|s| s.property("dependsOn"))
        .map(|e| e.span);
    w.key("dependsOn");
    w.begin_array(origin.and_then(|s| cx.origin(s)));
    for entry in entries {
        write_lowered(w, &entry, None);
    }
    w.end_array();
    Ok(())
}

/// `metadata.description` from `@description(…)`.
pub fn write_description(
    w: &mut JsonWriter,
    cx: &ResourceContext<'_, '_>,
    id: SymbolId,
    values: &ValueContext<'_>,
) -> Result<(), LowerError> {
    let Some(symbol) = cx.table.get(id) else {
        return Ok(());
    };
    for decorator in &symbol.statement.decorators {
        if let Some(("description", [description])) = decorator_call(decorator) {
            w.key("metadata");
            w.begin_object(None);
            w.key("description");
            write_value(w, description, values, crate::limits::VALUE_DEPTH)?;
            w.end_object();
        }
    }
    Ok(())
}
