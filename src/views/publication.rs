//! The public results pages (`/resultat/{survey}` and one page per municipality): what residents, journalists and
//! the municipality's own website read, from the frozen snapshot of a published survey. Numbers in Swedish, every
//! hidden figure "–" with the footnote that says why, charts that read out their data.

use serde::Serialize;

use crate::domain::aapor::percent;
use crate::domain::publication::Snapshot;
use crate::domain::results::figures::{Change, GroupResults, IndexResult};
use crate::views::charts::{IndexBars, index_bars};
use crate::views::promises::{FollowedMunicipality, followed};
use crate::views::results::{HIDDEN, count, decimal, index_bar, interval, share, signed};

/// The survey's page: every municipality with its response rate and total index.
#[derive(Serialize)]
pub struct PublicSurvey {
    pub survey_id: String,
    pub title: String,
    pub period: String,
    pub published_on: String,
    pub compared: bool,
    pub weighted: bool,
    pub min_base: u64,
    pub min_cell: u64,
    pub chart: String,
    pub municipalities: Vec<MunicipalityLine>,
}

/// A municipality on the survey's page.
#[derive(Serialize)]
pub struct MunicipalityLine {
    pub code: String,
    pub name: String,
    pub respondents: String,
    pub response_rate: String,
    pub total_index: String,
    pub interval: String,
}

/// One municipality's page.
#[derive(Serialize)]
pub struct PublicMunicipality {
    pub survey_id: String,
    pub title: String,
    pub period: String,
    pub published_on: String,
    pub code: String,
    pub name: String,
    pub respondents: String,
    pub letters: String,
    pub response_rate: String,
    pub weighted: bool,
    pub compared: bool,
    pub min_base: u64,
    pub min_cell: u64,
    pub chart: String,
    pub areas: Vec<FigureRow>,
    pub items: Vec<FigureRow>,
    pub shares: Vec<FigureRow>,
    pub hidden_any: bool,
    /// The citizen promises the survey follows here, as they stood when it was published.
    pub promises: Option<FollowedMunicipality>,
}

/// A figure as a table row, with the earlier wave when compared.
#[derive(Serialize)]
pub struct FigureRow {
    pub label: String,
    pub area: String,
    pub value: String,
    pub interval: String,
    pub valid: String,
    pub earlier: String,
    pub change: String,
    pub significant: String,
}

fn period(snapshot: &Snapshot) -> String {
    format!("{} – {}", snapshot.round.opens_on, snapshot.round.closes_on)
}

impl PublicSurvey {
    pub fn new(snapshot: &Snapshot, published_on: String) -> Self {
        let published = &snapshot.published;
        let groups: Vec<&GroupResults> =
            published.results.municipalities.iter().chain(published.results.total.iter()).collect();
        let bars = groups
            .iter()
            .map(|group| {
                let label = if group.code == "total" { "Totalt".to_owned() } else { group.name.clone() };
                index_bar(label, None, Some(&group.total), group.code == "total")
            })
            .collect();
        let chart = index_bars(&IndexBars {
            id: "chart-total".to_owned(),
            title: "Totalindex per kommun".to_owned(),
            description: "Totalindex från 0 till 6, lägre är bättre; strecket visar 95 % konfidensintervall."
                .to_owned(),
            lang: "sv".to_owned(),
            bars,
        });
        let municipalities = published
            .results
            .municipalities
            .iter()
            .map(|group| MunicipalityLine {
                code: group.code.clone(),
                name: group.name.clone(),
                respondents: count(group.respondents),
                response_rate: response_rate(snapshot, &group.code),
                total_index: index(group.total.index),
                interval: interval(group.total.ci95, 2),
            })
            .collect();
        Self {
            survey_id: published.survey_id.clone(),
            title: snapshot.round.title.clone(),
            period: period(snapshot),
            published_on,
            compared: published.compared_with.is_some(),
            weighted: published.weights == "population",
            min_base: published.min_base,
            min_cell: published.min_cell,
            chart,
            municipalities,
        }
    }
}

