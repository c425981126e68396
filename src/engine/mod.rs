//! The lint pipeline: load, expand, build the graph, run rules; in parallel over files, with
//! deterministic output.

pub mod bicep_spans;
pub mod report;

pub use report::{LintReport, Summary};
pub mod capacity;
pub mod lint;
pub mod lint_bicep;
pub mod lint_bicepparam;
/// `armlint test-rules`: the `*.tests.yaml` cases of declarative rules, linted and checked.
pub mod rule_tests;

pub use capacity::capacity_plan;
pub use lint::read_parameter_set;
pub use lint::{
    LintOptions, lint_inputs, lint_template, lint_with_parameter_sets, property_types_read_by,
};
