//! Findings about suppressions themselves, reported by the engine after it applies them
//! (`src/suppress/`): a suppression that matched nothing, one past its expiry date, and one that
//! cannot be used. None of them can be suppressed.

pub mod expired_suppression;
pub mod invalid_suppression;
pub mod unused_suppression;
