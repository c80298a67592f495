//! The results as a staff page reads them: numbers in Swedish (decimal comma, a no-break space before %), a hidden
//! figure as "–" with the footnote that says why, the questionnaire's words for areas, items, options and the groups of
//! a breakdown, and a chart beside every table.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::aapor::percent;
use crate::domain::results::figures::{Change, GroupResults, IndexResult, ItemResult, ShareResult};
use crate::domain::results::published::{Labels, Published, Question};
use crate::i18n;
use crate::views::charts::{
    ChoiceBars, DistributionBars, DistributionRow, Earlier, IndexBar, IndexBars, choice_bars, distribution_bars,
    index_bars,
};

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
    /// The breakdown item's question, when broken down.
    pub by: Option<String>,
    /// Per area and the total, a chart with a bar per municipality (and the total).
    pub charts: Vec<ChartView>,
    /// With a breakdown: per area and the total, a chart and a table of every group in every municipality.
    pub breakdown: Vec<BreakdownView>,
    /// Per area (and the background questions), each question's answers as a chart and a table.
    pub distributions: Vec<DistributionSection>,
    pub groups: Vec<GroupView>,
}

/// A chart with its visible caption; the SVG names and describes itself too.
#[derive(Serialize)]
pub struct ChartView {
    pub title: String,
    pub svg: String,
}

/// One area's index per group of a breakdown.
#[derive(Serialize)]
pub struct BreakdownView {
    /// For the page's ids.
    pub key: String,
    pub chart: ChartView,
    pub municipalities: Vec<BreakdownMunicipality>,
}

/// One municipality (or the total) and its groups, as a part of a table.
#[derive(Serialize)]
pub struct BreakdownMunicipality {
    pub name: String,
    pub rows: Vec<BreakdownRow>,
}

/// A group of a breakdown as a table row.
#[derive(Serialize)]
pub struct BreakdownRow {
    /// The group's words from the questionnaire ("16–24 år").
    pub group: String,
    #[serde(flatten)]
    pub figure: IndexRow,
}

/// The questions of one area.
#[derive(Serialize)]
pub struct DistributionSection {
    pub key: String,
    pub title: String,
    pub items: Vec<DistributionView>,
}

/// One question's answers: a chart, and a table with a row per municipality and a column per option.
#[derive(Serialize)]
pub struct DistributionView {
    /// The item's id, for the page's ids.
    pub key: String,
    /// The question.
    pub question: String,
    /// A multiple-choice item, whose shares may add up to more than 100 %.
    pub multiple: bool,
    pub chart: ChartView,
    pub options: Vec<String>,
    pub rows: Vec<DistributionTableRow>,
}

/// A municipality's (or the total's) answers to one question: per option "count (percent)".
#[derive(Serialize)]
pub struct DistributionTableRow {
    pub name: String,
    pub total: bool,
    pub cells: Vec<String>,
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

impl ResultsView {
    /// The page in `lang`, the questionnaire's words from `labels` (in that language where it has it).
    pub fn new(published: &Published, labels: &Labels, question: &Question, lang: &str) -> Self {
        let results = &published.results;
        let all: Vec<&GroupResults> = results.municipalities.iter().chain(results.total.iter()).collect();
        let areas = indexed_areas(&all);
        let by = results.by.as_ref().map(|by| label(&labels.items, by));
        Self {
            charts: area_charts(&all, &areas, labels, lang),
            breakdown: results.by.as_deref().map(|by| breakdowns(&all, &areas, labels, by, lang)).unwrap_or_default(),
            distributions: distributions(&all, labels, lang),
            survey_id: published.survey_id.clone(),
            weighted: question.weighted,
            min_base: published.min_base,
            min_cell: published.min_cell,
            compared: published.compared_with.is_some(),
            by,
            groups: all.iter().map(|group| group_view(group, &areas, labels, lang)).collect(),
        }
    }
}

/// The areas that have an index (a scale item), in the questionnaire's order, and the total.
fn indexed_areas(groups: &[&GroupResults]) -> Vec<String> {
    let Some(first) = groups.first() else { return Vec::new() };
    let scaled = |area: &str| first.items.iter().any(|item| item.kind == "scale" && item.area.as_deref() == Some(area));
    first
        .areas
        .iter()
        .map(|area| area.id.clone())
        .filter(|area| scaled(area))
        .chain(std::iter::once("total".to_owned()))
        .collect()
}

/// A group's figure for an area, or for the total of the areas.
fn area_figure<'a>(group: &'a GroupResults, area: &str) -> Option<&'a IndexResult> {
    if area == "total" { Some(&group.total) } else { group.areas.iter().find(|figure| figure.id == area) }
}

