//! Capacity reservation and scale set membership rules, and the model they share
//! (capacity-reservations spec, section 3).

pub mod member_of_non_flexible;

use crate::arm::graph::{ResourceGraph, Target};
use crate::arm::template::ResourceInstance;
use crate::arm::value::{Tri, Value};

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

/// A VM that takes part in the deployment (not `existing`, not excluded by a condition).
pub fn is_deployed_vm(inst: &ResourceInstance) -> bool {
    inst.is_type(VIRTUAL_MACHINES) && !inst.existing && inst.deployed != Tri::False
}

/// The scale set a VM joins (`properties.virtualMachineScaleSet.id`), when it resolves with
/// certainty to a declared scale set.
pub fn member_scale_set(graph: &ResourceGraph, vm: &ResourceInstance) -> Option<usize> {
    let id = vm.get("properties.virtualMachineScaleSet.id")?;
    match graph.resolve(&id) {
        Target::Node {
            index,
            certain: true,
        } => graph
            .instances()
            .get(index)
            .filter(|s| s.is_type(SCALE_SETS))
            .map(|_| index),
        _ => None,
    }
}
