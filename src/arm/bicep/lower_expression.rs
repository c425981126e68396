//! Bicep expressions → ARM expression text (the part inside `[…]`), as the Bicep compiler
//! writes it: operators become functions (`&&` → `and`, `==` → `equals`, `=~` →
//! `equals(toLower(…), toLower(…))`, `??` → `coalesce`, `c ? a : b` → `if`), interpolation becomes
//! `format('{0}…', …)`, `.?` / `[?…]` become `tryGet`, `!` (non-null) disappears, and `sys.` /
//! `az.` namespaces are dropped. Identifiers are resolved by the caller's [`Symbols`] (parameters,
//! variables, loop variables, resources, modules); an unknown one is an error at its span.

use crate::source::Span;
use crate::source::bicep::syntax::{
    ArrayItem, BinaryOp, Expr, ExprKind, Ident, ObjectItem, ObjectKey, StringLit, StringPart,
    UnaryOp,
};

/// A structural error found while lowering: reported as `invalid-template` at `span`, in `file`
/// when it is set (an error inside a module file) and in the file being lowered otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowerError {
    pub span: Span,
    pub message: String,
    pub file: Option<std::path::PathBuf>,
}

impl LowerError {
    pub fn new(span: Span, message: impl Into<String>) -> LowerError {
        LowerError {
            span,
            message: message.into(),
            file: None,
        }
    }
}

/// What an identifier means in the scope being lowered.
pub trait Symbols {
    /// The ARM expression for `name` (`parameters('x')`, `variables('y')`, `copyIndex()`, …), or
    /// `None` when nothing of that name is declared.
    fn resolve(&self, name: &str) -> Option<String>;

    /// [`Symbols::resolve`], with the error of a name that exists but does not lower (an
    /// inlined variable whose value has an error) rather than `None`.
    fn resolve_checked(&self, name: &str) -> Option<Result<String, LowerError>> {
        self.resolve(name).map(Ok)
    }

    /// Whether `name` is a resource or module symbol. Then the whole access chain rooted at it
    /// (`r.id`, `r[i].properties.x`, `a::b.name`, `m.outputs.y`, a bare `r`) is lowered by
    /// [`Symbols::resolve_access`], because its ARM form (`resourceId(…)`, `reference(…)`)
    /// depends on the member accessed, not on the identifier alone.
    fn is_resource(&self, _name: &str) -> bool {
        false
    }

    /// The ARM expression for the access `chain` on the resource or module symbol `root`
    /// (`span` covers the whole access). Only called when [`Symbols::is_resource`] is true.
    fn resolve_access(
        &self,
        root: &Ident,
        _chain: &[Accessor],
        span: Span,
    ) -> Result<String, LowerError> {
        Err(LowerError::new(
            span,
            format!("the resource '{}' cannot be referenced here", root.name),
        ))
    }

    /// The value of a variable the compiler inlines instead of declaring (its value reads runtime
    /// state: `reference(…)`, `list…()`, module outputs — ARM variables cannot): written in place
    /// of `variables('name')`, structurally when it is a whole JSON value.
    fn inline_value(&self, _name: &str) -> Option<&Expr> {
        None
    }

    /// Where `load*()` calls read files when they were not resolved before lowering (in
    /// `.bicepparam` files; see `lower_loads` for templates).
    fn file_reader(&self) -> &dyn super::lower_builtins::FileReader {
        &super::lower_builtins::NoFiles
    }

    /// The ARM name of the user-defined function `name` (`__bicep.name`) when one is declared or
    /// imported under that name. By default: when `name` resolves to that qualified name (the
    /// top level lists its `func` declarations with their names).
    fn user_function(&self, name: &str) -> Option<String> {
        self.resolve(name)
            .filter(|text| text.starts_with("__bicep."))
    }
}

/// One step of an access chain on a resource or module symbol, inner to outer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accessor {
    /// `.name`, or `.?name` when `safe`.
    Property { name: String, safe: bool },
    /// `[index]` (lowered), `[?index]` when `safe`, `[^index]` when `from_end`.
    Index {
        index: String,
        safe: bool,
        from_end: bool,
    },
    /// `::name`: a nested child resource.
    Child { name: String },
    /// `.name(args)`: a resource function (`listKeys()`, `getSecret('x')`), arguments lowered.
    Call { name: String, args: Vec<String> },
}

