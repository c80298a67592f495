//! The statistics behind survey results: distributions, intervals and tests ([`stats`]), raking weights to
//! population margins ([`weights`]) and small-group protection for everything shown ([`disclosure`]).
//!
//! Pure numerics (no I/O, no crate beyond serde and thiserror for the result and error types), so every number a
//! page, the API or an export shows can be checked here against published values.

pub mod disclosure;
pub mod stats;
pub mod weights;

mod special;
