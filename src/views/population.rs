//! Population margins as the survey page shows them: a table per municipality of its stored counts, with the
//! questions and options in words, and the list of background items and option codes a file may name.

use serde::Serialize;

use crate::domain::instrument::{Instrument, ItemKind};
use crate::domain::population::{Margins, background_items};

/// One background item's margin: the question, its options with their populations, and their total.
#[derive(Debug, Serialize)]
pub struct MarginTable {
    pub item: String,
    pub text: String,
    pub total: i64,
    pub rows: Vec<MarginRow>,
}

/// One option of a background item and the residents in it.
#[derive(Debug, Serialize)]
pub struct MarginRow {
    pub code: String,
    pub label: String,
    pub population: i64,
}

/// A background item a margins file may name: its id, its question and its options (code and label).
#[derive(Debug, Serialize)]
pub struct BackgroundItem {
    pub id: String,
    pub text: String,
    pub options: Vec<(String, String)>,
}

/// The questionnaire's background items, in its order, in `lang` where it has it (else its default language).
pub fn background(instrument: &Instrument, lang: &str) -> Vec<BackgroundItem> {
    let lang = instrument.lang(lang);
    background_items(instrument)
        .map(|item| BackgroundItem {
            id: item.id.clone(),
            text: item.text.get(lang).to_owned(),
            options: match &item.kind {
                ItemKind::Single { options } => {
                    options.iter().map(|choice| (choice.code.clone(), choice.label.get(lang).to_owned())).collect()
                }
                _ => Vec::new(),
            },
        })
        .collect()
}

/// One municipality's stored margins as tables, the questionnaire's items first in its order with its words, then
/// any item it does not have (by its id; margins are checked when stored, so only after the questionnaire changed).
pub fn tables(instrument: Option<&Instrument>, margins: &Margins, lang: &str) -> Vec<MarginTable> {
    let items = instrument.map(|instrument| background(instrument, lang)).unwrap_or_default();
    let mut tables: Vec<MarginTable> = items
        .iter()
        .filter_map(|item| {
            let counts = margins.of(&item.id)?;
            let rows = item
                .options
                .iter()
                .filter_map(|(code, label)| {
                    let population = *counts.get(code)?;
                    Some(MarginRow { code: code.clone(), label: label.clone(), population })
                })
                .collect();
            Some(MarginTable { item: item.id.clone(), text: item.text.clone(), total: margins.total(&item.id), rows })
        })
        .collect();
    for (item, counts) in &margins.0 {
        if items.iter().any(|known| known.id == *item) {
            continue;
        }
        let rows = counts
            .iter()
            .map(|(code, population)| MarginRow { code: code.clone(), label: code.clone(), population: *population })
            .collect();
        tables.push(MarginTable { item: item.clone(), text: item.clone(), total: margins.total(item), rows });
    }
    tables
}
