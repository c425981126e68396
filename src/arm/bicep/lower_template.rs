//! A parsed Bicep file → a whole ARM template's JSON text and span map: `$schema` from
//! `targetScope`, `metadata`, `parameters`, `variables`, `resources`, `outputs`, in the order
//! and shapes of the compiler's `main.json` (without `_generator`, which carries no meaning).
//! Statements the lowering does not handle yet are errors at their span, not guesses.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::source::bicep::syntax::{BicepFile, ExprKind, OutputType, Statement, StatementKind};

use super::json_writer::JsonWriter;
use super::lower_expression::{LowerError, Symbols};
use super::lower_params::{ParamDeclaration, write_parameter};
use super::lower_types::{TypeContext, TypeNames, write_definition, write_type_keys};
use super::lower_value::{ValueContext, write_value};
use super::span_map::{BicepSpan, SpanMap};

/// The lowered template: JSON text the engine parses, and the map back to Bicep.
#[derive(Debug, Clone)]
pub struct LoweredTemplate {
    pub text: String,
    pub map: SpanMap,
}

/// Names declared at the top level of one file.
#[derive(Debug, Default)]
struct TopLevel {
    names: HashMap<String, String>,
}

impl Symbols for TopLevel {
    fn resolve(&self, name: &str) -> Option<String> {
        self.names.get(name).cloned()
    }
}

fn declared_names(file: &BicepFile) -> TopLevel {
    let mut top = TopLevel::default();
    for statement in &file.statements {
        let (name, expression) = match &statement.kind {
            StatementKind::Param { name, .. } => (name, format!("parameters('{}')", name.name)),
            StatementKind::Var { name, .. } => (name, format!("variables('{}')", name.name)),
            _ => continue,
        };
        top.names.insert(name.name.clone(), expression);
    }
    top
}

/// The deployment schema the compiler writes for a `targetScope` value.
fn schema_for(scope: Option<&str>) -> Option<&'static str> {
    Some(match scope.unwrap_or("resourceGroup") {
        "resourceGroup" => {
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
        }
        "subscription" => {
            "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
        }
        "managementGroup" => {
            "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
        }
        "tenant" => {
            "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#"
        }
        _ => return None,
    })
}

fn target_scope(file: &BicepFile) -> Result<Option<String>, LowerError> {
    for statement in &file.statements {
        if let StatementKind::TargetScope(expr) = &statement.kind {
            return match &expr.kind {
                ExprKind::String(lit) => Ok(lit.as_plain()),
                _ => Err(LowerError::new(
                    expr.span,
                    "targetScope must be a string literal",
                )),
            };
        }
    }
    Ok(None)
}

/// Lowers `file` (read from `path`). Every structural error found is returned, in source order.
pub fn lower_template(file: &BicepFile, path: PathBuf) -> Result<LoweredTemplate, Vec<LowerError>> {
    let mut errors = Vec::new();
    let mut map = SpanMap::new();
    let file_id = map.file_id(path);
    let symbols = declared_names(file);
    let cx = ValueContext {
        file: file_id,
        symbols: &symbols,
    };
    let type_names = TypeNames::of(file);
    let types = TypeContext {
        values: &cx,
        names: &type_names,
    };
    let scope = target_scope(file).map_err(|e| vec![e])?;
    let Some(schema) = schema_for(scope.as_deref()) else {
        let span = file.statements.first().map(|s| s.span).unwrap_or_default();
        return Err(vec![LowerError::new(span, "unknown targetScope")]);
    };
    let mut w = JsonWriter::new(map);
    w.begin_object(None);
    w.key("$schema");
    w.string(schema, None);
    w.key("contentVersion");
    w.string("1.0.0.0", None);
    write_section(&mut w, "metadata", file, &mut errors, |w, s| {
        match &s.kind {
            StatementKind::Metadata { name, value } => {
                w.key(&name.name);
                write_value(w, value, &cx, crate::limits::VALUE_DEPTH).map(|()| true)
            }
            _ => Ok(false),
        }
    });
    write_section(&mut w, "definitions", file, &mut errors, |w, s| {
        write_definition(w, &types, s)
    });
    write_section(&mut w, "parameters", file, &mut errors, |w, s| {
        match &s.kind {
            StatementKind::Param { name, ty, value } => {
                let declaration = ParamDeclaration {
                    span: s.span,
                    name,
                    ty: ty.as_ref(),
                    default: value.as_ref(),
                    decorators: &s.decorators,
                    types: &type_names,
                };
                write_parameter(w, &cx, declaration).map(|()| true)
            }
            _ => Ok(false),
        }
    });
    write_section(&mut w, "variables", file, &mut errors, |w, s| {
        match &s.kind {
            StatementKind::Var { name, value, .. } => {
                w.key(&name.name);
                write_value(w, value, &cx, crate::limits::VALUE_DEPTH).map(|()| true)
            }
            _ => Ok(false),
        }
    });
    w.key("resources");
    w.begin_array(None);
    for statement in &file.statements {
        if let StatementKind::Resource { .. } | StatementKind::Module { .. } = &statement.kind {
            errors.push(LowerError::new(
                statement.span,
                "resources and modules are not lowered yet",
            ));
        }
    }
    w.end_array();
    write_section(&mut w, "outputs", file, &mut errors, |w, s| {
        write_output(w, &types, s)
    });
    w.end_object();
    let Some((text, map)) = w.finish() else {
        errors.push(LowerError::new(
            Default::default(),
            "internal: unbalanced JSON",
        ));
        return Err(errors);
    };
    if errors.is_empty() {
        Ok(LoweredTemplate { text, map })
    } else {
        Err(errors)
    }
}