/// Per area (and the total), a chart of every group's index with its interval and, compared, the earlier wave.
fn area_charts(groups: &[&GroupResults], areas: &[String], labels: &Labels, lang: &str) -> Vec<ChartView> {
    areas
        .iter()
        .map(|area| {
            let bars = groups
                .iter()
                .map(|group| index_bar(group_name(group, lang), None, area_figure(group, area), group.code == "total"))
                .collect();
            let title = i18n::text_with(lang, "admin.results.chart_title", &[("area", &label(&labels.areas, area))]);
            let svg = index_bars(&IndexBars {
                id: format!("chart-{area}"),
                title: title.clone(),
                description: i18n::text(lang, "admin.results.chart_description"),
                lang: lang.to_owned(),
                bars,
            });
            ChartView { title, svg }
        })
        .collect()
}

pub(crate) fn index_bar(label: String, section: Option<String>, figure: Option<&IndexResult>, total: bool) -> IndexBar {
    IndexBar {
        label,
        section,
        index: figure.and_then(|figure| figure.index),
        ci95: figure.and_then(|figure| figure.ci95),
        total,
        earlier: figure.and_then(|figure| figure.earlier.as_ref()).map(|change| Earlier {
            value: change.earlier,
            change: change.change,
            significant: change.significant == Some(true),
        }),
    }
}

/// Per area (and the total), every municipality's groups of the breakdown: a chart and a table.
fn breakdowns(groups: &[&GroupResults], areas: &[String], labels: &Labels, by: &str, lang: &str) -> Vec<BreakdownView> {
    let by_label = label(&labels.items, by);
    let group_label = |code: &str| labels.options.get(by).and_then(|names| names.get(code)).cloned();
    areas
        .iter()
        .map(|area| {
            let mut bars = Vec::new();
            let mut municipalities = Vec::new();
            for municipality in groups {
                let mut rows = Vec::new();
                for part in &municipality.groups {
                    let name = group_label(&part.code).unwrap_or_else(|| part.name.clone());
                    let figure = area_figure(part, area);
                    let total = municipality.code == "total";
                    bars.push(index_bar(name.clone(), Some(group_name(municipality, lang)), figure, total));
                    let figure = figure.map_or_else(empty_row, |figure| index_row(figure, &labels.areas, lang));
                    rows.push(BreakdownRow { group: name, figure });
                }
                municipalities.push(BreakdownMunicipality { name: group_name(municipality, lang), rows });
            }
            let area_label = label(&labels.areas, area);
            let title =
                i18n::text_with(lang, "admin.results.breakdown_title", &[("area", &area_label), ("item", &by_label)]);
            let svg = index_bars(&IndexBars {
                id: format!("by-{area}"),
                title: title.clone(),
                description: i18n::text_with(lang, "admin.results.breakdown_description", &[("item", &by_label)]),
                lang: lang.to_owned(),
                bars,
            });
            BreakdownView { key: area.clone(), chart: ChartView { title, svg }, municipalities }
        })
        .collect()
}

