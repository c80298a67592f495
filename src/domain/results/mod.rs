//! The survey's results: what residents answered, as indices, shares and distributions with their uncertainty, per
//! municipality, weighted to the population where margins are given, beside an earlier wave, broken down by a
//! background item, and with small groups protected.
//!
//! What counts: submitted responses classed complete or partial (a break-off counts in the response rates, not
//! here). Per item, valid answers leave out "don't know" (and "never go out alone late"); an item whose condition
//! did not apply was not asked, so it is not missing either. Free text never appears.
//!
//! The steps, each in its own file: [`codebook`] encodes answers compactly, and [`decode`] takes stored rows straight
//! into that form, classed; [`estimate`] computes one group's figures; [`compute`] makes the groups (municipalities,
//! total, breakdowns, population weights); [`compare`] puts an earlier wave beside them; [`protect`] hides what would
//! show a small group, and every output goes through it.
//! [`stats`] (distributions, intervals and tests), [`weights`] (raking to population margins) and [`disclosure`]
//! (the small-group rules) hold the statistics they use: pure numerics, checked against published values.

pub mod codebook;
pub mod compare;
pub mod compute;
pub mod decode;
pub mod disclosure;
pub mod estimate;
pub mod figures;
pub mod protect;
pub mod published;
pub mod stats;
pub mod weights;

mod special;
#[cfg(test)]
mod tests;
