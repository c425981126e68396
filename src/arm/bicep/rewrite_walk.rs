//! A walk over the expressions of parsed Bicep that may rewrite them in place: the passes that
//! run before lowering (compile-time imports, `load*()` calls) replace or rename expressions
//! wherever they stand, nested resource bodies, decorators and configurations included.

use crate::source::bicep::syntax::{
    ArrayItem, Expr, ExprKind, ObjectItem, Statement, StatementKind, StringPart,
};

/// Calls `visit` on every expression of `statement`, outermost first; `visit` returns whether
/// to go into the expression's parts.
pub fn walk_statement(
    statement: &mut Statement,
    visit: &mut dyn FnMut(&mut Expr) -> bool,
    depth: usize,
) {
    for decorator in &mut statement.decorators {
        walk(&mut decorator.expr, visit, depth);
    }
    match &mut statement.kind {
        StatementKind::TargetScope(value)
        | StatementKind::Metadata { value, .. }
        | StatementKind::Var { value, .. }
        | StatementKind::Output { value, .. }
        | StatementKind::Assert { value, .. }
        | StatementKind::Resource { body: value, .. }
        | StatementKind::Module { body: value, .. }
        | StatementKind::Test { body: value, .. }
        | StatementKind::Func { body: value, .. }
        | StatementKind::ExtensionConfig { config: value, .. } => walk(value, visit, depth),
        StatementKind::Param { value, .. } | StatementKind::Using { config: value, .. } => {
            if let Some(value) = value {
                walk(value, visit, depth);
            }
        }
        StatementKind::Type { .. }
        | StatementKind::Import(_)
        | StatementKind::Extension(_)
        | StatementKind::Extends { .. } => {}
    }
}

/// Calls `visit` on `expr` and, while it returns true, on the expressions inside it; `depth`
/// bounds the descent.
pub fn walk(expr: &mut Expr, visit: &mut dyn FnMut(&mut Expr) -> bool, depth: usize) {
    let Some(depth) = depth.checked_sub(1) else {
        return;
    };
    if visit(expr) {
        walk_children(expr, visit, depth);
    }
}

/// [`walk`] on the expressions directly inside `expr` (not on `expr` itself).
pub fn walk_children(expr: &mut Expr, visit: &mut dyn FnMut(&mut Expr) -> bool, depth: usize) {
    let mut go = |e: &mut Expr| walk(e, visit, depth);
    match &mut expr.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null | ExprKind::Ident(_) => {}
        ExprKind::Missing => {}
        ExprKind::String(lit) => {
            for part in &mut lit.parts {
                if let StringPart::Expr(e) = part {
                    go(e);
                }
            }
        }
        ExprKind::Property { base, .. }
        | ExprKind::ChildResource { base, .. }
        | ExprKind::NonNull(base)
        | ExprKind::Paren(base)
        | ExprKind::Unary { operand: base, .. }
        | ExprKind::Lambda { body: base, .. } => go(base),
        ExprKind::Index { base, index, .. } => {
            go(base);
            go(index);
        }
        ExprKind::Call { target, args, .. } => {
            if let Some(target) = target {
                go(target);
            }
            args.iter_mut().for_each(go);
        }
        ExprKind::Binary { left, right, .. } => {
            go(left);
            go(right);
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            go(condition);
            go(then);
            go(otherwise);
        }
        ExprKind::If { condition, body } => {
            go(condition);
            go(body);
        }
        ExprKind::For(for_expr) => {
            go(&mut for_expr.iterable);
            go(&mut for_expr.body);
        }
        ExprKind::Array(items) => {
            for item in items {
                match item {
                    ArrayItem::Value(v) | ArrayItem::Spread { value: v, .. } => go(v),
                }
            }
        }
        ExprKind::Object(items) => {
            for item in items {
                match item {
                    ObjectItem::Property { value, .. } | ObjectItem::Spread { value, .. } => {
                        go(value)
                    }
                    // A nested resource's body: its statement's value is its body.
                    ObjectItem::Resource(statement) => {
                        if let StatementKind::Resource { body, .. } = &mut statement.kind {
                            go(body);
                        }
                    }
                }
            }
        }
    }
}
