//! `param` declarations → the template's `parameters` section: the type (`@secure()` makes
//! `securestring` / `secureObject`), `defaultValue`, and constraints from decorators
//! (`@allowed` → `allowedValues`, `@minValue`/`@maxValue`/`@minLength`/`@maxLength`,
//! `@description` → `metadata.description`, `@metadata({…})` merged into `metadata`), `T?` →
//! `nullable: true`, and a union of literals → `allowedValues`, as the compiler emits them.

use crate::source::bicep::syntax::{Decorator, Expr, ExprKind, Ident, TypeExpr, TypeKind};

use super::json_writer::JsonWriter;
use super::lower_expression::LowerError;
use super::lower_value::{ValueContext, write_value};

/// The ARM type name of a Bicep parameter type, and whether it is nullable.
pub(super) fn arm_type(ty: &TypeExpr, secure: bool) -> Result<(&'static str, bool), LowerError> {
    let (base, nullable) = match &ty.kind {
        TypeKind::Nullable(inner) => (inner.as_ref(), true),
        _ => (ty, false),
    };
    let name = match &base.kind {
        TypeKind::Name(Ident { name, .. }) => match (name.as_str(), secure) {
            ("string", false) => "string",
            ("string", true) => "securestring",
            ("int", _) => "int",
            ("bool", _) => "bool",
            ("object", false) => "object",
            ("object", true) => "secureObject",
            ("array", _) => "array",
            _ => return Err(unsupported(base)),
        },
        TypeKind::Array(_) | TypeKind::Tuple(_) => "array",
        TypeKind::Object(_) => "object",
        TypeKind::Union(members) => literal_union_type(members).ok_or_else(|| unsupported(base))?,
        TypeKind::Literal(literal) => literal_type(literal).ok_or_else(|| unsupported(base))?,
        TypeKind::Paren(inner) => return arm_type(inner, secure),
        _ => return Err(unsupported(base)),
    };
    Ok((name, nullable))
}

fn unsupported(ty: &TypeExpr) -> LowerError {
    LowerError::new(
        ty.span,
        "this parameter type is not supported by the lowering yet",
    )
}

fn literal_type(literal: &Expr) -> Option<&'static str> {
    match &literal.kind {
        ExprKind::String(_) => Some("string"),
        ExprKind::Int(_) | ExprKind::Unary { .. } => Some("int"),
        ExprKind::Bool(_) => Some("bool"),
        _ => None,
    }
}

/// `'a' | 'b'`: the members' common literal type.
fn literal_union_type(members: &[TypeExpr]) -> Option<&'static str> {
    let mut common = None;
    for member in members {
        let TypeKind::Literal(literal) = &member.kind else {
            return None;
        };
        let ty = literal_type(literal)?;
        if common.is_some_and(|c| c != ty) {
            return None;
        }
        common = Some(ty);
    }
    common
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

fn single_argument<'a>(decorator: &Decorator, args: &'a [Expr]) -> Result<&'a Expr, LowerError> {
    match args {
        [only] => Ok(only),
        _ => Err(LowerError::new(
            decorator.span,
            "this decorator takes exactly one argument",
        )),
    }
}

/// Writes `"name": { … }` for one `param` into the open `parameters` object.
pub fn write_parameter(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    declaration: ParamDeclaration<'_>,
) -> Result<(), LowerError> {
    let secure = declaration
        .decorators
        .iter()
        .any(|d| decorator_call(d).is_some_and(|(name, _)| name == "secure"));
    let Some(ty) = declaration.ty else {
        return Err(LowerError::new(
            declaration.name.span,
            "a parameter needs a type",
        ));
    };
    let (type_name, nullable) = arm_type(ty, secure)?;
    w.key(&declaration.name.name);
    w.begin_object(Some(super::span_map::BicepSpan {
        file: cx.file,
        span: declaration.span,
    }));
    w.key("type");
    w.string(type_name, None);
    if let Some(default) = declaration.default {
        w.key("defaultValue");
        write_value(w, default, cx, crate::limits::VALUE_DEPTH)?;
    }
    write_constraints(w, cx, ty, declaration.decorators)?;
    if nullable {
        w.key("nullable");
        w.boolean(true, None);
    }
    write_metadata(w, cx, declaration.decorators)?;
    w.end_object();
    Ok(())
}

/// The parts of a `param` statement the parameters section needs.
#[derive(Clone, Copy)]
pub struct ParamDeclaration<'a> {
    pub span: crate::source::Span,
    pub name: &'a Ident,
    pub ty: Option<&'a TypeExpr>,
    pub default: Option<&'a Expr>,
    pub decorators: &'a [Decorator],
}

