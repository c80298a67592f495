//! Results of a survey: per municipality, a total over the municipalities shown, breakdowns, weights.

use serde::{Deserialize, Serialize};

use super::codebook::{Codebook, Respondent};
use super::estimate::{Group, estimate_parts};
use super::figures::GroupResults;
use super::weights;

/// A municipality's population margins: per background item (its slot), the population per answer code.
#[derive(Debug, Clone, PartialEq)]
pub struct Margin {
    pub slot: usize,
    pub population: Vec<f64>,
}

/// What to compute.
pub struct Request<'a> {
    pub codebook: &'a Codebook,
    /// The municipalities shown, by the index respondents carry: code, name, and their margins (empty: none given).
    pub municipalities: Vec<(String, String, Vec<Margin>)>,
    pub respondents: &'a [Respondent],
    /// Weight to the population margins where a municipality has them.
    pub weighted: bool,
    /// Break every group down by the answers to this item (its slot).
    pub by: Option<usize>,
}

/// The results of a survey as computed, before any figure is hidden.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Results {
    pub municipalities: Vec<GroupResults>,
    /// Over all the municipalities shown; absent when only one is.
    pub total: Option<GroupResults>,
    /// The breakdown item, when asked for.
    pub by: Option<String>,
}

/// A municipality shown, with its respondents.
pub struct Municipality<'a> {
    pub code: String,
    pub name: String,
    /// Its population margins (empty: none given).
    pub margins: Vec<Margin>,
    pub respondents: Vec<&'a Respondent>,
}

/// Computes every municipality's figures, the total, and the breakdowns.
pub fn compute(request: &Request<'_>) -> Results {
    let mut by_index: Vec<Vec<&Respondent>> = vec![Vec::new(); request.municipalities.len()];
    for respondent in request.respondents {
        if let Some(respondents) = by_index.get_mut(respondent.municipality) {
            respondents.push(respondent);
        }
    }
    let municipalities = request
        .municipalities
        .iter()
        .zip(by_index)
        .map(|((code, name, margins), respondents)| Municipality {
            code: code.clone(),
            name: name.clone(),
            margins: margins.clone(),
            respondents,
        })
        .collect();
    compute_municipalities(request.codebook, municipalities, request.weighted, request.by)
}

/// Computes the figures of municipalities whose respondents are already apart (see [`compute`]), the total over
/// them, and the breakdowns by the item in slot `by`.
pub fn compute_municipalities(
    codebook: &Codebook,
    municipalities: Vec<Municipality<'_>>,
    weighted: bool,
    by: Option<usize>,
) -> Results {
    let shown = municipalities.len();
    let mut all: Vec<&Respondent> = Vec::new();
    let mut all_weights = Vec::new();
    let mut every_one_weighted = true;
    let mut results = Vec::new();
    for Municipality { code, name, margins, respondents } in municipalities {
        let raked = if weighted { population_weights(codebook, &respondents, &margins) } else { None };
        every_one_weighted &= raked.is_some();
        let is_weighted = raked.is_some();
        let weights = raked.unwrap_or_else(|| vec![1.0; respondents.len()]);
        all.extend(respondents.iter().copied());
        all_weights.extend(weights.iter().copied());
        let group = Group { code, name, respondents, weights, weighted: is_weighted };
        results.push(with_breakdown(codebook, by, group));
    }
    let total = (shown > 1).then(|| {
        // Pooled with population weights only when every municipality has them; otherwise each respondent counts once.
        let weighted = weighted && every_one_weighted;
        let weights = if weighted { all_weights } else { vec![1.0; all.len()] };
        let group = Group { code: "total".to_owned(), name: "Totalt".to_owned(), respondents: all, weights, weighted };
        with_breakdown(codebook, by, group)
    });
    Results { municipalities: results, total, by: by.map(|slot| codebook.slots[slot].id.clone()) }
}

/// A group's figures, and those of each of its breakdown groups.
fn with_breakdown(codebook: &Codebook, by: Option<usize>, group: Group<'_>) -> GroupResults {
    estimate_parts(codebook, &group, by)
}

/// Weights that make a municipality's respondents reproduce its population margins, summing to the population
/// (so that a total over municipalities weighs each by its population); `None` without margins or respondents.
pub fn population_weights(codebook: &Codebook, respondents: &[&Respondent], margins: &[Margin]) -> Option<Vec<f64>> {
    if margins.is_empty() || respondents.is_empty() {
        return None;
    }
    let mut cells: Vec<Vec<Option<usize>>> = respondents
        .iter()
        .map(|respondent| {
            margins.iter().map(|margin| codebook.chosen(margin.slot, respondent.values[margin.slot]).next()).collect()
        })
        .collect();
    let targets: Vec<Vec<f64>> =
        margins.iter().enumerate().map(|(index, margin)| collapse(&mut cells, index, &margin.population)).collect();
    let raked = weights::rake(&cells, &targets, weights::DEFAULT_TRIM).ok()?;
    let population: f64 = margins[0].population.iter().sum();
    let scale = population / respondents.len() as f64;
    Some(raked.weights.iter().map(|weight| weight * scale).collect())
}

/// A margin's targets that raking can meet: the population of a category nobody answered moves to the nearest
/// category someone did (small sub-districts are merged with their neighbour), and respondents in a category
/// without population count as unknown on this margin.
fn collapse(cells: &mut [Vec<Option<usize>>], margin: usize, population: &[f64]) -> Vec<f64> {
    let mut answered = vec![false; population.len()];
    for cell in cells.iter_mut() {
        match cell[margin] {
            Some(category) if population.get(category).is_some_and(|&count| count > 0.0) => answered[category] = true,
            Some(_) => cell[margin] = None,
            None => {}
        }
    }
    let mut targets = vec![0.0; population.len()];
    for (category, &count) in population.iter().enumerate() {
        let nearest = (0..population.len())
            .filter(|&other| answered[other])
            .min_by_key(|&other| (other as isize - category as isize).unsigned_abs());
        if let Some(nearest) = nearest {
            targets[nearest] += count;
        }
    }
    targets
}
