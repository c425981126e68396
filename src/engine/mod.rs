//! The lint pipeline: load, expand, build the graph, run rules; in parallel over files, with
//! deterministic output.

pub mod report;

pub use report::{LintReport, Summary};
