//! Bicep types → ARM type schemas, as the compiler writes them in `parameters`, `outputs` and
//! `definitions`: `string[]` → `{"type": "array", "items": {"type": "string"}}`, object types →
//! `properties` (an optional `a?: T` is `nullable`), `*: T` → `additionalProperties`, tuples →
//! `prefixItems` with `items: false`, literal unions → `allowedValues`, `T?` → `nullable`, a
//! user-defined or imported type → `$ref` to its definition (`T.prop`, `T[*]`, `T[0]`,
//! `T.*` point inside it), `type x = …` statements → `definitions`, decorators (`@description`,
//! `@minLength`, `@sealed`, `@discriminator`, `@metadata`, …) → constraints and metadata.

use std::collections::{HashMap, HashSet};

use crate::source::bicep::syntax::{
    BicepFile, Decorator, Expr, ExprKind, ImportKind, ObjectItem, ObjectKey, Statement,
    StatementKind, TypeExpr, TypeKind, TypePropertyKey,
};

use super::json_writer::JsonWriter;
use super::lower_expression::LowerError;
use super::lower_value::{ValueContext, write_value};

/// The names a type expression may refer to in one file.
#[derive(Debug, Default)]
pub struct TypeNames {
    /// `type x = …` declared here, and names imported with `import {x} from …` (under their
    /// alias): each has an entry in `definitions` (imports from the registry are type-only and
    /// not resolved, so theirs may be absent).
    named: HashSet<String>,
    /// `import * as ns from …`: `ns.T` names the imported type `T`.
    namespaces: HashSet<String>,
    /// Of each local object type, its properties whose type is one string literal: what a
    /// `@discriminator` union maps on.
    tags: HashMap<String, Vec<(String, String)>>,
    /// Local types that are unions (or one literal): a union naming one takes its members.
    unions: HashMap<String, TypeExpr>,
}

/// An object type's properties typed by one string literal (`kind: 'Active'`).
fn literal_properties(ty: &TypeExpr) -> Vec<(String, String)> {
    let TypeKind::Object(properties) = &strip_parens(ty).kind else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|p| {
            let TypePropertyKey::Key(key) = &p.key else {
                return None;
            };
            let TypeKind::Literal(Expr {
                kind: ExprKind::String(lit),
                ..
            }) = &strip_parens(&p.ty).kind
            else {
                return None;
            };
            let key = match key {
                ObjectKey::Ident(i) => i.name.clone(),
                ObjectKey::String(s) => s.as_plain()?,
            };
            Some((key, lit.as_plain()?))
        })
        .collect()
}

impl TypeNames {
    pub fn of(file: &BicepFile) -> TypeNames {
        let mut names = TypeNames::default();
        for statement in &file.statements {
            match &statement.kind {
                StatementKind::Type { name, ty } => {
                    names.named.insert(name.name.clone());
                    names.tags.insert(name.name.clone(), literal_properties(ty));
                    if matches!(
                        strip_parens(ty).kind,
                        TypeKind::Union(_) | TypeKind::Literal(_)
                    ) {
                        names.unions.insert(name.name.clone(), ty.clone());
                    }
                }
                StatementKind::Import(import) => match &import.kind {
                    ImportKind::Items(items) => {
                        for item in items {
                            let local = item.alias.as_ref().unwrap_or(&item.name);
                            names.named.insert(local.name.clone());
                        }
                    }
                    ImportKind::Wildcard { alias } => {
                        names.namespaces.insert(alias.name.clone());
                    }
                    ImportKind::Provider(_) => {}
                },
                _ => {}
            }
        }
        names
    }

    /// `#/definitions/…` for a reference to a named type (or a part of one), if `ty` is one.
    fn pointer(&self, ty: &TypeExpr, depth: usize) -> Option<String> {
        let depth = depth.checked_sub(1)?;
        match &ty.kind {
            TypeKind::Name(ident) if self.named.contains(&ident.name) => {
                Some(format!("#/definitions/{}", ident.name))
            }
            TypeKind::Property { base, name } => match &base.kind {
                TypeKind::Name(ns) if self.namespaces.contains(&ns.name) => {
                    Some(format!("#/definitions/{}.{}", ns.name, name.name))
                }
                _ => Some(format!(
                    "{}/properties/{}",
                    self.pointer(base, depth)?,
                    name.name
                )),
            },
            TypeKind::Index { base, index: None } => {
                Some(format!("{}/items", self.pointer(base, depth)?))
            }
            TypeKind::Index {
                base,
                index: Some(index),
            } => match &index.kind {
                ExprKind::Int(n) => Some(format!("{}/prefixItems/{n}", self.pointer(base, depth)?)),
                _ => None,
            },
            TypeKind::AdditionalProperties(base) => Some(format!(
                "{}/additionalProperties",
                self.pointer(base, depth)?
            )),
            TypeKind::Paren(inner) => self.pointer(inner, depth),
            _ => None,
        }
    }
}

