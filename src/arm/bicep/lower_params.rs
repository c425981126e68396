//! `param` declarations → the template's `parameters` section: the type (`@secure()` makes
//! `securestring` / `secureObject`), `defaultValue`, and constraints from decorators
//! (`@allowed` → `allowedValues`, `@minValue`/`@maxValue`/`@minLength`/`@maxLength`,
//! `@description` → `metadata.description`, `@metadata({…})` merged into `metadata`), `T?` →
//! `nullable: true`, and a union of literals → `allowedValues`, as the compiler emits them.

use crate::source::bicep::syntax::{Decorator, Expr, Ident, TypeExpr};

use super::json_writer::JsonWriter;
use super::lower_expression::LowerError;
pub use super::lower_types::decorator_call;
use super::lower_types::{
    TypeContext, TypeNames, write_constraints, write_metadata, write_type_keys,
};
use super::lower_value::{ValueContext, write_value};

/// Writes `"name": { … }` for one `param` into the open `parameters` object.
pub fn write_parameter(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    declaration: ParamDeclaration<'_>,
) -> Result<(), LowerError> {
    let Some(ty) = declaration.ty else {
        return Err(LowerError::new(
            declaration.name.span,
            "a parameter needs a type",
        ));
    };
    let types = TypeContext {
        values: cx,
        names: declaration.types,
    };
    w.key(&declaration.name.name);
    w.begin_object(Some(super::span_map::BicepSpan {
        file: cx.file,
        span: declaration.span,
    }));
    write_type_keys(
        w,
        &types,
        ty,
        declaration.decorators,
        crate::limits::BICEP_DEPTH,
    )?;
    if let Some(default) = declaration.default {
        w.key("defaultValue");
        write_value(w, default, cx, crate::limits::VALUE_DEPTH)?;
    }
    write_constraints(w, cx, declaration.decorators)?;
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
    /// The type names of the file (`type` statements, imports).
    pub types: &'a TypeNames,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::source::bicep::syntax::{ExprKind, StringLit, StringPart, TypeKind};

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
            types: &TypeNames::default(),
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
            types: &TypeNames::default(),
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
                .contains("'myType' is not declared")
        );
    }
}
