//! Which symbols a declaration's text names: the syntactic walk behind implicit `dependsOn`
//! and variable inlining. A reference records the symbol (resource, module or variable), the
//! `[index]` applied directly to a collection (kept only when it names no variable bound inside
//! the walked text — a property loop's item cannot leave its loop), and the first member read.

use std::collections::HashSet;

use crate::source::bicep::syntax::{
    ArrayItem, Expr, ExprKind, ForVariable, ObjectItem, ObjectKey, StringPart,
};

use super::lower_symbols::{SymbolId, SymbolTable};

/// What a name in a declaration refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target<'a> {
    Symbol(SymbolId),
    Variable(&'a str),
}

/// One reference found by the walk.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    pub target: Target<'a>,
    /// `[index]` directly on a resource or module collection.
    pub index: Option<&'a Expr>,
    /// The member read right after the symbol (and its index): `id` in `r.id`; `None` for a
    /// bare reference.
    pub member: Option<&'a str>,
    /// A method call on the symbol (`r.listKeys()`).
    pub method: bool,
}

/// Walks expressions of one declaration. `at` is the resource whose body they are in (its
/// nested resources are visible by their simple names); `variables` the file's variables.
pub struct ReferenceWalk<'t, 'a> {
    pub table: &'t SymbolTable<'a>,
    pub variables: &'t HashSet<&'a str>,
    pub at: Option<SymbolId>,
    /// Names bound around the current position (the declaration's own loop variables, and
    /// for-expression / lambda variables inside it) shadow symbols.
    pub bound: Vec<&'a str>,
    /// How many of `bound` belong to the declaration itself (they may appear in an index that
    /// moves into `dependsOn`).
    pub own_bound: usize,
    pub found: Vec<Reference<'a>>,
    pub depth_exceeded: bool,
}

impl<'t, 'a> ReferenceWalk<'t, 'a> {
    pub fn new(
        table: &'t SymbolTable<'a>,
        variables: &'t HashSet<&'a str>,
        at: Option<SymbolId>,
    ) -> Self {
        ReferenceWalk {
            table,
            variables,
            at,
            bound: Vec::new(),
            own_bound: 0,
            found: Vec::new(),
            depth_exceeded: false,
        }
    }