/// What a type schema is written with: the file's values and the type names in scope.
pub struct TypeContext<'a> {
    pub values: &'a ValueContext<'a>,
    pub names: &'a TypeNames,
}

fn unsupported(ty: &TypeExpr) -> LowerError {
    LowerError::new(ty.span, "this type is not supported by the lowering yet")
}

/// The decorator's name (`description` for `@description(…)` and `@sys.description(…)`) and
/// its arguments.
pub fn decorator_call(decorator: &Decorator) -> Option<(&str, &[Expr])> {
    match &decorator.expr.kind {
        ExprKind::Call { target, name, args } => match target.as_deref().map(|t| &t.kind) {
            None => Some((name.name.as_str(), args.as_slice())),
            Some(ExprKind::Ident(ns)) if ns.name == "sys" => {
                Some((name.name.as_str(), args.as_slice()))
            }
            Some(_) => None,
        },
        _ => None,
    }
}

pub fn has_decorator(decorators: &[Decorator], name: &str) -> bool {
    decorators
        .iter()
        .any(|d| decorator_call(d).is_some_and(|(n, _)| n == name))
}

fn single_argument<'a>(decorator: &Decorator, args: &'a [Expr]) -> Result<&'a Expr, LowerError> {
    match args {
        [only] => Ok(only),
        _ => Err(LowerError::new(
            decorator.span,
            "this decorator takes exactly one argument",
        )),
    }
}

/// The ARM type of a literal type member.
fn literal_type(literal: &Expr) -> Option<&'static str> {
    match &literal.kind {
        ExprKind::String(lit) if lit.as_plain().is_some() => Some("string"),
        ExprKind::Int(_) | ExprKind::Unary { .. } => Some("int"),
        ExprKind::Bool(_) => Some("bool"),
        _ => None,
    }
}

/// Writes the keys of `ty`'s schema into the open object: `type` or `$ref`, `items`,
/// `properties`, `additionalProperties`, `prefixItems`, `allowedValues`, `nullable`.
/// `@secure()` among `decorators` makes `string` / `object` the secure types; `@discriminator`
/// maps a union of object types.
pub fn write_type_keys(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    ty: &TypeExpr,
    decorators: &[Decorator],
    depth: usize,
) -> Result<(), LowerError> {
    let secure = has_decorator(decorators, "secure");
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(ty.span, "type nested too deeply"));
    };
    if let Some(pointer) = cx.names.pointer(ty, crate::limits::BICEP_DEPTH) {
        w.key("$ref");
        w.string(&pointer, None);
        return Ok(());
    }
    let simple = |w: &mut JsonWriter, name: &str| {
        w.key("type");
        w.string(name, None);
    };
    match &ty.kind {
        // `any`: no `type` at all, as the compiler writes it.
        TypeKind::Name(ident) if ident.name == "any" => {}
        TypeKind::Name(ident) => simple(
            w,
            primitive(&ident.name, secure).ok_or_else(|| {
                LowerError::new(
                    ident.span,
                    format!("the type '{}' is not declared or imported", ident.name),
                )
            })?,
        ),
        TypeKind::Property { base, name } => match &base.kind {
            TypeKind::Name(ns) if ns.name == "sys" => simple(
                w,
                primitive(&name.name, secure).ok_or_else(|| unsupported(ty))?,
            ),
            _ => write_derived(w, ty, secure)?,
        },
        TypeKind::Paren(inner) => write_type_keys(w, cx, inner, decorators, depth)?,
        TypeKind::Nullable(inner) => {
            write_type_keys(w, cx, inner, decorators, depth)?;
            w.key("nullable");
            w.boolean(true, None);
        }
        TypeKind::NonNullable(inner) => write_type_keys(w, cx, inner, decorators, depth)?,
        TypeKind::Array(items) => {
            simple(w, "array");
            match mixed_literal_union(cx.names, items) {
                Some(values) => {
                    w.key("allowedValues");
                    w.raw_value(&serde_json::Value::Array(values).to_string());
                }
                None => {
                    w.key("items");
                    write_schema(w, cx, items, &[], depth)?;
                }
            }
        }
        TypeKind::Tuple(items) => {
            simple(w, "array");
            w.key("prefixItems");
            w.begin_array(None);
            for item in items {
                write_schema(w, cx, &item.ty, &item.decorators, depth)?;
            }
            w.end_array();
            w.key("items");
            w.boolean(false, None);
        }
        TypeKind::Object(properties) => write_object_type(w, cx, properties, secure, depth)?,
        TypeKind::Literal(literal) => {
            simple(w, literal_type(literal).ok_or_else(|| unsupported(ty))?);
            w.key("allowedValues");
            w.begin_array(None);
            write_value(w, literal, cx.values, crate::limits::VALUE_DEPTH)?;
            w.end_array();
        }
        TypeKind::Union(members) => match discriminator(decorators) {
            Some(property) => write_tagged_union(w, cx, ty, members, &property, depth)?,
            None => write_union(w, cx, ty, members)?,
        },
        TypeKind::Parameterized { name, args } => write_parameterized(w, cx, ty, name, args)?,
        TypeKind::AdditionalProperties(_) | TypeKind::Index { .. } => write_derived(w, ty, secure)?,
        TypeKind::Missing => return Err(unsupported(ty)),
    }
    Ok(())
}

