//! For-expressions → ARM copy loops, as the compiler writes them: a variable's
//! `[for x in xs: body]` is an entry `{name, count, input}` of the `variables.copy` array, a
//! property's is one of its object's `copy` array (named after the property), an output's is the
//! output's `copy: {count, input}`. Inside `input`, the item variable is
//! `xs[copyIndex('name')]` and the index variable `copyIndex('name')` (`copyIndex()` for an
//! output's unnamed loop).

use crate::source::bicep::syntax::{
    BicepFile, Expr, ExprKind, ForExpr, ForVariable, Statement, StatementKind,
};

use super::json_writer::JsonWriter;
use super::lower_expression::{LowerError, arm_string_literal, lower_expression};
use super::lower_locals::Locals;
use super::lower_value::{ValueContext, bracketed, write_value};

/// The for-expression `expr` is (through parentheses), if it is one.
pub fn as_for(expr: &Expr) -> Option<&ForExpr> {
    match &expr.kind {
        ExprKind::For(for_expr) => Some(for_expr),
        ExprKind::Paren(inner) => as_for(inner),
        _ => None,
    }
}

/// Writes `{"name": name, "count": …, "input": …}` (without `name` when `None`) for one loop.
pub fn write_copy_entry(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    name: Option<&str>,
    for_expr: &ForExpr,
    depth: usize,
) -> Result<(), LowerError> {
    w.begin_object(cx.origin(&for_expr.iterable));
    if let Some(name) = name {
        w.key("name");
        w.string(name, None);
    }
    write_count_and_input(w, cx, name, for_expr, depth)?;
    w.end_object();
    Ok(())
}

/// The `count` and `input` keys of a copy loop, into the open object.
pub fn write_count_and_input(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    name: Option<&str>,
    for_expr: &ForExpr,
    depth: usize,
) -> Result<(), LowerError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(
            for_expr.body.span,
            "loops nested too deeply",
        ));
    };
    let iterable = lower_expression(
        &for_expr.iterable,
        cx.symbols,
        crate::limits::EXPRESSION_DEPTH,
    )?;
    w.key("count");
    w.string(
        &bracketed(&format!("length({iterable})")),
        cx.origin(&for_expr.iterable),
    );
    let index = match name {
        Some(name) => format!("copyIndex({})", arm_string_literal(name)),
        None => "copyIndex()".to_string(),
    };
    let locals = match &for_expr.variable {
        ForVariable::Item(item) => {
            Locals::new(cx.symbols).bind(&item.name, format!("{iterable}[{index}]"))
        }
        ForVariable::ItemIndex { item, index: i } => Locals::new(cx.symbols)
            .bind(&item.name, format!("{iterable}[{index}]"))
            .bind(&i.name, index.clone()),
    };
    let inner = ValueContext {
        file: cx.file,
        symbols: &locals,
    };
    if let ExprKind::If { .. } = &for_expr.body.kind {
        return Err(LowerError::new(
            for_expr.body.span,
            "a filtered loop ('if' in a for-expression) is only allowed on resources and modules",
        ));
    }
    w.key("input");
    write_value(w, &for_expr.body, &inner, depth)
}

/// At the first variable statement of `file` whose value is a for-expression, `"copy": […]`
/// with an entry for every such variable that `declared` keeps (the others are inlined);
/// nothing at the later ones. True when it wrote.
pub fn write_variable_loops(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    file: &BicepFile,
    statement: &Statement,
    declared: &dyn Fn(&str) -> bool,
) -> Result<bool, LowerError> {
    let loops: Vec<(&str, &ForExpr, &Statement)> = file
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Var { name, value, .. } if declared(&name.name) => {
                as_for(value).map(|f| (name.name.as_str(), f, s))
            }
            _ => None,
        })
        .collect();
    if !loops
        .first()
        .is_some_and(|(_, _, first)| std::ptr::eq(*first, statement))
    {
        return Ok(false);
    }
    w.key("copy");
    w.begin_array(None);
    for (name, for_expr, _) in loops {
        write_copy_entry(w, cx, Some(name), for_expr, crate::limits::VALUE_DEPTH)?;
    }
    w.end_array();
    Ok(true)
}

/// An output's `value`, or for `[for …]` its `copy: {count, input}`.
pub fn write_output_value(
    w: &mut JsonWriter,
    cx: &ValueContext<'_>,
    value: &Expr,
) -> Result<(), LowerError> {
    match as_for(value) {
        Some(for_expr) => {
            w.key("copy");
            w.begin_object(cx.origin(value));
            write_count_and_input(w, cx, None, for_expr, crate::limits::VALUE_DEPTH)?;
            w.end_object();
        }
        None => {
            w.key("value");
            write_value(w, value, cx, crate::limits::VALUE_DEPTH)?;
        }
    }
    Ok(())
}
