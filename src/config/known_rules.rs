//! The rule IDs and names a configuration may use.

use crate::rules;

/// The rules a configuration may name, as (ID, name) pairs.
#[derive(Clone, Debug, Default)]
pub struct KnownRules {
    rules: Vec<(String, String)>,
    /// Accept any name (a first reading, to learn `rulesDirs` before the rules there are loaded).
    any: bool,
}

impl KnownRules {
    /// The built-in rules.
    pub fn builtin() -> KnownRules {
        KnownRules::new(
            rules::all()
                .iter()
                .map(|r| (r.meta().id.to_string(), r.meta().name.to_string())),
        )
    }

    /// Any rules, e.g. the built-in ones with declarative rules loaded from directories.
    pub fn new(rules: impl IntoIterator<Item = (String, String)>) -> KnownRules {
        KnownRules {
            rules: rules.into_iter().collect(),
            any: false,
        }
    }

    /// Every name passes as it is written.
    pub fn any() -> KnownRules {
        KnownRules {
            rules: Vec::new(),
            any: true,
        }
    }

    /// The ID of the rule `id_or_name` names (case-insensitive).
    pub fn resolve<'s>(&'s self, id_or_name: &'s str) -> Option<&'s str> {
        self.rules
            .iter()
            .find(|(id, name)| {
                id.eq_ignore_ascii_case(id_or_name) || name.eq_ignore_ascii_case(id_or_name)
            })
            .map(|(id, _)| id.as_str())
            .or(self.any.then_some(id_or_name))
    }
}
