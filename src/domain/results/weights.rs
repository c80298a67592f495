//! Weights that make the respondents look like the population on a few margins (age band, gender, part of the
//! municipality), by raking (iterative proportional fitting, Deming & Stephan 1940) with trimming, and Kish's
//! effective sample size of the result.
//!
//! Design choices the results code relies on:
//! - **Unknown categories.** A respondent whose category on a margin is unknown (`None`) is not adjusted on that
//!   margin (the factor for it is 1); the margin's population counts are rescaled to the respondents whose
//!   category on it is known. Rescaled to their current weighted total, to be exact: with all weights 1 at the
//!   start that is their number, and it keeps the sum of the weights at the number of respondents through every
//!   step, so the shares among the known match the population's shares and no final rescaling disturbs them.
//!   (Rescaling to the unweighted number instead would make the margins and "sum = n" contradict each other as
//!   soon as somebody is unknown on one margin and known on another.)
//! - **Trimming.** After each pass over the margins every weight is held within [`DEFAULT_TRIM`] (or the given
//!   bounds) times the mean weight, and the weights not held are scaled so that the mean stays 1; passes repeat until the margins hold
//!   to [`TOLERANCE`] and no weight needs holding, or [`MAX_ITERATIONS`] passes are spent (then `converged` is
//!   false and the weights are the last pass's, still within the bounds).
//! - **Impossible margins are errors**, not silent fixes: a category with a population count but no respondent,
//!   or respondents in a category with no population, must be merged with a neighbour by the caller.

use serde::Serialize;

/// Bounds on a weight relative to the mean weight: from 0.3 to 3 times the mean, a common choice that keeps any
/// respondent from counting for more than ten others.
pub const DEFAULT_TRIM: (f64, f64) = (0.3, 3.0);

/// Passes over all margins at the most.
pub const MAX_ITERATIONS: usize = 100;

/// Converged when no margin's category total is off by more than this share of itself, and no weight moved by
/// more than this share when held within the bounds.
pub const TOLERANCE: f64 = 1e-10;

/// A weight within this share of a bound counts as held there by trimming.
const AT_BOUND: f64 = 1e-9;

/// The result of raking: one weight per respondent, in their order, summing to their number (mean 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Raked {
    pub weights: Vec<f64>,
    /// Whether the margins hold to [`TOLERANCE`] with every weight within the trimming bounds.
    pub converged: bool,
    /// Passes over the margins made.
    pub iterations: usize,
    /// Respondents whose weight is held at a trimming bound.
    pub trimmed: usize,
}

/// Why raking cannot start: each names the respondent, margin or category (all indices from 0).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RakingError {
    #[error("respondent {respondent} has {found} categories, but there are {margins} margins")]
    MarginCount { respondent: usize, found: usize, margins: usize },
    #[error("respondent {respondent} has category {category} on margin {margin}, which has no such category")]
    Category { respondent: usize, margin: usize, category: usize },
    #[error("margin {margin} needs population counts that are finite, not negative and not all 0")]
    Targets { margin: usize },
    #[error("category {category} of margin {margin} has a population but no respondent: merge it with another")]
    NoRespondents { margin: usize, category: usize },
    #[error("category {category} of margin {margin} has respondents but no population: merge it with another")]
    NoPopulation { margin: usize, category: usize },
    #[error("trimming bounds must satisfy 0 ≤ lower ≤ 1 ≤ upper")]
    Trim,
}

/// Rakes weights so that, on every margin, the weighted shares of its categories among the respondents with a
/// known category equal the population's shares in `targets`.
///
/// `cells[i][m]` is respondent i's category on margin m (`None` when unknown); `targets[m][c]` the population
/// count of category c of margin m (only the shares matter); `trim` the lower and upper bound on a weight relative
/// to the mean weight ([`DEFAULT_TRIM`]; `(0.0, f64::INFINITY)` for none). One pass multiplies, margin by margin,
/// the weights of each category's respondents by target share × known weighted total / category's weighted total
/// (Deming & Stephan 1940); then the weights are trimmed, the weights not trimmed taking up the difference so the
/// mean stays 1 (raking with trimming, e.g. Kalton & Flores-Cervantes 2003). See the module's notes on unknown categories.
pub fn rake(cells: &[Vec<Option<usize>>], targets: &[Vec<f64>], trim: (f64, f64)) -> Result<Raked, RakingError> {
    let shares = check(cells, targets, trim)?;
    let mut weights = vec![1.0; cells.len()];
    let mut raked = Raked { weights: Vec::new(), converged: cells.is_empty(), iterations: 0, trimmed: 0 };
    while !raked.converged && raked.iterations < MAX_ITERATIONS {
        raked.iterations += 1;
        let mut change = 0.0_f64;
        for (margin, shares) in shares.iter().enumerate() {
            change = change.max(adjust(&mut weights, cells, margin, shares));
        }
        let held = hold_within(&mut weights, trim);
        raked.converged = change <= TOLERANCE && held == 0;
    }
    let (lower, upper) = trim;
    let at = |weight: f64, bound: f64| bound > 0.0 && bound.is_finite() && (weight - bound).abs() <= AT_BOUND * bound;
    raked.trimmed = weights.iter().filter(|&&weight| at(weight, lower) || at(weight, upper)).count();
    raked.weights = weights;
    Ok(raked)
}

