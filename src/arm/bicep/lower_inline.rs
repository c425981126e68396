//! Variables the compiler inlines: ARM variables cannot read runtime state, so a variable whose
//! value reads a resource's or module's runtime values (`r.properties…`, `r.location`, a whole
//! `r`, `m.outputs…`, `r.listKeys()`), calls `reference` / `list*` / zone functions, or uses
//! such a variable, is not declared: its value is written wherever it is used.

use std::collections::{HashMap, HashSet};

use crate::source::bicep::syntax::{BicepFile, Expr, ExprKind, StatementKind, StringPart};

use super::lower_dependencies::ReferenceGraph;
use super::lower_references_walk::Target;

/// Members of a resource or module that are known before deployment (reading them needs no
/// `reference()`).
const DEPLOY_TIME_MEMBERS: [&str; 4] = ["id", "name", "type", "apiVersion"];

/// The variables to inline, by name, with their values.
pub fn inlined_variables<'a>(
    file: &'a BicepFile,
    graph: &ReferenceGraph<'a>,
) -> HashMap<String, &'a Expr> {
    let mut values: HashMap<&str, &Expr> = HashMap::new();
    let mut inline: HashSet<&str> = HashSet::new();
    for statement in &file.statements {
        if let StatementKind::Var { name, value, .. } = &statement.kind {
            values.insert(&name.name, value);
            let runtime_reference = graph.variables.get(name.name.as_str()).is_some_and(|refs| {
                refs.iter().any(|r| {
                    matches!(r.target, Target::Symbol(_))
                        && (r.method || !r.member.is_some_and(|m| DEPLOY_TIME_MEMBERS.contains(&m)))
                })
            });
            if runtime_reference || calls_runtime_function(value, 0) {
                inline.insert(&name.name);
            }
        }
    }
    // A variable using an inlined variable is inlined too.
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds <= values.len() {
        changed = false;
        rounds += 1;
        for (name, refs) in &graph.variables {
            if inline.contains(name) {
                continue;
            }
            if refs
                .iter()
                .any(|r| matches!(r.target, Target::Variable(v) if inline.contains(v)))
            {
                inline.insert(name);
                changed = true;
            }
        }
    }
    inline
        .into_iter()
        .filter_map(|name| values.get(name).map(|v| (name.to_string(), *v)))
        .collect()
}

/// Whether `name` is a function whose result is only known at deployment and which ARM does not
/// allow in `variables`.
fn is_runtime_function(name: &str) -> bool {
    name == "reference"
        || name == "references"
        || name.starts_with("list")
        || name == "pickZones"
        || name.starts_with("toLogicalZone")
        || name.starts_with("toPhysicalZone")
}

fn calls_runtime_function(expr: &Expr, depth: usize) -> bool {
    if depth > crate::limits::EXPRESSION_DEPTH {
        return false;
    }
    let next = depth.saturating_add(1);
    let any = |items: &mut dyn Iterator<Item = &Expr>| {
        let mut items = items;
        Iterator::any(&mut items, |e| calls_runtime_function(e, next))
    };
    match &expr.kind {
        ExprKind::Call { target, name, args } => {
            let plain = match target.as_deref().map(|t| &t.kind) {
                None => true,
                Some(ExprKind::Ident(ns)) => ns.name == "az" || ns.name == "sys",
                Some(_) => false,
            };
            (plain && is_runtime_function(&name.name))
                || target
                    .as_deref()
                    .is_some_and(|t| calls_runtime_function(t, next))
                || any(&mut args.iter())
        }
        ExprKind::String(lit) => any(&mut lit.parts.iter().filter_map(|p| match p {
            StringPart::Expr(e) => Some(e),
            StringPart::Text { .. } => None,
        })),
        ExprKind::Property { base, .. } | ExprKind::ChildResource { base, .. } => {
            calls_runtime_function(base, next)
        }
        ExprKind::Index { base, index, .. } => any(&mut [&**base, &**index].into_iter()),
        ExprKind::NonNull(inner) | ExprKind::Paren(inner) => calls_runtime_function(inner, next),
        ExprKind::Unary { operand, .. } => calls_runtime_function(operand, next),
        ExprKind::Binary { left, right, .. } => any(&mut [&**left, &**right].into_iter()),
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => any(&mut [&**condition, &**then, &**otherwise].into_iter()),
        ExprKind::Lambda { body, .. } => calls_runtime_function(body, next),
        ExprKind::Object(items) => any(&mut items.iter().filter_map(|i| match i {
            crate::source::bicep::syntax::ObjectItem::Property { value, .. }
            | crate::source::bicep::syntax::ObjectItem::Spread { value, .. } => Some(value),
            crate::source::bicep::syntax::ObjectItem::Resource(_) => None,
        })),
        ExprKind::Array(items) => any(&mut items.iter().map(|i| match i {
            crate::source::bicep::syntax::ArrayItem::Value(v)
            | crate::source::bicep::syntax::ArrayItem::Spread { value: v, .. } => v,
        })),
        ExprKind::For(for_expr) => any(&mut [&for_expr.iterable, &for_expr.body].into_iter()),
        ExprKind::If { condition, body } => any(&mut [&**condition, &**body].into_iter()),
        ExprKind::Int(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Ident(_)
        | ExprKind::Missing => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::bicep::lower_scope::ScopeKind;
    use crate::arm::bicep::lower_symbols::SymbolTable;
    use crate::source::bicep::parse;

    #[test]
    fn variables_reading_runtime_state_are_inlined_and_others_declared() {
        // As in baselines/Dependencies_LF: `resA.id` / `.name` / `.type` stay variables,
        // `resA.properties.x` does not; a variable using an inlined one is inlined too.
        let text = "resource resA 'My.Rp/t@2020-01-01' = {\n  name: 'a'\n}\nvar ids = [\n  resA.id\n  resA.name\n  resA.type\n]\nvar state = resA.properties.state\nvar uses = '${state}!'\nvar keys = listKeys('x', '2020-01-01')\nvar plain = 1\n";
        let file = parse(text);
        let mut errors = Vec::new();
        let table = SymbolTable::build(&file, ScopeKind::ResourceGroup, &mut errors);
        let graph = ReferenceGraph::build(&file, &table);
        let mut inlined: Vec<String> = inlined_variables(&file, &graph).into_keys().collect();
        inlined.sort();
        assert_eq!(inlined, ["keys", "state", "uses"]);
    }
}
