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

/// The figures of one group.
pub fn estimate(codebook: &Codebook, group: &Group<'_>) -> GroupResults {
    estimate_parts(codebook, group, None)
}

/// The figures of one group and, with `by`, of each of its parts by the answer to the item in that slot (a single
/// choice or yes/no item; one part per code, in the item's order, as the group's `groups`). Two walks over the
/// group's respondents make every figure of the group and its parts: the first gathers each item's counts, weights
/// and sums ([`Sums`]), the second, which needs the means, the influence values of the indices' intervals
/// ([`Spreads`]).
pub fn estimate_parts(codebook: &Codebook, group: &Group<'_>, by: Option<usize>) -> GroupResults {
    let layout = Layout::new(codebook);
    let parts = by.map_or(0, |slot| codebook.slots[slot].codes.len());
    // The parts of a respondent (index 0 is the whole group): the codes of their answer.
    let parts_of = |respondent: &Respondent| {
        let answer = by.map(|slot| (slot, respondent.values[slot]));
        answer.into_iter().flat_map(|(slot, value)| codebook.chosen(slot, value)).map(|code| code + 1)
    };
    let mut sums: Vec<Sums> = (0..=parts).map(|_| Sums::new(&layout)).collect();
    for (respondent, &weight) in group.respondents.iter().zip(&group.weights) {
        sums[0].add(&layout, respondent, weight);
        for part in parts_of(respondent) {
            sums[part].add(&layout, respondent, weight);
        }
    }
    let mut spreads: Vec<Spreads> = sums.iter().map(|sums| Spreads::new(codebook, sums)).collect();
    for (respondent, &weight) in group.respondents.iter().zip(&group.weights) {
        spreads[0].add(&layout, respondent, weight);
        for part in parts_of(respondent) {
            spreads[part].add(&layout, respondent, weight);
        }
    }
    let mut figures = sums.iter().zip(spreads).map(|(sums, spreads)| figures_of(codebook, &layout, sums, spreads));
    let Some((items, areas, total, shares)) = figures.next() else { unreachable!("the group's own sums come first") };
    let groups = by
        .map(|slot| &codebook.slots[slot].codes)
        .into_iter()
        .flatten()
        .zip(figures)
        .zip(&sums[1..])
        .map(|((code, (items, areas, total, shares)), sums)| GroupResults {
            code: code.clone(),
            name: code.clone(),
            respondents: Some(sums.respondents),
            weighted: group.weighted,
            effective_n: Some(if sums.weight_squares > 0.0 {
                sums.weight * sums.weight / sums.weight_squares
            } else {
                0.0
            }),
            items,
            areas,
            total,
            shares,
            groups: Vec::new(),
        })
        .collect();
    GroupResults {
        code: group.code.clone(),
        name: group.name.clone(),
        respondents: Some(group.respondents.len() as u64),
        weighted: group.weighted,
        effective_n: Some(effective_n(&group.weights)),
        items,
        areas,
        total,
        shares,
        groups,
    }
}

type Figures = (Vec<ItemResult>, Vec<IndexResult>, IndexResult, Vec<ShareResult>);

/// The items', areas', total's and shares' figures of one group from its sums and spreads.
fn figures_of(codebook: &Codebook, layout: &Layout, sums: &Sums, spreads: Spreads) -> Figures {
    let items = (0..codebook.slots.len())
        .map(|slot| item_result(codebook, slot, &sums.item(layout, slot), &spreads.items[slot]))
        .collect();
    let areas = codebook
        .areas
        .iter()
        .enumerate()
        .map(|(area, id)| index_result(id, spreads.area_means[area], &spreads.areas[area]))
        .collect();
    let shares = codebook
        .slots
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.kind == Kind::YesNo)
        .map(|(slot, _)| share_result(codebook, slot, &sums.item(layout, slot)))
        .collect();
    (items, areas, index_result("total", spreads.total, &spreads.all), shares)
}

/// The codebook laid out for the walks over respondents: every slot's codes one after the other, so that a walk
/// touches a few flat arrays instead of each slot's own.
struct Layout {
    /// Per slot: where its codes start, how many it has, and whether it is multiple choice.
    start: Vec<usize>,
    len: Vec<usize>,
    multiple: Vec<bool>,
    /// Per code: its index weight, `None` outside a scale (and for every code of an item that is not a scale).
    x: Vec<Option<f64>>,
}

impl Layout {
    fn new(codebook: &Codebook) -> Self {
        let mut layout = Self { start: Vec::new(), len: Vec::new(), multiple: Vec::new(), x: Vec::new() };
        for slot in &codebook.slots {
            layout.start.push(layout.x.len());
            layout.len.push(slot.codes.len());
            layout.multiple.push(slot.kind == Kind::Multiple);
            let scale = slot.kind == Kind::Scale;
            layout
                .x
                .extend((0..slot.codes.len()).map(|code| slot.weights.get(code).copied().flatten().filter(|_| scale)));
        }
        layout
    }

    /// The index weight of a respondent's answer to a scale item; `None` when not answered, outside the scale, or
    /// not a scale item.
    fn scale_value(&self, slot: usize, value: u32) -> Option<f64> {
        let code = (value as usize).checked_sub(1)?;
        if code >= self.len[slot] {
            return None;
        }
        self.x[self.start[slot] + code]
    }
}