impl PublicMunicipality {
    /// The page of one municipality of the snapshot; `None` when the survey has no such municipality.
    pub fn new(snapshot: &Snapshot, published_on: String, code: &str) -> Option<Self> {
        let published = &snapshot.published;
        let group = published.results.municipalities.iter().find(|group| group.code == code)?;
        let labels = &published.labels;
        let name_of =
            |id: &str| labels.items.get(id).or_else(|| labels.areas.get(id)).cloned().unwrap_or_else(|| id.to_owned());
        let index_figures: Vec<&IndexResult> = std::iter::once(&group.total)
            .chain(group.areas.iter().filter(|area| area.index.is_some() || area.suppressed))
            .collect();
        let bars = index_figures
            .iter()
            .map(|figure| index_bar(name_of(&figure.id), None, Some(figure), figure.id == "total"))
            .collect();
        let chart = index_bars(&IndexBars {
            id: format!("chart-{code}"),
            title: format!("Index per område, {}", group.name),
            description: "Index från 0 till 6, lägre är bättre; strecket visar 95 % konfidensintervall.".to_owned(),
            lang: "sv".to_owned(),
            bars,
        });
        let areas = index_figures
            .iter()
            .map(|figure| FigureRow {
                label: name_of(&figure.id),
                area: String::new(),
                value: index(figure.index),
                interval: interval(figure.ci95, 2),
                valid: count(figure.valid),
                ..change_cells(figure.earlier.as_ref(), 2)
            })
            .collect();
        let items = group
            .items
            .iter()
            .filter(|item| item.kind == "scale")
            .map(|item| FigureRow {
                label: name_of(&item.id),
                area: item.area.as_deref().map(name_of).unwrap_or_default(),
                value: index(item.index),
                interval: interval(item.ci95, 2),
                valid: count(item.valid),
                ..change_cells(item.earlier.as_ref(), 2)
            })
            .collect();
        let shares = group
            .shares
            .iter()
            .map(|figure| FigureRow {
                label: name_of(&figure.id),
                area: figure.area.as_deref().map(name_of).unwrap_or_default(),
                value: share(figure.percent),
                interval: interval(figure.ci95, 1),
                valid: count(figure.valid),
                ..change_cells(figure.earlier.as_ref(), 1)
            })
            .collect();
        let rates = snapshot.rates.municipalities.iter().find(|rates| rates.code == code);
        let hidden_any = group.items.iter().any(|item| item.suppressed)
            || group.shares.iter().any(|share| share.suppressed)
            || group.total.suppressed;
        Some(Self {
            survey_id: published.survey_id.clone(),
            title: snapshot.round.title.clone(),
            period: period(snapshot),
            published_on,
            code: group.code.clone(),
            name: group.name.clone(),
            respondents: count(group.respondents),
            letters: rates.filter(|rates| rates.letters > 0).map(|rates| rates.letters.to_string()).unwrap_or_default(),
            response_rate: response_rate(snapshot, code),
            weighted: group.weighted,
            compared: published.compared_with.is_some(),
            min_base: published.min_base,
            min_cell: published.min_cell,
            chart,
            areas,
            items,
            shares,
            hidden_any,
            promises: followed(&snapshot.promises).into_iter().find(|promises| promises.code == code),
        })
    }
}

/// The municipality's response rate, or "–" (an open-link survey has none).
fn response_rate(snapshot: &Snapshot, code: &str) -> String {
    if !snapshot.rates.has_rates {
        return HIDDEN.to_owned();
    }
    let rate =
        snapshot.rates.municipalities.iter().find(|rates| rates.code == code).and_then(|r| r.rates.svarsfrekvens);
    percent(rate, "sv")
}

fn index(value: Option<f64>) -> String {
    value.map_or_else(|| HIDDEN.to_owned(), |value| decimal(value, 2))
}

/// The earlier wave's cells of a row (the rest of the row is left for the caller).
fn change_cells(change: Option<&Change>, decimals: usize) -> FigureRow {
    let mut row = FigureRow {
        label: String::new(),
        area: String::new(),
        value: String::new(),
        interval: String::new(),
        valid: String::new(),
        earlier: String::new(),
        change: String::new(),
        significant: String::new(),
    };
    let Some(change) = change else { return row };
    row.earlier = change.earlier.map_or_else(|| HIDDEN.to_owned(), |value| decimal(value, decimals));
    row.change = change.change.map_or_else(|| HIDDEN.to_owned(), |value| signed(value, decimals));
    row.significant = match change.significant {
        Some(true) => "Ja".to_owned(),
        Some(false) => "Nej".to_owned(),
        None => HIDDEN.to_owned(),
    };
    row
}
