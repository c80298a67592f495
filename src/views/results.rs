//! The results as a staff page reads them: numbers in Swedish (decimal comma, a no-break space before %), a hidden
//! figure as "–" with the footnote that says why, and the labels of areas and items from the questionnaire's ids.

use serde::Serialize;

use crate::domain::aapor::percent;
use crate::domain::results::figures::{Change, GroupResults, IndexResult, ItemResult, ShareResult};
use std::collections::BTreeMap;

use crate::domain::results::published::{Labels, Published, Question};
use crate::views::charts::{IndexBar, IndexBars, index_bars};

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
    /// Per area and the total, a chart with a bar per municipality (and the total).
    pub charts: Vec<ChartView>,
    pub groups: Vec<GroupView>,
}

/// A chart with its visible caption; the SVG names and describes itself too.
#[derive(Serialize)]
pub struct ChartView {
    pub title: String,
    pub svg: String,
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
        let all: Vec<&GroupResults> = results.municipalities.iter().chain(results.total.iter()).collect();
        Self {
            charts: area_charts(&all, labels),
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

/// Per area (and the total) with an index anywhere, a chart of every group's index with its interval.
fn area_charts(groups: &[&GroupResults], labels: &Labels) -> Vec<ChartView> {
    let Some(first) = groups.first() else { return Vec::new() };
    let ids = first.areas.iter().map(|area| area.id.clone()).chain(std::iter::once("total".to_owned()));
    ids.enumerate()
        .filter_map(|(position, id)| {
            let figure = |group: &GroupResults| -> IndexResult {
                if id == "total" { group.total.clone() } else { group.areas[position].clone() }
            };
            let figures: Vec<IndexResult> = groups.iter().map(|group| figure(group)).collect();
            if figures.iter().all(|figure| figure.index.is_none() && !figure.suppressed) {
                return None;
            }
            let bars = groups
                .iter()
                .zip(&figures)
                .map(|(group, figure)| IndexBar {
                    label: group.name.clone(),
                    index: figure.index,
                    ci95: figure.ci95,
                    total: group.code == "total",
                    ..Default::default()
                })
                .collect();
            let name = label(&labels.areas, &id);
            let title = format!("Index, {name}");
            let svg = index_bars(&IndexBars {
                id: format!("chart-{id}"),
                title: title.clone(),
                description: "Index från 0 till 6, lägre är bättre; strecket visar 95 % konfidensintervall.".to_owned(),
                bars,
            });
            Some(ChartView { title, svg })
        })
        .collect()
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
