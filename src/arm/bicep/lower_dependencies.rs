//! Implicit `dependsOn`, as the compiler computes it: every resource, module or variable a
//! declaration names (its parent too), followed through variables and `existing` resources
//! (which are not deployed) to the deployed resources and modules behind them; one entry per
//! target (the whole collection when any path reaches it without an index), ordered by symbolic
//! name. Entries are `resourceId(…)` strings, or a loop's copy name for a whole collection.

use std::collections::{HashMap, HashSet};

use crate::source::Span;
use crate::source::bicep::syntax::{BicepFile, Expr, StatementKind};

use super::lower_expression::{LowerError, lower_expression};
use super::lower_reference::{instance_scope, loop_owner, resource_id};
use super::lower_references_walk::{Reference, ReferenceWalk, Target};
use super::lower_symbols::{Scope, SymbolId, SymbolKind, SymbolTable};

/// The references each resource, module and variable declaration makes.
#[derive(Debug, Default)]
pub struct ReferenceGraph<'a> {
    pub symbols: HashMap<SymbolId, Vec<Reference<'a>>>,
    pub variables: HashMap<&'a str, Vec<Reference<'a>>>,
}

/// The names of the file's variables.
pub fn variable_names(file: &BicepFile) -> HashSet<&str> {
    file.statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Var { name, .. } => Some(name.name.as_str()),
            _ => None,
        })
        .collect()
}

impl<'a> ReferenceGraph<'a> {
    pub fn build(file: &'a BicepFile, table: &SymbolTable<'a>) -> ReferenceGraph<'a> {
        let variables = variable_names(file);
        let mut graph = ReferenceGraph::default();
        for statement in &file.statements {
            if let StatementKind::Var { name, value, .. } = &statement.kind {
                let mut walk = ReferenceWalk::new(table, &variables, None);
                walk.walk(value, 0);
                graph.variables.insert(&name.name, walk.found);
            }
        }
        for (i, symbol) in table.symbols.iter().enumerate() {
            let id = SymbolId(i);
            let mut walk = ReferenceWalk::new(table, &variables, Some(id));
            if let Some(spec) = &symbol.loop_spec {
                walk.walk(spec.iterable, 0);
                walk.bound.extend(spec.item.map(|i| i.name.as_str()));
                walk.bound.extend(spec.index.map(|i| i.name.as_str()));
                walk.own_bound = walk.bound.len();
                if let Some(filter) = spec.filter {
                    walk.walk(filter, 0);
                }
            }
            if let Some(condition) = symbol.condition {
                walk.walk(condition, 0);
            }
            walk.walk_items(symbol.body, 0);
            let mut found = Vec::new();
            if let Some(parent) = symbol.parent {
                found.push(Reference {
                    target: Target::Symbol(parent),
                    index: symbol.parent_index,
                    member: Some("name"),
                    method: false,
                });
            }
            found.extend(walk.found);
            graph.symbols.insert(id, found);
        }
        graph
    }
}

/// One `dependsOn` entry before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dependency {
    target: SymbolId,
    /// The instance, already lowered in the dependent's body; `None` for a whole collection
    /// (or a single resource).
    index: Option<String>,
    /// Where the index was written: the compiler tells dependencies apart by the index's
    /// syntax node, not its text (two `r[i]` in one body are two entries).
    written_at: Option<Span>,
}

/// Where a reference was written: the body of a symbol (instance `index` of it) or a variable.
#[derive(Clone)]
enum Context {
    Symbol(SymbolId, Option<String>),
    Variable,
}

/// The `dependsOn` entries (ARM text, not bracketed) of symbol `id`.
pub fn depends_on(
    scope: &Scope<'_, '_>,
    graph: &ReferenceGraph<'_>,
    id: SymbolId,
    span: Span,
) -> Result<Vec<String>, LowerError> {
    let mut found: Vec<Dependency> = Vec::new();
    let mut path = vec![Target::Symbol(id)];
    let references = graph.symbols.get(&id).map(Vec::as_slice).unwrap_or(&[]);
    for reference in references {
        follow(
            scope,
            graph,
            reference,
            &Context::Symbol(id, None),
            &mut path,
            true,
            &mut found,
            span,
        )?;
    }
    // One entry per target: the whole collection when any path reaches it without an index.
    let mut grouped: Vec<(SymbolId, Vec<Dependency>)> = Vec::new();
    for dependency in found {
        match grouped.iter_mut().find(|(t, _)| *t == dependency.target) {
            Some((_, same_target)) => {
                if !same_target
                    .iter()
                    .any(|d| d.written_at == dependency.written_at)
                {
                    same_target.push(dependency);
                }
            }
            None => grouped.push((dependency.target, vec![dependency])),
        }
    }
    let mut entries: Vec<(String, Dependency)> = Vec::new();
    for (target, mut same_target) in grouped {
        if let Some(whole) = same_target.iter().position(|d| d.index.is_none()) {
            same_target = same_target.into_iter().skip(whole).take(1).collect();
        }
        let key = target_key(scope.table, target);
        for dependency in same_target {
            entries.push((key.clone(), dependency));
        }
    }
    entries.sort_by(|(a, _), (b, _)| culture_order(a, b));
    let mut out = Vec::with_capacity(entries.len());
    for (key, dependency) in entries {
        let collection = loop_owner(scope, dependency.target).is_some();
        out.push(match (&dependency.index, collection) {
            (None, true) => super::lower_symbols::quoted(&key),
            (index, _) => resource_id(scope, dependency.target, index.as_deref(), span)?,
        });
    }
    Ok(out)
}