/// What the first walk gathers of a group: per code, the respondents choosing it and their weight; per item, the
/// respondents answering it, their weight and its squares (Kish's effective size of a share), and for a scale item
/// the sums of its mean over valid answers; and the group's respondents and their weights.
struct Sums {
    counts: Vec<u64>,
    weights: Vec<f64>,
    answered: Vec<u64>,
    answered_weight: Vec<f64>,
    answered_weight_squares: Vec<f64>,
    means: Vec<Mean>,
    respondents: u64,
    weight: f64,
    weight_squares: f64,
}

/// One item's part of [`Sums`].
struct Tally {
    counts: Vec<u64>,
    weights: Vec<f64>,
    answered: u64,
    answered_weight: f64,
    answered_weight_squares: f64,
    mean: Mean,
}

impl Sums {
    fn new(layout: &Layout) -> Self {
        let slots = layout.len.len();
        Self {
            counts: vec![0; layout.x.len()],
            weights: vec![0.0; layout.x.len()],
            answered: vec![0; slots],
            answered_weight: vec![0.0; slots],
            answered_weight_squares: vec![0.0; slots],
            means: vec![Mean::default(); slots],
            respondents: 0,
            weight: 0.0,
            weight_squares: 0.0,
        }
    }

    fn add(&mut self, layout: &Layout, respondent: &Respondent, weight: f64) {
        self.respondents += 1;
        self.weight += weight;
        self.weight_squares += weight * weight;
        for (slot, &value) in respondent.values.iter().enumerate().take(layout.len.len()) {
            if value == 0 {
                continue;
            }
            self.answered[slot] += 1;
            self.answered_weight[slot] += weight;
            self.answered_weight_squares[slot] += weight * weight;
            let (start, len) = (layout.start[slot], layout.len[slot]);
            if layout.multiple[slot] {
                let mut chosen = if len >= 32 { value } else { value & ((1 << len) - 1) };
                while chosen != 0 {
                    let code = start + chosen.trailing_zeros() as usize;
                    self.counts[code] += 1;
                    self.weights[code] += weight;
                    chosen &= chosen - 1;
                }
            } else if value as usize <= len {
                let code = start + value as usize - 1;
                self.counts[code] += 1;
                self.weights[code] += weight;
                if let Some(x) = layout.x[code] {
                    self.means[slot].weight += weight;
                    self.means[slot].weighted_sum += weight * x;
                }
            }
        }
    }

    fn item(&self, layout: &Layout, slot: usize) -> Tally {
        let codes = layout.start[slot]..layout.start[slot] + layout.len[slot];
        Tally {
            counts: self.counts[codes.clone()].to_vec(),
            weights: self.weights[codes].to_vec(),
            answered: self.answered[slot],
            answered_weight: self.answered_weight[slot],
            answered_weight_squares: self.answered_weight_squares[slot],
            mean: self.means[slot].clone(),
        }
    }
}

/// What the second walk gathers of a group: every respondent's influence on each item, area and the total (see the
/// module documentation), with what it needs of the first walk.
struct Spreads {
    items: Vec<Influence>,
    areas: Vec<Influence>,
    all: Influence,
    /// Per slot: the item's mean and the weight of its valid answers.
    means: Vec<(f64, f64)>,
    /// Per area, its items that have an index.
    area_items: Vec<Vec<usize>>,
    area_means: Vec<Option<f64>>,
    /// The areas that have an index, and the total's.
    scored_areas: Vec<usize>,
    total: Option<f64>,
    /// A respondent's influence on each area, kept until their influence on the total is known.
    z_areas: Vec<Option<f64>>,
}

impl Spreads {
    fn new(codebook: &Codebook, sums: &Sums) -> Self {
        let means: Vec<Option<f64>> = sums.means.iter().map(Mean::value).collect();
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
        Self {
            items: vec![Influence::default(); codebook.slots.len()],
            areas: vec![Influence::default(); codebook.areas.len()],
            all: Influence::default(),
            means: means.iter().zip(&sums.means).map(|(mean, sums)| (mean.unwrap_or_default(), sums.weight)).collect(),
            area_items,
            area_means,
            scored_areas,
            total,
            z_areas: vec![None; codebook.areas.len()],
        }
    }

    fn add(&mut self, layout: &Layout, respondent: &Respondent, weight: f64) {
        for (area, slots) in self.area_items.iter().enumerate() {
            let mut z_area = 0.0;
            let mut contributes = false;
            for &slot in slots {
                let Some(x) = layout.scale_value(slot, respondent.values[slot]) else { continue };
                let (mean, total_weight) = self.means[slot];
                let z = weight * (x - mean) / total_weight;
                self.items[slot].add(z, weight);
                z_area += z / slots.len() as f64;
                contributes = true;
            }
            self.z_areas[area] = contributes.then_some(z_area);
            if contributes {
                self.areas[area].add(z_area, weight);
            }
        }
        let mut z_total = 0.0;
        let mut contributes = false;
        for z_area in self.scored_areas.iter().filter_map(|&area| self.z_areas[area]) {
            z_total += z_area;
            contributes = true;
        }
        if contributes {
            self.all.add(z_total / self.scored_areas.len() as f64, weight);
        }
    }
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
