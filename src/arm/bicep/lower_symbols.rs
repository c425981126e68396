//! The resource and module symbols of one Bicep file, and how expressions name them.
//!
//! [`SymbolTable::build`] collects every `resource` and `module` statement (nested child
//! resources included) with what the lowering needs to emit it or to reference it: kind, full
//! type, API version, the `name:` expression, parent chain (`parent:` or nesting), `scope:`, loop,
//! `existing`, condition. [`Scope`] is the [`Symbols`] of a place in the file: parameters,
//! variables, loop variables, and the resource symbols visible there (a nested resource's
//! siblings and children by their simple names).

use std::collections::HashMap;

use crate::source::Span;
use crate::source::bicep::syntax::{
    BicepFile, Expr, ExprKind, ForVariable, Ident, ObjectItem, ObjectKey, Statement, StatementKind,
    StringLit,
};

use super::lower_expression::{
    Accessor, LowerError, Symbols, arm_string_literal, lower_expression,
};
use super::lower_scope::{ScopeData, ScopeKind, scope_from_expression};

/// Index of a symbol in its [`SymbolTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymbolId(pub usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Resource,
    Module,
}

/// `[for … in iterable: if (filter) {…}]` on a resource or module.
#[derive(Debug, Clone, Copy)]
pub struct LoopSpec<'a> {
    pub item: Option<&'a Ident>,
    pub index: Option<&'a Ident>,
    pub iterable: &'a Expr,
    /// The `if` inside the loop body: ARM writes it as the resource's `condition`.
    pub filter: Option<&'a Expr>,
    pub span: Span,
}

/// One `resource` or `module` statement.
#[derive(Debug, Clone)]
pub struct ResourceSymbol<'a> {
    pub ident: &'a Ident,
    pub kind: SymbolKind,
    pub statement: &'a Statement,
    /// The full ARM type (`My.Rp/parent/child` for a nested `'child'`);
    /// `Microsoft.Resources/deployments` for a module.
    pub type_name: String,
    /// The API version after `@` (inherited from the parent for a nested type without one).
    pub api_version: Option<String>,
    /// The body's properties and nested resources.
    pub body: &'a [ObjectItem],
    /// The `name:` value (absent for a module without one: the compiler makes one up).
    pub name: Option<&'a Expr>,
    /// The `parent:` value, resolved into `parent` once every symbol is known.
    pub parent_expr: Option<&'a Expr>,
    /// The parent resource: from `parent:` or from nesting.
    pub parent: Option<SymbolId>,
    /// The resource this one is declared inside of (nesting), which also scopes its name.
    pub nested_in: Option<SymbolId>,
    pub scope: Option<&'a Expr>,
    /// What `scope` (or the file's target scope, or the parent's scope) resolves to.
    pub scope_data: ScopeData<'a>,
    /// `[i]` in `parent: p[i]` (written in this symbol's body).
    pub parent_index: Option<&'a Expr>,
    pub loop_spec: Option<LoopSpec<'a>>,
    /// `if (…)` on the statement itself (a loop's filter is in `loop_spec`).
    pub condition: Option<&'a Expr>,
    pub existing: bool,
    /// A module's path string as written.
    pub module_path: Option<&'a StringLit>,
}

impl ResourceSymbol<'_> {
    /// The value of the top-level body property `key`, if written.
    pub fn property(&self, key: &str) -> Option<&Expr> {
        body_property(self.body, key)
    }
}

/// The value of `key` among `items` (an identifier or a plain quoted key).
pub fn body_property<'a>(items: &'a [ObjectItem], key: &str) -> Option<&'a Expr> {
    items.iter().find_map(|item| match item {
        ObjectItem::Property {
            key: ObjectKey::Ident(ident),
            value,
            ..
        } if ident.name == key => Some(value),
        ObjectItem::Property {
            key: ObjectKey::String(lit),
            value,
            ..
        } if lit.as_plain().as_deref() == Some(key) => Some(value),
        _ => None,
    })
}