/// Every scale and single- or multiple-choice question's answers, by area in the questionnaire's order, the
/// background questions last. Yes/no questions are in the table of shares.
fn distributions(groups: &[&GroupResults], labels: &Labels, lang: &str) -> Vec<DistributionSection> {
    let Some(first) = groups.first() else { return Vec::new() };
    let mut sections: Vec<DistributionSection> = Vec::new();
    for (position, item) in first.items.iter().enumerate() {
        if !matches!(item.kind, "scale" | "single" | "multiple") {
            continue;
        }
        let key = item.area.clone().unwrap_or_else(|| "background".to_owned());
        let view = distribution(groups, position, item, labels, lang);
        match sections.iter_mut().find(|section| section.key == key) {
            Some(section) => section.items.push(view),
            None => {
                let title = match &item.area {
                    Some(area) => label(&labels.areas, area),
                    None => i18n::text(lang, "admin.results.background"),
                };
                sections.push(DistributionSection { key, title, items: vec![view] });
            }
        }
    }
    let (background, areas): (Vec<_>, Vec<_>) = sections.into_iter().partition(|section| section.key == "background");
    areas.into_iter().chain(background).collect()
}

/// One question's answers in every group: a stacked bar (or a bar per option) per group, and the table.
fn distribution(
    groups: &[&GroupResults],
    position: usize,
    item: &ItemResult,
    labels: &Labels,
    lang: &str,
) -> DistributionView {
    let names = labels.options.get(&item.id);
    let option_label = |code: &str| names.and_then(|names| names.get(code)).cloned().unwrap_or_else(|| code.to_owned());
    // The questionnaire's order, with the answer outside the scale moved last.
    let outside = labels.dont_know.get(&item.id);
    let mut order: Vec<usize> = (0..item.options.len()).collect();
    order.sort_by_key(|&index| outside == Some(&item.options[index].code));
    let apart = order.iter().filter(|&&index| outside == Some(&item.options[index].code)).count();
    let options: Vec<String> = order.iter().map(|&index| option_label(&item.options[index].code)).collect();
    let rows: Vec<DistributionRow> = groups
        .iter()
        .map(|group| {
            let figure = &group.items[position];
            DistributionRow {
                label: group.name.clone(),
                percents: order.iter().map(|&index| figure.options.get(index).and_then(|o| o.percent)).collect(),
                hidden: figure.suppressed || figure.options.iter().any(|option| option.suppressed),
                total: group.code == "total",
            }
        })
        .collect();
    let question = label(&labels.items, &item.id);
    let multiple = item.kind == "multiple";
    let svg = if multiple {
        choice_bars(&ChoiceBars {
            id: format!("dist-{}", item.id),
            title: question.clone(),
            description: i18n::text(lang, "admin.results.choice_description"),
            lang: lang.to_owned(),
            options: options.clone(),
            groups: rows,
        })
    } else {
        distribution_bars(&DistributionBars {
            id: format!("dist-{}", item.id),
            title: question.clone(),
            description: i18n::text(
                lang,
                if apart > 0 { "admin.results.scale_description" } else { "admin.results.distribution_description" },
            ),
            lang: lang.to_owned(),
            options: options.clone(),
            apart,
            rows,
        })
    };
    let table = groups
        .iter()
        .map(|group| {
            let figure = &group.items[position];
            DistributionTableRow {
                name: group.name.clone(),
                total: group.code == "total",
                cells: order
                    .iter()
                    .map(|&index| match figure.options.get(index) {
                        Some(option) if option.count.is_none() && option.percent.is_none() => HIDDEN.to_owned(),
                        Some(option) => format!("{} ({})", count(option.count), share_in(option.percent, lang)),
                        None => HIDDEN.to_owned(),
                    })
                    .collect(),
            }
        })
        .collect();
    DistributionView {
        key: item.id.clone(),
        question: question.clone(),
        multiple,
        chart: ChartView { title: question, svg },
        options,
        rows: table,
    }
}

fn group_view(results: &GroupResults, areas: &[String], labels: &Labels, lang: &str) -> GroupView {
    let indices = areas
        .iter()
        .filter_map(|area| area_figure(results, area))
        .map(|figure| index_row(figure, &labels.areas, lang))
        .collect();
    let items =
        results.items.iter().filter(|item| item.kind == "scale").map(|i| item_row(i, &labels.items, lang)).collect();
    GroupView {
        code: results.code.clone(),
        name: group_name(results, lang),
        respondents: count(results.respondents),
        weighted: results.weighted,
        effective_n: results.effective_n.map_or_else(|| HIDDEN.to_owned(), |n| i18n::decimal(lang, n, 0)),
        indices,
        items,
        shares: results.shares.iter().map(|s| share_row(s, &labels.items, lang)).collect(),
    }
}

