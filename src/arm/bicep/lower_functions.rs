//! User-defined functions (`func name(a string) string => body`) → the template's
//! `functions: [{"namespace": "__bicep", "members": {…}}]`, as the compiler writes them: each
//! member's `parameters` (type and name) and `output` (type and value), the body reading its
//! parameters as `parameters('a')`. A call `name(…)` is `__bicep.name(…)` (see
//! [`Symbols::user_function`]).

use crate::source::bicep::syntax::{BicepFile, Decorator, StatementKind};

use super::json_writer::JsonWriter;
use super::lower_expression::{LowerError, Symbols, arm_string_literal};
use super::lower_types::{TypeContext, write_metadata, write_type_keys};
use super::lower_value::{ValueContext, write_value};

/// The namespace the compiler declares user-defined functions in.
pub const NAMESPACE: &str = "__bicep";

/// The ARM name a call to the user-defined function `name` uses.
pub fn qualified(name: &str) -> String {
    format!("{NAMESPACE}.{}", member_name(name))
}

/// The member name of the function `name` in the `__bicep` namespace. An imported function
/// carries its import's prefix (`_1.f`, `ns.f`), and an ARM member name is one identifier
/// (`__bicep._1.f(…)` does not parse), so the prefix is joined with `_`.
pub fn member_name(name: &str) -> String {
    name.replace('.', "_")
}

/// Names inside a function body: its parameters, and the file's other functions.
struct FunctionScope<'a> {
    params: Vec<&'a str>,
    functions: Vec<&'a str>,
}

impl Symbols for FunctionScope<'_> {
    fn resolve(&self, name: &str) -> Option<String> {
        self.params
            .contains(&name)
            .then(|| format!("parameters({})", arm_string_literal(name)))
    }

    fn user_function(&self, name: &str) -> Option<String> {
        self.functions.contains(&name).then(|| qualified(name))
    }
}

/// Writes `"functions": [...]` when `file` declares functions.
pub fn write_functions(
    w: &mut JsonWriter,
    types: &TypeContext<'_>,
    file: &BicepFile,
    errors: &mut Vec<LowerError>,
) {
    let functions: Vec<&str> = file
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Func { name, .. } => Some(name.name.as_str()),
            _ => None,
        })
        .collect();
    if functions.is_empty() {
        return;
    }
    w.key("functions");
    w.begin_array(None);
    w.begin_object(None);
    w.key("namespace");
    w.string(NAMESPACE, None);
    w.key("members");
    w.begin_object(None);
    for statement in &file.statements {
        let StatementKind::Func {
            name,
            params,
            result,
            body,
        } = &statement.kind
        else {
            continue;
        };
        let scope = FunctionScope {
            params: params.iter().map(|p| p.name.name.as_str()).collect(),
            functions: functions.clone(),
        };
        let values = ValueContext {
            file: types.values.file,
            symbols: &scope,
        };
        let inner = TypeContext {
            values: &values,
            names: types.names,
        };
        w.key(&member_name(&name.name));
        w.begin_object(values.origin_span(statement.span));
        let written = write_member(w, &inner, params, result, body, &statement.decorators);
        if let Err(error) = written {
            errors.push(error);
        }
        w.end_object();
    }
    w.end_object();
    w.end_object();
    w.end_array();
}

fn write_member(
    w: &mut JsonWriter,
    types: &TypeContext<'_>,
    params: &[crate::source::bicep::syntax::FuncParam],
    result: &crate::source::bicep::syntax::TypeExpr,
    body: &crate::source::bicep::syntax::Expr,
    decorators: &[Decorator],
) -> Result<(), LowerError> {
    w.key("parameters");
    w.begin_array(None);
    for param in params {
        w.begin_object(types.values.origin_span(param.span));
        write_type_keys(w, types, &param.ty, &[], crate::limits::BICEP_DEPTH)?;
        w.key("name");
        w.string(&param.name.name, None);
        w.end_object();
    }
    w.end_array();
    w.key("output");
    w.begin_object(None);
    write_type_keys(w, types, result, &[], crate::limits::BICEP_DEPTH)?;
    w.key("value");
    write_value(w, body, types.values, crate::limits::VALUE_DEPTH)?;
    w.end_object();
    write_metadata(w, types.values, decorators)
}