/// `@secure()` on a string or object type.
fn secured(ty: &'static str, secure: bool) -> &'static str {
    match (ty, secure) {
        ("string", true) => "securestring",
        ("object", true) => "secureObject",
        _ => ty,
    }
}

fn primitive(name: &str, secure: bool) -> Option<&'static str> {
    Some(match (name, secure) {
        ("string", false) => "string",
        ("string", true) => "securestring",
        ("int", _) => "int",
        ("bool", _) => "bool",
        ("object", false) => "object",
        ("object", true) => "secureObject",
        ("array", _) => "array",
        _ => return None,
    })
}

/// `'a' | 'b' | null`: the members' common type, `allowedValues`, and `nullable` for `null`.
fn write_union(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    ty: &TypeExpr,
    members: &[TypeExpr],
) -> Result<(), LowerError> {
    let mut common = None;
    let mut literals: Vec<&Expr> = Vec::new();
    let mut composite = Vec::new();
    let mut nullable = false;
    let mut flat = Vec::new();
    flatten_union(cx.names, members, &mut flat, 0);
    for member in flat {
        let mut member = strip_parens(member);
        if let TypeKind::Nullable(inner) = &member.kind {
            nullable = true;
            member = strip_parens(inner);
        }
        match &member.kind {
            TypeKind::Literal(Expr {
                kind: ExprKind::Null,
                ..
            }) => nullable = true,
            TypeKind::Literal(literal) => {
                let t = literal_type(literal).ok_or_else(|| unsupported(ty))?;
                if common.is_some_and(|c| c != t) {
                    return Err(unsupported(ty));
                }
                common = Some(t);
                // A value named twice (`aUnion | 'pop'`) is allowed once.
                if !literals
                    .iter()
                    .any(|l| literal_key(l) == literal_key(literal))
                {
                    literals.push(literal);
                }
            }
            // `{ cpu: '1' } | { cpu: '2' }`: literal objects and tuples are allowed values too.
            TypeKind::Object(_) | TypeKind::Tuple(_) if is_literal_type(member, 0) => {
                let t = if matches!(member.kind, TypeKind::Object(_)) {
                    "object"
                } else {
                    "array"
                };
                if common.is_some_and(|c| c != t) {
                    return Err(unsupported(ty));
                }
                common = Some(t);
                composite.push(member);
            }
            // Anything else needs the type checker.
            _ => return Err(unsupported(ty)),
        }
    }
    let common = common.ok_or_else(|| unsupported(ty))?;
    w.key("type");
    w.string(common, None);
    w.key("allowedValues");
    w.begin_array(None);
    for literal in literals {
        write_value(w, literal, cx.values, crate::limits::VALUE_DEPTH)?;
    }
    for member in composite {
        write_literal_type_value(w, cx, member, 0)?;
    }
    w.end_array();
    if nullable {
        w.key("nullable");
        w.boolean(true, None);
    }
    Ok(())
}

/// `('a' | 1 | true | { k: 'v' } | null)[]`: literals of more than one type, which no item
/// schema describes; the compiler writes them as the array's `allowedValues`, strings first,
/// then numbers, `false` / `null` / `true`, objects and arrays. `None` for any other array.
fn mixed_literal_union(names: &TypeNames, items: &TypeExpr) -> Option<Vec<serde_json::Value>> {
    use serde_json::Value as J;
    let TypeKind::Union(members) = &strip_parens(items).kind else {
        return None;
    };
    let mut flat = Vec::new();
    flatten_union(names, members, &mut flat, 0);
    let mut values: Vec<J> = Vec::new();
    for member in flat {
        let value = literal_type_json(member, 0)?;
        if !values.contains(&value) {
            values.push(value);
        }
    }
    let rank = |v: &J| match v {
        J::String(_) => 0,
        J::Number(_) => 1,
        J::Bool(_) | J::Null => 2,
        J::Object(_) | J::Array(_) => 3,
    };
    let kinds: std::collections::BTreeSet<u8> = values
        .iter()
        .map(|v| match v {
            J::Null => 9,
            other => rank(other),
        })
        .collect();
    if kinds.len() < 2 {
        return None;
    }
    values.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| match (a, b) {
            (J::Number(x), J::Number(y)) => x
                .as_i64()
                .cmp(&y.as_i64())
                .then_with(|| x.to_string().cmp(&y.to_string())),
            (J::String(x), J::String(y)) => x.cmp(y),
            _ => a.to_string().cmp(&b.to_string()),
        })
    });
    Some(values)
}

