//! When the compiler writes a `languageVersion`: `2.0` (symbolic-name output) on what its
//! `EmitterSettings` checks, as far as the syntax shows it — user-defined types and functions,
//! compile-time imports, typed variables, extensions, secure outputs, any type syntax beyond a
//! name (`T[]`, `{…}`, `[…]`, `a | b`, `T?`), modules without a `name`, the `@nullIfNotFound` /
//! `@retryOn` resource decorators — and `2.1-experimental` for the test framework. (Its semantic
//! checks — a loop's resources read as a whole, secure outputs of modules — are not made here.)

use crate::source::bicep::syntax::{
    BicepFile, Expr, ExprKind, ImportKind, ObjectItem, ObjectKey, OutputType, Statement,
    StatementKind, TypeExpr, TypeKind,
};

use super::lower_types::has_decorator;

/// The `languageVersion` the compiler would write for `file`, if any: `2.1-experimental` for
/// the experimental test framework (`test` and `assert` statements), `2.0` for symbolic names.
pub fn language_version(file: &BicepFile) -> Option<&'static str> {
    let experimental = file.statements.iter().any(|s| {
        matches!(
            s.kind,
            StatementKind::Test { .. } | StatementKind::Assert { .. }
        )
    });
    if experimental {
        Some("2.1-experimental")
    } else if file.statements.iter().any(statement_needs_it) {
        Some("2.0")
    } else {
        None
    }
}

fn statement_needs_it(statement: &Statement) -> bool {
    match &statement.kind {
        StatementKind::Type { .. } | StatementKind::Func { .. } | StatementKind::Extension(_) => {
            true
        }
        StatementKind::Import(import) => !matches!(import.kind, ImportKind::Provider(_)),
        StatementKind::Var { ty, .. } => ty.is_some(),
        StatementKind::Param { ty, .. } => ty.as_ref().is_some_and(|t| type_syntax(t, 0)),
        StatementKind::Output { ty, .. } => {
            has_decorator(&statement.decorators, "secure")
                || matches!(ty, OutputType::Type(t) if type_syntax(t, 0))
        }
        StatementKind::Resource { .. } => {
            has_decorator(&statement.decorators, "nullIfNotFound")
                || has_decorator(&statement.decorators, "retryOn")
        }
        StatementKind::Module { body, .. } => !has_name(body, 0),
        _ => false,
    }
}

/// Type syntax other than a plain or qualified name (`string`, `myType`, `ns.T`).
fn type_syntax(ty: &TypeExpr, depth: usize) -> bool {
    if depth > crate::limits::BICEP_DEPTH {
        return false;
    }
    match &ty.kind {
        TypeKind::Object(_)
        | TypeKind::Array(_)
        | TypeKind::Tuple(_)
        | TypeKind::Union(_)
        | TypeKind::Nullable(_) => true,
        TypeKind::Paren(inner) | TypeKind::NonNullable(inner) => type_syntax(inner, depth + 1),
        _ => false,
    }
}

/// Whether a module body (through its `for` and `if`) sets `name`.
fn has_name(body: &Expr, depth: usize) -> bool {
    if depth > crate::limits::BICEP_DEPTH {
        return true;
    }
    match &body.kind {
        ExprKind::For(for_expr) => has_name(&for_expr.body, depth + 1),
        ExprKind::If { body, .. } | ExprKind::Paren(body) => has_name(body, depth + 1),
        ExprKind::Object(items) => items.iter().any(|item| {
            matches!(item, ObjectItem::Property { key: ObjectKey::Ident(k), .. } if k.name == "name")
        }),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::bicep::parse;

    fn needs(source: &str) -> bool {
        let file = parse(source);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        language_version(&file) == Some("2.0")
    }

    #[test]
    fn type_syntax_functions_and_imports_switch_the_language_version() {
        assert!(!needs(
            "param a string\nparam b object = {}\noutput c int = 1\n"
        ));
        assert!(needs("param a string[]\n"));
        assert!(needs("param a string?\n"));
        assert!(needs("param a 'x' | 'y'\n"));
        assert!(needs("type t = string\n"));
        assert!(needs("func f() string => 'x'\n"));
        assert!(needs("import {a} from 'x.bicep'\n"));
        assert!(needs("var v string = 'x'\n"));
        assert!(needs("@secure()\noutput o string = 'x'\n"));
        assert!(needs("module m 'm.bicep' = {\n  params: {}\n}\n"));
        assert!(!needs("module m 'm.bicep' = {\n  name: 'm'\n}\n"));
        let tests = parse("test t 'x.bicep' = {\n  params: {}\n}\n");
        assert_eq!(language_version(&tests), Some("2.1-experimental"));
    }
}
