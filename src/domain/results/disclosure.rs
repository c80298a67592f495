//! Small-group protection: the one place that decides whether a number based on few respondents may be shown.
//! Pages, the API and exports all ask it, so no way out of the system shows more than another.
//!
//! Two rules, both survey settings (defaults from common practice; no fixed Swedish rule exists):
//! - **Base**: an index, share or percentage needs at least [`DEFAULT_MIN_BASE`] (30) valid answers.
//! - **Cells**: a count of 1 to [`DEFAULT_MIN_CELL`] − 1 (1–4) respondents is hidden, and so many more cells of its
//!   row that the hidden ones cannot be recovered from the row's total (complementary suppression).
//!
//! Design choices:
//! - **Zero is shown.** An empty cell describes no person, and hiding zeros would hide most small tables without
//!   protecting anyone; zeros are never hidden, neither first nor as a complement.
//! - **The total is the caller's.** Cells are protected against a shown total; whether the total itself may be
//!   shown is [`Disclosure::protect_base`]'s question. A row whose total is below the base shows no shares, and a
//!   row where one cell holds the whole total tells that everyone in it gave that answer, which only the base rule
//!   (a group of at least 30) makes acceptable.
//! - **The complement rule is the common one**, not an audit: it guarantees that no single hidden cell equals the
//!   total minus the shown cells and that the hidden cells together hold at least `min_cell` respondents.

use serde::Serialize;

/// Valid answers an index, share or percentage needs by default.
pub const DEFAULT_MIN_BASE: u64 = 30;

/// Respondents a shown count needs by default (a count of 1 to 4 is hidden).
pub const DEFAULT_MIN_CELL: u64 = 5;

/// A survey's small-group settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// The fewest valid answers an index, share or percentage may be based on.
    pub min_base: u64,
    /// The smallest count of respondents that may be shown, besides 0.
    pub min_cell: u64,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure { min_base: DEFAULT_MIN_BASE, min_cell: DEFAULT_MIN_CELL }
    }
}

impl Disclosure {
    /// True when an index, share or percentage based on `valid` answers may be shown (valid ≥ `min_base`).
    pub fn protect_base(&self, valid: u64) -> bool {
        valid >= self.min_base
    }

    /// Which counts of a row (e.g. the answers to one question in one group, shown with their total) must be
    /// hidden: `true` = hidden. Primary suppression hides every count from 1 to `min_cell` − 1. Then, while the
    /// hidden cells are fewer than two or hold fewer than `min_cell` respondents together, the smallest shown
    /// non-zero count is hidden too (the first of equal ones), until both hold or every non-zero count is hidden.
    pub fn protect_cells(&self, counts: &[u64]) -> Vec<bool> {
        let mut hidden: Vec<bool> = counts.iter().map(|&count| count > 0 && count < self.min_cell).collect();
        loop {
            let hidden_counts = counts.iter().zip(&hidden).filter(|(_, hidden)| **hidden).map(|(count, _)| *count);
            let (cells, sum) = hidden_counts.fold((0, 0), |(cells, sum), count| (cells + 1, sum + count));
            if cells == 0 || (cells >= 2 && sum >= self.min_cell) {
                return hidden;
            }
            let shown = counts.iter().enumerate().filter(|&(cell, &count)| !hidden[cell] && count > 0);
            match shown.min_by_key(|&(cell, &count)| (count, cell)) {
                Some((cell, _)) => hidden[cell] = true,
                None => return hidden,
            }
        }
    }
}

#[cfg(test)]
mod tests;
