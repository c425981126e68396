//! Deployment scopes of resources and modules: what `scope:` names (or the file's
//! `targetScope` when it is absent), and the resource IDs and scope properties the compiler
//! writes for each kind — `resourceId`, `subscriptionResourceId`, `tenantResourceId`,
//! `extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', …), …)` — so that an ID
//! never depends on the scope the expression is evaluated from.

use crate::source::bicep::syntax::{Expr, ExprKind};

use super::lower_expression::LowerError;
use super::lower_symbols::{SymbolId, SymbolTable};

/// The kinds of deployment scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Tenant,
    ManagementGroup,
    Subscription,
    ResourceGroup,
    /// An extension resource: deployed on another resource.
    Resource,
}

impl ScopeKind {
    /// The scope a `targetScope` value names.
    pub fn from_target(target: Option<&str>) -> Option<ScopeKind> {
        Some(match target.unwrap_or("resourceGroup") {
            "resourceGroup" => ScopeKind::ResourceGroup,
            "subscription" => ScopeKind::Subscription,
            "managementGroup" => ScopeKind::ManagementGroup,
            "tenant" => ScopeKind::Tenant,
            _ => return None,
        })
    }
}

/// A scope value: an expression written in the body of `owner` (it sees that symbol's loop
/// variables), or the name of a resource-group / management-group resource.
#[derive(Debug, Clone, Copy)]
pub enum ScopeValue<'a> {
    Expr {
        expr: &'a Expr,
        owner: SymbolId,
    },
    NameOf {
        symbol: SymbolId,
        index: Option<(&'a Expr, SymbolId)>,
    },
}

/// What a resource or module is deployed to.
#[derive(Debug, Clone, Copy)]
pub struct ScopeData<'a> {
    pub kind: ScopeKind,
    pub management_group: Option<ScopeValue<'a>>,
    pub subscription: Option<ScopeValue<'a>>,
    pub resource_group: Option<ScopeValue<'a>>,
    /// For [`ScopeKind::Resource`]: the resource extended, and the `[i]` on it (written in the
    /// body of the second symbol).
    pub resource: Option<(SymbolId, Option<(&'a Expr, SymbolId)>)>,
}

impl ScopeData<'_> {
    pub fn of_kind(kind: ScopeKind) -> Self {
        ScopeData {
            kind,
            management_group: None,
            subscription: None,
            resource_group: None,
            resource: None,
        }
    }
}

/// The scope data of `scope` written in the body of `owner`.
pub fn scope_from_expression<'a>(
    table: &SymbolTable<'a>,
    scope: &'a Expr,
    owner: SymbolId,
) -> Result<ScopeData<'a>, LowerError> {
    scope_at_depth(table, scope, owner, crate::limits::BICEP_DEPTH)
}

fn scope_at_depth<'a>(
    table: &SymbolTable<'a>,
    scope: &'a Expr,
    owner: SymbolId,
    depth: usize,
) -> Result<ScopeData<'a>, LowerError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(unresolvable(scope));
    };
    let scope_from_expression = |table, scope, owner| scope_at_depth(table, scope, owner, depth);
    let at = |expr: &'a Expr| ScopeValue::Expr { expr, owner };
    let nested_in = table.get(owner).and_then(|s| s.nested_in);
    match &scope.kind {
        ExprKind::Call { target, name, args } if is_namespace(target.as_deref()) => {
            let kind = match name.name.as_str() {
                "tenant" if args.is_empty() => ScopeKind::Tenant,
                "managementGroup" if args.len() <= 1 => ScopeKind::ManagementGroup,
                "subscription" if args.len() <= 1 => ScopeKind::Subscription,
                "resourceGroup" if args.len() <= 2 => ScopeKind::ResourceGroup,
                _ => return Err(unresolvable(scope)),
            };
            let mut data = ScopeData::of_kind(kind);
            match (kind, args.as_slice()) {
                (ScopeKind::ManagementGroup, [name]) => data.management_group = Some(at(name)),
                (ScopeKind::Subscription, [id]) => data.subscription = Some(at(id)),
                (ScopeKind::ResourceGroup, [group]) => data.resource_group = Some(at(group)),
                (ScopeKind::ResourceGroup, [id, group]) => {
                    data.subscription = Some(at(id));
                    data.resource_group = Some(at(group));
                }
                _ => {}
            }
            Ok(data)
        }
        ExprKind::Paren(inner) | ExprKind::NonNull(inner) => {
            scope_from_expression(table, inner, owner)
        }
        // A scope held in a variable: what its value is. Of a choice between two scopes of one
        // kind the compiler keeps only the kind (no arguments: the deployment's own).
        ExprKind::Ident(ident)
            if table.lookup(&ident.name, nested_in).is_none()
                && table.variables.contains_key(&ident.name) =>
        {
            let value = table
                .variables
                .get(&ident.name)
                .copied()
                .ok_or_else(|| unresolvable(scope))?;
            scope_from_expression(table, value, owner)
        }
        ExprKind::Ternary {
            then, otherwise, ..
        } => {
            let (a, b) = (
                scope_from_expression(table, then, owner)?,
                scope_from_expression(table, otherwise, owner)?,
            );
            if a.kind != b.kind || a.kind == ScopeKind::Resource {
                return Err(unresolvable(scope));
            }
            Ok(ScopeData::of_kind(a.kind))
        }
        _ => {
            let Some(target) = table.symbol_of(scope, nested_in) else {
                return Err(unresolvable(scope));
            };
            let index = match &scope.kind {
                ExprKind::Index { index, .. } => Some((&**index, owner)),
                _ => None,
            };
            let Some(symbol) = table.get(target) else {
                return Err(unresolvable(scope));
            };
            if symbol.kind == super::lower_symbols::SymbolKind::Module {
                return Err(LowerError::new(
                    scope.span,
                    "a module cannot be the scope of a resource or module",
                ));
            }
            let name_of = ScopeValue::NameOf {
                symbol: target,
                index,
            };
            let ty = symbol.type_name.to_ascii_lowercase();
            if ty == "microsoft.resources/resourcegroups" {
                let mut data = ScopeData::of_kind(ScopeKind::ResourceGroup);
                data.resource_group = Some(name_of);
                data.subscription = symbol.scope_data.subscription;
                return Ok(data);
            }
            if ty == "microsoft.management/managementgroups" {
                let mut data = ScopeData::of_kind(ScopeKind::ManagementGroup);
                data.management_group = Some(name_of);
                return Ok(data);
            }
            let mut data = ScopeData::of_kind(ScopeKind::Resource);
            data.resource = Some((target, index));
            Ok(data)
        }
    }
}

fn is_namespace(target: Option<&Expr>) -> bool {
    match target.map(|t| &t.kind) {
        None => true,
        Some(ExprKind::Ident(ns)) => ns.name == "az",
        Some(_) => false,
    }
}

fn unresolvable(scope: &Expr) -> LowerError {
    LowerError::new(
        scope.span,
        "the scope must be a scope function (resourceGroup(), subscription(), …) or a resource",
    )
}
