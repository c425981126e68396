//! An [`EvalContext`] for evaluating a single expression outside a template: parameters and variables
//! from maps, no copy loop, a top-level resource-group scope. Used by tests and by tools.

use std::collections::HashMap;

use super::{EvalContext, EvalStats, Evaluator, Expr, TemplateString, parse_template_string};
use crate::arm::scope::{DeploymentScope, ScopeConfig, ScopeKind};
use crate::arm::value::{Symbol, UnknownReason, Value};

pub struct StandaloneContext {
    /// Keys are lower-case (names are case-insensitive).
    pub parameters: HashMap<String, Value>,
    pub variables: HashMap<String, Value>,
    pub copy_index: Option<i64>,
    pub scope: DeploymentScope,
    pub stats: EvalStats,
    /// Function calls left before evaluation stops (see [`EvalContext::charge_call`]).
    pub calls_left: u64,
    /// Cells functions may still build (see [`EvalContext::charge_cells`]).
    pub cells_left: u64,
}

impl Default for StandaloneContext {
    fn default() -> Self {
        StandaloneContext {
            parameters: HashMap::new(),
            variables: HashMap::new(),
            copy_index: None,
            scope: DeploymentScope::top_level(ScopeKind::ResourceGroup, &ScopeConfig::default()),
            stats: EvalStats::default(),
            calls_left: crate::limits::EVAL_CALLS,
            cells_left: crate::limits::EVAL_CELLS,
        }
    }
}

impl StandaloneContext {
    pub fn with_scope(config: &ScopeConfig) -> Self {
        StandaloneContext {
            scope: DeploymentScope::top_level(ScopeKind::ResourceGroup, config),
            ..Default::default()
        }
    }

    /// Evaluate a template string (`"[...]"` or a literal). Parse errors become error unknowns.
    pub fn eval_str(&mut self, s: &str) -> Value {
        match parse_template_string(s) {
            Ok(TemplateString::Literal(l)) => Value::string(l.as_ref()),
            Ok(TemplateString::Expression(e)) => self.eval(&e),
            Err(e) => Value::error(e.to_string()),
        }
    }

    pub fn eval(&mut self, e: &Expr) -> Value {
        Evaluator::new(self).eval_root(e)
    }
}

impl EvalContext for StandaloneContext {
    fn parameter(&mut self, name: &str) -> Value {
        self.parameters
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| {
                Value::unknown(
                    UnknownReason::Parameter(name.to_string()),
                    Some(Symbol::expression(&format!(
                        "parameters('{}')",
                        name.to_ascii_lowercase()
                    ))),
                )
            })
    }
    fn variable(&mut self, name: &str) -> Value {
        self.variables
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| Value::error(format!("variable '{name}' is not declared")))
    }
    fn copy_index(&mut self, _loop_name: Option<&str>) -> Value {
        match self.copy_index {
            Some(i) => Value::Int(i),
            None => Value::error("copyIndex() is only allowed inside a copy loop"),
        }
    }
    fn user_function(&mut self, _namespace: &str, _name: &str, _args: &[Value]) -> Option<Value> {
        None
    }
    fn reference(&mut self, function: &str, args: &[Value]) -> Value {
        Value::unknown(
            UnknownReason::Runtime(format!("{function}()")),
            super::call_symbol(function, args),
        )
    }
    fn scope(&self) -> &DeploymentScope {
        &self.scope
    }
    fn stats(&mut self) -> &mut EvalStats {
        &mut self.stats
    }
    fn charge_call(&mut self) -> bool {
        self.calls_left = self.calls_left.saturating_sub(1);
        self.calls_left > 0 && self.cells_left > 0
    }
    fn charge_cells(&mut self, cells: u64) -> bool {
        match self.cells_left.checked_sub(cells) {
            Some(left) => {
                self.cells_left = left;
                true
            }
            None => {
                self.cells_left = 0;
                false
            }
        }
    }
}
