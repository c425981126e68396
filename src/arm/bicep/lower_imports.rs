//! Compile-time imports from local Bicep files, done before lowering: `import {a, b as c} from
//! './x.bicep'` and `import * as ns from './x.bicep'` copy the variables, functions and types of
//! `x.bicep` into the importing file, as the compiler inlines them. Each imported file's
//! declarations get a prefix (`_1.`, `_2.`, … for named imports; `ns.` for a wildcard), its own
//! references renamed to match; a named import `c` is declared under its own name and refers to
//! the prefixed declaration. `ns.v` and `ns.f()` then name the prefixed ones. Imports from the
//! registry (`br:`, `ts:`) are type-only and stay unresolved; a JSON template import is an error.
//! The imported file's own imports and `load*()` calls are resolved first, relative to it.

use std::collections::HashSet;
use std::path::Path;

use crate::source::Span;
use crate::source::bicep::syntax::{
    BicepFile, Expr, ExprKind, ForVariable, Ident, Import, ImportKind, Statement, StatementKind,
    TypeExpr, TypeKind,
};

use super::lower_expression::LowerError;
use super::module_source::{ModuleContent, ModuleSource, is_registry_reference};
use super::rewrite_walk::{walk_children, walk_statement};

/// `file` with its local compile-time imports inlined, or `None` when it has none.
pub fn resolve_imports(
    file: &BicepFile,
    path: &Path,
    modules: &mut dyn ModuleSource,
    errors: &mut Vec<LowerError>,
    depth: usize,
) -> Option<BicepFile> {
    if !file.statements.iter().any(|s| local_import(s).is_some()) {
        return None;
    }
    let mut out = file.clone();
    let mut added = Vec::new();
    let mut wildcards = Vec::new();
    for (k, (import, from)) in file.statements.iter().filter_map(local_import).enumerate() {
        let span = import.from.as_ref().map(|f| f.span).unwrap_or_default();
        let imported = match load(path, &from, span, modules, errors, depth) {
            Ok(imported) => imported,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let prefix = match &import.kind {
            ImportKind::Wildcard { alias } => {
                wildcards.push(alias.name.clone());
                format!("{}.", alias.name)
            }
            _ => format!("_{}.", k + 1),
        };
        let names = declared(&imported);
        let types = declared_types(&imported);
        let wanted: Vec<String> = match &import.kind {
            ImportKind::Items(items) => items.iter().map(|i| i.name.name.clone()).collect(),
            _ => exported(&imported),
        };
        let needed = closure(&imported, &names, wanted);
        for statement in &imported.statements {
            let keep = match &statement.kind {
                StatementKind::Var { name, .. }
                | StatementKind::Func { name, .. }
                | StatementKind::Type { name, .. } => needed.contains(&name.name),
                _ => true,
            };
            if keep && let Some(copy) = prefixed(statement, &prefix, &names, &types) {
                added.push(copy);
            }
        }
        if let ImportKind::Items(items) = &import.kind {
            for item in items {
                let local_name = item.alias.as_ref().unwrap_or(&item.name);
                match alias_statement(&imported, &item.name.name, local_name, &prefix) {
                    Some(statement) => added.push(statement),
                    None => errors.push(LowerError::new(
                        item.span,
                        format!("'{}' is not declared in '{from}'", item.name.name),
                    )),
                }
            }
        }
    }
    // The import statements stay (their names are types and namespaces for `lower_types`); the
    // imported file's registry (type-only) imports come along, so its types' names resolve.
    out.statements.extend(added);
    if !wildcards.is_empty() {
        for statement in &mut out.statements {
            walk_statement_fully(statement, &mut |e| qualify(e, &wildcards));
        }
    }
    Some(out)
}

/// An import from a local file, and that file's path as written.
fn local_import(statement: &Statement) -> Option<(&Import, String)> {
    match &statement.kind {
        StatementKind::Import(import) => import
            .from
            .as_ref()
            .and_then(|f| f.as_plain())
            .filter(|f| !is_registry_reference(f))
            .map(|f| (import, f)),
        _ => None,
    }
}

/// The imported file, its own imports and `load*()` calls resolved relative to it.
fn load(
    path: &Path,
    from: &str,
    span: Span,
    modules: &mut dyn ModuleSource,
    errors: &mut Vec<LowerError>,
    depth: usize,
) -> Result<BicepFile, LowerError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(span, "imports nested too deeply"));
    };
    let (child, file) = match modules.load(path, from, span)? {
        ModuleContent::Bicep { path, file } => (path, file),
        ModuleContent::Json { .. } => {
            return Err(LowerError::new(
                span,
                "imports from a JSON template are not lowered yet",
            ));
        }
        ModuleContent::Unresolved { reason, .. } => return Err(LowerError::new(span, reason)),
    };
    let mut inner = Vec::new();
    let file = resolve_imports(&file, &child, modules, &mut inner, depth).unwrap_or(file);
    let file =
        super::lower_loads::resolve_loads(&file, &child, modules, &mut inner).unwrap_or(file);
    if let Some(first) = inner.first() {
        let _ = errors;
        return Err(LowerError::new(
            span,
            format!("'{from}' does not lower: {}", first.message),
        ));
    }
    Ok(file)
}

