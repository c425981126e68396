//! Rules: one file per built-in rule, grouped by category. A rule's documentation is its doc
//! comment (What it does / Why is this bad? / Example / Use instead / References); `armlint explain`
//! prints it and `tests/docs.rs` runs its examples.

pub mod capacity;
mod context;
pub mod declarative;
mod declare;
pub mod suppression;
pub mod syntax;

pub use context::{Finding, RelatedFinding, RuleContext};
pub use declare::{Rule, RuleMeta, RuleRef};

use std::sync::Arc;

use crate::diagnostic::Severity;

/// Every built-in rule: the Rust rules and the embedded YAML rules of `rules/`, the capacity
/// rules in ID order.
pub fn all() -> &'static [RuleRef] {
    static ALL: std::sync::OnceLock<Vec<RuleRef>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<RuleRef> = rust_rules();
        all.extend(declarative::builtin().iter().cloned());
        let rank = |r: &RuleRef| match r.meta().category {
            "syntax" => 0,
            "suppression" => 1,
            "capacity" => 2,
            _ => 3,
        };
        // Stable: the engine rules keep their order; the capacity rules go by ID.
        all.sort_by(|a, b| {
            rank(a).cmp(&rank(b)).then_with(|| {
                if rank(a) == 2 && rank(b) == 2 {
                    a.meta().id.cmp(b.meta().id)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
        });
        all
    })
}

/// The rules written in Rust.
fn rust_rules() -> Vec<RuleRef> {
    vec![
        Arc::new(syntax::parse_error::ParseError),
        Arc::new(syntax::duplicate_key::DuplicateKey),
        Arc::new(syntax::invalid_expression::InvalidExpression),
        Arc::new(syntax::invalid_template::InvalidTemplate),
        Arc::new(syntax::invalid_parameter_file::InvalidParameterFile),
        Arc::new(syntax::invalid_parameter_value::InvalidParameterValue),
        Arc::new(syntax::evaluation_limit::EvaluationLimit),
        Arc::new(syntax::expression_fails::ExpressionFails),
        Arc::new(syntax::unresolved_module::UnresolvedModule),
        Arc::new(suppression::unused_suppression::UnusedSuppression),
        Arc::new(suppression::expired_suppression::ExpiredSuppression),
        Arc::new(suppression::invalid_suppression::InvalidSuppression),
        Arc::new(capacity::flex_vm_missing_crg::FlexVmMissingCrg),
        Arc::new(capacity::flex_vm_crg_mismatch::FlexVmCrgMismatch),
        Arc::new(capacity::size_not_reserved::SizeNotReserved),
        Arc::new(capacity::location_mismatch::LocationMismatch),
        Arc::new(capacity::zone_mismatch::ZoneMismatch),
        Arc::new(capacity::reservation_zone_invalid::ReservationZoneInvalid),
        Arc::new(capacity::duplicate_reservation::DuplicateReservation),
        Arc::new(capacity::unsupported_combination::UnsupportedCombination),
        Arc::new(capacity::single_placement_group::SinglePlacementGroup),
        Arc::new(capacity::fault_domain_count::FaultDomainCount),
        Arc::new(capacity::unreserved_burst::UnreservedBurst),
        Arc::new(capacity::uneven_zone_reservation::UnevenZoneReservation),
        Arc::new(capacity::over_reserved::OverReserved),
        Arc::new(capacity::reservation_not_associated::ReservationNotAssociated),
        Arc::new(capacity::invalid_crg_reference::InvalidCrgReference),
        Arc::new(capacity::member_of_non_flexible::MemberOfNonFlexible),
        Arc::new(capacity::member_zone_mismatch::MemberZoneMismatch),
        Arc::new(capacity::member_placement::MemberPlacement),
    ]
}

/// Find a built-in rule by ID or name, case-insensitively.
pub fn find(id_or_name: &str) -> Option<&'static RuleRef> {
    find_in(all(), id_or_name)
}

/// Find a rule by ID or name among `rules`, case-insensitively.
pub fn find_in<'r>(rules: &'r [RuleRef], id_or_name: &str) -> Option<&'r RuleRef> {
    rules.iter().find(|r| {
        let m = r.meta();
        m.id.eq_ignore_ascii_case(id_or_name) || m.name.eq_ignore_ascii_case(id_or_name)
    })
}

/// Rules loaded at run time (users' YAML rules), beside the built-in ones.
#[derive(Clone, Default)]
pub struct ExtraRules(pub Vec<RuleRef>);

impl std::fmt::Debug for ExtraRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|r| r.meta().id))
            .finish()
    }
}

impl ExtraRules {
    /// The built-in rules followed by these; a built-in YAML rule loaded from its own file
    /// (a checkout's `rules/`) is the loaded version.
    pub fn with_builtin(&self) -> Vec<RuleRef> {
        let replaced = |b: &&RuleRef| {
            self.0.iter().any(|r| {
                let (m, o) = (r.meta(), b.meta());
                m.source == o.source && m.id == o.id
            })
        };
        let mut v: Vec<RuleRef> = all().iter().filter(|b| !replaced(b)).cloned().collect();
        v.extend(self.0.iter().cloned());
        v
    }
}

/// Which rules run: all, minus `ignore`, or only `select` when given (IDs or names).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        let hit = |list: &[String]| {
            list.iter()
                .any(|s| s.eq_ignore_ascii_case(meta.id) || s.eq_ignore_ascii_case(meta.name))
        };
        (self.select.is_empty() || hit(&self.select)) && !hit(&self.ignore)
    }

    /// Names in select/ignore that match no built-in rule (a usage error).
    pub fn unknown_names(&self) -> Vec<String> {
        self.unknown_names_among(all())
    }

    /// Names in select/ignore that match none of `rules`.
    pub fn unknown_names_among(&self, rules: &[RuleRef]) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|s| find_in(rules, s).is_none())
            .cloned()
            .collect()
    }
}

/// Severity of a meta entry, for listing.
pub fn severity_of(id: &str) -> Option<Severity> {
    find(id).map(|r| r.meta().severity)
}
