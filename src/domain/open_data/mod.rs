//! Open data: the anonymised answers of a survey as one row per counted response, and the Frictionless Data Package
//! (<https://datapackage.org>) that describes them, so that R, Python or SPSS users load the file with its labels.
//!
//! A row holds the municipality's code, how the response came (web or paper), the Swedish day it was submitted, and
//! each item as its answer code: a scale, single-choice or yes/no item as the option's code, a multiple-choice item
//! as one column per option (1 chosen, 0 not chosen, empty when the item was not answered), a number as the number.
//! An item that was not asked (its condition did not apply) or not answered is empty. Free text only when asked
//! for, and then only as a coordinator reviewed it (`app::comments`). Labels never appear in the rows: answers are codes, so waves and languages stay comparable.

use serde_json::{Value, json};

use crate::domain::instrument::{AnswerValue, Answers};
use crate::domain::instrument::{Instrument, ItemKind};
use crate::domain::results::published::Labels;

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Municipality,
    Mode,
    Day,
    /// The answer code of a scale, single-choice or yes/no item.
    Code {
        item: String,
    },
    /// Whether one option of a multiple-choice item was chosen.
    Chosen {
        item: String,
        option: String,
    },
    Number {
        item: String,
    },
    Text {
        item: String,
    },
}

/// One column of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub content: Content,
}

/// The columns of an instrument's file, free text included or not.
pub fn columns(instrument: &Instrument, free_text: bool) -> Vec<Column> {
    let column = |name: &str, content| Column { name: name.to_owned(), content };
    let mut columns =
        vec![column("municipality", Content::Municipality), column("mode", Content::Mode), column("day", Content::Day)];
    for item in instrument.items() {
        let id = item.id.clone();
        match &item.kind {
            ItemKind::Scale { .. } | ItemKind::Single { .. } | ItemKind::YesNo { .. } => {
                columns.push(Column { name: id.clone(), content: Content::Code { item: id } });
            }
            ItemKind::Multiple { options, .. } => {
                for option in options {
                    columns.push(Column {
                        name: format!("{id}.{}", option.code),
                        content: Content::Chosen { item: id.clone(), option: option.code.clone() },
                    });
                }
            }
            ItemKind::Number { .. } => columns.push(Column { name: id.clone(), content: Content::Number { item: id } }),
            ItemKind::Text { .. } if free_text => {
                columns.push(Column { name: id.clone(), content: Content::Text { item: id } });
            }
            ItemKind::Text { .. } => {}
        }
    }
    columns
}

/// What a row says besides the answers.
pub struct Facts<'a> {
    pub municipality: &'a str,
    /// `web` or `paper`.
    pub mode: &'a str,
    /// `YYYY-MM-DD`.
    pub day: &'a str,
    /// The response's free-text answers as reviewed (passages that point to a person masked), by item; an answer
    /// nobody has reviewed is not here and leaves its column empty.
    pub reviewed_texts: &'a std::collections::HashMap<String, String>,
}

/// One response as the file's row, in the order of `columns`.
pub fn row(columns: &[Column], facts: &Facts<'_>, answers: &Answers) -> Vec<String> {
    columns
        .iter()
        .map(|column| match &column.content {
            Content::Municipality => facts.municipality.to_owned(),
            Content::Mode => facts.mode.to_owned(),
            Content::Day => facts.day.to_owned(),
            Content::Code { item } => match answers.get(item) {
                Some(AnswerValue::Choice(code)) => code.clone(),
                _ => String::new(),
            },
            Content::Chosen { item, option } => match answers.get(item) {
                Some(AnswerValue::Choices(codes)) => u8::from(codes.contains(option)).to_string(),
                _ => String::new(),
            },
            Content::Number { item } => match answers.get(item) {
                Some(AnswerValue::Number(number)) => number.to_string(),
                _ => String::new(),
            },
            Content::Text { item } => facts.reviewed_texts.get(item).cloned().unwrap_or_default(),
        })
        .collect()
}

/// How the file is written: `;` with a byte-order mark for Swedish Excel, or plain RFC 4180 (`,`, no mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Excel,
    Rfc4180,
}

impl Dialect {
    pub fn delimiter(self) -> u8 {
        match self {
            Self::Excel => b';',
            Self::Rfc4180 => b',',
        }
    }

    /// What the file starts with: the UTF-8 byte-order mark by which Excel knows the encoding.
    pub fn preamble(self) -> &'static [u8] {
        match self {
            Self::Excel => "\u{feff}".as_bytes(),
            Self::Rfc4180 => b"",
        }
    }
}

/// What the data package says about the survey.
pub struct Survey<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub opens_on: &'a str,
    pub closes_on: &'a str,
    /// The municipalities (code, name) whose responses the file holds.
    pub municipalities: &'a [(String, String)],
    /// Whether the file holds free text.
    pub free_text: bool,
}

