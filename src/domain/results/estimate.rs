//! The figures of one group of respondents, weighted or not.
//!
//! **One variance formula at every level.** An item's index is a ratio of weighted sums (Σ w·x / Σ w over valid
//! answers), an area's index the mean of its items' indices, the total the mean of the areas'. Each is a smooth
//! function of weighted totals, so its variance is estimated by linearisation: every respondent r gets an influence
//! value z_r (for an item, w_r·(x_r − mean)/Σw; for an area, the mean of its items' z; for the total, the mean of the
//! areas'), and Var = n/(n − 1)·Σ z_r² over the n respondents who contribute (with-replacement approximation). The
//! 95 % interval is the estimate ± t(0.975, df)·√Var with df = n_eff − 1, n_eff being Kish's effective sample size
//! of the contributing respondents' weights. Unweighted, this is exactly the textbook t interval s/√n of an item,
//! and for an area or the total it accounts for the correlation between items answered by the same people.
//!
//! **Shares** (yes/no items) are weighted proportions with Wilson's 95 % interval on the effective sample size.
//! **Distributions** give, per answer option, the unweighted count and the weighted share of those who answered.

use super::codebook::{Codebook, Kind, Respondent};
use super::figures::{GroupResults, IndexResult, ItemResult, OptionResult, ShareResult, Spread};
use super::stats;
use super::weights::effective_n;

/// A group's respondents with their weights (all 1 when unweighted).
pub struct Group<'a> {
    pub code: String,
    pub name: String,
    pub respondents: Vec<&'a Respondent>,
    pub weights: Vec<f64>,
    pub weighted: bool,
}

/// Sums over the valid answers of one scale item.
#[derive(Default, Clone)]
struct Mean {
    weight: f64,
    weighted_sum: f64,
}

impl Mean {
    fn value(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.weighted_sum / self.weight)
    }
}

/// The sum of squared influence values of one estimate, and the contributing respondents' count and weights (their
/// sum and sum of squares, which give Kish's effective sample size).
#[derive(Default, Clone)]
struct Influence {
    squares: f64,
    count: u64,
    weight: f64,
    weight_squares: f64,
}

impl Influence {
    fn add(&mut self, z: f64, weight: f64) {
        self.squares += z * z;
        self.count += 1;
        self.weight += weight;
        self.weight_squares += weight * weight;
    }

    /// The estimate's spread; `None` with fewer than two contributing respondents.
    fn spread(&self) -> Option<Spread> {
        let n = self.count as f64;
        if self.count < 2 {
            return None;
        }
        let effective_n = if self.weight_squares > 0.0 { self.weight * self.weight / self.weight_squares } else { 0.0 };
        Some(Spread { variance: n / (n - 1.0) * self.squares, df: (effective_n - 1.0).max(1.0), effective_n })
    }
}

/// The figures of one group: one walk over its respondents gathers every item's counts and sums ([`tally`]), and a
/// second one, which needs the means, the influence values of the indices' intervals ([`influences`]).
pub fn estimate(codebook: &Codebook, group: &Group<'_>) -> GroupResults {
    let tallies = tally(codebook, group);
    let (item_spreads, area_spreads, total_spread, area_means, total) = influences(codebook, group, &tallies);
    let items = codebook
        .slots
        .iter()
        .enumerate()
        .map(|(slot, _)| item_result(codebook, slot, &tallies[slot], &item_spreads[slot]))
        .collect();
    let areas = codebook
        .areas
        .iter()
        .enumerate()
        .map(|(area, id)| index_result(id, area_means[area], &area_spreads[area]))
        .collect();
    let shares = codebook
        .slots
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.kind == Kind::YesNo)
        .map(|(slot, _)| share_result(codebook, slot, &tallies[slot]))
        .collect();
    GroupResults {
        code: group.code.clone(),
        name: group.name.clone(),
        respondents: Some(group.respondents.len() as u64),
        weighted: group.weighted,
        effective_n: Some(effective_n(&group.weights)),
        items,
        areas,
        total: index_result("total", total, &total_spread),
        shares,
        groups: Vec::new(),
    }
}

