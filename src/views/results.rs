//! The results as a staff page reads them: numbers in Swedish (decimal comma, a no-break space before %), a hidden
//! figure as "–" with the footnote that says why, and the labels of areas and items from the questionnaire's ids.

use serde::Serialize;

use crate::domain::aapor::percent;
use crate::domain::results::figures::{Change, GroupResults, IndexResult, ItemResult, ShareResult};
use std::collections::BTreeMap;

use crate::domain::results::published::{Labels, Published, Question};

/// What a hidden figure shows.
pub const HIDDEN: &str = "–";

/// The whole page's figures.
#[derive(Serialize)]
pub struct ResultsView {
    pub survey_id: String,
    pub weighted: bool,
    pub min_base: u64,
    pub min_cell: u64,
    pub compared: bool,
    pub by: Option<String>,
    pub groups: Vec<GroupView>,
}

/// One municipality, or the total.
#[derive(Serialize)]
pub struct GroupView {
    pub code: String,
    pub name: String,
    pub respondents: String,
    pub weighted: bool,
    pub effective_n: String,
    pub indices: Vec<IndexRow>,
    pub items: Vec<IndexRow>,
    pub shares: Vec<ShareRow>,
    pub distributions: Vec<DistributionView>,
    pub groups: Vec<GroupView>,
}

/// An index (area, total or item) as a table row.
#[derive(Serialize)]
pub struct IndexRow {
    pub id: String,
    pub index: String,
    pub interval: String,
    pub valid: String,
    pub dont_know: String,
    pub earlier: String,
    pub change: String,
    pub suppressed: bool,
}

/// A share as a table row.
#[derive(Serialize)]
pub struct ShareRow {
    pub id: String,
    pub percent: String,
    pub interval: String,
    pub yes: String,
    pub valid: String,
    pub earlier: String,
    pub change: String,
    pub suppressed: bool,
}

/// An item's answers, per option.
#[derive(Serialize)]
pub struct DistributionView {
    /// The item's id, for the page's anchors.
    pub key: String,
    /// The question.
    pub id: String,
    pub options: Vec<(String, String, String)>,
}

impl ResultsView {
    pub fn new(published: &Published, question: &Question) -> Self {
        let results = &published.results;
        let labels = &published.labels;
        let groups = results.municipalities.iter().chain(results.total.iter()).map(|g| group(g, labels)).collect();
        Self {
            survey_id: published.survey_id.clone(),
            weighted: question.weighted,
            min_base: published.min_base,
            min_cell: published.min_cell,
            compared: published.compared_with.is_some(),
            by: results.by.clone(),
            groups,
        }
    }
}

fn group(results: &GroupResults, labels: &Labels) -> GroupView {
    let indices =
        results.areas.iter().chain(std::iter::once(&results.total)).map(|i| index_row(i, &labels.areas)).collect();
    let items = results.items.iter().filter(|item| item.kind == "scale").map(|i| item_row(i, &labels.items)).collect();
    let distributions = results
        .items
        .iter()
        .map(|item| {
            let names = labels.options.get(&item.id);
            let name = |code: &str| names.and_then(|names| names.get(code)).cloned().unwrap_or_else(|| code.to_owned());
            DistributionView {
                key: item.id.clone(),
                id: label(&labels.items, &item.id),
                options: item
                    .options
                    .iter()
                    .map(|option| (name(&option.code), count(option.count), share(option.percent)))
                    .collect(),
            }
        })
        .collect();
    GroupView {
        code: results.code.clone(),
        name: results.name.clone(),
        respondents: count(results.respondents),
        weighted: results.weighted,
        effective_n: results.effective_n.map_or_else(|| HIDDEN.to_owned(), |n| decimal(n, 0)),
        indices,
        items,
        shares: results.shares.iter().map(|s| share_row(s, &labels.items)).collect(),
        distributions,
        groups: results.groups.iter().map(|g| group(g, labels)).collect(),
    }
}

fn index_row(index: &IndexResult, names: &BTreeMap<String, String>) -> IndexRow {
    let (earlier, change) = change_cells(index.earlier.as_ref(), 2);
    IndexRow {
        id: label(names, &index.id),
        index: index.index.map_or_else(|| HIDDEN.to_owned(), |value| decimal(value, 2)),
        interval: interval(index.ci95, 2),
        valid: count(index.valid),
        dont_know: String::new(),
        earlier,
        change,
        suppressed: index.suppressed,
    }
}

fn item_row(item: &ItemResult, names: &BTreeMap<String, String>) -> IndexRow {
    let (earlier, change) = change_cells(item.earlier.as_ref(), 2);
    IndexRow {
        id: label(names, &item.id),
        index: item.index.map_or_else(|| HIDDEN.to_owned(), |value| decimal(value, 2)),
        interval: interval(item.ci95, 2),
        valid: count(item.valid),
        dont_know: format!("{} ({})", count(item.dont_know), share(item.dont_know_percent)),
        earlier,
        change,
        suppressed: item.suppressed,
    }
}

fn share_row(figure: &ShareResult, names: &BTreeMap<String, String>) -> ShareRow {
    let (earlier, change) = change_cells(figure.earlier.as_ref(), 1);
    ShareRow {
        id: label(names, &figure.id),
        percent: share(figure.percent),
        interval: interval(figure.ci95, 1),
        yes: count(figure.yes),
        valid: count(figure.valid),
        earlier,
        change,
        suppressed: figure.suppressed,
    }
}

fn change_cells(change: Option<&Change>, decimals: usize) -> (String, String) {
    let Some(change) = change else { return (String::new(), String::new()) };
    let earlier = change.earlier.map_or_else(|| HIDDEN.to_owned(), |value| decimal(value, decimals));
    let difference = match (change.change, change.significant) {
        (Some(value), Some(true)) => format!("{} (signifikant)", signed(value, decimals)),
        (Some(value), _) => signed(value, decimals),
        (None, _) => HIDDEN.to_owned(),
    };
    (earlier, difference)
}

/// The words for an id, or the id itself.
fn label(names: &BTreeMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_owned())
}

/// A count, or "–" when hidden.
pub fn count(value: Option<u64>) -> String {
    value.map_or_else(|| HIDDEN.to_owned(), |value| value.to_string())
}

/// A percentage on the 0–100 scale as the rest of the service writes it.
pub fn share(value: Option<f64>) -> String {
    percent(value.map(|value| value / 100.0), "sv")
}

/// A number with a decimal comma.
pub fn decimal(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}").replace('.', ",").replace('-', "−")
}

fn signed(value: f64, decimals: usize) -> String {
    if value > 0.0 { format!("+{}", decimal(value, decimals)) } else { decimal(value, decimals) }
}

fn interval(ci: Option<[f64; 2]>, decimals: usize) -> String {
    ci.map_or_else(
        || HIDDEN.to_owned(),
        |[low, high]| format!("{}–{}", decimal(low, decimals), decimal(high, decimals)),
    )
}
