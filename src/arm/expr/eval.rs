//! Partial evaluation of [`Expr`] against an [`EvalContext`] (parameters, variables, copy indexes,
//! deployment scope, references). Never panics; anything that cannot be known becomes an unknown.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Expr, Lambda};
use crate::arm::functions::FnCall;
use crate::arm::scope::DeploymentScope;
use crate::arm::value::{Symbol, SymbolBuilder, Tri, UnknownReason, Value};

use crate::limits::{CELL_BYTES, LAMBDA_DEPTH, SYMBOL_BYTES};

/// What an expression can read from the template being evaluated.
pub trait EvalContext {
    fn parameter(&mut self, name: &str) -> Value;
    fn variable(&mut self, name: &str) -> Value;
    /// `copyIndex()` (innermost loop) or `copyIndex('name')`, without offset.
    fn copy_index(&mut self, loop_name: Option<&str>) -> Value;
    /// A user-defined function `namespace.name(args)`; `None` when it is not declared.
    fn user_function(&mut self, namespace: &str, name: &str, args: &[Value]) -> Option<Value>;
    /// `reference(...)` / `references(...)` / `resourceInfo(...)`: what the template knows of it.
    fn reference(&mut self, function: &str, args: &[Value]) -> Value;
    fn scope(&self) -> &DeploymentScope;
    fn stats(&mut self) -> &mut EvalStats;
    /// Count one function call against the evaluation budget; false once it is spent (the call
    /// then yields an unknown), so that no input evaluates for long.
    fn charge_call(&mut self) -> bool;
    /// Count the cells of a value a function just built (see [`crate::limits::EVAL_CELLS`]);
    /// false once the budget is spent (the value is then dropped for an unknown).
    fn charge_cells(&mut self, cells: u64) -> bool;
}

/// The cells a function's result newly occupies, in constant time: its own elements or members,
/// or its string's length in [`CELL_BYTES`] units, when nothing else holds it yet (a variable's
/// value or an argument handed back is shared, and was counted when it was built). Children are
/// shared with the arguments or were charged when they were built; functions that build nested
/// values of their own (`json()`) charge those themselves.
pub fn fresh_cells(v: &Value) -> u64 {
    match v {
        Value::Array(a) if Arc::strong_count(a) == 1 => a.len() as u64,
        Value::Object(o) if Arc::strong_count(o) == 1 => o.entries.len() as u64,
        Value::String(s) if Arc::strong_count(s) == 1 => (s.len() / CELL_BYTES) as u64,
        Value::Unknown(u) => u
            .symbol
            .as_ref()
            .filter(|s| !s.is_shared())
            .map_or(0, |s| (s.len() / CELL_BYTES) as u64),
        _ => 0,
    }
}

/// The value of a call made after the evaluation budget is spent.
fn budget_spent() -> Value {
    Value::unknown(
        UnknownReason::Limit("the evaluation budget is spent".into()),
        None,
    )
}

/// Counters for `--statistics` and the JSON summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvalStats {
    /// Template strings evaluated as expressions.
    pub evaluated: u64,
    /// ... of which the result contained an unknown.
    pub unknown: u64,
    /// Calls to functions armlint does not implement, by name as written.
    pub unsupported: BTreeMap<String, u64>,
}

impl EvalStats {
    pub fn merge(&mut self, other: &EvalStats) {
        self.evaluated += other.evaluated;
        self.unknown += other.unknown;
        for (k, v) in &other.unsupported {
            *self.unsupported.entry(k.clone()).or_default() += v;
        }
    }
}

/// Evaluates expressions; holds the lambda variables in scope.
pub struct Evaluator<'c> {
    pub ctx: &'c mut dyn EvalContext,
    lambda_vars: Vec<(Arc<str>, Value)>,
    depth: usize,
}

impl<'c> Evaluator<'c> {
    pub fn new(ctx: &'c mut dyn EvalContext) -> Self {
        Evaluator {
            ctx,
            lambda_vars: Vec::new(),
            depth: 0,
        }
    }

    /// Evaluate a top-level template expression and count it in the statistics.
    pub fn eval_root(&mut self, e: &Expr) -> Value {
        let v = self.eval(e);
        let stats = self.ctx.stats();
        stats.evaluated += 1;
        if !v.is_fully_known() {
            stats.unknown += 1;
        }
        v
    }