/// The variables, functions and types `file` declares.
fn declared(file: &BicepFile) -> HashSet<String> {
    file.statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Var { name, .. }
            | StatementKind::Func { name, .. }
            | StatementKind::Type { name, .. } => Some(name.name.clone()),
            _ => None,
        })
        .collect()
}

/// The declaration a type expression names: `T`, or `ns.T` of a wildcard import (declared as
/// one name once resolved).
fn type_reference(ty: &TypeExpr) -> Option<String> {
    match &ty.kind {
        TypeKind::Name(ident) => Some(ident.name.clone()),
        TypeKind::Property { base, name } => match &base.kind {
            TypeKind::Name(ns) => Some(format!("{}.{}", ns.name, name.name)),
            _ => None,
        },
        _ => None,
    }
}

/// The names `file` exports (`@export()`).
fn exported(file: &BicepFile) -> Vec<String> {
    file.statements
        .iter()
        .filter(|s| super::lower_types::has_decorator(&s.decorators, "export"))
        .filter_map(|s| match &s.kind {
            StatementKind::Var { name, .. }
            | StatementKind::Func { name, .. }
            | StatementKind::Type { name, .. } => Some(name.name.clone()),
            _ => None,
        })
        .collect()
}

/// `wanted` and every declaration of `file` they refer to, transitively: what an import
/// copies (a module's other variables may read its parameters; they are not copied).
fn closure(file: &BicepFile, names: &HashSet<String>, wanted: Vec<String>) -> HashSet<String> {
    let mut needed: HashSet<String> = HashSet::new();
    let mut queue = wanted;
    while let Some(name) = queue.pop() {
        if !names.contains(&name) || !needed.insert(name.clone()) {
            continue;
        }
        let Some(statement) = file.statements.iter().find(|s| match &s.kind {
            StatementKind::Var { name: n, .. }
            | StatementKind::Func { name: n, .. }
            | StatementKind::Type { name: n, .. } => n.name == name,
            _ => false,
        }) else {
            continue;
        };
        let mut copy = statement.clone();
        let mut refs = Vec::new();
        walk_statement_fully(&mut copy, &mut |e| {
            match &e.kind {
                ExprKind::Ident(i) => refs.push(i.name.clone()),
                ExprKind::Call {
                    target: None, name, ..
                } => refs.push(name.name.clone()),
                _ => {}
            }
            true
        });
        rewrite_types(&mut copy, &mut |t| {
            if let Some(name) = type_reference(t) {
                refs.push(name);
            }
        });
        queue.extend(refs.into_iter().filter(|r| names.contains(r)));
    }
    needed
}

/// The types `file` declares.
fn declared_types(file: &BicepFile) -> HashSet<String> {
    file.statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Type { name, .. } => Some(name.name.clone()),
            _ => None,
        })
        .collect()
}