/// The value of a literal type (`'a'`, `-1`, `!true`, `null`, `{ k: 'v' }`, `['a', 1]`).
fn literal_type_json(ty: &TypeExpr, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if depth > crate::limits::BICEP_DEPTH {
        return None;
    }
    match &strip_parens(ty).kind {
        TypeKind::Literal(e) => literal_json(e),
        TypeKind::Object(props) => {
            let mut map = serde_json::Map::new();
            for p in props {
                let TypePropertyKey::Key(key) = &p.key else {
                    return None;
                };
                if p.optional {
                    return None;
                }
                let key = match key {
                    ObjectKey::Ident(ident) => ident.name.clone(),
                    ObjectKey::String(lit) => lit.as_plain()?,
                };
                map.insert(key, literal_type_json(&p.ty, depth + 1)?);
            }
            Some(J::Object(map))
        }
        TypeKind::Tuple(items) => items
            .iter()
            .map(|i| literal_type_json(&i.ty, depth + 1))
            .collect::<Option<Vec<_>>>()
            .map(J::Array),
        _ => None,
    }
}

fn literal_json(e: &Expr) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    match &e.kind {
        ExprKind::String(lit) => lit.as_plain().map(J::String),
        ExprKind::Int(digits) => digits.parse::<i64>().ok().map(J::from),
        ExprKind::Bool(b) => Some(J::Bool(*b)),
        ExprKind::Null => Some(J::Null),
        ExprKind::Unary { op, operand } => match (op, &operand.kind) {
            (crate::source::bicep::syntax::UnaryOp::Minus, ExprKind::Int(digits)) => {
                digits.parse::<i64>().ok()?.checked_neg().map(J::from)
            }
            (crate::source::bicep::syntax::UnaryOp::Not, ExprKind::Bool(b)) => Some(J::Bool(!b)),
            _ => None,
        },
        _ => None,
    }
}

/// What a literal type's value is, to tell two spellings of one value apart from two values.
fn literal_key(literal: &Expr) -> Option<String> {
    match &literal.kind {
        ExprKind::String(lit) => lit.as_plain().map(|t| format!("'{t}")),
        ExprKind::Int(digits) => Some(digits.clone()),
        ExprKind::Unary { operand, .. } => match &operand.kind {
            ExprKind::Int(digits) => Some(format!("-{digits}")),
            _ => None,
        },
        ExprKind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The members of a union, a member that names a local union replaced by its members.
fn flatten_union<'t>(
    names: &'t TypeNames,
    members: &'t [TypeExpr],
    out: &mut Vec<&'t TypeExpr>,
    depth: usize,
) {
    for member in members {
        let named = match &strip_parens(member).kind {
            TypeKind::Name(ident) if depth < crate::limits::BICEP_DEPTH => {
                names.unions.get(&ident.name)
            }
            _ => None,
        };
        match named.map(|t| &strip_parens(t).kind) {
            Some(TypeKind::Union(inner)) => flatten_union(names, inner, out, depth + 1),
            Some(_) => out.extend(named),
            None => out.push(member),
        }
    }
}

/// `@discriminator('kind')`'s property name.
fn discriminator(decorators: &[Decorator]) -> Option<String> {
    decorators.iter().find_map(|d| match decorator_call(d) {
        Some((
            "discriminator",
            [
                Expr {
                    kind: ExprKind::String(lit),
                    ..
                },
            ],
        )) => lit.as_plain(),
        _ => None,
    })
}

/// `@discriminator('kind') type x = a | b`: `discriminator.mapping` from each member's literal
/// `kind` to its schema (a `$ref` for a named member).
fn write_tagged_union(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    ty: &TypeExpr,
    members: &[TypeExpr],
    property: &str,
    depth: usize,
) -> Result<(), LowerError> {
    w.key("type");
    w.string("object", None);
    w.key("discriminator");
    w.begin_object(None);
    w.key("propertyName");
    w.string(property, None);
    w.key("mapping");
    w.begin_object(None);
    let mut flat = Vec::new();
    flatten_tagged_union(cx.names, members, &mut flat, 0);
    for member in flat {
        let tags = match &member.kind {
            TypeKind::Name(name) => cx.names.tags.get(&name.name).cloned().unwrap_or_default(),
            _ => literal_properties(member),
        };
        let Some((_, tag)) = tags.iter().find(|(key, _)| key == property) else {
            // An imported member (not resolved): its tag is not known here.
            if matches!(member.kind, TypeKind::Name(_)) {
                continue;
            }
            return Err(unsupported(ty));
        };
        w.key(tag);
        write_schema(w, cx, member, &[], depth)?;
    }
    w.end_object();
    w.end_object();
    Ok(())
}

/// The object types of a tagged union: a member that is a union itself, written in place
/// (`a | (b | c)`) or named (`union1 | union2`), gives its members, as the compiler merges the
/// mappings.
fn flatten_tagged_union<'t>(
    names: &'t TypeNames,
    members: &'t [TypeExpr],
    out: &mut Vec<&'t TypeExpr>,
    depth: usize,
) {
    for member in members {
        let member = strip_parens(member);
        let inner = match &member.kind {
            TypeKind::Union(inner) => Some(inner),
            TypeKind::Name(ident) => match names.unions.get(&ident.name).map(strip_parens) {
                Some(TypeExpr {
                    kind: TypeKind::Union(inner),
                    ..
                }) => Some(inner),
                _ => None,
            },
            _ => None,
        };
        match inner {
            Some(inner) if depth < crate::limits::BICEP_DEPTH => {
                flatten_tagged_union(names, inner, out, depth + 1);
            }
            _ => out.push(member),
        }
    }
}

