//! The results as they leave the service, and what they were asked for.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::compute::Results;
use super::figures::{Word, known};
use crate::domain::instrument::{Instrument, Item, ItemKind, Lang, NO, YES};

/// What a staff member asks of the results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Question {
    /// Only this municipality (it must be one the staff member may see).
    pub municipality: Option<String>,
    /// Break down by this item of the instrument (single choice or yes/no).
    pub by: Option<String>,
    /// An earlier survey to compare with.
    pub compare: Option<String>,
    /// Weighted to the population margins where given (`weights=population`), or not (`weights=none`).
    pub weighted: bool,
}

/// The results as they leave the service, with how they were made.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Published {
    pub survey_id: String,
    pub title: String,
    /// `population` or `none`.
    #[serde(deserialize_with = "known")]
    pub weights: Word,
    /// The survey's disclosure settings: no index, share or percentage on fewer valid answers than `min_base`, no
    /// count under `min_cell`.
    pub min_base: u64,
    pub min_cell: u64,
    /// The earlier survey compared with, when asked.
    pub compared_with: Option<String>,
    /// What the ids stand for, in the questionnaire's default language.
    pub labels: Labels,
    #[serde(flatten)]
    pub results: Results,
}

/// What a survey round's results say about it beside the figures (the workbook's title lines and method).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Round {
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// The questionnaire's key and version.
    pub instrument: String,
    /// The earlier survey's title, when compared.
    pub compared_with: Option<String>,
    /// When the workbook was made (Swedish time), e.g. `2026-12-05 14:03`.
    pub made_at: String,
}

/// The words behind the ids: items' questions, areas' section titles, and answer options.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Labels {
    pub items: BTreeMap<String, String>,
    pub areas: BTreeMap<String, String>,
    /// Per item, per answer code.
    pub options: BTreeMap<String, BTreeMap<String, String>>,
    /// Per scale item with one, the answer code outside the scale ("don't know", "never go out alone late").
    pub dont_know: BTreeMap<String, String>,
}

impl Labels {
    /// The labels of an instrument in its default language.
    pub fn of(instrument: &Instrument) -> Self {
        Self::in_language(instrument, instrument.default_language())
    }

    /// The labels of an instrument in a language it has (else in its default language).
    pub fn in_language(instrument: &Instrument, requested: &str) -> Self {
        let lang = instrument.lang(requested);
        let mut labels = Self::default();
        for section in instrument.sections() {
            if let Some(area) = &section.area {
                labels.areas.entry(area.clone()).or_insert_with(|| section.title.get(lang).to_owned());
            }
            for item in &section.items {
                labels.items.insert(item.id.clone(), item.text.get(lang).to_owned());
                labels.options.insert(item.id.clone(), option_labels(instrument, item, lang));
                if let Some(outside) = instrument.scale_of(item).and_then(|scale| scale.dont_know.as_ref()) {
                    labels.dont_know.insert(item.id.clone(), outside.code.clone());
                }
            }
        }
        let total = if requested == "en" { "Total" } else { "Totalt" };
        labels.areas.insert("total".to_owned(), total.to_owned());
        labels
    }
}

fn option_labels(instrument: &Instrument, item: &Item, lang: Lang<'_>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    match &item.kind {
        ItemKind::Scale { .. } => {
            if let Some(scale) = instrument.scale_of(item) {
                for option in &scale.options {
                    labels.insert(option.code.clone(), option.label.get(lang).to_owned());
                }
                if let Some(outside) = &scale.dont_know {
                    labels.insert(outside.code.clone(), outside.label.get(lang).to_owned());
                }
            }
        }
        ItemKind::Single { options } | ItemKind::Multiple { options, .. } => {
            for option in options {
                labels.insert(option.code.clone(), option.label.get(lang).to_owned());
            }
        }
        ItemKind::YesNo { .. } => {
            if let Some((yes, no)) = item.yes_no_labels(lang) {
                labels.insert(YES.to_owned(), yes.to_owned());
                labels.insert(NO.to_owned(), no.to_owned());
            }
        }
        ItemKind::Number { .. } | ItemKind::Text { .. } => {}
    }
    labels
}