/// The root identifier and the steps of `expr` when it is an access chain (properties, indexes,
/// `::`) rooted at a resource or module symbol, innermost step first.
fn resource_access<'e>(
    expr: &'e Expr,
    symbols: &dyn Symbols,
    depth: usize,
) -> Result<Option<(&'e Ident, Vec<Accessor>)>, LowerError> {
    enum Step<'e> {
        Property(&'e Ident, bool),
        Child(&'e Ident),
        Index(&'e Expr, bool),
        Call(&'e Ident, &'e [Expr]),
    }
    let mut steps = Vec::new();
    let mut at = expr;
    let root = loop {
        match &at.kind {
            ExprKind::Ident(ident) if symbols.is_resource(&ident.name) => break ident,
            ExprKind::Property { base, name, safe } => {
                steps.push(Step::Property(name, *safe));
                at = base;
            }
            ExprKind::ChildResource { base, name } => {
                steps.push(Step::Child(name));
                at = base;
            }
            ExprKind::Index { base, index, safe } => {
                steps.push(Step::Index(index, *safe));
                at = base;
            }
            ExprKind::Call {
                target: Some(target),
                name,
                args,
            } => {
                steps.push(Step::Call(name, args));
                at = target;
            }
            ExprKind::NonNull(inner) => at = inner,
            _ => return Ok(None),
        }
    };
    let mut chain = Vec::with_capacity(steps.len());
    for step in steps.into_iter().rev() {
        chain.push(match step {
            Step::Child(name) => Accessor::Child {
                name: name.name.clone(),
            },
            Step::Property(name, safe) => Accessor::Property {
                name: name.name.clone(),
                safe,
            },
            Step::Index(index, safe) => match &index.kind {
                ExprKind::Unary {
                    op: UnaryOp::FromEnd,
                    operand,
                } => Accessor::Index {
                    index: lower_expression(operand, symbols, depth)?,
                    safe,
                    from_end: true,
                },
                _ => Accessor::Index {
                    index: lower_expression(index, symbols, depth)?,
                    safe,
                    from_end: false,
                },
            },
            Step::Call(name, args) => {
                let mut lowered = Vec::with_capacity(args.len());
                for arg in args {
                    lowered.push(lower_expression(arg, symbols, depth)?);
                }
                Accessor::Call {
                    name: name.name.clone(),
                    args: lowered,
                }
            }
        });
    }
    Ok(Some((root, chain)))
}

/// Lowers `expr` to ARM expression text. `depth` bounds recursion on hostile nesting.
pub fn lower_expression(
    expr: &Expr,
    symbols: &dyn Symbols,
    depth: usize,
) -> Result<String, LowerError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(LowerError::new(expr.span, "expression nested too deeply"));
    };
    let lower = |e: &Expr| lower_expression(e, symbols, depth);
    if let ExprKind::Ident(_)
    | ExprKind::Property { .. }
    | ExprKind::Index { .. }
    | ExprKind::ChildResource { .. }
    | ExprKind::Call {
        target: Some(_), ..
    } = &expr.kind
        && let Some((root, chain)) = resource_access(expr, symbols, depth)?
    {
        return symbols.resolve_access(root, &chain, expr.span);
    }
    Ok(match &expr.kind {
        ExprKind::Int(digits) => int_text(digits, expr.span)?,
        ExprKind::Bool(true) => "true()".into(),
        ExprKind::Bool(false) => "false()".into(),
        ExprKind::Null => "null()".into(),
        ExprKind::String(lit) => lower_string(lit, symbols, depth)?,
        ExprKind::Ident(ident) => match symbols.resolve_checked(&ident.name) {
            Some(resolved) => resolved?,
            None => {
                return Err(LowerError::new(
                    ident.span,
                    format!("the name '{}' does not exist in this context", ident.name),
                ));
            }
        },
        ExprKind::Property { base, name, safe } => {
            let chained = in_safe_chain(base);
            let base = lower(base)?;
            access(
                &base,
                &arm_string_literal(&name.name),
                *safe,
                chained,
                false,
            )
            .unwrap_or_else(|| format!("{base}.{}", name.name))
        }
        ExprKind::Index { base, index, safe } => {
            let chained = in_safe_chain(base);
            let (from_end, index) = match &index.kind {
                ExprKind::Unary {
                    op: UnaryOp::FromEnd,
                    operand,
                } => (true, lower(operand)?),
                _ => (false, lower(index)?),
            };
            let base = lower(base)?;
            access(&base, &index, *safe, chained, from_end)
                .unwrap_or_else(|| format!("{base}[{index}]"))
        }
        ExprKind::Call { target, name, args } => {
            lower_call(target.as_deref(), name, args, symbols, &lower)?
        }
        ExprKind::Lambda { params, body } => lower_lambda(params, body, symbols, depth)?,
        ExprKind::NonNull(inner) | ExprKind::Paren(inner) => lower(inner)?,
        ExprKind::Unary { op, operand } => match (op, &operand.kind) {
            (UnaryOp::Minus, ExprKind::Int(digits)) => format!("-{}", int_text(digits, expr.span)?),
            (UnaryOp::Minus, _) => format!("sub(0, {})", lower(operand)?),
            (UnaryOp::Not, _) => format!("not({})", lower(operand)?),
            (UnaryOp::FromEnd, _) => {
                return Err(LowerError::new(
                    expr.span,
                    "'^' indexes from the end only inside '[…]'",
                ));
            }
        },
        ExprKind::Binary { op, left, right } => lower_binary(*op, &lower(left)?, &lower(right)?),
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => format!(
            "if({}, {}, {})",
            lower(condition)?,
            lower(then)?,
            lower(otherwise)?
        ),
        ExprKind::Object(items) => lower_object(items, &lower)?,
        ExprKind::Array(items) => lower_array(items, &lower)?,
        ExprKind::For(_) => {
            return Err(LowerError::new(
                expr.span,
                "a for-expression is only allowed as the value of a variable, output or property",
            ));
        }
        ExprKind::If { .. } | ExprKind::ChildResource { .. } => {
            return Err(LowerError::new(
                expr.span,
                "this construct is not supported here by the lowering yet",
            ));
        }
        ExprKind::Missing => return Err(LowerError::new(expr.span, "missing expression")),
    })
}