/// What the walk over a group gathers about one item: per code, the respondents choosing it and their weight; the
/// respondents answering the item, their weight and its squares (Kish's effective size of a share); and for a scale
/// item the sums of its mean over valid answers.
#[derive(Clone)]
struct Tally {
    counts: Vec<u64>,
    weights: Vec<f64>,
    answered: u64,
    answered_weight: f64,
    answered_weight_squares: f64,
    mean: Mean,
}

/// Every item's tally, in one walk over the group's respondents.
fn tally(codebook: &Codebook, group: &Group<'_>) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = codebook
        .slots
        .iter()
        .map(|slot| Tally {
            counts: vec![0; slot.codes.len()],
            weights: vec![0.0; slot.codes.len()],
            answered: 0,
            answered_weight: 0.0,
            answered_weight_squares: 0.0,
            mean: Mean::default(),
        })
        .collect();
    for (respondent, &weight) in group.respondents.iter().zip(&group.weights) {
        for (slot, (tally, &value)) in tallies.iter_mut().zip(respondent.values.iter()).enumerate() {
            if value == 0 {
                continue;
            }
            tally.answered += 1;
            tally.answered_weight += weight;
            tally.answered_weight_squares += weight * weight;
            for code in codebook.chosen(slot, value) {
                tally.counts[code] += 1;
                tally.weights[code] += weight;
            }
            if let Some(x) = scale_value(codebook, slot, value) {
                tally.mean.weight += weight;
                tally.mean.weighted_sum += weight * x;
            }
        }
    }
    tallies
}

/// The index weight of a respondent's answer to a scale item; `None` when not answered, outside the scale, or not
/// a scale item.
fn scale_value(codebook: &Codebook, slot: usize, value: u32) -> Option<f64> {
    let slot = &codebook.slots[slot];
    if slot.kind != Kind::Scale || value == 0 {
        return None;
    }
    slot.weights.get(value as usize - 1).copied().flatten()
}

type Influences = (Vec<Influence>, Vec<Influence>, Influence, Vec<Option<f64>>, Option<f64>);

/// Every respondent's influence on each item, area and the total (see the module documentation), and the areas'
/// and the total's indices.
fn influences(codebook: &Codebook, group: &Group<'_>, tallies: &[Tally]) -> Influences {
    let means: Vec<Option<f64>> = tallies.iter().map(|tally| tally.mean.value()).collect();
    let area_items: Vec<Vec<usize>> = codebook
        .areas
        .iter()
        .map(|area| {
            (0..codebook.slots.len())
                .filter(|&slot| codebook.slots[slot].area.as_ref() == Some(area) && means[slot].is_some())
                .collect()
        })
        .collect();
    let area_means: Vec<Option<f64>> =
        area_items.iter().map(|slots| mean_of(slots.iter().map(|&s| means[s]))).collect();
    let scored_areas: Vec<usize> = (0..area_means.len()).filter(|&area| area_means[area].is_some()).collect();
    let total = mean_of(scored_areas.iter().map(|&area| area_means[area]));
    let mut items = vec![Influence::default(); codebook.slots.len()];
    let mut areas = vec![Influence::default(); codebook.areas.len()];
    let mut all = Influence::default();
    // Each respondent's influence on each area, kept only until their influence on the total is known.
    let mut z_areas: Vec<Option<f64>> = vec![None; codebook.areas.len()];
    for (respondent, &weight) in group.respondents.iter().zip(&group.weights) {
        for (area, slots) in area_items.iter().enumerate() {
            let mut z_area = 0.0;
            let mut contributes = false;
            for &slot in slots {
                let Some(x) = scale_value(codebook, slot, respondent.values[slot]) else { continue };
                let (mean, total_weight) = (means[slot].unwrap_or_default(), tallies[slot].mean.weight);
                let z = weight * (x - mean) / total_weight;
                items[slot].add(z, weight);
                z_area += z / slots.len() as f64;
                contributes = true;
            }
            z_areas[area] = contributes.then_some(z_area);
            if contributes {
                areas[area].add(z_area, weight);
            }
        }
        let mut z_total = 0.0;
        let mut contributes = false;
        for z_area in scored_areas.iter().filter_map(|&area| z_areas[area]) {
            z_total += z_area;
            contributes = true;
        }
        if contributes {
            all.add(z_total / scored_areas.len() as f64, weight);
        }
    }
    (items, areas, all, area_means, total)
}