/// A variable, function or type of the imported file under `prefix`, its references to the
/// file's other declarations renamed; registry imports as they are; nothing else.
fn prefixed(
    statement: &Statement,
    prefix: &str,
    names: &HashSet<String>,
    types: &HashSet<String>,
) -> Option<Statement> {
    let mut copy = statement.clone();
    let rename = |ident: &mut Ident| {
        if names.contains(&ident.name) {
            ident.name = format!("{prefix}{}", ident.name);
        }
    };
    match &mut copy.kind {
        StatementKind::Var { name, .. }
        | StatementKind::Func { name, .. }
        | StatementKind::Type { name, .. } => rename(name),
        StatementKind::Import(import)
            if import
                .from
                .as_ref()
                .and_then(|f| f.as_plain())
                .is_some_and(|f| is_registry_reference(&f)) =>
        {
            return Some(copy);
        }
        _ => return None,
    }
    // `@export()` belongs to the imported file; the copy is not exported again.
    copy.decorators
        .retain(|d| super::lower_types::decorator_call(d).is_none_or(|(name, _)| name != "export"));
    // Values: the file's variables and functions, less a function's own parameters.
    let mut values: HashSet<String> = names
        .iter()
        .filter(|n| !types.contains(*n))
        .cloned()
        .collect();
    if let StatementKind::Func { params, .. } = &copy.kind {
        for param in params {
            values.remove(&param.name.name);
        }
    }
    walk_statement_fully(&mut copy, &mut |e| rename_in(e, prefix, &values));
    rewrite_types(&mut copy, &mut |t| {
        if let Some(name) = type_reference(t)
            && types.contains(&name)
        {
            t.kind = TypeKind::Name(Ident {
                name: format!("{prefix}{name}"),
                span: t.span,
            });
        }
    });
    Some(copy)
}

/// The declaration a named import `local` stands for: a variable or type that is the prefixed
/// one, or a copy of the prefixed function under the local name.
fn alias_statement(
    imported: &BicepFile,
    name: &str,
    local: &Ident,
    prefix: &str,
) -> Option<Statement> {
    let found = imported.statements.iter().find(|s| match &s.kind {
        StatementKind::Var { name: n, .. }
        | StatementKind::Func { name: n, .. }
        | StatementKind::Type { name: n, .. } => n.name == name,
        _ => false,
    })?;
    let target = Ident {
        name: format!("{prefix}{name}"),
        span: local.span,
    };
    let kind = match &found.kind {
        StatementKind::Var { ty, .. } => StatementKind::Var {
            name: local.clone(),
            ty: ty.clone(),
            value: Expr {
                span: local.span,
                kind: ExprKind::Ident(target),
            },
        },
        StatementKind::Type { .. } => StatementKind::Type {
            name: local.clone(),
            ty: TypeExpr {
                span: local.span,
                kind: TypeKind::Name(target),
            },
        },
        StatementKind::Func { params, result, .. } => StatementKind::Func {
            name: local.clone(),
            params: params.clone(),
            result: result.clone(),
            body: Expr {
                span: local.span,
                kind: ExprKind::Call {
                    target: None,
                    name: target,
                    args: params
                        .iter()
                        .map(|p| Expr {
                            span: local.span,
                            kind: ExprKind::Ident(p.name.clone()),
                        })
                        .collect(),
                },
            },
        },
        _ => return None,
    };
    Some(Statement {
        span: found.span,
        decorators: Vec::new(),
        kind,
    })
}

