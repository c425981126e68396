//! `armlint capacity`: the capacity plan per reservation, from templates (and, later, from live
//! instance views).

pub mod instance_view;
pub mod plan;

/// The sum of instance or capacity figures; `None` when it passes `u64`. Such a figure is
/// unknown: capacity arithmetic never wraps, and never saturates to a number that is not the
/// sum.
pub fn checked_sum(figures: impl IntoIterator<Item = u64>) -> Option<u64> {
    figures.into_iter().try_fold(0u64, u64::checked_add)
}