/// Kish's effective sample size (Σw)² / Σw²: the number of equally weighted answers that would give the same
/// precision. 0 for no weights or weights all 0.
pub fn effective_n(weights: &[f64]) -> f64 {
    let sum: f64 = weights.iter().sum();
    let squares: f64 = weights.iter().map(|weight| weight * weight).sum();
    if squares > 0.0 { sum * sum / squares } else { 0.0 }
}

/// The population shares per margin, after checking that raking can reach them.
fn check(cells: &[Vec<Option<usize>>], targets: &[Vec<f64>], trim: (f64, f64)) -> Result<Vec<Vec<f64>>, RakingError> {
    let (lower, upper) = trim;
    if !((0.0..=1.0).contains(&lower) && upper >= 1.0) {
        return Err(RakingError::Trim);
    }
    let mut counts: Vec<Vec<usize>> = targets.iter().map(|categories| vec![0; categories.len()]).collect();
    for (respondent, categories) in cells.iter().enumerate() {
        if categories.len() != targets.len() {
            return Err(RakingError::MarginCount { respondent, found: categories.len(), margins: targets.len() });
        }
        for (margin, category) in categories.iter().enumerate() {
            let Some(category) = *category else { continue };
            let count = counts[margin].get_mut(category);
            *count.ok_or(RakingError::Category { respondent, margin, category })? += 1;
        }
    }
    targets.iter().zip(&counts).enumerate().map(|(margin, (targets, counts))| shares(margin, targets, counts)).collect()
}

/// One margin's population shares; its counts of respondents by category must fit them.
fn shares(margin: usize, targets: &[f64], counts: &[usize]) -> Result<Vec<f64>, RakingError> {
    let total: f64 = targets.iter().sum();
    let known = counts.iter().any(|&count| count > 0);
    if targets.iter().any(|target| !target.is_finite() || *target < 0.0) || (known && total <= 0.0) {
        return Err(RakingError::Targets { margin });
    }
    for (category, (&target, &count)) in targets.iter().zip(counts).enumerate() {
        if known && target > 0.0 && count == 0 {
            return Err(RakingError::NoRespondents { margin, category });
        }
        if target == 0.0 && count > 0 {
            return Err(RakingError::NoPopulation { margin, category });
        }
    }
    Ok(targets.iter().map(|target| target / total).collect())
}

/// Rakes one margin: each known category's weighted total becomes its share of the known weighted total.
/// Returns the largest relative change of a category's total, |factor − 1|.
fn adjust(weights: &mut [f64], cells: &[Vec<Option<usize>>], margin: usize, shares: &[f64]) -> f64 {
    let mut totals = vec![0.0; shares.len()];
    for (weight, categories) in weights.iter().zip(cells) {
        if let Some(category) = categories[margin] {
            totals[category] += weight;
        }
    }
    let known: f64 = totals.iter().sum();
    let factors: Vec<f64> = totals
        .iter()
        .zip(shares)
        .map(|(&total, &share)| if total > 0.0 { share * known / total } else { 1.0 })
        .collect();
    for (weight, categories) in weights.iter_mut().zip(cells) {
        if let Some(category) = categories[margin] {
            *weight *= factors[category];
        }
    }
    factors.iter().map(|factor| (factor - 1.0).abs()).fold(0.0, f64::max)
}

/// Holds every weight within the bounds (the mean weight is 1) and keeps the sum at the number of respondents by
/// scaling the weights not held, repeating while that scaling pushes more of them out. Returns how many weights
/// moved by more than [`TOLERANCE`] of themselves when held.
fn hold_within(weights: &mut [f64], (lower, upper): (f64, f64)) -> usize {
    let count = weights.len() as f64;
    let mut held = vec![false; weights.len()];
    let mut moved = 0;
    loop {
        let held_sum: f64 = weights.iter().zip(&held).filter(|(_, held)| **held).map(|(weight, _)| weight).sum();
        let free_sum: f64 = weights.iter().zip(&held).filter(|(_, held)| !**held).map(|(weight, _)| weight).sum();
        if free_sum <= 0.0 {
            return moved;
        }
        let scale = (count - held_sum) / free_sum;
        let mut newly = 0;
        for (weight, held) in weights.iter_mut().zip(held.iter_mut()).filter(|(_, held)| !**held) {
            let scaled = *weight * scale;
            *weight = scaled.clamp(lower, upper);
            if *weight != scaled {
                *held = true;
                newly += 1;
                moved += usize::from((*weight - scaled).abs() > TOLERANCE * scaled);
            }
        }
        if newly == 0 {
            return moved;
        }
    }
}

#[cfg(test)]
mod tests;
