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
pub use declare::{Rule, RuleMeta};

use crate::diagnostic::Severity;

/// Every built-in rule: the Rust rules and the embedded YAML rules of `rules/`, the capacity
/// rules in ID order.
pub fn all() -> &'static [&'static dyn Rule] {
    static ALL: std::sync::OnceLock<Vec<&'static dyn Rule>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<&'static dyn Rule> = RUST_RULES.to_vec();
        all.extend(declarative::builtin());
        let rank = |r: &&dyn Rule| match r.meta().category {
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
static RUST_RULES: &[&dyn Rule] = &[
    &syntax::parse_error::ParseError,
    &syntax::duplicate_key::DuplicateKey,
    &syntax::invalid_expression::InvalidExpression,
    &syntax::invalid_template::InvalidTemplate,
    &syntax::invalid_parameter_file::InvalidParameterFile,
    &syntax::invalid_parameter_value::InvalidParameterValue,
    &syntax::evaluation_limit::EvaluationLimit,
    &syntax::expression_fails::ExpressionFails,
    &suppression::unused_suppression::UnusedSuppression,
    &suppression::expired_suppression::ExpiredSuppression,
    &suppression::invalid_suppression::InvalidSuppression,
    &capacity::flex_vm_missing_crg::FlexVmMissingCrg,
    &capacity::flex_vm_crg_mismatch::FlexVmCrgMismatch,
    &capacity::size_not_reserved::SizeNotReserved,
    &capacity::location_mismatch::LocationMismatch,
    &capacity::zone_mismatch::ZoneMismatch,
    &capacity::reservation_zone_invalid::ReservationZoneInvalid,
    &capacity::duplicate_reservation::DuplicateReservation,
    &capacity::unsupported_combination::UnsupportedCombination,
    &capacity::single_placement_group::SinglePlacementGroup,
    &capacity::fault_domain_count::FaultDomainCount,
    &capacity::unreserved_burst::UnreservedBurst,
    &capacity::uneven_zone_reservation::UnevenZoneReservation,
    &capacity::over_reserved::OverReserved,
    &capacity::reservation_not_associated::ReservationNotAssociated,
    &capacity::invalid_crg_reference::InvalidCrgReference,
    &capacity::member_of_non_flexible::MemberOfNonFlexible,
    &capacity::member_zone_mismatch::MemberZoneMismatch,
    &capacity::member_placement::MemberPlacement,
];

/// Find a built-in rule by ID or name, case-insensitively.
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    find_in(all(), id_or_name)
}

/// Find a rule by ID or name among `rules`, case-insensitively.
pub fn find_in(rules: &[&'static dyn Rule], id_or_name: &str) -> Option<&'static dyn Rule> {
    rules.iter().copied().find(|r| {
        let m = r.meta();
        m.id.eq_ignore_ascii_case(id_or_name) || m.name.eq_ignore_ascii_case(id_or_name)
    })
}

/// Rules loaded at run time (users' YAML rules), beside the built-in ones.
#[derive(Clone, Default)]
pub struct ExtraRules(pub Vec<&'static dyn Rule>);

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
    pub fn with_builtin(&self) -> Vec<&'static dyn Rule> {
        let replaced = |b: &&'static dyn Rule| {
            self.0.iter().any(|r| {
                let (m, o) = (r.meta(), b.meta());
                m.source == o.source && m.id == o.id
            })
        };
        let mut v: Vec<&'static dyn Rule> =
            all().iter().copied().filter(|b| !replaced(b)).collect();
        v.extend(self.0.iter().copied());
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
    pub fn unknown_names_among(&self, rules: &[&'static dyn Rule]) -> Vec<String> {
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