/// Renames references to `names` (not shadowed by a lambda or loop variable) to `prefix` + name.
fn rename_in(expr: &mut Expr, prefix: &str, names: &HashSet<String>) -> bool {
    let shadowing: Vec<String> = match &expr.kind {
        ExprKind::Lambda { params, .. } => params.iter().map(|p| p.name.name.clone()).collect(),
        ExprKind::For(f) => match &f.variable {
            ForVariable::Item(item) => vec![item.name.clone()],
            ForVariable::ItemIndex { item, index } => vec![item.name.clone(), index.name.clone()],
        },
        _ => Vec::new(),
    };
    if !shadowing.is_empty() && shadowing.iter().any(|s| names.contains(s)) {
        let inner: HashSet<String> = names
            .iter()
            .filter(|n| !shadowing.contains(n))
            .cloned()
            .collect();
        walk_children(
            expr,
            &mut |e| rename_in(e, prefix, &inner),
            crate::limits::BICEP_DEPTH,
        );
        return false;
    }
    match &mut expr.kind {
        ExprKind::Ident(ident) if names.contains(&ident.name) => {
            ident.name = format!("{prefix}{}", ident.name);
        }
        ExprKind::Call {
            target: None, name, ..
        } if names.contains(&name.name) => {
            name.name = format!("{prefix}{}", name.name);
        }
        _ => {}
    }
    true
}

/// `ns.v` → `ns.v` as one name, and `ns.f(…)` → `ns.f(…)` unqualified, for wildcard aliases.
fn qualify(expr: &mut Expr, aliases: &[String]) -> bool {
    let joined = match &expr.kind {
        ExprKind::Property {
            base,
            name,
            safe: false,
        } => match &base.kind {
            ExprKind::Ident(ns) if aliases.contains(&ns.name) => Some(ExprKind::Ident(Ident {
                name: format!("{}.{}", ns.name, name.name),
                span: expr.span,
            })),
            _ => None,
        },
        _ => None,
    };
    if let Some(kind) = joined {
        expr.kind = kind;
        return false;
    }
    if let ExprKind::Call {
        target: target @ Some(_),
        name,
        ..
    } = &mut expr.kind
        && let Some(ExprKind::Ident(ns)) = target.as_deref().map(|t| &t.kind)
        && aliases.contains(&ns.name)
    {
        name.name = format!("{}.{}", ns.name, name.name);
        *target = None;
    }
    true
}

/// [`walk_statement`] from the top of the depth bound.
fn walk_statement_fully(statement: &mut Statement, visit: &mut dyn FnMut(&mut Expr) -> bool) {
    walk_statement(statement, visit, crate::limits::BICEP_DEPTH);
}

/// Calls `visit` on every type expression of `statement` (a type's, a function's parameters'
/// and result's, a typed variable's).
fn rewrite_types(statement: &mut Statement, visit: &mut dyn FnMut(&mut TypeExpr)) {
    match &mut statement.kind {
        StatementKind::Type { ty, .. } => rewrite_type(ty, visit, 0),
        StatementKind::Var { ty: Some(ty), .. } => rewrite_type(ty, visit, 0),
        StatementKind::Func { params, result, .. } => {
            for param in params {
                rewrite_type(&mut param.ty, visit, 0);
            }
            rewrite_type(result, visit, 0);
        }
        _ => {}
    }
}

fn rewrite_type(ty: &mut TypeExpr, visit: &mut dyn FnMut(&mut TypeExpr), depth: usize) {
    if depth > crate::limits::BICEP_DEPTH {
        return;
    }
    visit(ty);
    let mut go = |t: &mut TypeExpr| rewrite_type(t, visit, depth + 1);
    match &mut ty.kind {
        TypeKind::Property { base, .. }
        | TypeKind::AdditionalProperties(base)
        | TypeKind::Index { base, .. }
        | TypeKind::Array(base)
        | TypeKind::Nullable(base)
        | TypeKind::NonNullable(base)
        | TypeKind::Paren(base) => go(base),
        TypeKind::Union(members) => members.iter_mut().for_each(go),
        TypeKind::Tuple(items) => items.iter_mut().for_each(|i| go(&mut i.ty)),
        TypeKind::Object(props) => props.iter_mut().for_each(|p| go(&mut p.ty)),
        TypeKind::Parameterized { args, .. } => args.iter_mut().for_each(go),
        _ => {}
    }
}