/// Every resource and module symbol of a file, in declaration order (a parent before the
/// resources nested in it, as the compiler emits them).
#[derive(Debug, Default)]
pub struct SymbolTable<'a> {
    pub symbols: Vec<ResourceSymbol<'a>>,
    top: HashMap<String, SymbolId>,
    /// Nested resources by (enclosing resource, simple name).
    nested: HashMap<(SymbolId, String), SymbolId>,
    target: Option<ScopeKind>,
    /// The file's variables, for scopes held in a variable.
    pub variables: HashMap<String, &'a Expr>,
}

impl<'a> SymbolTable<'a> {
    /// The symbols of `file`; structural errors (a malformed type string, a body that is not an
    /// object, an unknown `parent:`) are collected in `errors`.
    pub fn build(
        file: &'a BicepFile,
        target: ScopeKind,
        errors: &mut Vec<LowerError>,
    ) -> SymbolTable<'a> {
        let mut table = SymbolTable {
            target: Some(target),
            ..SymbolTable::default()
        };
        for statement in &file.statements {
            if let StatementKind::Var { name, value, .. } = &statement.kind {
                table.variables.insert(name.name.clone(), value);
            }
            table.collect(statement, None, 0, errors);
        }
        table.link_parents(errors);
        table.resolve_scopes(errors);
        table
    }

    /// The file's target scope.
    pub fn target(&self) -> ScopeKind {
        self.target.unwrap_or(ScopeKind::ResourceGroup)
    }

    /// Scope data in order of ancestor depth: a child inherits its parent's scope.
    fn resolve_scopes(&mut self, errors: &mut Vec<LowerError>) {
        let mut order: Vec<(usize, SymbolId)> = (0..self.symbols.len())
            .map(|i| (self.parent_chain(SymbolId(i)).len(), SymbolId(i)))
            .collect();
        order.sort();
        for (_, id) in order {
            let Some(symbol) = self.get(id) else {
                continue;
            };
            let data = match (symbol.parent, symbol.scope) {
                (Some(parent), scope) => {
                    if let Some(scope) = scope {
                        errors.push(LowerError::new(
                            scope.span,
                            "a child resource takes the scope of its parent; scope is not allowed",
                        ));
                    }
                    self.get(parent).map(|p| p.scope_data)
                }
                (None, Some(scope)) => match scope_from_expression(self, scope, id) {
                    Ok(data) => Some(data),
                    Err(error) => {
                        errors.push(error);
                        None
                    }
                },
                (None, None) => None,
            };
            if let (Some(data), Some(symbol)) = (data, self.symbols.get_mut(id.0)) {
                symbol.scope_data = data;
            }
        }
    }

    pub fn get(&self, id: SymbolId) -> Option<&ResourceSymbol<'a>> {
        self.symbols.get(id.0)
    }

    /// The symbol `name` as seen from inside the body of `at` (its nested resources, then
    /// those of the resources around it, then the file's top level).
    pub fn lookup(&self, name: &str, at: Option<SymbolId>) -> Option<SymbolId> {
        let mut scope = at;
        let mut hops = 0;
        while let Some(id) = scope {
            if let Some(found) = self.nested.get(&(id, name.to_string())) {
                return Some(*found);
            }
            scope = self.get(id).and_then(|s| s.nested_in);
            hops += 1;
            if hops > crate::limits::BICEP_DEPTH {
                break;
            }
        }
        self.top.get(name).copied()
    }

    /// The order the compiler emits resources in: the binder's scope tree, each scope's nested
    /// scopes before its own declarations (so nested resources, innermost first, come before
    /// the top-level ones).
    pub fn emission_order(&self) -> Vec<SymbolId> {
        let mut declared: HashMap<Option<SymbolId>, Vec<SymbolId>> = HashMap::new();
        for (i, symbol) in self.symbols.iter().enumerate() {
            declared
                .entry(symbol.nested_in)
                .or_default()
                .push(SymbolId(i));
        }
        let mut out = Vec::with_capacity(self.symbols.len());
        emit_scope(&declared, None, &mut out, 0);
        out
    }

    /// The nested resource `name` declared directly inside `parent` (`parent::name`).
    pub fn child(&self, parent: SymbolId, name: &str) -> Option<SymbolId> {
        self.nested.get(&(parent, name.to_string())).copied()
    }

    /// `id`, its parent, its parent's parent, … outermost last (bounded).
    pub fn parent_chain(&self, id: SymbolId) -> Vec<SymbolId> {
        let mut chain = vec![id];
        let mut at = self.get(id).and_then(|s| s.parent);
        while let Some(parent) = at {
            if chain.contains(&parent) || chain.len() > crate::limits::BICEP_DEPTH {
                break;
            }
            chain.push(parent);
            at = self.get(parent).and_then(|s| s.parent);
        }
        chain
    }

    fn collect(
        &mut self,
        statement: &'a Statement,
        nested_in: Option<SymbolId>,
        depth: usize,
        errors: &mut Vec<LowerError>,
    ) {
        if depth > crate::limits::BICEP_DEPTH {
            errors.push(LowerError::new(
                statement.span,
                "resources nested too deeply",
            ));
            return;
        }
        let (ident, kind, type_lit, existing, body, module_path) = match &statement.kind {
            StatementKind::Resource {
                name,
                type_name,
                existing,
                body,
            } => (
                name,
                SymbolKind::Resource,
                Some(type_name),
                *existing,
                body,
                None,
            ),
            StatementKind::Module { name, path, body } => {
                (name, SymbolKind::Module, None, false, body, Some(path))
            }
            _ => return,
        };
        let (loop_spec, condition, items) = match split_body(body) {
            Ok(parts) => parts,
            Err(error) => {
                errors.push(error);
                return;
            }
        };
        let parent_symbol = nested_in.and_then(|id| self.get(id));
        let (type_name, api_version) = match type_lit {
            Some(lit) => match full_type(lit, parent_symbol) {
                Ok(parts) => parts,
                Err(error) => {
                    errors.push(error);
                    return;
                }
            },
            None => ("Microsoft.Resources/deployments".to_string(), None),
        };
        let id = SymbolId(self.symbols.len());
        self.symbols.push(ResourceSymbol {
            ident,
            kind,
            statement,
            type_name,
            api_version,
            body: items,
            name: body_property(items, "name"),
            parent_expr: body_property(items, "parent"),
            parent: nested_in,
            nested_in,
            scope: body_property(items, "scope"),
            scope_data: ScopeData::of_kind(self.target()),
            parent_index: None,
            loop_spec,
            condition,
            existing,
            module_path,
        });
        match nested_in {
            Some(outer) => self.nested.insert((outer, ident.name.clone()), id),
            None => self.top.insert(ident.name.clone(), id),
        };
        for item in items {
            if let ObjectItem::Resource(child) = item {
                self.collect(child, Some(id), depth.saturating_add(1), errors);
            }
        }
    }

    /// Resolves each `parent:` value (an identifier or `a::b`) to its symbol.
    fn link_parents(&mut self, errors: &mut Vec<LowerError>) {
        for index in 0..self.symbols.len() {
            let Some(symbol) = self.symbols.get(index) else {
                continue;
            };
            let Some(parent_expr) = symbol.parent_expr else {
                continue;
            };
            let parent_index = match &parent_expr.kind {
                ExprKind::Index { index, .. } => Some(&**index),
                _ => None,
            };
            match self.symbol_of(parent_expr, symbol.nested_in) {
                Some(parent) => {
                    if let Some(symbol) = self.symbols.get_mut(index) {
                        symbol.parent = Some(parent);
                        symbol.parent_index = parent_index;
                    }
                }
                None => errors.push(LowerError::new(
                    parent_expr.span,
                    "parent must be a resource declared in this file",
                )),
            }
        }
    }

    /// The symbol an expression `r`, `r[i]` or `a::b` names, seen from `at`.
    pub fn symbol_of(&self, expr: &Expr, at: Option<SymbolId>) -> Option<SymbolId> {
        match &expr.kind {
            ExprKind::Ident(ident) => self.lookup(&ident.name, at),
            ExprKind::ChildResource { base, name } => {
                self.child(self.symbol_of(base, at)?, &name.name)
            }
            ExprKind::Index { base, .. } | ExprKind::NonNull(base) | ExprKind::Paren(base) => {
                self.symbol_of(base, at)
            }
            _ => None,
        }
    }
}

