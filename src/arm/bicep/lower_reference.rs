//! Symbolic references → ARM expressions, as the compiler writes them (non-symbolic-name
//! output): `r.id` → `resourceId('T', names…)`, `r.name` → the name expression, `r.type` /
//! `r.apiVersion` → literals, `r.properties.x` → `reference(resourceId(…), 'version').x`, other
//! members → `reference(…, 'version', 'full').member`, `m.outputs.y` →
//! `reference(resourceId('Microsoft.Resources/deployments', name), 'version').outputs.y.value`,
//! `r[i]` on a loop → the loop's name with `i` for the index, `a::b` → the nested resource.

use crate::source::Span;

use crate::source::bicep::syntax::Expr;

use super::lower_expression::{Accessor, LowerError, lower_expression};
use super::lower_scope::{ScopeKind, ScopeValue};
use super::lower_symbols::{Scope, SymbolId, SymbolKind, quoted};

/// The API version of the deployments the compiler emits for modules.
pub const DEPLOYMENTS_API_VERSION: &str = "2025-04-01";

/// `chain` applied to the symbol `id`.
pub fn lower_reference(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    chain: &[Accessor],
    span: Span,
) -> Result<String, LowerError> {
    let mut id = id;
    let mut index: Option<String> = None;
    let mut rest = chain;
    // `a::b::c` and `r[i]` select the instance; what follows is a member access.
    loop {
        match rest.split_first() {
            Some((Accessor::Child { name }, tail)) => {
                id = scope
                    .table
                    .child(id, name)
                    .ok_or_else(|| LowerError::new(span, format!("no nested resource '{name}'")))?;
                rest = tail;
            }
            Some((Accessor::Index { index: i, .. }, tail))
                if index.is_none() && is_loop(scope, id) =>
            {
                index = Some(i.clone());
                rest = tail;
            }
            _ => break,
        }
    }
    let symbol = scope
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(span, "unknown resource"))?;
    if let Some((Accessor::Call { name, args }, tail)) = rest.split_first() {
        let id_text = resource_id(scope, id, index.as_deref(), span)?;
        let call = resource_function(symbol, name, args, &id_text, span)?;
        return Ok(with_rest(&call, tail));
    }
    let (head, safe, tail) = match rest.split_first() {
        Some((Accessor::Property { name, safe }, tail)) => (Some(name.as_str()), *safe, tail),
        _ => (None, false, rest),
    };
    let version = match symbol.kind {
        SymbolKind::Module => DEPLOYMENTS_API_VERSION.to_string(),
        SymbolKind::Resource => symbol.api_version.clone().unwrap_or_default(),
    };
    let index = index.as_deref();
    let id_text = || resource_id(scope, id, index, span);
    // `.?member` on a conditional symbol reads nothing when it is not deployed.
    let guarded = |reference: String| -> Result<(String, bool), LowerError> {
        match (safe, own_condition(scope, id, index, span)?) {
            (true, Some(condition)) => Ok((format!("if({condition}, {reference}, null())"), true)),
            _ => Ok((reference, false)),
        }
    };
    let base = match (symbol.kind, head) {
        (_, Some("name")) => guarded(own_name(scope, id, index, span)?)?.0,
        (_, Some("id")) => guarded(id_text()?)?.0,
        (_, Some("type")) => quoted(&symbol.type_name),
        (_, Some("apiVersion")) => quoted(&version),
        (SymbolKind::Resource, Some("properties")) if !safe => {
            format!("reference({}, {})", id_text()?, quoted(&version))
        }
        (SymbolKind::Module, Some("outputs")) => {
            let reference = format!("reference({}, {})", id_text()?, quoted(&version));
            let outputs = match guarded(reference)? {
                (reference, _) if safe => format!("tryGet({reference}, 'outputs')"),
                (reference, _) => format!("{reference}.outputs"),
            };
            return Ok(module_output(&outputs, tail));
        }
        (_, Some(member)) => {
            let full = format!("reference({}, {}, 'full')", id_text()?, quoted(&version));
            match guarded(full)? {
                (reference, _) if safe => {
                    return Ok(with_rest_from(
                        Built::Safe {
                            function: "tryGet",
                            args: vec![reference, quoted(member)],
                        },
                        tail,
                        true,
                    ));
                }
                (reference, _) => format!("{reference}.{member}"),
            }
        }
        (_, None) => format!("reference({}, {}, 'full')", id_text()?, quoted(&version)),
    };
    Ok(with_rest(&base, tail))
}