/// An integer literal checked to fit ARM's 64-bit integers.
fn int_text(digits: &str, span: Span) -> Result<String, LowerError> {
    digits
        .parse::<i64>()
        .map(|n| n.to_string())
        .map_err(|_| LowerError::new(span, format!("the integer {digits} is out of range")))
}

/// `'text'` with ARM's quote doubling.
pub fn arm_string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn lower_string(
    lit: &StringLit,
    symbols: &dyn Symbols,
    depth: usize,
) -> Result<String, LowerError> {
    if let Some(plain) = lit.as_plain() {
        return Ok(arm_string_literal(&plain));
    }
    // `format()` treats `{` and `}` in its pattern as placeholders; literal braces are doubled.
    let mut pattern = String::new();
    let mut args = Vec::new();
    for part in &lit.parts {
        match part {
            StringPart::Text { text, .. } => {
                pattern.push_str(&text.replace('{', "{{").replace('}', "}}"))
            }
            StringPart::Expr(e) => {
                pattern.push_str(&format!("{{{}}}", args.len()));
                args.push(lower_expression(e, symbols, depth)?);
            }
        }
    }
    let mut out = format!("format({}", arm_string_literal(&pattern));
    for arg in args {
        out.push_str(", ");
        out.push_str(&arg);
    }
    out.push(')');
    Ok(out)
}

/// Whether `expr` is a safe access (`a.?b`, `a[?i]`) or an access chained on one: the compiler
/// then folds the next access into the same `tryGet(…)`, so that a missing `b` gives null for
/// the whole chain instead of failing on `.c`.
fn in_safe_chain(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Property { safe: true, .. } | ExprKind::Index { safe: true, .. } => true,
        ExprKind::Property { base, .. } | ExprKind::Index { base, .. } => in_safe_chain(base),
        _ => false,
    }
}

