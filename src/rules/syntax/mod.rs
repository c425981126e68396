//! Problems in the file itself, reported by the engine while loading and expanding: the template
//! does not parse, has duplicate keys, an expression that does not parse, a structure Azure rejects,
//! a parameter value outside its declared constraints, or evaluation that stopped at one of armlint's limits.

pub mod duplicate_key;
pub mod evaluation_limit;
pub mod expression_fails;
pub mod invalid_expression;
pub mod invalid_parameter_file;
pub mod invalid_parameter_value;
pub mod invalid_template;
pub mod parse_error;
pub mod unresolved_module;

/// Implements [`Rule`](crate::rules::Rule) for a rule that the engine reports itself.
macro_rules! engine_rule {
    ($name:ident) => {
        impl $crate::rules::Rule for $name {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &Self::META
            }
            fn check(
                &self,
                _ctx: &$crate::rules::RuleContext<'_>,
                _out: &mut Vec<$crate::rules::Finding>,
            ) {
            }
            // The engine finds these while loading and expanding, whatever is evaluated.
            fn property_types(&self) -> Option<&'static [&'static str]> {
                Some(&[])
            }
        }
    };
}
pub(crate) use engine_rule;
