//! armlint: a policy linter for Azure Resource Manager templates.
//!
//! The library is the engine and never prints; `src/main.rs` is the command line.

// Tests may unwrap, expect and index (a panic there is a failing test); src/ may not (Cargo.toml).
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[cfg(feature = "mimalloc")]
pub mod alloc;
pub mod arm;
pub mod baseline;
pub mod calendar;
pub mod capacity;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod emit;
pub mod engine;
pub mod limits;
pub mod lsp;
pub mod rules;
pub mod source;
pub mod suppress;