/// The access `base[key]` as the compiler writes it: `tryGet` / `tryIndexFromEnd` for a safe
/// access, an extra argument of the `tryGet(…)` it is chained on, `indexFromEnd` for `^n`.
/// `None`: a plain property or index access (the caller writes `base.key` / `base[key]`).
fn access(base: &str, key: &str, safe: bool, chained: bool, from_end: bool) -> Option<String> {
    let folded = |extra: &str| {
        let open = base.strip_suffix(')')?;
        (base.starts_with("tryGet(") || base.starts_with("tryIndexFromEnd("))
            .then(|| format!("{open}, {extra})"))
    };
    if safe {
        let function = if from_end {
            "tryIndexFromEnd"
        } else {
            "tryGet"
        };
        return Some(format!("{function}({base}, {key})"));
    }
    if chained {
        let extra = if from_end {
            format!("createObject('value', {key}, 'fromEnd', true())")
        } else {
            key.to_string()
        };
        if let Some(text) = folded(&extra) {
            return Some(text);
        }
    }
    from_end.then(|| format!("indexFromEnd({base}, {key})"))
}

/// `x => body`, `(a, i) => body` → `lambda('a', 'i', body)` with each parameter read as
/// `lambdaVariables('a')`.
fn lower_lambda(
    params: &[crate::source::bicep::syntax::LambdaParam],
    body: &Expr,
    symbols: &dyn Symbols,
    depth: usize,
) -> Result<String, LowerError> {
    let mut locals = super::lower_locals::Locals::new(symbols);
    let mut out = String::from("lambda(");
    for param in params {
        out.push_str(&arm_string_literal(&param.name.name));
        out.push_str(", ");
        locals = locals.bind(
            &param.name.name,
            format!("lambdaVariables({})", arm_string_literal(&param.name.name)),
        );
    }
    out.push_str(&lower_expression(body, &locals, depth)?);
    out.push(')');
    Ok(out)
}

fn lower_call(
    target: Option<&Expr>,
    name: &Ident,
    args: &[Expr],
    symbols: &dyn Symbols,
    lower: &dyn Fn(&Expr) -> Result<String, LowerError>,
) -> Result<String, LowerError> {
    // `sys.` and `az.` only qualify built-in functions; ARM knows them unqualified.
    match target.map(|t| &t.kind) {
        None => {
            if let Some(qualified) = symbols.user_function(&name.name) {
                let mut lowered = Vec::with_capacity(args.len());
                for arg in args {
                    lowered.push(lower(arg)?);
                }
                return Ok(format!("{qualified}({})", lowered.join(", ")));
            }
        }
        Some(ExprKind::Ident(ns)) if ns.name == "sys" || ns.name == "az" => {}
        Some(_) => {
            if let Some(target) = target
                && let Some(call) = resource_method(target, name, args, symbols, lower)?
            {
                return Ok(call);
            }
            return Err(LowerError::new(
                name.span,
                format!(
                    "the method call '{}' is not supported by the lowering yet",
                    name.name
                ),
            ));
        }
    }
    if let Some(lowered) = super::lower_builtins::lower_bicep_function(name, args, symbols, lower)?
    {
        return Ok(lowered);
    }
    let mut lowered = Vec::with_capacity(args.len());
    for arg in args {
        lowered.push(lower(arg)?);
    }
    Ok(format!("{}({})", name.name, lowered.join(", ")))
}

/// `stg.listKeys()` on a resource symbol → `listKeys(<its id>, '<its API version>')`; with
/// arguments, `listKeys(<its id>, args…)`, as the compiler writes `list*` calls.
fn resource_method(
    target: &Expr,
    name: &Ident,
    args: &[Expr],
    symbols: &dyn Symbols,
    lower: &dyn Fn(&Expr) -> Result<String, LowerError>,
) -> Result<Option<String>, LowerError> {
    if !name.name.starts_with("list") {
        return Ok(None);
    }
    let Some((root, chain)) = resource_access(target, symbols, crate::limits::EXPRESSION_DEPTH)?
    else {
        return Ok(None);
    };
    let member = |m: &str| {
        let mut steps = chain.clone();
        steps.push(Accessor::Property {
            name: m.into(),
            safe: false,
        });
        symbols.resolve_access(root, &steps, target.span)
    };
    let mut lowered = vec![member("id")?];
    if args.is_empty() {
        lowered.push(member("apiVersion")?);
    }
    for arg in args {
        lowered.push(lower(arg)?);
    }
    Ok(Some(format!("{}({})", name.name, lowered.join(", "))))
}

