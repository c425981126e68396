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
                graph.variables.insert(&name.name, distinct(walk.found));
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
            graph.symbols.insert(id, distinct(found));
        }
        graph
    }
}

/// References told apart as the compiler's set of dependencies does: by symbol and where the
/// index was written (and by the member read, which decides variable inlining).
fn distinct(references: Vec<Reference<'_>>) -> Vec<Reference<'_>> {
    let mut out: Vec<Reference<'_>> = Vec::with_capacity(references.len());
    for reference in references {
        let same = |r: &Reference<'_>| {
            r.target == reference.target
                && r.index.map(|e| e.span) == reference.index.map(|e| e.span)
                && r.member == reference.member
                && r.method == reference.method
        };
        if !out.iter().any(same) {
            out.push(reference);
        }
    }
    out
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
    let mut steps = 0usize;
    let references = graph.symbols.get(&id).map(Vec::as_slice).unwrap_or(&[]);
    for reference in references {
        follow(
            scope,
            graph,
            reference,
            &Context::Symbol(id, None),
            &mut path,
            true,
            (&mut found, &mut steps),
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
    (found, steps): (&mut Vec<Dependency>, &mut usize),
    span: Span,
) -> Result<(), LowerError> {
    if path.contains(&reference.target) || path.len() > crate::limits::BICEP_DEPTH {
        return Ok(());
    }
    *steps = steps.saturating_add(1);
    if *steps > crate::limits::BICEP_DEPENDENCY_STEPS {
        return Err(LowerError::new(
            span,
            "the dependencies of this declaration are too many to follow",
        ));
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
            (&mut *found, &mut *steps),
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

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;
    use std::collections::HashMap;

    use super::*;
    use crate::arm::bicep::lower_scope::ScopeKind;
    use crate::source::bicep::parse;

    /// `dependsOn` of the symbol `name` in `text`.
    fn depends(text: &str, name: &str) -> Vec<String> {
        let file = parse(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let mut errors = Vec::new();
        let table = SymbolTable::build(&file, ScopeKind::ResourceGroup, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let graph = ReferenceGraph::build(&file, &table);
        let names = HashMap::new();
        let inlined = HashMap::new();
        let scope = Scope {
            table: &table,
            names: &names,
            inlined: &inlined,
            locals: vec![],
            at: None,
            depth: 16,
        };
        let id = table.lookup(name, None).unwrap();
        depends_on(&scope, &graph, id, Span::default()).unwrap()
    }

    #[test]
    fn symbolic_names_sort_as_dotnet_orders_strings() {
        assert_eq!(culture_order("resA", "ResB"), Ordering::Less);
        assert_eq!(culture_order("res", "Res"), Ordering::Less);
        assert_eq!(culture_order("a_b", "a1"), Ordering::Less);
        assert_eq!(culture_order("a1", "aB"), Ordering::Less);
        let mut keys = vec!["storage", "Identity", "a::b", "a"];
        keys.sort_by(|a, b| culture_order(a, b));
        assert_eq!(keys, ["a", "a::b", "Identity", "storage"]);
    }

    #[test]
    fn dependencies_follow_variables_and_existing_resources_and_keep_copy_names() {
        let text = "resource a 'My.Rp/t@2020-01-01' = {\n  name: 'a'\n}\nresource loop 'My.Rp/t@2020-01-01' = [for i in range(0, 2): {\n  name: 'l${i}'\n}]\nvar viaVar = a.id\nresource ex 'My.Rp/t@2020-01-01' existing = {\n  name: a.name\n}\nresource z 'My.Rp/t@2020-01-01' = {\n  name: 'z'\n  properties: {\n    one: viaVar\n    two: ex.properties.x\n    three: loop[1].id\n  }\n  dependsOn: [\n    loop\n  ]\n}\n";
        // `a` through the variable and through the existing resource (once), the whole loop
        // (the indexed reference is then not listed separately); sorted by symbolic name.
        assert_eq!(depends(text, "z"), ["resourceId('My.Rp/t', 'a')", "'loop'"]);
        let indexed = text.replace("  dependsOn: [\n    loop\n  ]\n", "");
        assert_eq!(
            depends(&indexed, "z"),
            [
                "resourceId('My.Rp/t', 'a')",
                "resourceId('My.Rp/t', format('l{0}', range(0, 2)[1]))"
            ]
        );
    }

    #[test]
    fn diamonds_of_variables_do_not_multiply_the_work() {
        // v1 names `a` twice, v2 names v1 twice, …: 2^40 paths if every one were followed.
        let mut text = String::from(
            "resource a 'My.Rp/t@2020-01-01' = {\n  name: 'a'\n}\nvar v0 = [a.id, a.id]\n",
        );
        for i in 1..40 {
            text += &format!("var v{i} = [v{}, v{}]\n", i - 1, i - 1);
        }
        text += "resource z 'My.Rp/t@2020-01-01' = {\n  name: 'z'\n  properties: {\n    p: v39\n  }\n}\n";
        assert_eq!(depends(&text, "z"), ["resourceId('My.Rp/t', 'a')"]);
    }
}