fn emit_scope(
    declared: &HashMap<Option<SymbolId>, Vec<SymbolId>>,
    scope: Option<SymbolId>,
    out: &mut Vec<SymbolId>,
    depth: usize,
) {
    let Some(here) = declared.get(&scope) else {
        return;
    };
    if depth <= crate::limits::BICEP_DEPTH {
        for id in here {
            emit_scope(declared, Some(*id), out, depth.saturating_add(1));
        }
    }
    out.extend(here.iter().copied());
}

/// A resource or module body: `{…}`, `if (c) {…}`, `[for … in …: {…}]` or
/// `[for … in …: if (c) {…}]`.
type BodyParts<'a> = (Option<LoopSpec<'a>>, Option<&'a Expr>, &'a [ObjectItem]);

fn object_body(e: &Expr) -> Result<&[ObjectItem], LowerError> {
    match &e.kind {
        ExprKind::Object(items) => Ok(items),
        _ => Err(LowerError::new(e.span, "expected an object body")),
    }
}

fn split_body(body: &Expr) -> Result<BodyParts<'_>, LowerError> {
    let object = object_body;
    match &body.kind {
        ExprKind::Object(items) => Ok((None, None, items)),
        ExprKind::If { condition, body } => Ok((None, Some(condition), object(body)?)),
        ExprKind::For(for_expr) => {
            let (item, index) = match &for_expr.variable {
                ForVariable::Item(item) => (Some(item), None),
                ForVariable::ItemIndex { item, index } => (Some(item), Some(index)),
            };
            let (filter, items) = match &for_expr.body.kind {
                ExprKind::If { condition, body } => (Some(&**condition), object(body)?),
                _ => (None, object(&for_expr.body)?),
            };
            let spec = LoopSpec {
                item,
                index,
                iterable: &for_expr.iterable,
                filter,
                span: body.span,
            };
            Ok((Some(spec), None, items))
        }
        _ => Err(LowerError::new(body.span, "expected an object body")),
    }
}