fn empty_row() -> IndexRow {
    IndexRow {
        id: String::new(),
        index: HIDDEN.to_owned(),
        interval: HIDDEN.to_owned(),
        valid: HIDDEN.to_owned(),
        dont_know: String::new(),
        earlier: String::new(),
        change: String::new(),
        suppressed: false,
    }
}

fn index_row(index: &IndexResult, names: &BTreeMap<String, String>, lang: &str) -> IndexRow {
    let (earlier, change) = change_cells(index.earlier.as_ref(), 2, lang);
    IndexRow {
        id: label(names, &index.id),
        index: index.index.map_or_else(|| HIDDEN.to_owned(), |value| i18n::decimal(lang, value, 2)),
        interval: interval_in(index.ci95, 2, lang),
        valid: count(index.valid),
        dont_know: String::new(),
        earlier,
        change,
        suppressed: index.suppressed,
    }
}

fn item_row(item: &ItemResult, names: &BTreeMap<String, String>, lang: &str) -> IndexRow {
    let (earlier, change) = change_cells(item.earlier.as_ref(), 2, lang);
    IndexRow {
        id: label(names, &item.id),
        index: item.index.map_or_else(|| HIDDEN.to_owned(), |value| i18n::decimal(lang, value, 2)),
        interval: interval_in(item.ci95, 2, lang),
        valid: count(item.valid),
        dont_know: format!("{} ({})", count(item.dont_know), share_in(item.dont_know_percent, lang)),
        earlier,
        change,
        suppressed: item.suppressed,
    }
}

fn share_row(figure: &ShareResult, names: &BTreeMap<String, String>, lang: &str) -> ShareRow {
    let (earlier, change) = change_cells(figure.earlier.as_ref(), 1, lang);
    ShareRow {
        id: label(names, &figure.id),
        percent: share_in(figure.percent, lang),
        interval: interval_in(figure.ci95, 1, lang),
        yes: count(figure.yes),
        valid: count(figure.valid),
        earlier,
        change,
        suppressed: figure.suppressed,
    }
}

fn change_cells(change: Option<&Change>, decimals: usize, lang: &str) -> (String, String) {
    let Some(change) = change else { return (String::new(), String::new()) };
    let earlier = change.earlier.map_or_else(|| HIDDEN.to_owned(), |value| i18n::decimal(lang, value, decimals));
    let difference = match (change.change, change.significant) {
        (Some(value), Some(true)) => {
            i18n::text_with(lang, "admin.results.significant_change", &[("change", &signed_in(value, decimals, lang))])
        }
        (Some(value), _) => signed_in(value, decimals, lang),
        (None, _) => HIDDEN.to_owned(),
    };
    (earlier, difference)
}

/// A municipality's name, or the total's in `lang`.
fn group_name(group: &GroupResults, lang: &str) -> String {
    if group.code == "total" { i18n::text(lang, "admin.rates.total") } else { group.name.clone() }
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
    share_in(value, "sv")
}

/// A percentage on the 0–100 scale as `lang` writes it ("53,2 %", "53.2%").
fn share_in(value: Option<f64>, lang: &str) -> String {
    percent(value.map(|value| value / 100.0), lang)
}

/// A number with a decimal comma and a real minus; one that rounds to zero has no sign.
pub fn decimal(value: f64, decimals: usize) -> String {
    i18n::decimal("sv", value, decimals)
}

/// A change: "+0,12", "−0,12", or "0,00".
pub(crate) fn signed(value: f64, decimals: usize) -> String {
    signed_in(value, decimals, "sv")
}

fn signed_in(value: f64, decimals: usize, lang: &str) -> String {
    let written = i18n::decimal(lang, value, decimals);
    let nonzero = written.chars().any(|c| c.is_ascii_digit() && c != '0');
    if value > 0.0 && nonzero { format!("+{written}") } else { written }
}

pub(crate) fn interval(ci: Option<[f64; 2]>, decimals: usize) -> String {
    interval_in(ci, decimals, "sv")
}