fn lower_binary(op: BinaryOp, left: &str, right: &str) -> String {
    let call = |f: &str| format!("{f}({left}, {right})");
    match op {
        BinaryOp::Mul => call("mul"),
        BinaryOp::Div => call("div"),
        BinaryOp::Mod => call("mod"),
        BinaryOp::Add => call("add"),
        BinaryOp::Sub => call("sub"),
        BinaryOp::Less => call("less"),
        BinaryOp::LessEq => call("lessOrEquals"),
        BinaryOp::Greater => call("greater"),
        BinaryOp::GreaterEq => call("greaterOrEquals"),
        BinaryOp::Eq => call("equals"),
        BinaryOp::NotEq => format!("not(equals({left}, {right}))"),
        BinaryOp::EqI => format!("equals(toLower({left}), toLower({right}))"),
        BinaryOp::NotEqI => format!("not(equals(toLower({left}), toLower({right})))"),
        BinaryOp::And => call("and"),
        BinaryOp::Or => call("or"),
        BinaryOp::Coalesce => call("coalesce"),
    }
}

/// An object literal inside an expression: `createObject('k', v, …)`; spreads merge with
/// `shallowMerge(createArray(…))` as the compiler does.
fn lower_object(
    items: &[ObjectItem],
    lower: &dyn Fn(&Expr) -> Result<String, LowerError>,
) -> Result<String, LowerError> {
    let mut pieces: Vec<String> = Vec::new();
    let mut pairs: Vec<String> = Vec::new();
    for item in items {
        match item {
            ObjectItem::Property { key, value, .. } => {
                let key = match key {
                    ObjectKey::Ident(ident) => arm_string_literal(&ident.name),
                    // An interpolated key is its `format(…)`: createObject takes any string.
                    ObjectKey::String(lit) => match lit.as_plain() {
                        Some(plain) => arm_string_literal(&plain),
                        None => lower(&Expr {
                            span: lit.span,
                            kind: ExprKind::String(lit.clone()),
                        })?,
                    },
                };
                pairs.push(format!("{key}, {}", lower(value)?));
            }
            ObjectItem::Spread { value, .. } => {
                if !pairs.is_empty() {
                    pieces.push(format!("createObject({})", pairs.join(", ")));
                    pairs.clear();
                }
                pieces.push(lower(value)?);
            }
            ObjectItem::Resource(statement) => {
                return Err(LowerError::new(
                    statement.span,
                    "a resource inside an expression",
                ));
            }
        }
    }
    let last = format!("createObject({})", pairs.join(", "));
    if pieces.is_empty() {
        return Ok(last);
    }
    if !pairs.is_empty() {
        pieces.push(last);
    }
    Ok(format!("shallowMerge(createArray({}))", pieces.join(", ")))
}