/// `'Ns.Rp/type@version'` → (`Ns.Rp/type`, `version`); a nested `'child@version'` or `'child'`
/// is relative to its parent's type (and takes the parent's version when it has none).
fn full_type(
    lit: &StringLit,
    parent: Option<&ResourceSymbol<'_>>,
) -> Result<(String, Option<String>), LowerError> {
    let Some(text) = lit.as_plain() else {
        return Err(LowerError::new(
            lit.span,
            "a resource type must be a plain string",
        ));
    };
    // `az:Ns.Rp/type@version` names the type in the Azure namespace explicitly; the compiler
    // writes the type without the qualifier.
    let text = match text.split_once(':') {
        Some((namespace, rest)) if namespace.eq_ignore_ascii_case("az") => rest.to_string(),
        _ => text,
    };
    let (ty, version) = match text.split_once('@') {
        Some((ty, version)) => (ty.to_string(), Some(version.to_string())),
        None => (text.clone(), None),
    };
    if ty.is_empty() {
        return Err(LowerError::new(lit.span, "empty resource type"));
    }
    match parent {
        Some(parent) if !ty.contains('/') => Ok((
            format!("{}/{ty}", parent.type_name),
            version.or_else(|| parent.api_version.clone()),
        )),
        Some(_) | None if version.is_none() => Err(LowerError::new(
            lit.span,
            format!("the resource type '{text}' has no API version"),
        )),
        _ => Ok((ty, version)),
    }
}