/// The mean of the values that exist; `None` when none does.
fn mean_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let present: Vec<f64> = values.flatten().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

fn interval(estimate: Option<f64>, spread: Option<Spread>) -> Option<[f64; 2]> {
    let (estimate, spread) = (estimate?, spread?);
    let half = stats::student_t_quantile(0.975, spread.df) * spread.variance.sqrt();
    Some([estimate - half, estimate + half])
}

fn index_result(id: &str, index: Option<f64>, influence: &Influence) -> IndexResult {
    let spread = influence.spread();
    IndexResult {
        id: id.to_owned(),
        index,
        ci95: interval(index, spread),
        valid: Some(influence.count),
        suppressed: false,
        earlier: None,
        spread: spread.unwrap_or_default(),
    }
}

fn item_result(codebook: &Codebook, slot: usize, tally: &Tally, influence: &Influence) -> ItemResult {
    let item = &codebook.slots[slot];
    let index = tally.mean.value();
    let percent = |weight: f64| (tally.answered_weight > 0.0).then(|| 100.0 * weight / tally.answered_weight);
    let options = item
        .codes
        .iter()
        .enumerate()
        .map(|(code, name)| OptionResult {
            code: name.clone(),
            count: Some(tally.counts[code]),
            percent: percent(tally.weights[code]),
            suppressed: false,
        })
        .collect();
    let outside: Vec<usize> = (0..item.codes.len()).filter(|&code| item.weights[code].is_none()).collect();
    let (valid, dont_know, dont_know_percent) = if item.kind == Kind::Scale {
        let dont_know: u64 = outside.iter().map(|&code| tally.counts[code]).sum();
        let dont_know_weight: f64 = outside.iter().map(|&code| tally.weights[code]).sum();
        (tally.answered - dont_know, Some(dont_know), percent(dont_know_weight))
    } else {
        (tally.answered, None, None)
    };
    let spread = influence.spread();
    ItemResult {
        id: item.id.clone(),
        area: item.area.clone(),
        kind: item.kind.name(),
        index,
        valid: Some(valid),
        dont_know,
        dont_know_percent,
        ci95: interval(index, spread),
        suppressed: false,
        options,
        earlier: None,
        spread: spread.unwrap_or_default(),
    }
}

fn share_result(codebook: &Codebook, slot: usize, tally: &Tally) -> ShareResult {
    let item = &codebook.slots[slot];
    let yes = item.codes.iter().position(|code| code == crate::domain::instrument::YES).unwrap_or(0);
    let effective = if tally.answered_weight_squares > 0.0 {
        tally.answered_weight * tally.answered_weight / tally.answered_weight_squares
    } else {
        0.0
    };
    let proportion = (tally.answered_weight > 0.0).then(|| tally.weights[yes] / tally.answered_weight);
    let ci95 = proportion
        .and_then(|p| stats::wilson_interval(p * effective, effective))
        .map(|[low, high]| [100.0 * low, 100.0 * high]);
    let variance = proportion.map_or(0.0, |p| p * (1.0 - p) / effective.max(1.0));
    ShareResult {
        id: item.id.clone(),
        area: item.area.clone(),
        yes: Some(tally.counts[yes]),
        valid: Some(tally.answered),
        percent: proportion.map(|p| 100.0 * p),
        ci95,
        suppressed: false,
        earlier: None,
        spread: Spread { variance, df: (effective - 1.0).max(1.0), effective_n: effective },
    }
}