    pub fn eval(&mut self, e: &Expr) -> Value {
        match e {
            Expr::String(s) => Value::String(s.clone()),
            Expr::Int(i) => Value::Int(*i),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Null => Value::Null,
            Expr::Member(target, name) => {
                let t = self.eval(target);
                member(&t, name)
            }
            Expr::Index(target, index) => {
                let t = self.eval(target);
                let i = self.eval(index);
                index_value(&t, &i)
            }
            Expr::Call(call) => {
                if let Some(ns) = &call.namespace {
                    if !self.ctx.charge_call() {
                        return budget_spent();
                    }
                    let args: Vec<Value> = call.args.iter().map(|a| self.eval(a)).collect();
                    if self.depth >= LAMBDA_DEPTH {
                        return Value::unknown(
                            UnknownReason::Limit("user function recursion".into()),
                            None,
                        );
                    }
                    self.depth += 1;
                    let r = self.ctx.user_function(ns, &call.name, &args);
                    self.depth -= 1;
                    return r.unwrap_or_else(|| {
                        Value::error(format!(
                            "user-defined function '{ns}.{}' is not declared",
                            call.name
                        ))
                    });
                }
                self.call(call)
            }
        }
    }

    fn call(&mut self, call: &super::Call) -> Value {
        if !self.ctx.charge_call() {
            return budget_spent();
        }
        let name: &str = &call.name;
        let def = match call.kind {
            // Special forms: their arguments are not all evaluated up front.
            super::CallKind::If => return self.eval_if(call),
            super::CallKind::Lambda => return self.eval_lambda(call),
            super::CallKind::LambdaVariables => {
                let arg = call.args.first().map(|a| self.eval(a));
                return match arg.as_ref().and_then(Value::as_str) {
                    Some(v) => self.lambda_variable(v),
                    None => Value::error("lambdaVariables() expects a variable name"),
                };
            }
            super::CallKind::Builtin(def) => Some(def),
            super::CallKind::NotBuiltin => None,
        };
        let Some(def) = def else {
            *self
                .ctx
                .stats()
                .unsupported
                .entry(name.to_string())
                .or_default() += 1;
            return Value::unknown(UnknownReason::Unsupported(name.to_string()), None);
        };
        let args: Vec<Value> = call.args.iter().map(|a| self.eval(a)).collect();
        if args.len() < def.min_args || def.max_args.is_some_and(|m| args.len() > m) {
            return Value::error(format!(
                "{} takes {} arguments, {} given",
                def.name,
                arity_text(def.min_args, def.max_args),
                args.len()
            ));
        }
        if !def.handles_unknown
            && let Some(u) = args.iter().find_map(Value::as_unknown)
        {
            return Value::unknown(u.reason.clone(), call_symbol(def.name, &args));
        }
        if self.depth >= LAMBDA_DEPTH {
            return Value::unknown(UnknownReason::Limit("lambda recursion".into()), None);
        }
        self.depth += 1;
        let mut fc = FnCall {
            name: def.name,
            args,
            ev: self,
        };
        let r = (def.func)(&mut fc);
        self.depth -= 1;
        if !self.ctx.charge_cells(fresh_cells(&r)) {
            return budget_spent();
        }
        r
    }

    fn eval_if(&mut self, call: &super::Call) -> Value {
        let [c, a, b] = call.args.as_slice() else {
            return Value::error("if() takes 3 arguments");
        };
        let cond = self.eval(c);
        match cond.as_bool_lenient() {
            Some(true) => self.eval(a),
            Some(false) => self.eval(b),
            None if cond.is_unknown() => {
                let x = self.eval(a);
                let y = self.eval(b);
                if crate::arm::value::equals(&x, &y) == Tri::True {
                    return x;
                }
                let reason = cond
                    .as_unknown()
                    .map(|u| u.reason.clone())
                    .unwrap_or_else(|| UnknownReason::CopyIndex.into());
                Value::unknown(reason, call_symbol("if", &[cond, x, y]))
            }
            None => Value::error(format!(
                "if() condition must be a bool, not {}",
                cond.type_name()
            )),
        }
    }