/// A type that admits one value: a literal, or an object or tuple type of such types.
fn is_literal_type(ty: &TypeExpr, depth: usize) -> bool {
    if depth > crate::limits::BICEP_DEPTH {
        return false;
    }
    match &strip_parens(ty).kind {
        TypeKind::Literal(e) => !matches!(e.kind, ExprKind::Null),
        TypeKind::Object(props) => props.iter().all(|p| {
            matches!(p.key, TypePropertyKey::Key(_))
                && !p.optional
                && is_literal_type(&p.ty, depth + 1)
        }),
        TypeKind::Tuple(items) => items.iter().all(|i| is_literal_type(&i.ty, depth + 1)),
        _ => false,
    }
}

/// The one value of a literal type ([`is_literal_type`]).
fn write_literal_type_value(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    ty: &TypeExpr,
    depth: usize,
) -> Result<(), LowerError> {
    if depth > crate::limits::BICEP_DEPTH {
        return Err(LowerError::new(ty.span, "type nested too deeply"));
    }
    match &strip_parens(ty).kind {
        TypeKind::Literal(e) => write_value(w, e, cx.values, crate::limits::VALUE_DEPTH),
        TypeKind::Object(props) => {
            w.begin_object(None);
            for p in props {
                if let TypePropertyKey::Key(key) = &p.key {
                    let key = match key {
                        ObjectKey::Ident(i) => i.name.clone(),
                        ObjectKey::String(s) => s.as_plain().unwrap_or_default(),
                    };
                    w.key(&key);
                    write_literal_type_value(w, cx, &p.ty, depth + 1)?;
                }
            }
            w.end_object();
            Ok(())
        }
        TypeKind::Tuple(items) => {
            w.begin_array(None);
            for item in items {
                write_literal_type_value(w, cx, &item.ty, depth + 1)?;
            }
            w.end_array();
            Ok(())
        }
        _ => Err(unsupported(ty)),
    }
}

fn strip_parens(ty: &TypeExpr) -> &TypeExpr {
    let mut at = ty;
    while let TypeKind::Paren(inner) = &at.kind {
        at = inner;
    }
    at
}

/// `type` of a resource-derived type; nothing for one the schemas type `any`.
fn write_derived(w: &mut JsonWriter, ty: &TypeExpr, secure: bool) -> Result<(), LowerError> {
    match derived_type(ty).ok_or_else(|| unsupported(ty))? {
        "" => {}
        name => {
            w.key("type");
            w.string(secured(name, secure), None);
        }
    }
    Ok(())
}

