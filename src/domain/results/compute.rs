//! Results of a survey: per municipality, a total over the municipalities shown, breakdowns, weights.

use serde::{Deserialize, Serialize};

use super::codebook::{Codebook, Respondent};
use super::estimate::{Group, estimate};
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

/// Computes every municipality's figures, the total, and the breakdowns.
pub fn compute(request: &Request<'_>) -> Results {
    let mut all: Vec<&Respondent> = Vec::new();
    let mut all_weights = Vec::new();
    let mut every_one_weighted = true;
    let mut municipalities = Vec::new();
    for (index, (code, name, margins)) in request.municipalities.iter().enumerate() {
        let respondents: Vec<&Respondent> =
            request.respondents.iter().filter(|respondent| respondent.municipality == index).collect();
        let raked = if request.weighted { population_weights(request.codebook, &respondents, margins) } else { None };
        every_one_weighted &= raked.is_some();
        let weighted = raked.is_some();
        let weights = raked.unwrap_or_else(|| vec![1.0; respondents.len()]);
        all.extend(respondents.iter().copied());
        all_weights.extend(weights.iter().copied());
        let group = Group { code: code.clone(), name: name.clone(), respondents, weights, weighted };
        municipalities.push(with_breakdown(request, group));
    }
    let total = (request.municipalities.len() > 1).then(|| {
        // Pooled with population weights only when every municipality has them; otherwise each respondent counts once.
        let weighted = request.weighted && every_one_weighted;
        let weights = if weighted { all_weights } else { vec![1.0; all.len()] };
        let group = Group { code: "total".to_owned(), name: "Totalt".to_owned(), respondents: all, weights, weighted };
        with_breakdown(request, group)
    });
    Results { municipalities, total, by: request.by.map(|slot| request.codebook.slots[slot].id.clone()) }
}

/// A group's figures, and those of each of its breakdown groups.
fn with_breakdown(request: &Request<'_>, group: Group<'_>) -> GroupResults {
    let mut results = estimate(request.codebook, &group);
    if let Some(slot) = request.by {
        let item = &request.codebook.slots[slot];
        for (code, name) in item.codes.iter().enumerate() {
            let (respondents, weights): (Vec<&Respondent>, Vec<f64>) = group
                .respondents
                .iter()
                .zip(&group.weights)
                .filter(|(respondent, _)| request.codebook.chosen(slot, respondent.values[slot]).any(|c| c == code))
                .map(|(respondent, &weight)| (*respondent, weight))
                .unzip();
            let part = Group { code: name.clone(), name: name.clone(), respondents, weights, weighted: group.weighted };
            results.groups.push(estimate(request.codebook, &part));
        }
    }
    results
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