/// The Frictionless Data Package describing the file: every column's name, type, question text and allowed codes
/// with their labels in Swedish and English (`categories` with the Swedish label, `labels` per language).
pub fn data_package(instrument: &Instrument, survey: &Survey<'_>, dialect: Dialect) -> Value {
    let swedish = Labels::in_language(instrument, "sv");
    let english = Labels::in_language(instrument, "en");
    let fields: Vec<Value> = columns(instrument, survey.free_text)
        .iter()
        .map(|column| field(instrument, survey, column, &swedish, &english))
        .collect();
    json!({
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": format!("trygghet-{}", survey.id.to_lowercase()),
        "title": survey.title,
        "description": format!(
            "Anonymised answers of the local safety survey {}, {} – {}: one row per counted (complete or partial) \
             response. Answers are codes; labels are in each field's categories.",
            survey.title, survey.opens_on, survey.closes_on
        ),
        "version": format!("{} {}", instrument.key(), instrument.version()),
        "resources": [{
            "name": "responses",
            "type": "table",
            "path": path(dialect, survey.free_text),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": { "delimiter": (dialect.delimiter() as char).to_string(), "header": true, "quoteChar": "\"" },
            "schema": { "fields": fields, "missingValues": [""] },
        }],
    })
}

/// The file's address relative to the data package's (both are under `/api/v1/surveys/{id}/`).
fn path(dialect: Dialect, free_text: bool) -> String {
    let mut query = Vec::new();
    if dialect == Dialect::Rfc4180 {
        query.push("format=rfc4180");
    }
    if free_text {
        query.push("free_text=1");
    }
    if query.is_empty() { "responses.csv".to_owned() } else { format!("responses.csv?{}", query.join("&")) }
}

fn field(instrument: &Instrument, survey: &Survey<'_>, column: &Column, sv: &Labels, en: &Labels) -> Value {
    let categories = |values: Vec<(String, String, String)>| -> (Value, Value) {
        let categories: Vec<Value> =
            values.iter().map(|(value, label, _)| json!({ "value": value, "label": label })).collect();
        let english: serde_json::Map<String, Value> =
            values.iter().map(|(value, _, label)| (value.clone(), Value::from(label.as_str()))).collect();
        (Value::from(categories), Value::from(english))
    };
    let question = |item: &str| json!({ "sv": sv.items.get(item).cloned().unwrap_or_default(), "en": en.items.get(item).cloned().unwrap_or_default() });
    match &column.content {
        Content::Municipality => {
            let values =
                survey.municipalities.iter().map(|(code, name)| (code.clone(), name.clone(), name.clone())).collect();
            let (categories, english) = categories(values);
            json!({ "name": column.name, "type": "string", "title": "Kommun (kommunkod)",
                    "description": "The municipality, by its official code.", "categories": categories,
                    "labels": { "en": english } })
        }
        Content::Mode => {
            let values = vec![
                ("web".to_owned(), "Webb".to_owned(), "Web".to_owned()),
                ("paper".to_owned(), "Papper".to_owned(), "Paper".to_owned()),
            ];
            let (categories, english) = categories(values);
            json!({ "name": column.name, "type": "string", "title": "Svarssätt",
                    "description": "How the response came: on the web or on a paper form keyed in.",
                    "categories": categories, "labels": { "en": english } })
        }
        Content::Day => json!({ "name": column.name, "type": "date", "title": "Dag",
                                "description": "The Swedish calendar day the response was submitted." }),
        Content::Code { item } => {
            let instrument_item = instrument.items().find(|candidate| candidate.id == *item);
            let codes = instrument_item.and_then(|found| instrument.choice_codes(found)).unwrap_or_default();
            let values = codes
                .iter()
                .map(|code| {
                    let label = |labels: &Labels| {
                        labels.options.get(item).and_then(|options| options.get(*code)).cloned().unwrap_or_default()
                    };
                    ((*code).to_owned(), label(sv), label(en))
                })
                .collect();
            let (categories, english) = categories(values);
            json!({ "name": column.name, "type": "string", "title": sv.items.get(item), "question": question(item),
                    "categories": categories, "labels": { "en": english } })
        }
        Content::Chosen { item, option } => {
            let option_label = |labels: &Labels| {
                labels.options.get(item).and_then(|options| options.get(option)).cloned().unwrap_or_default()
            };
            json!({ "name": column.name, "type": "integer",
                    "title": format!("{}: {}", sv.items.get(item).cloned().unwrap_or_default(), option_label(sv)),
                    "question": question(item), "option": { "code": option, "sv": option_label(sv), "en": option_label(en) },
                    "categories": [{ "value": 0, "label": "Inte valt" }, { "value": 1, "label": "Valt" }],
                    "labels": { "en": { "0": "Not chosen", "1": "Chosen" } } })
        }
        Content::Number { item } => json!({ "name": column.name, "type": "integer", "title": sv.items.get(item),
                                            "question": question(item) }),
        Content::Text { item } => json!({ "name": column.name, "type": "string", "title": sv.items.get(item),
                                          "question": question(item),
                                          "description": "Free text as a coordinator reviewed it: passages that point to a person replaced by [dolt]; empty when not reviewed." }),
    }
}

#[cfg(test)]
mod tests;
