//! The rule trait, its metadata, and `declare_rule!`, which turns a rule's doc comments into its
//! documentation string at compile time (clippy's approach, on stable Rust).

use crate::diagnostic::{Diagnostic, Location, Severity};

use super::context::{Finding, RuleContext};

#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / References.
    pub docs: &'static str,
    /// Where the rule is declared (`src/rules/…rs`).
    pub source: &'static str,
    /// One-line summary (the first sentence of "What it does").
    pub summary: &'static str,
}

impl RuleMeta {
    /// A finding of this rule at its own severity, with nothing but a message.
    pub fn diagnostic(&'static self, location: Location, message: String) -> Diagnostic {
        Diagnostic {
            rule: self.id,
            name: self.name,
            severity: self.severity,
            message,
            help: None,
            location,
            resource: None,
            related: Vec::new(),
            parameters: None,
        }
    }

    /// The first link under "## References": where an editor or code-scanning UI sends a
    /// reader for more (`None` when the docs have no link).
    pub fn help_uri(&self) -> Option<&'static str> {
        let docs: &'static str = self.docs;
        let refs = &docs[docs.find("## References")?..];
        let start = refs.find("](")? + 2;
        let rest = refs.get(start..)?;
        let end = rest.find(')')?;
        rest.get(..end).filter(|u| u.starts_with("http"))
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Report findings on one expanded template. Rules run by the engine itself (syntax errors)
    /// report nothing here.
    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>);

    /// The resource types whose `properties` the rule reads; `None`: it may read any. The engine
    /// evaluates the properties of the union over the enabled rules only.
    fn property_types(&self) -> Option<&'static [&'static str]> {
        None
    }
}

/// Declare a rule struct with its metadata. Doc comments become `META.docs`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub $name:ident {
            id: $id:literal,
            name: $kebab:literal,
            severity: $sev:ident,
            category: $cat:literal,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                name: $kebab,
                severity: $crate::diagnostic::Severity::$sev,
                category: $cat,
                docs: concat!($($doc, "\n"),*),
                source: file!(),
                summary: $summary,
            };
        }
    };
}