fn write_constraints(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    ty: &TypeExpr,
    decorators: &[Decorator],
) -> Result<(), LowerError> {
    if let TypeKind::Union(members) = &ty.kind {
        w.key("allowedValues");
        w.begin_array(None);
        for member in members {
            if let TypeKind::Literal(literal) = &member.kind {
                write_value(w, literal, cx, crate::limits::VALUE_DEPTH)?;
            }
        }
        w.end_array();
    }
    for decorator in decorators {
        let Some((name, args)) = decorator_call(decorator) else {
            continue;
        };
        let key = match name {
            "allowed" => "allowedValues",
            "minValue" | "maxValue" | "minLength" | "maxLength" => name,
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

/// `metadata`: `@metadata({…})`'s properties, then `description` from `@description`.
fn write_metadata(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    decorators: &[Decorator],
) -> Result<(), LowerError> {
    let mut extra = None;
    let mut description = None;
    for decorator in decorators {
        match decorator_call(decorator) {
            Some(("metadata", args)) => extra = Some(single_argument(decorator, args)?),
            Some(("description", args)) => description = Some(single_argument(decorator, args)?),
            _ => {}
        }
    }
    if extra.is_none() && description.is_none() {
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
            if let crate::source::bicep::syntax::ObjectItem::Property { key, value, .. } = item {
                let key = match key {
                    crate::source::bicep::syntax::ObjectKey::Ident(i) => i.name.clone(),
                    crate::source::bicep::syntax::ObjectKey::String(s) => {
                        s.as_plain().unwrap_or_default()
                    }
                };
                w.key(&key);
                write_value(w, value, cx, crate::limits::VALUE_DEPTH)?;
            }
        }
    }
    if let Some(description) = description {
        w.key("description");
        write_value(w, description, cx, crate::limits::VALUE_DEPTH)?;
    }
    w.end_object();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::source::bicep::syntax::{StringLit, StringPart};

    struct NoSymbols;
    impl super::super::lower_expression::Symbols for NoSymbols {
        fn resolve(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn at(n: usize) -> Span {
        Span::new(n, n + 1)
    }
    fn ident(name: &str) -> Ident {
        Ident {
            name: name.into(),
            span: at(0),
        }
    }
    fn string(n: usize, text: &str) -> Expr {
        Expr {
            span: at(n),
            kind: ExprKind::String(StringLit {
                span: at(n),
                parts: vec![StringPart::Text {
                    text: text.into(),
                    span: at(n),
                }],
                multiline: false,
            }),
        }
    }
    fn decorator(name: &str, args: Vec<Expr>) -> Decorator {
        Decorator {
            span: at(0),
            expr: Expr {
                span: at(0),
                kind: ExprKind::Call {
                    target: None,
                    name: ident(name),
                    args,
                },
            },
        }
    }
    fn ty(kind: TypeKind) -> TypeExpr {
        TypeExpr { span: at(0), kind }
    }

    fn lowered(declaration: ParamDeclaration<'_>) -> Result<serde_json::Value, LowerError> {
        let mut w = JsonWriter::new(Default::default());
        let file = w.map_mut().file_id("main.bicep".into());
        let cx = ValueContext {
            file,
            symbols: &NoSymbols,
        };
        w.begin_object(None);
        write_parameter(&mut w, &cx, declaration)?;
        w.end_object();
        let (text, _) = w.finish().unwrap();
        Ok(serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn decorators_become_constraints_and_metadata() {
        let name = ident("adminPassword");
        let decorators = vec![
            decorator("secure", vec![]),
            decorator(
                "minLength",
                vec![Expr {
                    span: at(5),
                    kind: ExprKind::Int("12".into()),
                }],
            ),
            decorator("description", vec![string(7, "The password.")]),
        ];
        let string_ty = ty(TypeKind::Name(ident("string")));
        let declaration = ParamDeclaration {
            span: at(0),
            name: &name,
            ty: Some(&string_ty),
            default: None,
            decorators: &decorators,
        };
        assert_eq!(
            lowered(declaration).unwrap(),
            serde_json::json!({"adminPassword": {"type": "securestring", "minLength": 12, "metadata": {"description": "The password."}}})
        );
    }

    #[test]
    fn literal_unions_are_allowed_values_and_nullable_is_kept() {
        let name = ident("sku");
        let union = ty(TypeKind::Union(vec![
            ty(TypeKind::Literal(string(1, "Standard"))),
            ty(TypeKind::Literal(string(2, "Premium"))),
        ]));
        let default = string(3, "Standard");
        let declaration = ParamDeclaration {
            span: at(0),
            name: &name,
            ty: Some(&union),
            default: Some(&default),
            decorators: &[],
        };
        assert_eq!(
            lowered(declaration).unwrap(),
            serde_json::json!({"sku": {"type": "string", "defaultValue": "Standard", "allowedValues": ["Standard", "Premium"]}})
        );
        let nullable = ty(TypeKind::Nullable(Box::new(ty(TypeKind::Name(ident(
            "int",
        ))))));
        let declaration = ParamDeclaration {
            ty: Some(&nullable),
            default: None,
            ..declaration
        };
        assert_eq!(
            lowered(declaration).unwrap(),
            serde_json::json!({"sku": {"type": "int", "nullable": true}})
        );
        let custom = ty(TypeKind::Name(ident("myType")));
        let declaration = ParamDeclaration {
            ty: Some(&custom),
            ..declaration
        };
        assert!(
            lowered(declaration)
                .unwrap_err()
                .message
                .contains("not supported")
        );
    }
}