/// Follows one reference to the deployed resources and modules behind it.
#[allow(clippy::too_many_arguments)]
fn follow<'a>(
    scope: &Scope<'_, '_>,
    graph: &ReferenceGraph<'a>,
    reference: &Reference<'a>,
    context: &Context,
    path: &mut Vec<Target<'a>>,
    all_copy_index: bool,
    found: &mut Vec<Dependency>,
    span: Span,
) -> Result<(), LowerError> {
    if path.contains(&reference.target) || path.len() > crate::limits::BICEP_DEPTH {
        return Ok(());
    }
    let collection = match reference.target {
        Target::Symbol(target) => loop_owner(scope, target).is_some(),
        Target::Variable(_) => false,
    };
    let index = match reference.index {
        Some(index) if collection => Some(lower_in(scope, index, context, span)?),
        _ => None,
    };
    let uses_copy_index = index.as_deref().is_some_and(|i| i.contains("copyIndex("));
    // An index that reads a loop's position is only meaningful when every step before it did.
    let index = if uses_copy_index && !all_copy_index {
        None
    } else {
        index
    };
    let all_copy_index = all_copy_index && uses_copy_index;
    let (next_context, references) = match reference.target {
        Target::Variable(name) => (
            Context::Variable,
            graph.variables.get(name).map(Vec::as_slice).unwrap_or(&[]),
        ),
        Target::Symbol(target) => {
            let symbol = scope.table.get(target);
            let existing = symbol.is_some_and(|s| s.existing);
            if !existing {
                let written_at = index.as_ref().and(reference.index).map(|e| e.span);
                found.push(Dependency {
                    target,
                    index,
                    written_at,
                });
                return Ok(());
            }
            (
                Context::Symbol(target, index),
                graph.symbols.get(&target).map(Vec::as_slice).unwrap_or(&[]),
            )
        }
    };
    path.push(reference.target);
    for next in references {
        follow(
            scope,
            graph,
            next,
            &next_context,
            path,
            all_copy_index,
            found,
            span,
        )?;
    }
    path.pop();
    Ok(())
}

/// An index expression lowered where it was written.
fn lower_in(
    scope: &Scope<'_, '_>,
    index: &Expr,
    context: &Context,
    span: Span,
) -> Result<String, LowerError> {
    match context {
        Context::Symbol(owner, owner_index) => {
            let inner = instance_scope(scope, *owner, owner_index.as_deref(), span)?;
            lower_expression(index, &inner, crate::limits::EXPRESSION_DEPTH)
        }
        Context::Variable => {
            let top = Scope {
                locals: Vec::new(),
                at: None,
                ..*scope
            };
            lower_expression(index, &top, crate::limits::EXPRESSION_DEPTH)
        }
    }
}

/// The compiler's sort key: the symbolic name, `parent::child` for a nested resource.
pub fn target_key(table: &SymbolTable<'_>, id: SymbolId) -> String {
    let mut names = Vec::new();
    let mut at = Some(id);
    while let Some(current) = at {
        let Some(symbol) = table.get(current) else {
            break;
        };
        names.push(symbol.ident.name.as_str());
        if symbol.kind == SymbolKind::Module || names.len() > crate::limits::BICEP_DEPTH {
            break;
        }
        at = symbol.nested_in;
    }
    names.reverse();
    names.join("::")
}

/// .NET's culture-aware string order on identifiers (what `OrderBy` on strings uses):
/// punctuation before digits before letters, letters compared case-insensitively first, then
/// lower case before upper case.
pub fn culture_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn weight(c: char) -> (u8, char) {
        let class = if c.is_ascii_alphabetic() {
            2
        } else if c.is_ascii_digit() {
            1
        } else {
            0
        };
        (class, c.to_ascii_lowercase())
    }
    let primary = a.chars().map(weight).cmp(b.chars().map(weight));
    primary.then_with(|| {
        let case = |s: &str| {
            s.chars()
                .map(|c| c.is_ascii_uppercase())
                .collect::<Vec<_>>()
        };
        case(a).cmp(&case(b))
    })
}