/// How names resolve at one place of a file: parameters and variables, loop variables of the
/// resource being lowered, and resource and module symbols.
pub struct Scope<'s, 'a> {
    pub table: &'s SymbolTable<'a>,
    /// Parameters and declared variables → `parameters('x')` / `variables('y')`.
    pub names: &'s HashMap<String, String>,
    /// Variables the compiler inlines (their values read runtime state).
    pub inlined: &'s HashMap<String, &'a Expr>,
    /// Loop variables in scope → their ARM text (`copyIndex()`, `parameters('xs')[copyIndex()]`).
    pub locals: Vec<(String, String)>,
    /// The resource whose body is being lowered (nested resources see their siblings).
    pub at: Option<SymbolId>,
    /// Bounds references lowered inside references (a name that names another resource…).
    pub depth: usize,
}

impl Symbols for Scope<'_, '_> {
    fn resolve(&self, name: &str) -> Option<String> {
        self.resolve_checked(name).and_then(Result::ok)
    }

    fn resolve_checked(&self, name: &str) -> Option<Result<String, LowerError>> {
        if let Some((_, text)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Some(Ok(text.clone()));
        }
        if let Some(value) = self.inlined.get(name) {
            // Written in place, lowered where it was declared: the top level.
            let Some(depth) = self.depth.checked_sub(1) else {
                return Some(Err(LowerError::new(
                    value.span,
                    "variables inlined too deeply",
                )));
            };
            let top = Scope {
                locals: Vec::new(),
                at: None,
                depth,
                ..*self
            };
            // Inlined variables that use each other repeatedly grow their text exponentially.
            return Some(
                lower_expression(value, &top, crate::limits::EXPRESSION_DEPTH).and_then(|text| {
                    if text.len() > crate::limits::STRING_BYTES {
                        Err(LowerError::new(
                            value.span,
                            "this inlined variable is too large",
                        ))
                    } else {
                        Ok(text)
                    }
                }),
            );
        }
        self.names.get(name).cloned().map(Ok)
    }

    fn is_resource(&self, name: &str) -> bool {
        !self.locals.iter().any(|(n, _)| n == name) && self.table.lookup(name, self.at).is_some()
    }

    fn resolve_access(
        &self,
        root: &Ident,
        chain: &[Accessor],
        span: Span,
    ) -> Result<String, LowerError> {
        let Some(id) = self.table.lookup(&root.name, self.at) else {
            return Err(LowerError::new(
                root.span,
                format!("the name '{}' does not exist in this context", root.name),
            ));
        };
        super::lower_reference::lower_reference(self, id, chain, span)
    }

    fn inline_value(&self, name: &str) -> Option<&Expr> {
        self.inlined.get(name).copied()
    }
}

/// `'text'` for a type or version string inside an expression.
pub fn quoted(text: &str) -> String {
    arm_string_literal(text)
}

#[cfg(test)]
mod tests {
    use super::full_type;
    use crate::source::bicep::parse;
    use crate::source::bicep::syntax::StatementKind;

    fn type_of(source: &str) -> Option<(String, Option<String>)> {
        let file = parse(source);
        file.statements.iter().find_map(|s| match &s.kind {
            StatementKind::Resource { type_name, .. } => full_type(type_name, None).ok(),
            _ => None,
        })
    }

    #[test]
    fn the_az_namespace_qualifier_is_not_part_of_the_type() {
        assert_eq!(
            type_of("resource r 'az:My.Rp/TestType@2020-01-01' = {\n  name: 'r'\n}\n"),
            Some(("My.Rp/TestType".into(), Some("2020-01-01".into())))
        );
        assert_eq!(
            type_of("resource r 'AZ:My.Rp/TestType@2020-01-01' = {\n  name: 'r'\n}\n"),
            Some(("My.Rp/TestType".into(), Some("2020-01-01".into())))
        );
        // Another namespace's qualifier stays (its types are not ARM types).
        assert_eq!(
            type_of("resource r 'k8s:apps/Deployment@v1' = {\n  metadata: {}\n}\n"),
            Some(("k8s:apps/Deployment".into(), Some("v1".into())))
        );
    }
}