/// The symbol's own `if` (or its loop's filter) as ARM text for instance `index`.
fn own_condition(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<Option<String>, LowerError> {
    let symbol = scope.table.get(id).ok_or_else(|| unknown(span))?;
    let Some(condition) = symbol
        .condition
        .or_else(|| symbol.loop_spec.and_then(|l| l.filter))
    else {
        return Ok(None);
    };
    let inner = instance_scope(scope, id, index, span)?;
    lower_expression(condition, &inner, crate::limits::EXPRESSION_DEPTH).map(Some)
}

fn is_loop(scope: &Scope<'_, '_>, id: SymbolId) -> bool {
    loop_owner(scope, id).is_some()
}

/// The symbol whose `for` loop makes `id` a collection: itself, or a resource it is nested in
/// (the compiler copies a nested resource with its parent's loop).
pub fn loop_owner(scope: &Scope<'_, '_>, id: SymbolId) -> Option<SymbolId> {
    let mut at = Some(id);
    let mut hops = 0;
    while let Some(current) = at {
        let symbol = scope.table.get(current)?;
        if symbol.loop_spec.is_some() {
            return Some(current);
        }
        at = symbol.nested_in;
        hops += 1;
        if hops > crate::limits::BICEP_DEPTH {
            return None;
        }
    }
    None
}

/// A lowered access chain being built: plain text, or a `tryGet` / `tryIndexFromEnd` call a
/// chained access after a safe one adds its argument to (`tryGet(x, 'a', 'b')`).
enum Built {
    Text(String),
    Safe {
        function: &'static str,
        args: Vec<String>,
    },
}

impl Built {
    fn text(self) -> String {
        match self {
            Built::Text(text) => text,
            Built::Safe { function, args } => format!("{function}({})", args.join(", ")),
        }
    }
}

/// `base` followed by the member accesses of `rest`, as the compiler writes them: `.?` →
/// `tryGet`, `[^i]` → `indexFromEnd` (`tryIndexFromEnd` when safe), and every access after a
/// safe one folded into the same `tryGet` call.
fn with_rest(base: &str, rest: &[Accessor]) -> String {
    with_rest_from(Built::Text(base.to_string()), rest, false)
}

fn with_rest_from(start: Built, rest: &[Accessor], chained: bool) -> String {
    let mut out = start;
    let mut chained = chained;
    for step in rest {
        let (accessor, safe, from_end) = match step {
            Accessor::Property { name, safe } => (quoted(name), *safe, false),
            Accessor::Index {
                index,
                safe,
                from_end,
            } => (index.clone(), *safe, *from_end),
            Accessor::Child { name } => (quoted(name), false, false),
            Accessor::Call { name, args } => {
                out = Built::Text(format!("{}.{name}({})", out.text(), args.join(", ")));
                continue;
            }
        };
        out = match (out, safe, chained) {
            (Built::Safe { function, mut args }, false, true) => {
                args.push(if from_end {
                    format!("createObject('value', {accessor}, 'fromEnd', true())")
                } else {
                    accessor
                });
                Built::Safe { function, args }
            }
            (base, true, _) => Built::Safe {
                function: if from_end {
                    "tryIndexFromEnd"
                } else {
                    "tryGet"
                },
                args: vec![base.text(), accessor],
            },
            (base, false, _) if from_end => {
                Built::Text(format!("indexFromEnd({}, {accessor})", base.text()))
            }
            (base, false, _) => {
                let text = base.text();
                Built::Text(match step {
                    Accessor::Property { name, .. } | Accessor::Child { name } => {
                        format!("{text}.{name}")
                    }
                    _ => format!("{text}[{accessor}]"),
                })
            }
        };
        chained |= safe;
    }
    out.text()
}

/// `m.outputs.y…` / `m.outputs.?y…`: the output's `value`, then the rest.
fn module_output(outputs: &str, rest: &[Accessor]) -> String {
    let Some((first, more)) = rest.split_first() else {
        return outputs.to_string();
    };
    let (name, safe) = match first {
        Accessor::Property { name, safe } => (quoted(name), *safe),
        Accessor::Index { index, safe, .. } => (index.clone(), *safe),
        _ => return with_rest(outputs, rest),
    };
    if safe {
        // Conditional outputs may be absent, and null outputs have no `value`.
        let inner = format!("tryGet({outputs}, {name})");
        let start = Built::Safe {
            function: "tryGet",
            args: vec![inner, "'value'".into()],
        };
        return with_rest_from(start, more, true);
    }
    let base = with_rest(outputs, std::slice::from_ref(first));
    with_rest(&format!("{base}.value"), more)
}

/// A resource function: `r.listKeys()` → `listKeys(<id>, '<apiVersion>')`, with arguments
/// `listKeys(<id>, args…)`. `getSecret` is only meaningful as a module parameter (a Key Vault
/// reference, written by the module lowering).
fn resource_function(
    symbol: &super::lower_symbols::ResourceSymbol<'_>,
    name: &str,
    args: &[String],
    id_text: &str,
    span: Span,
) -> Result<String, LowerError> {
    if symbol.kind != SymbolKind::Resource || !name.to_ascii_lowercase().starts_with("list") {
        return Err(LowerError::new(
            span,
            format!("the resource function '{name}' cannot be used here"),
        ));
    }
    let mut call_args = vec![id_text.to_string()];
    if args.is_empty() {
        call_args.push(quoted(symbol.api_version.as_deref().unwrap_or_default()));
    } else {
        call_args.extend(args.iter().cloned());
    }
    Ok(format!("{name}({})", call_args.join(", ")))
}

fn unknown(span: Span) -> LowerError {
    LowerError::new(span, "unknown resource")
}

/// The symbol's own `name:` value as ARM text, its loop variables standing for instance
/// `index` (`copyIndex()` when `None`). A module without `name:` gets the compiler's
/// generated name.
pub fn own_name(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let symbol = scope.table.get(id).ok_or_else(|| unknown(span))?;
    let Some(name) = symbol.name else {
        return super::lower_module::generated_module_name(scope, id, index, span);
    };
    let inner = instance_scope(scope, id, index, span)?;
    lower_expression(name, &inner, crate::limits::EXPRESSION_DEPTH)
}

/// The scope the symbol's own body is lowered in: the loop variables of its loop (its own, or
/// that of the resource it is nested in) bound to instance `index` (`copyIndex()` if `None`).
pub fn instance_scope<'s, 'a>(
    scope: &Scope<'s, 'a>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<Scope<'s, 'a>, LowerError> {
    let Some(depth) = scope.depth.checked_sub(1) else {
        return Err(LowerError::new(
            span,
            "resource references nested too deeply",
        ));
    };
    let symbol = scope.table.get(id).ok_or_else(|| unknown(span))?;
    let mut locals = Vec::new();
    if let Some(owner) = loop_owner(scope, id)
        && let Some(spec) = scope.table.get(owner).and_then(|s| s.loop_spec)
    {
        let index = index.unwrap_or("copyIndex()").to_string();
        let outer = Scope {
            locals: Vec::new(),
            at: scope.table.get(owner).and_then(|s| s.nested_in),
            depth,
            ..*scope
        };
        if let Some(item) = spec.item {
            let iterable =
                lower_expression(spec.iterable, &outer, crate::limits::EXPRESSION_DEPTH)?;
            locals.push((item.name.clone(), format!("{iterable}[{index}]")));
        }
        if let Some(var) = spec.index {
            locals.push((var.name.clone(), index));
        }
    }
    Ok(Scope {
        locals,
        at: Some(id).filter(|_| symbol.kind == super::lower_symbols::SymbolKind::Resource),
        depth,
        ..*scope
    })
}

/// The symbol's name segments, outermost ancestor first, as the compiler splits them for
/// `resourceId`: one per type segment after the namespace. A parent reached through
/// `parent: p[i]` is instance `i` (lowered in the child's body).
pub fn name_segments(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<Vec<String>, LowerError> {
    let symbol = scope.table.get(id).ok_or_else(|| unknown(span))?;
    let mut names = vec![own_name(scope, id, index, span)?];
    let (mut current, mut current_index) = (id, index.map(str::to_string));
    while let Some(parent) = scope.table.get(current).and_then(|s| s.parent) {
        if names.len() > crate::limits::BICEP_DEPTH {
            return Err(LowerError::new(span, "parent chain too deep"));
        }
        let child = scope.table.get(current).ok_or_else(|| unknown(span))?;
        let parent_index = match child.parent_index {
            Some(expr) => {
                let inner = instance_scope(scope, current, current_index.as_deref(), span)?;
                Some(lower_expression(
                    expr,
                    &inner,
                    crate::limits::EXPRESSION_DEPTH,
                )?)
            }
            // A nested child is copied with its parent's loop: the same instance.
            None if child.nested_in == Some(parent) => current_index.clone(),
            None => None,
        };
        names.push(own_name(scope, parent, parent_index.as_deref(), span)?);
        current = parent;
        current_index = parent_index;
    }
    names.reverse();
    let types_after_namespace = symbol.type_name.split('/').count().saturating_sub(1);
    let Some((first, rest)) = names.split_first() else {
        return Ok(names);
    };
    // The first name covers the type segments the ancestors do not: `split(name, '/')[i]`.
    let first_length = types_after_namespace.saturating_sub(rest.len());
    if first_length <= 1 {
        return Ok(names);
    }
    let mut out: Vec<String> = (0..first_length)
        .map(|i| format!("split({first}, '/')[{i}]"))
        .collect();
    out.extend(rest.iter().cloned());
    Ok(out)
}

/// The `name` property the compiler writes: the name itself, or for a child
/// `format('{0}/{1}', parent, child)` of its name segments.
pub fn arm_name(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let has_parent = scope.table.get(id).is_some_and(|s| s.parent.is_some());
    if !has_parent {
        return own_name(scope, id, index, span);
    }
    let segments = name_segments(scope, id, index, span)?;
    let pattern: Vec<String> = (0..segments.len()).map(|i| format!("{{{i}}}")).collect();
    Ok(format!(
        "format({}, {})",
        quoted(&pattern.join("/")),
        segments.join(", ")
    ))
}

/// The fully qualified resource ID of instance `index` of the symbol.
pub fn resource_id(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let symbol = scope.table.get(id).ok_or_else(|| unknown(span))?;
    let segments = match symbol.kind {
        SymbolKind::Module => vec![own_name(scope, id, index, span)?],
        SymbolKind::Resource => name_segments(scope, id, index, span)?,
    };
    let ty = quoted(&symbol.type_name);
    let data = symbol.scope_data;
    let mut args = vec![ty.clone()];
    args.extend(segments.iter().cloned());
    let value = |v: ScopeValue<'_>| scope_value(scope, v, id, index, span);
    Ok(match data.kind {
        ScopeKind::Tenant => format!("tenantResourceId({})", args.join(", ")),
        ScopeKind::Subscription => {
            if let Some(sub) = data.subscription {
                args.insert(0, value(sub)?);
            }
            format!("subscriptionResourceId({})", args.join(", "))
        }
        ScopeKind::ResourceGroup => match (data.subscription, data.resource_group) {
            (None, None) => format!("resourceId({})", args.join(", ")),
            (sub, group) => {
                let sub = match sub {
                    Some(sub) => value(sub)?,
                    None => "subscription().subscriptionId".to_string(),
                };
                let group = match group {
                    Some(group) => value(group)?,
                    None => "resourceGroup().name".to_string(),
                };
                let at =
                    format!("format('/subscriptions/{{0}}/resourceGroups/{{1}}', {sub}, {group})");
                format!("extensionResourceId({at}, {})", args.join(", "))
            }
        },
        ScopeKind::ManagementGroup => {
            let at = match data.management_group {
                Some(name) => format!(
                    "tenantResourceId('Microsoft.Management/managementGroups', {})",
                    value(name)?
                ),
                None => "managementGroup().id".to_string(),
            };
            format!("extensionResourceId({at}, {})", args.join(", "))
        }
        ScopeKind::Resource => {
            let Some((target, target_index)) = data.resource else {
                return Err(LowerError::new(span, "extension scope without a resource"));
            };
            let target_index = placed_index(scope, target_index, id, index, span)?;
            let at = resource_id(scope, target, target_index.as_deref(), span)?;
            format!("extensionResourceId({at}, {})", args.join(", "))
        }
    })
}

/// The ARM text of a scope value of `id`'s scope data, for instance `index` of `id`.
pub fn scope_value(
    scope: &Scope<'_, '_>,
    value: ScopeValue<'_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    match value {
        ScopeValue::Expr { expr, owner } => {
            let owner_index = if owner == id { index } else { None };
            let inner = instance_scope(scope, owner, owner_index, span)?;
            lower_expression(expr, &inner, crate::limits::EXPRESSION_DEPTH)
        }
        ScopeValue::NameOf { symbol, index: at } => {
            let at = placed_index(scope, at, id, index, span)?;
            own_name(scope, symbol, at.as_deref(), span)
        }
    }
}

/// An index expression written in the body of `owner`, lowered for instance `index` of `id`.
fn placed_index(
    scope: &Scope<'_, '_>,
    placed: Option<(&Expr, SymbolId)>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<Option<String>, LowerError> {
    let Some((expr, owner)) = placed else {
        return Ok(None);
    };
    let owner_index = if owner == id { index } else { None };
    let inner = instance_scope(scope, owner, owner_index, span)?;
    lower_expression(expr, &inner, crate::limits::EXPRESSION_DEPTH).map(Some)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::source::bicep::parse;
    use crate::source::bicep::syntax::{BicepFile, StatementKind};

    use super::super::lower_symbols::SymbolTable;

    /// Lowers the value of `output out` of `text` with every resource of the file in scope.
    fn output_value(text: &str) -> String {
        let file: BicepFile = parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let mut errors = Vec::new();
        let table = SymbolTable::build(
            &file,
            super::super::lower_scope::ScopeKind::ResourceGroup,
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        let names = HashMap::from([("p".to_string(), "parameters('p')".to_string())]);
        let inlined = HashMap::new();
        let scope = Scope {
            table: &table,
            names: &names,
            inlined: &inlined,
            locals: vec![],
            at: None,
            depth: 16,
        };
        let value = file
            .statements
            .iter()
            .find_map(|s| match &s.kind {
                StatementKind::Output { value, .. } => Some(value),
                _ => None,
            })
            .unwrap();
        lower_expression(value, &scope, 64).unwrap()
    }

    #[test]
    fn nested_children_reference_through_the_parent_chain() {
        // From baselines/NestedResources_LF (main.json).
        let text = "resource basicParent 'My.Rp/parentType@2020-12-01' = {\n  name: 'basicParent'\n  resource basicChild 'childType' = {\n    name: 'basicChild'\n    resource basicGrandchild 'grandchildType' = {\n      name: 'basicGrandchild'\n    }\n  }\n}\noutput out string = basicParent::basicChild::basicGrandchild.properties.style\n";
        assert_eq!(
            output_value(text),
            "reference(resourceId('My.Rp/parentType/childType/grandchildType', 'basicParent', 'basicChild', 'basicGrandchild'), '2020-12-01').style"
        );
    }

    #[test]
    fn members_lower_to_their_compiler_forms() {
        // From baselines/Dependencies_LF (main.json).
        let resource = "resource resA 'My.Rp/myResourceType@2020-01-01' = {\n  name: 'resA'\n}\n";
        let out = |expr: &str| output_value(&format!("{resource}output out string = {expr}\n"));
        assert_eq!(out("resA.id"), "resourceId('My.Rp/myResourceType', 'resA')");
        assert_eq!(out("resA.name"), "'resA'");
        assert_eq!(out("resA.type"), "'My.Rp/myResourceType'");
        assert_eq!(
            out("resA.properties.eTag"),
            "reference(resourceId('My.Rp/myResourceType', 'resA'), '2020-01-01').eTag"
        );
        assert_eq!(
            out("resA.location"),
            "reference(resourceId('My.Rp/myResourceType', 'resA'), '2020-01-01', 'full').location"
        );
    }

    #[test]
    fn loop_instances_substitute_the_index_and_module_outputs_read_value() {
        let text = "resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = [for (x, i) in p: {\n  name: 'sa${i}${x}'\n}]\nmodule m './m.bicep' = {\n  name: 'dep'\n}\noutput out string = '${sa[1].id}${m.outputs.y.z}'\n";
        assert_eq!(
            output_value(text),
            "format('{0}{1}', resourceId('Microsoft.Storage/storageAccounts', format('sa{0}{1}', 1, parameters('p')[1])), reference(resourceId('Microsoft.Resources/deployments', 'dep'), '2025-04-01').outputs.y.value.z)"
        );
    }
}
