//! Symbolic references → ARM expressions, as the compiler writes them (non-symbolic-name
//! output): `r.id` → `resourceId('T', names…)`, `r.name` → the name expression, `r.type` /
//! `r.apiVersion` → literals, `r.properties.x` → `reference(resourceId(…), 'version').x`, other
//! members → `reference(…, 'version', 'full').member`, `m.outputs.y` →
//! `reference(resourceId('Microsoft.Resources/deployments', name), 'version').outputs.y.value`,
//! `r[i]` on a loop → the loop's name with `i` for the index, `a::b` → the nested resource.

use crate::source::Span;

use super::lower_expression::{Accessor, LowerError, lower_expression};
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
    let (head, tail) = match rest.split_first() {
        Some((Accessor::Property { name, .. }, tail)) => (Some(name.as_str()), tail),
        _ => (None, rest),
    };
    let version = match symbol.kind {
        SymbolKind::Module => DEPLOYMENTS_API_VERSION.to_string(),
        SymbolKind::Resource => symbol.api_version.clone().unwrap_or_default(),
    };
    let index = index.as_deref();
    let base = match (symbol.kind, head) {
        (_, Some("name")) => arm_name(scope, id, index, span)?,
        (_, Some("id")) => resource_id(scope, id, index, span)?,
        (_, Some("type")) => quoted(&symbol.type_name),
        (_, Some("apiVersion")) => quoted(&version),
        (SymbolKind::Resource, Some("properties")) => format!(
            "reference({}, {})",
            resource_id(scope, id, index, span)?,
            quoted(&version)
        ),
        (SymbolKind::Module, Some("outputs")) => {
            let reference = format!(
                "reference({}, {}).outputs",
                resource_id(scope, id, index, span)?,
                quoted(&version)
            );
            // `m.outputs.y` reads the output's `value`.
            return match tail.split_first() {
                Some((first, more)) => Ok(with_rest(
                    &format!(
                        "{}.value",
                        with_rest(&reference, std::slice::from_ref(first))
                    ),
                    more,
                )),
                None => Ok(reference),
            };
        }
        (_, Some(member)) => format!(
            "reference({}, {}, 'full').{member}",
            resource_id(scope, id, index, span)?,
            quoted(&version)
        ),
        (_, None) => format!(
            "reference({}, {}, 'full')",
            resource_id(scope, id, index, span)?,
            quoted(&version)
        ),
    };
    Ok(with_rest(&base, tail))
}

fn is_loop(scope: &Scope<'_, '_>, id: SymbolId) -> bool {
    scope.table.get(id).is_some_and(|s| s.loop_spec.is_some())
}

/// `base` followed by the member accesses of `rest`.
fn with_rest(base: &str, rest: &[Accessor]) -> String {
    let mut out = base.to_string();
    for step in rest {
        out = match step {
            Accessor::Property { name, safe: false } | Accessor::Child { name } => {
                format!("{out}.{name}")
            }
            Accessor::Property { name, safe: true } => format!("tryGet({out}, {})", quoted(name)),
            Accessor::Index { index, safe: false } => format!("{out}[{index}]"),
            Accessor::Index { index, safe: true } => format!("tryGet({out}, {index})"),
        };
    }
    out
}

/// The symbol's own `name:` value as ARM text, its loop variables standing for instance
/// `index` (or `copyIndex()` inside its own loop).
pub fn own_name(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let symbol = scope
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(span, "unknown resource"))?;
    let Some(name) = symbol.name else {
        return Ok(quoted(&symbol.ident.name));
    };
    let inner = instance_scope(scope, id, index, span)?;
    lower_expression(name, &inner, crate::limits::EXPRESSION_DEPTH)
}

/// The scope the symbol's own body is lowered in: its loop variables bound to instance `index`.
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
    let symbol = scope
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(span, "unknown resource"))?;
    let mut locals = Vec::new();
    if let Some(spec) = &symbol.loop_spec {
        let index = index.unwrap_or("copyIndex()").to_string();
        let outer = Scope {
            locals: Vec::new(),
            at: symbol.nested_in,
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
        at: symbol.nested_in,
        depth,
        ..*scope
    })
}

/// The full ARM name: `format('{0}/{1}', parent, child)` along the parent chain.
pub fn arm_name(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let segments = name_segments(scope, id, index, span)?;
    if let [only] = segments.as_slice() {
        return Ok(only.clone());
    }
    let pattern: Vec<String> = (0..segments.len()).map(|i| format!("{{{i}}}")).collect();
    Ok(format!(
        "format({}, {})",
        quoted(&pattern.join("/")),
        segments.join(", ")
    ))
}

/// The name of each resource of the parent chain, outermost first.
fn name_segments(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<Vec<String>, LowerError> {
    let chain = scope.table.parent_chain(id);
    let mut segments = Vec::with_capacity(chain.len());
    for (position, member) in chain.iter().enumerate().rev() {
        let own_index = if position == 0 { index } else { None };
        segments.push(own_name(scope, *member, own_index, span)?);
    }
    Ok(segments)
}

/// `resourceId('T', segment…)` for the symbol.
pub fn resource_id(
    scope: &Scope<'_, '_>,
    id: SymbolId,
    index: Option<&str>,
    span: Span,
) -> Result<String, LowerError> {
    let symbol = scope
        .table
        .get(id)
        .ok_or_else(|| LowerError::new(span, "unknown resource"))?;
    let segments = name_segments(scope, id, index, span)?;
    Ok(format!(
        "resourceId({}, {})",
        quoted(&symbol.type_name),
        segments.join(", ")
    ))
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
        let table = SymbolTable::build(&file, &mut errors);
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