    fn eval_lambda(&mut self, call: &super::Call) -> Value {
        let Some((body, names)) = call.args.split_last() else {
            return Value::error("lambda() needs a body");
        };
        let mut params = Vec::with_capacity(names.len());
        for n in names {
            match n {
                Expr::String(s) => params.push(s.clone()),
                _ => return Value::error("lambda() parameter names must be string literals"),
            }
        }
        Value::Lambda(Arc::new(Lambda {
            params,
            body: body.clone(),
            captured: self.lambda_vars.clone(),
        }))
    }

    fn lambda_variable(&self, name: &str) -> Value {
        self.lambda_vars
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| Value::error(format!("lambda variable '{name}' is not defined")))
    }

    /// Call a lambda value with arguments (used by `map`, `filter`, `reduce`, `sort`, ...).
    pub fn call_lambda(&mut self, lambda: &Lambda, args: &[Value]) -> Value {
        if !self.ctx.charge_call() {
            return budget_spent();
        }
        if self.depth >= LAMBDA_DEPTH {
            return Value::unknown(UnknownReason::Limit("lambda recursion".into()), None);
        }
        let saved = std::mem::replace(&mut self.lambda_vars, lambda.captured.clone());
        for (p, a) in lambda.params.iter().zip(args) {
            self.lambda_vars.push((p.clone(), a.clone()));
        }
        self.depth += 1;
        let r = self.eval(&lambda.body);
        self.depth -= 1;
        self.lambda_vars = saved;
        r
    }
}

fn arity_text(min: usize, max: Option<usize>) -> String {
    match max {
        Some(m) if m == min => format!("{min}"),
        Some(m) => format!("{min} to {m}"),
        None => format!("at least {min}"),
    }
}

/// The symbol of `name(args)` when an argument is unknown: `⟪name(frag, ...)⟫`, or `None` when an
/// argument has no reproducible symbol.
pub fn call_symbol(name: &str, args: &[Value]) -> Option<Symbol> {
    if args
        .iter()
        .any(|a| a.has_anonymous_unknown() || a.shape().bytes > SYMBOL_BYTES as u64)
    {
        return None;
    }
    let mut s = SymbolBuilder::with_capacity(64);
    s.open();
    s.push_known(&name.to_ascii_lowercase());
    s.push_char('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push_known(", ");
        }
        a.write_symbol_fragment(&mut s);
        if s.len() > SYMBOL_BYTES {
            return None;
        }
    }
    s.push_char(')');
    s.close();
    Some(s.finish())
}

/// `target.name`
pub fn member(target: &Value, name: &str) -> Value {
    match target {
        Value::Object(_) | Value::Unknown(_) => target
            .get(name)
            .unwrap_or_else(|| Value::error(format!("the object has no property '{name}'"))),
        Value::Null => Value::error(format!("cannot read property '{name}' of null")),
        other => Value::error(format!(
            "cannot read property '{name}' of a {}",
            other.type_name()
        )),
    }
}

/// `target[index]`: array by integer, object by string key.
pub fn index_value(target: &Value, index: &Value) -> Value {
    match (target, index) {
        (Value::Unknown(u), i) => {
            let sym = match (&u.symbol, i) {
                (Some(s), i)
                    if !i.has_anonymous_unknown() && i.shape().bytes <= SYMBOL_BYTES as u64 =>
                {
                    let mut b = SymbolBuilder::default();
                    b.push_symbol(s);
                    b.push_char('[');
                    i.write_symbol_fragment(&mut b);
                    b.push_char(']');
                    Some(b.finish())
                }
                _ => None,
            };
            Value::unknown(u.reason.clone(), sym)
        }
        (_, Value::Unknown(u)) => Value::unknown(u.reason.clone(), None),
        (Value::Array(a), i) => match i.as_int_lenient() {
            Some(n) if n >= 0 => a.get(n as usize).cloned().unwrap_or_else(|| {
                Value::error(format!("index {n} is out of range (length {})", a.len()))
            }),
            _ => Value::error(format!(
                "an array index must be a non-negative integer, not {}",
                i.to_json_string()
            )),
        },
        (Value::Object(_), Value::String(k)) => member(target, k),
        (t, i) => Value::error(format!(
            "cannot index a {} with {}",
            t.type_name(),
            i.type_name()
        )),
    }
}
