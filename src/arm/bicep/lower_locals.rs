//! Names bound inside an expression over the scope around it: a for-expression's item and index
//! variables (`xs[copyIndex('v')]`, `copyIndex('v')`) and a lambda's parameters
//! (`lambdaVariables('x')`). A local shadows a parameter, variable or resource of the same name.

use crate::source::Span;
use crate::source::bicep::syntax::{Expr, Ident};

use super::lower_expression::{Accessor, LowerError, Symbols};

/// `outer` with `bindings` (name → ARM expression) in front of it.
pub struct Locals<'a> {
    pub outer: &'a dyn Symbols,
    pub bindings: Vec<(String, String)>,
}

impl<'a> Locals<'a> {
    pub fn new(outer: &'a dyn Symbols) -> Locals<'a> {
        Locals {
            outer,
            bindings: Vec::new(),
        }
    }

    pub fn bind(mut self, name: &str, expression: String) -> Locals<'a> {
        self.bindings.push((name.to_string(), expression));
        self
    }

    fn local(&self, name: &str) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.as_str())
    }
}

impl Symbols for Locals<'_> {
    fn resolve(&self, name: &str) -> Option<String> {
        match self.local(name) {
            Some(expression) => Some(expression.to_string()),
            None => self.outer.resolve(name),
        }
    }

    fn is_resource(&self, name: &str) -> bool {
        self.local(name).is_none() && self.outer.is_resource(name)
    }

    fn resolve_access(
        &self,
        root: &Ident,
        chain: &[Accessor],
        span: Span,
    ) -> Result<String, LowerError> {
        self.outer.resolve_access(root, chain, span)
    }

    fn inline_value(&self, name: &str) -> Option<&Expr> {
        match self.local(name) {
            Some(_) => None,
            None => self.outer.inline_value(name),
        }
    }

    fn file_reader(&self) -> &dyn super::lower_builtins::FileReader {
        self.outer.file_reader()
    }

    fn user_function(&self, name: &str) -> Option<String> {
        self.outer.user_function(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Outer;
    impl Symbols for Outer {
        fn resolve(&self, name: &str) -> Option<String> {
            Some(format!("variables('{name}')"))
        }
        fn is_resource(&self, name: &str) -> bool {
            name == "vm"
        }
    }

    #[test]
    fn locals_shadow_outer_names_innermost_first() {
        let locals = Locals::new(&Outer)
            .bind("vm", "lambdaVariables('vm')".into())
            .bind("x", "copyIndex('a')".into())
            .bind("x", "copyIndex('b')".into());
        assert_eq!(locals.resolve("x").unwrap(), "copyIndex('b')");
        assert_eq!(locals.resolve("y").unwrap(), "variables('y')");
        assert!(!locals.is_resource("vm"));
        assert!(Locals::new(&Outer).is_resource("vm"));
    }
}