/// An array literal inside an expression: `createArray(…)`; spreads become `flatten`.
fn lower_array(
    items: &[ArrayItem],
    lower: &dyn Fn(&Expr) -> Result<String, LowerError>,
) -> Result<String, LowerError> {
    let mut values = Vec::with_capacity(items.len());
    let mut spread = false;
    for item in items {
        match item {
            ArrayItem::Value(v) => values.push(lower(v)?),
            ArrayItem::Spread { value, .. } => {
                spread = true;
                values.push(lower(value)?);
            }
        }
    }
    if !spread {
        return Ok(format!("createArray({})", values.join(", ")));
    }
    // Mixed spreads: wrap single values so `flatten` concatenates them in order.
    let mut wrapped = Vec::with_capacity(items.len());
    for (item, value) in items.iter().zip(values) {
        match item {
            ArrayItem::Value(_) => wrapped.push(format!("createArray({value})")),
            ArrayItem::Spread { .. } => wrapped.push(value),
        }
    }
    Ok(format!("flatten(createArray({}))", wrapped.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: ExprKind) -> Expr {
        Expr {
            span: Span::new(0, 1),
            kind,
        }
    }
    fn ident(name: &str) -> Expr {
        e(ExprKind::Ident(Ident {
            name: name.into(),
            span: Span::new(3, 4),
        }))
    }
    fn text(t: &str) -> StringPart {
        StringPart::Text {
            text: t.into(),
            span: Span::new(0, 0),
        }
    }
    fn string(parts: Vec<StringPart>) -> Expr {
        e(ExprKind::String(StringLit {
            span: Span::new(0, 1),
            parts,
            multiline: false,
        }))
    }
    fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        e(ExprKind::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
        })
    }

    struct Params;
    impl Symbols for Params {
        fn resolve(&self, name: &str) -> Option<String> {
            (name != "nope").then(|| format!("parameters('{name}')"))
        }
    }

    fn lowered(expr: &Expr) -> Result<String, LowerError> {
        lower_expression(expr, &Params, 64)
    }

    #[test]
    fn interpolation_becomes_format_with_braces_escaped() {
        let s = string(vec![
            text("it's {"),
            StringPart::Expr(ident("a")),
            text("}-x"),
        ]);
        assert_eq!(
            lowered(&s).unwrap(),
            "format('it''s {{{0}}}-x', parameters('a'))"
        );
    }

    #[test]
    fn operators_become_arm_functions() {
        let eq_i = bin(BinaryOp::EqI, ident("a"), string(vec![text("X")]));
        let both = bin(
            BinaryOp::And,
            eq_i,
            bin(BinaryOp::NotEq, ident("b"), e(ExprKind::Null)),
        );
        assert_eq!(
            lowered(&both).unwrap(),
            "and(equals(toLower(parameters('a')), toLower('X')), not(equals(parameters('b'), null())))"
        );
        let ternary = e(ExprKind::Ternary {
            condition: Box::new(e(ExprKind::Bool(true))),
            then: Box::new(e(ExprKind::Unary {
                op: UnaryOp::Minus,
                operand: Box::new(e(ExprKind::Int("5".into()))),
            })),
            otherwise: Box::new(bin(
                BinaryOp::Coalesce,
                ident("c"),
                e(ExprKind::Int("1".into())),
            )),
        });
        assert_eq!(
            lowered(&ternary).unwrap(),
            "if(true(), -5, coalesce(parameters('c'), 1))"
        );
    }

    #[test]
    fn safe_access_non_null_and_namespaces() {
        let safe = e(ExprKind::Property {
            base: Box::new(e(ExprKind::NonNull(Box::new(ident("o"))))),
            name: Ident {
                name: "k".into(),
                span: Span::new(0, 1),
            },
            safe: true,
        });
        assert_eq!(lowered(&safe).unwrap(), "tryGet(parameters('o'), 'k')");
        let call = e(ExprKind::Call {
            target: Some(Box::new(ident("sys"))),
            name: Ident {
                name: "concat".into(),
                span: Span::new(0, 1),
            },
            args: vec![string(vec![text("a")]), safe],
        });
        assert_eq!(
            lowered(&call).unwrap(),
            "concat('a', tryGet(parameters('o'), 'k'))"
        );
    }

    #[test]
    fn errors_carry_the_span_of_what_is_wrong() {
        let unknown = bin(BinaryOp::Add, ident("a"), ident("nope"));
        let err = lowered(&unknown).unwrap_err();
        assert_eq!(err.span, Span::new(3, 4));
        assert!(err.message.contains("'nope'"), "{}", err.message);
        let huge = e(ExprKind::Int("99999999999999999999".into()));
        assert!(lowered(&huge).unwrap_err().message.contains("out of range"));
        let mut deep = ident("a");
        for _ in 0..100 {
            deep = e(ExprKind::Paren(Box::new(deep)));
        }
        assert!(lowered(&deep).unwrap_err().message.contains("too deeply"));
    }
}