/// `"key": { … }` holding what `write` writes for each statement; omitted when empty, as the
/// compiler omits an empty `metadata` or `definitions` (it always writes the others, which is
/// harmless).
fn write_section(
    w: &mut JsonWriter,
    key: &str,
    file: &BicepFile,
    errors: &mut Vec<LowerError>,
    mut write: impl FnMut(&mut JsonWriter, &Statement) -> Result<bool, LowerError>,
) {
    let mut scratch = JsonWriter::new(SpanMap::new());
    scratch.begin_object(None);
    let mut any = false;
    for statement in &file.statements {
        match write(&mut scratch, statement) {
            Ok(wrote) => any |= wrote,
            Err(error) => errors.push(error),
        }
    }
    if !any && (key == "metadata" || key == "definitions") {
        return;
    }
    w.key(key);
    w.begin_object(None);
    for statement in &file.statements {
        // Written a second time into the real output so offsets are right; errors were
        // collected above.
        let _ = write(w, statement);
    }
    w.end_object();
}

fn write_output(
    w: &mut JsonWriter,
    types: &TypeContext<'_>,
    statement: &Statement,
) -> Result<bool, LowerError> {
    let cx = types.values;
    let StatementKind::Output { name, ty, value } = &statement.kind else {
        return Ok(false);
    };
    let OutputType::Type(ty) = ty else {
        return Err(LowerError::new(
            statement.span,
            "resource outputs are not lowered yet",
        ));
    };
    w.key(&name.name);
    w.begin_object(Some(BicepSpan {
        file: cx.file,
        span: statement.span,
    }));
    write_type_keys(
        w,
        types,
        ty,
        &statement.decorators,
        crate::limits::BICEP_DEPTH,
    )?;
    super::lower_types::write_constraints(w, cx, &statement.decorators)?;
    super::lower_types::write_metadata(w, cx, &statement.decorators)?;
    w.key("value");
    write_value(w, value, cx, crate::limits::VALUE_DEPTH)?;
    w.end_object();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::source::bicep::syntax::{Expr, Ident, TypeExpr, TypeKind};

    fn at(start: usize, end: usize) -> Span {
        Span::new(start, end)
    }
    fn ident(name: &str, span: Span) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }
    fn statement(span: Span, kind: StatementKind) -> Statement {
        Statement {
            span,
            decorators: vec![],
            kind,
        }
    }
    fn int_type() -> TypeExpr {
        TypeExpr {
            span: at(0, 0),
            kind: TypeKind::Name(ident("int", at(0, 0))),
        }
    }

    /// `param count int = 2` / `var twice = count * 2` / `output out int = twice`
    fn sample(reference: &str) -> BicepFile {
        let count = Expr {
            span: at(30, 35),
            kind: ExprKind::Ident(ident(reference, at(30, 35))),
        };
        let times = Expr {
            span: at(30, 39),
            kind: ExprKind::Binary {
                op: crate::source::bicep::syntax::BinaryOp::Mul,
                left: Box::new(count),
                right: Box::new(Expr {
                    span: at(38, 39),
                    kind: ExprKind::Int("2".into()),
                }),
            },
        };
        BicepFile {
            statements: vec![
                statement(
                    at(0, 20),
                    StatementKind::Param {
                        name: ident("count", at(6, 11)),
                        ty: Some(int_type()),
                        value: Some(Expr {
                            span: at(19, 20),
                            kind: ExprKind::Int("2".into()),
                        }),
                    },
                ),
                statement(
                    at(21, 39),
                    StatementKind::Var {
                        name: ident("twice", at(25, 30)),
                        ty: None,
                        value: times,
                    },
                ),
                statement(
                    at(40, 65),
                    StatementKind::Output {
                        name: ident("out", at(47, 50)),
                        ty: OutputType::Type(int_type()),
                        value: Expr {
                            span: at(60, 65),
                            kind: ExprKind::Ident(ident("twice", at(60, 65))),
                        },
                    },
                ),
            ],
            comments: vec![],
            errors: vec![],
        }
    }

    #[test]
    fn params_variables_and_outputs_lower_to_the_compiler_shapes() {
        let lowered = lower_template(&sample("count"), "main.bicep".into()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&lowered.text).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {"count": {"type": "int", "defaultValue": 2}},
                "variables": {"twice": "[mul(parameters('count'), 2)]"},
                "resources": [],
                "outputs": {"out": {"type": "int", "value": "[variables('twice')]"}}
            })
        );
        let at_var = lowered.text.find("[mul").unwrap();
        let origin = lowered.map.lookup(Span::new(at_var, at_var + 4)).unwrap();
        assert_eq!(origin.span, at(30, 39));
        let at_output = lowered.text.find("\"[variables").unwrap();
        let origin = lowered
            .map
            .lookup(Span::new(at_output, at_output + 1))
            .unwrap();
        assert_eq!(origin.span, at(60, 65));
    }

    #[test]
    fn an_unknown_name_is_an_error_at_its_span() {
        let errors = lower_template(&sample("cuont"), "main.bicep".into()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].span, at(30, 35));
        assert!(errors[0].message.contains("'cuont'"));
    }
}
