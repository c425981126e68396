//! The capacity model: which reservations a template declares, which VMs and scale sets consume
//! them, under which assumptions (`model`), the plan per reservation that `armlint capacity`
//! prints (`plan`), and live instance views (`instance_view`). The capacity rules read it.

pub mod instance_view;
pub mod model;
pub mod plan;

use crate::arm::template::ResourceInstance;
use crate::arm::value::Value;

pub const VIRTUAL_MACHINES: &str = "Microsoft.Compute/virtualMachines";
pub const SCALE_SETS: &str = "Microsoft.Compute/virtualMachineScaleSets";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orchestration {
    Uniform,
    Flexible,
}

/// Orchestration mode from the scale set's own declaration (spec 3.3 rules 1, 3, 4, 5): the literal
/// mode; else Flexible without a VM profile, Uniform with one; `None` when it cannot be known.
pub fn declared_orchestration(ss: &ResourceInstance) -> Option<Orchestration> {
    match ss.get("properties.orchestrationMode") {
        Some(Value::String(m)) if m.eq_ignore_ascii_case("Uniform") => Some(Orchestration::Uniform),
        Some(Value::String(m)) if m.eq_ignore_ascii_case("Flexible") => {
            Some(Orchestration::Flexible)
        }
        Some(Value::Null) | None => match ss.get("properties.virtualMachineProfile") {
            Some(Value::Null) | None => Some(Orchestration::Flexible),
            Some(Value::Object(_)) => Some(Orchestration::Uniform),
            _ => None,
        },
        _ => None,
    }
}

/// The sum of instance or capacity figures; `None` when it passes `u64`. Such a figure is
/// unknown: capacity arithmetic never wraps, and never saturates to a number that is not the
/// sum.
pub fn checked_sum(figures: impl IntoIterator<Item = u64>) -> Option<u64> {
    figures.into_iter().try_fold(0u64, u64::checked_add)
}
