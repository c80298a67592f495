//! The figures results are made of, as every output (the API, the pages, the charts, later the exports) receives
//! them: after [`super::protect`] has hidden what would show a small group. A hidden figure is `None`, with
//! `suppressed` set on the object that holds it.

use serde::{Deserialize, Deserializer, Serialize};

/// The results of one group of respondents: a municipality, the total over several, or one group of a breakdown.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupResults {
    /// The municipality's code, `total`, or the breakdown item's answer code.
    pub code: String,
    pub name: String,
    /// Counted responses (complete and partial); `None` when the group is too small to show.
    pub respondents: Option<u64>,
    /// Whether the figures are weighted to the population's margins.
    pub weighted: bool,
    /// Kish's effective sample size of the weights (the number of respondents when unweighted).
    pub effective_n: Option<f64>,
    pub items: Vec<ItemResult>,
    pub areas: Vec<IndexResult>,
    pub total: IndexResult,
    pub shares: Vec<ShareResult>,
    /// The groups of a breakdown (`by`), each with the same figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub groups: Vec<GroupResults>,
}

/// One item: its index (scale items), its distribution, and "don't know" apart.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemResult {
    pub id: String,
    pub area: Option<String>,
    /// `scale`, `yes_no`, `single` or `multiple`.
    #[serde(deserialize_with = "known")]
    pub kind: Word,
    /// The mean of the option weights over valid answers (0–6, lower is better); scale items only.
    pub index: Option<f64>,
    /// Answers that count for the index (scale items: without "don't know"), or that answered the item.
    pub valid: Option<u64>,
    /// Answers outside the scale ("don't know", "never go out alone late").
    pub dont_know: Option<u64>,
    /// Their share of those who answered the item, 0–100.
    pub dont_know_percent: Option<f64>,
    /// The index's 95 % confidence interval.
    pub ci95: Option<[f64; 2]>,
    pub suppressed: bool,
    /// Every option, "don't know" included, as counts and as shares (0–100) of those who answered the item.
    pub options: Vec<OptionResult>,
    /// The same item in the earlier wave, when compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<Change>,
    #[serde(skip)]
    pub(crate) spread: Spread,
}

/// One answer option of an item.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OptionResult {
    pub code: String,
    pub count: Option<u64>,
    pub percent: Option<f64>,
    pub suppressed: bool,
}

/// An index of an area or of all areas, with its interval.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndexResult {
    /// The area's id (`total` for the mean of the areas).
    pub id: String,
    /// The mean of its items' indices (of the areas' indices for the total); `None` for an area without scale items.
    pub index: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Respondents with at least one valid answer that counts for it.
    pub valid: Option<u64>,
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<Change>,
    #[serde(skip)]
    pub(crate) spread: Spread,
}

/// The share answering yes to a yes/no item, with its Wilson interval.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShareResult {
    pub id: String,
    pub area: Option<String>,
    /// Respondents answering yes.
    pub yes: Option<u64>,
    /// Respondents answering the item (those to whom a follow-up did not apply were not asked and are not here).
    pub valid: Option<u64>,
    /// 0–100.
    pub percent: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<Change>,
    #[serde(skip)]
    pub(crate) spread: Spread,
}

/// A figure of the earlier wave beside this one: the change, its interval and its test.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    /// The earlier wave's figure (an index, or a percentage for shares).
    pub earlier: Option<f64>,
    /// This wave's figure less the earlier one.
    pub change: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub p_value: Option<f64>,
    /// Whether the change is significant at 5 %.
    pub significant: Option<bool>,
    /// `welch` (Welch's t test on two means) or `two_proportions` (a two-proportion z test).
    #[serde(deserialize_with = "known")]
    pub test: Word,
    pub suppressed: bool,
}

/// What a comparison with another wave needs of an estimate, kept beside it but never shown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    /// The estimate's variance (of the mean, or of the proportion).
    pub variance: f64,
    /// Degrees of freedom of its t interval (the effective sample size less one).
    pub df: f64,
    /// The effective sample size behind it.
    pub effective_n: f64,
}

/// One of the [`KNOWN`] words (an alias, so that reading stored results back borrows nothing).
pub type Word = &'static str;

/// The words results name their kinds, tests and weights with; reading stored results back (a publication) gives
/// each its place in this list, so that the figures are the same types as when computed.
const KNOWN: [&str; 8] = ["scale", "yes_no", "single", "multiple", "welch", "two_proportions", "population", "none"];

/// Reads one of [`KNOWN`] words; any other word is an error.
pub(crate) fn known<'de, D: Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    let word = String::deserialize(deserializer)?;
    KNOWN
        .iter()
        .find(|known| **known == word)
        .copied()
        .ok_or_else(|| serde::de::Error::custom(format!("unknown word in stored results: {word}")))
}
