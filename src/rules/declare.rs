//! The rule trait, its metadata, and `declare_rule!`, which turns a rule's doc comments into its
//! documentation string at compile time (clippy's approach, on stable Rust).

use std::borrow::Cow;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Location, Severity};

use super::context::{Finding, RuleContext};

/// A rule as the engine holds it: shared by the plans that run it and freed with the last one
/// (a language server reloads users' rules at every edit of a rule file).
pub type RuleRef = Arc<dyn Rule>;

/// What a rule is. The ID, name and category are `'static` because every diagnostic carries
/// them; a loaded rule's are interned, once per distinct text (see `declarative::intern`). What
/// changes with each edit of a rule file (docs, summary) is owned.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / References.
    pub docs: Cow<'static, str>,
    /// Where the rule is declared (`src/rules/…rs`).
    pub source: Cow<'static, str>,
    /// One-line summary (the first sentence of "What it does").
    pub summary: Cow<'static, str>,
}

impl RuleMeta {
    /// A finding of this rule at its own severity, with nothing but a message.
    pub fn diagnostic(&self, location: Location, message: String) -> Diagnostic {
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
    pub fn help_uri(&self) -> Option<&str> {
        let docs: &str = &self.docs;
        let refs = docs.get(docs.find("## References")?..)?;
        let start = refs.find("](")? + 2;
        let rest = refs.get(start..)?;
        let end = rest.find(')')?;
        rest.get(..end).filter(|u| u.starts_with("http"))
    }
}

pub trait Rule: Send + Sync + std::fmt::Debug {
    fn meta(&self) -> &RuleMeta;
    /// Report findings on one expanded template. Rules run by the engine itself (syntax errors)
    /// report nothing here.
    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<Finding>);

    /// The resource types whose `properties` the rule reads; `None`: it may read any. The engine
    /// evaluates the properties of the union over the enabled rules only.
    fn property_types(&self) -> Option<&[&'static str]> {
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
                docs: std::borrow::Cow::Borrowed(concat!($($doc, "\n"),*)),
                source: std::borrow::Cow::Borrowed(file!()),
                summary: std::borrow::Cow::Borrowed($summary),
            };
        }
    };
}