    fn target_of(&self, name: &'a str) -> Option<Target<'a>> {
        if self.bound.contains(&name) {
            return None;
        }
        if let Some(id) = self.table.lookup(name, self.at) {
            return Some(Target::Symbol(id));
        }
        self.variables
            .contains(name)
            .then_some(Target::Variable(name))
    }

    /// Whether `index` names only variables bound by the declaration itself (or none).
    fn movable(&self, index: &'a Expr) -> bool {
        let inner: Vec<&str> = self.bound.iter().skip(self.own_bound).copied().collect();
        if inner.is_empty() {
            return true;
        }
        let mut names = Vec::new();
        free_names(index, &mut names, 0);
        !names.iter().any(|n| inner.contains(n))
    }

    /// Records the reference an access chain rooted at a symbol makes, if `expr` is one;
    /// returns whether it was (its index and arguments are then walked by the caller).
    fn access(&mut self, expr: &'a Expr, member: Option<&'a str>, method: bool) -> bool {
        let (root, index) = match &expr.kind {
            ExprKind::Index { base, index, .. } => match &base.kind {
                ExprKind::Ident(_) | ExprKind::ChildResource { .. } => (&**base, Some(&**index)),
                _ => return false,
            },
            ExprKind::Ident(_) | ExprKind::ChildResource { .. } => (expr, None),
            _ => return false,
        };
        let target = match &root.kind {
            ExprKind::Ident(ident) => self.target_of(&ident.name),
            _ => self.table.symbol_of(root, self.at).map(Target::Symbol),
        };
        let Some(target) = target else {
            return false;
        };
        let collection_index = match (target, index) {
            (Target::Symbol(_), Some(index)) if self.movable(index) => Some(index),
            _ => None,
        };
        self.found.push(Reference {
            target,
            index: collection_index,
            member,
            method,
        });
        if let Some(index) = index {
            self.walk(index, 1);
        }
        true
    }

    /// Walks `expr`, recording references.
    pub fn walk(&mut self, expr: &'a Expr, depth: usize) {
        if depth > crate::limits::EXPRESSION_DEPTH {
            self.depth_exceeded = true;
            return;
        }
        let next = depth.saturating_add(1);
        match &expr.kind {
            ExprKind::Ident(_) | ExprKind::ChildResource { .. } => {
                self.access(expr, None, false);
            }
            ExprKind::Property { base, name, .. } => {
                if !self.access(base, Some(&name.name), false) {
                    self.walk(base, next);
                }
            }
            ExprKind::Index { base, index, .. } => {
                if !self.access(expr, None, false) {
                    self.walk(base, next);
                    self.walk(index, next);
                }
            }
            ExprKind::Call { target, args, name } => {
                if let Some(target) = target
                    && !self.access(target, Some(&name.name), true)
                {
                    self.walk(target, next);
                }
                for arg in args {
                    self.walk(arg, next);
                }
            }
            ExprKind::String(lit) => {
                for part in &lit.parts {
                    if let StringPart::Expr(e) = part {
                        self.walk(e, next);
                    }
                }
            }
            ExprKind::NonNull(inner) | ExprKind::Paren(inner) => self.walk(inner, next),
            ExprKind::Unary { operand, .. } => self.walk(operand, next),
            ExprKind::Binary { left, right, .. } => {
                self.walk(left, next);
                self.walk(right, next);
            }
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => {
                self.walk(condition, next);
                self.walk(then, next);
                self.walk(otherwise, next);
            }
            ExprKind::Lambda { params, body } => {
                let before = self.bound.len();
                self.bound
                    .extend(params.iter().map(|p| p.name.name.as_str()));
                self.walk(body, next);
                self.bound.truncate(before);
            }
            ExprKind::Object(items) => self.walk_items(items, next),
            ExprKind::Array(items) => {
                for item in items {
                    match item {
                        ArrayItem::Value(v) | ArrayItem::Spread { value: v, .. } => {
                            self.walk(v, next)
                        }
                    }
                }
            }
            ExprKind::For(for_expr) => {
                self.walk(&for_expr.iterable, next);
                let before = self.bound.len();
                match &for_expr.variable {
                    ForVariable::Item(item) => self.bound.push(&item.name),
                    ForVariable::ItemIndex { item, index } => {
                        self.bound.push(&item.name);
                        self.bound.push(&index.name);
                    }
                }
                self.walk(&for_expr.body, next);
                self.bound.truncate(before);
            }
            ExprKind::If { condition, body } => {
                self.walk(condition, next);
                self.walk(body, next);
            }
            ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null | ExprKind::Missing => {}
        }
    }

    /// Object properties (interpolated keys included); nested resources are declarations of
    /// their own and are not walked.
    pub fn walk_items(&mut self, items: &'a [ObjectItem], depth: usize) {
        for item in items {
            match item {
                ObjectItem::Property { key, value, .. } => {
                    if let ObjectKey::String(lit) = key {
                        for part in &lit.parts {
                            if let StringPart::Expr(e) = part {
                                self.walk(e, depth);
                            }
                        }
                    }
                    self.walk(value, depth);
                }
                ObjectItem::Spread { value, .. } => self.walk(value, depth),
                ObjectItem::Resource(_) => {}
            }
        }
    }
}

/// Every identifier `expr` names (bounded), for the movable-index check.
fn free_names<'a>(expr: &'a Expr, out: &mut Vec<&'a str>, depth: usize) {
    if depth > crate::limits::EXPRESSION_DEPTH {
        return;
    }
    let next = depth.saturating_add(1);
    match &expr.kind {
        ExprKind::Ident(ident) => out.push(&ident.name),
        ExprKind::Property { base, .. } | ExprKind::ChildResource { base, .. } => {
            free_names(base, out, next)
        }
        ExprKind::Index { base, index, .. } => {
            free_names(base, out, next);
            free_names(index, out, next);
        }
        ExprKind::Call { target, args, .. } => {
            if let Some(target) = target {
                free_names(target, out, next);
            }
            for arg in args {
                free_names(arg, out, next);
            }
        }
        ExprKind::String(lit) => {
            for part in &lit.parts {
                if let StringPart::Expr(e) = part {
                    free_names(e, out, next);
                }
            }
        }
        ExprKind::NonNull(inner) | ExprKind::Paren(inner) => free_names(inner, out, next),
        ExprKind::Unary { operand, .. } => free_names(operand, out, next),
        ExprKind::Binary { left, right, .. } => {
            free_names(left, out, next);
            free_names(right, out, next);
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            free_names(condition, out, next);
            free_names(then, out, next);
            free_names(otherwise, out, next);
        }
        _ => {}
    }
}