/// The ARM type of a resource-derived type (`resourceInput<'T@v'>.tags`). The compiler looks it
/// up in the resource type's schema, which armlint does not have: `tags` and `properties` are
/// objects, `name`, `kind`, `location` strings, `customProperties` untyped, and anything else is
/// written as `object`.
/// That placeholder changes nothing armlint evaluates: it reads a parameter's type only for
/// `secure…` types and for `allowedValues` on arrays, and a derived type has neither.
fn derived_type(ty: &TypeExpr) -> Option<&'static str> {
    let mut path = Vec::new();
    let mut at = ty;
    loop {
        match &at.kind {
            TypeKind::Property { name, .. } => path.push(name.name.as_str()),
            TypeKind::Index { .. } => path.push("*"),
            TypeKind::AdditionalProperties(_) => path.push("*"),
            _ => break,
        }
        at = match &at.kind {
            TypeKind::Property { base, .. }
            | TypeKind::Index { base, .. }
            | TypeKind::AdditionalProperties(base) => base,
            _ => break,
        };
    }
    let TypeKind::Parameterized { name, args } = &at.kind else {
        return None;
    };
    if !matches!(name.name.as_str(), "resourceInput" | "resourceOutput") {
        return None;
    }
    path.reverse();
    let resource_type = match args.first().map(|a| &a.kind) {
        Some(TypeKind::Literal(crate::source::bicep::syntax::Expr {
            kind: crate::source::bicep::syntax::ExprKind::String(s),
            ..
        })) => s.as_plain().unwrap_or_default(),
        _ => String::new(),
    };
    Some(match path.as_slice() {
        ["name" | "kind" | "location"] => "string",
        // Free-form in the resource schemas (API Center's `customProperties`): no `type`.
        [.., "customProperties"] => "",
        // Logic Apps' integration account artifacts type their `metadata` `any` (the DNS,
        // storage and security ones type it as an object). It matters: a nullable parameter
        // without a type and without a value is `null`, a typed one is unknown.
        ["properties", "metadata"] if is_logic_integration_artifact(&resource_type) => "",
        _ => "object",
    })
}

