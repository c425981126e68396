//! Rules: one file per built-in rule, grouped by category. A rule's documentation is its doc
//! comment (What it does / Why is this bad? / Example / Use instead / References); `armlint explain`
//! prints it and `tests/docs.rs` runs its examples.

pub mod capacity;
mod context;
mod declare;
pub mod suppression;
pub mod syntax;

pub use context::{Finding, RelatedFinding, RuleContext};
pub use declare::{Rule, RuleMeta};

use crate::diagnostic::Severity;

/// Every built-in rule, in ID order.
pub fn all() -> &'static [&'static dyn Rule] {
    static RULES: &[&dyn Rule] = &[
        &syntax::parse_error::ParseError,
        &syntax::duplicate_key::DuplicateKey,
        &syntax::invalid_expression::InvalidExpression,
        &syntax::invalid_template::InvalidTemplate,
        &syntax::invalid_parameter_file::InvalidParameterFile,
        &syntax::invalid_parameter_value::InvalidParameterValue,
        &syntax::evaluation_limit::EvaluationLimit,
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
    RULES
}

/// Find a rule by ID or name, case-insensitively.
pub fn find(id_or_name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| {
        let m = r.meta();
        m.id.eq_ignore_ascii_case(id_or_name) || m.name.eq_ignore_ascii_case(id_or_name)
    })
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

    /// Names in select/ignore that match no rule (a usage error).
    pub fn unknown_names(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|s| find(s).is_none())
            .cloned()
            .collect()
    }
}

/// Severity of a meta entry, for listing.
pub fn severity_of(id: &str) -> Option<Severity> {
    find(id).map(|r| r.meta().severity)
}