fn interval_in(ci: Option<[f64; 2]>, decimals: usize, lang: &str) -> String {
    ci.map_or_else(
        || HIDDEN.to_owned(),
        |[low, high]| format!("{}–{}", i18n::decimal(lang, low, decimals), i18n::decimal(lang, high, decimals)),
    )
}

/// The page's form: which municipality, breakdown, earlier wave and weights, each choice with its words.
#[derive(Serialize)]
pub struct ResultsForm {
    /// Empty when the staff member sees one municipality only.
    pub municipalities: Vec<Choice>,
    /// The background questions first, then the other single-choice and yes/no questions.
    pub background: Vec<Choice>,
    pub other_items: Vec<Choice>,
    pub earlier: Vec<Choice>,
    pub weighted: bool,
    /// What the figures show, in one sentence (the form itself is not printed).
    pub showing: String,
}

/// One option of a `<select>`.
#[derive(Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An earlier survey the figures may be compared with.
pub struct EarlierSurvey {
    pub id: String,
    pub title: String,
    pub opens_on: chrono::NaiveDate,
}

impl ResultsForm {
    /// `municipalities` are those the staff member may see (code, name); `earlier` the other surveys they may see.
    pub fn new(
        published: &Published,
        labels: &Labels,
        question: &Question,
        municipalities: &[(String, String)],
        mut earlier: Vec<EarlierSurvey>,
        lang: &str,
    ) -> Self {
        let choice = |value: &str, label: String, chosen: Option<&String>| Choice {
            value: value.to_owned(),
            label,
            selected: chosen.is_some_and(|chosen| chosen == value),
        };
        let items: Vec<&ItemResult> = published
            .results
            .municipalities
            .first()
            .map(|group| group.items.iter().filter(|item| matches!(item.kind, "single" | "yes_no")).collect())
            .unwrap_or_default();
        let item_choice = |item: &&ItemResult| choice(&item.id, label(&labels.items, &item.id), question.by.as_ref());
        let background = items.iter().filter(|item| item.area.is_none()).map(item_choice).collect();
        let other_items = items.iter().filter(|item| item.area.is_some()).map(item_choice).collect();
        earlier.sort_by(|a, b| b.opens_on.cmp(&a.opens_on).then_with(|| a.title.cmp(&b.title)));
        let earlier: Vec<Choice> = earlier
            .iter()
            .filter(|survey| survey.id != published.survey_id)
            .map(|survey| {
                let day = survey.opens_on.format("%Y-%m-%d").to_string();
                let label =
                    i18n::text_with(lang, "admin.results.earlier_choice", &[("title", &survey.title), ("day", &day)]);
                choice(&survey.id, label, question.compare.as_ref())
            })
            .collect();
        let mut showing = vec![match &question.municipality {
            Some(code) => municipalities
                .iter()
                .find(|(each, _)| each == code)
                .map_or_else(|| code.clone(), |(_, name)| name.clone()),
            None if municipalities.len() > 1 => i18n::text(lang, "admin.results.showing_all"),
            None => municipalities.first().map(|(_, name)| name.clone()).unwrap_or_default(),
        }];
        if let Some(by) = &question.by {
            showing.push(i18n::text_with(lang, "admin.results.showing_by", &[("item", &label(&labels.items, by))]));
        }
        if let Some(compared) = earlier.iter().find(|choice| choice.selected) {
            showing.push(i18n::text_with(lang, "admin.results.showing_compared", &[("survey", &compared.label)]));
        }
        showing.push(i18n::text(
            lang,
            if question.weighted { "admin.results.showing_weighted" } else { "admin.results.showing_unweighted" },
        ));
        Self {
            municipalities: match municipalities.len() {
                0 | 1 => Vec::new(),
                _ => municipalities
                    .iter()
                    .map(|(code, name)| choice(code, name.clone(), question.municipality.as_ref()))
                    .collect(),
            },
            background,
            other_items,
            earlier,
            weighted: question.weighted,
            showing: format!("{}.", showing.join(", ")),
        }
    }
}