/// `Microsoft.Logic/integrationAccounts/<artifact>@version`, case-insensitively.
fn is_logic_integration_artifact(type_and_version: &str) -> bool {
    let ty = type_and_version
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    ty.strip_prefix("microsoft.logic/integrationaccounts/")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// `resourceInput<'T@v'>.tags` and the like: the compiler writes the type it looks up in the
/// resource type's schema, which armlint does not have; `tags` is an object, the rest is left
/// untyped (ARM accepts any value then) with the source the compiler names.
fn write_parameterized(
    w: &mut JsonWriter,
    _cx: &TypeContext<'_>,
    ty: &TypeExpr,
    name: &crate::source::bicep::syntax::Ident,
    args: &[TypeExpr],
) -> Result<(), LowerError> {
    match name.name.as_str() {
        "resource" => {
            w.key("type");
            w.string("string", None);
            Ok(())
        }
        "resourceInput" | "resourceOutput" if args.len() == 1 => {
            w.key("type");
            w.string("object", None);
            Ok(())
        }
        _ => Err(unsupported(ty)),
    }
}

fn write_object_type(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    properties: &[crate::source::bicep::syntax::TypeProperty],
    secure: bool,
    depth: usize,
) -> Result<(), LowerError> {
    w.key("type");
    w.string(if secure { "secureObject" } else { "object" }, None);
    let mut additional = None;
    let mut any_named = false;
    for property in properties {
        match &property.key {
            TypePropertyKey::Wildcard(_) => additional = Some(property),
            TypePropertyKey::Key(_) => any_named = true,
        }
    }
    if any_named {
        w.key("properties");
        w.begin_object(None);
        for property in properties {
            let TypePropertyKey::Key(key) = &property.key else {
                continue;
            };
            let key = match key {
                ObjectKey::Ident(ident) => ident.name.clone(),
                ObjectKey::String(lit) => lit
                    .as_plain()
                    .ok_or_else(|| LowerError::new(lit.span, "interpolated type property name"))?,
            };
            w.key(&key);
            let optional = property.optional && !matches!(property.ty.kind, TypeKind::Nullable(_));
            write_schema_with(w, cx, &property.ty, &property.decorators, optional, depth)?;
        }
        w.end_object();
    }
    if let Some(property) = additional {
        w.key("additionalProperties");
        write_schema(w, cx, &property.ty, &property.decorators, depth)?;
    }
    Ok(())
}

/// `{ …schema… }` of `ty` with its decorators' constraints and metadata.
pub fn write_schema(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    ty: &TypeExpr,
    decorators: &[Decorator],
    depth: usize,
) -> Result<(), LowerError> {
    write_schema_with(w, cx, ty, decorators, false, depth)
}

fn write_schema_with(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    ty: &TypeExpr,
    decorators: &[Decorator],
    nullable: bool,
    depth: usize,
) -> Result<(), LowerError> {
    w.begin_object(cx.values.origin_span(ty.span));
    write_type_keys(w, cx, ty, decorators, depth)?;
    write_constraints(w, cx.values, decorators)?;
    if nullable {
        w.key("nullable");
        w.boolean(true, None);
    }
    write_metadata(w, cx.values, decorators)?;
    w.end_object();
    Ok(())
}

/// Constraints from decorators: `@allowed`, `@minValue`, `@maxValue`, `@minLength`,
/// `@maxLength`, `@sealed` (`additionalProperties: false`), `@discriminator`.
pub fn write_constraints(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    decorators: &[Decorator],
) -> Result<(), LowerError> {
    for decorator in decorators {
        let Some((name, args)) = decorator_call(decorator) else {
            continue;
        };
        let key = match name {
            "allowed" => "allowedValues",
            "minValue" | "maxValue" | "minLength" | "maxLength" => name,
            "sealed" => {
                w.key("additionalProperties");
                w.boolean(false, None);
                continue;
            }
            _ => continue,
        };
        w.key(key);
        write_value(
            w,
            single_argument(decorator, args)?,
            cx,
            crate::limits::VALUE_DEPTH,
        )?;
    }
    Ok(())
}

/// `metadata`: `@metadata({…})`'s properties, then `description` from `@description`, and
/// `__bicep_export!` for `@export()`.
pub fn write_metadata(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    decorators: &[Decorator],
) -> Result<(), LowerError> {
    let mut extra = None;
    let mut description = None;
    let mut export = false;
    for decorator in decorators {
        match decorator_call(decorator) {
            Some(("metadata", args)) => extra = Some(single_argument(decorator, args)?),
            Some(("description", args)) => description = Some(single_argument(decorator, args)?),
            Some(("export", _)) => export = true,
            _ => {}
        }
    }
    if extra.is_none() && description.is_none() && !export {
        return Ok(());
    }
    w.key("metadata");
    w.begin_object(None);
    if let Some(Expr {
        kind: ExprKind::Object(items),
        ..
    }) = extra
    {
        for item in items {
            if let ObjectItem::Property { key, value, .. } = item {
                let key = match key {
                    ObjectKey::Ident(i) => i.name.clone(),
                    ObjectKey::String(s) => s.as_plain().unwrap_or_default(),
                };
                w.key(&key);
                write_value(w, value, cx, crate::limits::VALUE_DEPTH)?;
            }
        }
    }
    if export {
        w.key("__bicep_export!");
        w.boolean(true, None);
    }
    if let Some(description) = description {
        w.key("description");
        write_value(w, description, cx, crate::limits::VALUE_DEPTH)?;
    }
    w.end_object();
    Ok(())
}

/// Writes `"name": {schema}` into the open `definitions` object for a `type` statement; false
/// for other statements.
pub fn write_definition(
    w: &mut JsonWriter,
    cx: &TypeContext<'_>,
    statement: &Statement,
) -> Result<bool, LowerError> {
    let StatementKind::Type { name, ty } = &statement.kind else {
        return Ok(false);
    };
    w.key(&name.name);
    write_schema(w, cx, ty, &statement.decorators, crate::limits::BICEP_DEPTH)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::bicep::parse;

    struct NoSymbols;
    impl super::super::lower_expression::Symbols for NoSymbols {
        fn resolve(&self, _: &str) -> Option<String> {
            None
        }
    }

    /// The `definitions` the statements of `source` lower to.
    fn definitions(source: &str) -> Result<serde_json::Value, LowerError> {
        let file = parse(source);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let names = TypeNames::of(&file);
        let mut w = JsonWriter::new(Default::default());
        let id = w.map_mut().file_id("main.bicep".into());
        let values = ValueContext {
            file: id,
            symbols: &NoSymbols,
        };
        let cx = TypeContext {
            values: &values,
            names: &names,
        };
        w.begin_object(None);
        for statement in &file.statements {
            write_definition(&mut w, &cx, statement)?;
        }
        w.end_object();
        let (text, _) = w.finish().unwrap();
        Ok(serde_json::from_str(&text).unwrap())
    }

    /// From the compiler's baseline `TypeDeclarations_LF/main.json`.
    #[test]
    fn type_declarations_lower_to_the_compiler_definitions() {
        let got = definitions(
            "@description('The foo type')\n@sealed()\ntype foo = {\n  @minLength(3)\n  stringProp: string\n  objectProp: {\n    intArrayArrayProp: int [] [] ?\n  }\n  typeRefProp: bar\n  literalProp: 'literal'\n  recursion: foo?\n  opt?: string\n}\ntype fooProperty = foo.objectProp.intProp\ntype bar = int[][]\ntype barElement = bar[*]\ntype aUnion = 'snap'|'crackle'|null\ntype tuple = [string, bar]\ntype dict = { *: int }\n",
        )
        .unwrap();
        assert_eq!(
            got,
            serde_json::json!({
                "foo": {
                    "type": "object",
                    "properties": {
                        "stringProp": {"type": "string", "minLength": 3},
                        "objectProp": {"type": "object", "properties": {
                            "intArrayArrayProp": {"type": "array", "items": {"type": "array", "items": {"type": "int"}}, "nullable": true}
                        }},
                        "typeRefProp": {"$ref": "#/definitions/bar"},
                        "literalProp": {"type": "string", "allowedValues": ["literal"]},
                        "recursion": {"$ref": "#/definitions/foo", "nullable": true},
                        "opt": {"type": "string", "nullable": true}
                    },
                    "additionalProperties": false,
                    "metadata": {"description": "The foo type"}
                },
                "fooProperty": {"$ref": "#/definitions/foo/properties/objectProp/properties/intProp"},
                "bar": {"type": "array", "items": {"type": "array", "items": {"type": "int"}}},
                "barElement": {"$ref": "#/definitions/bar/items"},
                "aUnion": {"type": "string", "allowedValues": ["snap", "crackle"], "nullable": true},
                "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"$ref": "#/definitions/bar"}], "items": false},
                "dict": {"type": "object", "additionalProperties": {"type": "int"}}
            })
        );
    }

    /// From `avm/ptn/dev-ops/cicd-agents-and-runners` and `avm/res/api-management/service/logger`
    /// (their `main.json`), and the compiler's `Parameters_CRLF` (`any`).
    #[test]
    fn literal_object_unions_derived_and_any_types() {
        let got = definitions(
            "type size = { cpu: '1', memory: '2Gi' } | { cpu: '2', memory: '4Gi' }\n@secure()\ntype creds = resourceInput<'Microsoft.ApiManagement/service/loggers@2024-05-01'>.properties.credentials\ntype tags = resourceInput<'Microsoft.Resources/resourceGroups@2025-04-01'>.tags\ntype rule = resourceInput<'Microsoft.Network/networkSecurityGroups@2024-05-01'>.properties.securityRules[*]\ntype anything = any\ntype more = aUnion | 'pop' | 'fizz'\ntype aUnion = 'snap' | 'pop'\ntype custom = resourceInput<'Microsoft.ApiCenter/services/workspaces/environments@2024-03-01'>.properties.customProperties\n",
        )
        .unwrap();
        assert_eq!(
            got,
            serde_json::json!({
                "size": {"type": "object", "allowedValues": [{"cpu": "1", "memory": "2Gi"}, {"cpu": "2", "memory": "4Gi"}]},
                "creds": {"type": "secureObject"},
                "tags": {"type": "object"},
                "rule": {"type": "object"},
                "anything": {},
                "more": {"type": "string", "allowedValues": ["snap", "pop", "fizz"]},
                "aUnion": {"type": "string", "allowedValues": ["snap", "pop"]},
                "custom": {}
            })
        );
    }

    #[test]
    fn an_array_of_a_mixed_literal_union_has_allowed_values_in_the_compilers_order() {
        let got = definitions(
            "type mixed = ('heffalump'|'woozle'|{ shape: '*', size: '*'}|10|-10|true|!true|null)[]\ntype same = ('a'|'b')[]\n",
        )
        .unwrap();
        assert_eq!(
            got,
            serde_json::json!({
                "mixed": {"type": "array", "allowedValues": ["heffalump", "woozle", -10, 10, false, null, true, {"shape": "*", "size": "*"}]},
                "same": {"type": "array", "items": {"type": "string", "allowedValues": ["a", "b"]}}
            })
        );
    }

    #[test]
    fn a_tagged_union_of_unions_merges_their_mappings() {
        let got = definitions(
            "type a = { type: 'a' }\ntype e = { type: 'e' }\n@discriminator('type')\ntype u1 = a | { type: 'b' }\n@discriminator('type')\ntype u2 = u1 | ({ type: 'c' } | e)\n",
        )
        .unwrap();
        let mapping = got["u2"]["discriminator"]["mapping"].as_object().unwrap();
        assert_eq!(
            mapping.keys().collect::<Vec<_>>(),
            ["a", "b", "c", "e"],
            "{got}"
        );
        assert_eq!(mapping["a"], serde_json::json!({"$ref": "#/definitions/a"}));
        assert_eq!(mapping["e"], serde_json::json!({"$ref": "#/definitions/e"}));
    }

    #[test]
    fn logic_integration_metadata_is_untyped_other_metadata_an_object() {
        let got = definitions(
            "type a = resourceInput<'Microsoft.Logic/integrationAccounts/agreements@2019-05-01'>.properties.metadata?\ntype b = resourceInput<'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01'>.properties.metadata\ntype c = resourceInput<'Microsoft.Logic/integrationAccounts@2019-05-01'>.properties.metadata\n",
        )
        .unwrap();
        assert_eq!(
            got,
            serde_json::json!({
                "a": {"nullable": true},
                "b": {"type": "object"},
                "c": {"type": "object"}
            })
        );
    }

    #[test]
    fn an_unknown_type_name_is_an_error_at_its_span() {
        let err = definitions("type a = {\n  b: nope\n}\n").unwrap_err();
        assert!(
            err.message.contains("'nope' is not declared"),
            "{}",
            err.message
        );
        assert_eq!(err.span.start, 16);
    }
}
