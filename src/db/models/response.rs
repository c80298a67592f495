use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{answers, drafts, legacy_drafts, responses};
use crate::domain::survey::Mode;

/// One anonymous response: nothing in it leads back to an invitation or a person.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct Response {
    pub id: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub mode: Mode,
    pub submitted_on: NaiveDate,
    pub instrument_version: String,
    pub language: String,
    /// Whether the response has been rewritten in a shuffled batch (see `responses::settle`).
    pub settled: bool,
}

/// One stored answer (a multiple-choice answer has one per chosen option).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = answers)]
pub struct StoredAnswer {
    pub response_id: String,
    pub item_id: String,
    /// The answer's place among its item's rows (0 unless several options were chosen).
    pub position: i32,
    pub option_code: Option<String>,
    pub number_value: Option<i64>,
    pub text_value: Option<String>,
}

impl StoredAnswer {
    /// The row as the questionnaire reads answers back, and the response it belongs to.
    pub fn into_row(self) -> (String, crate::domain::instrument::AnswerRow) {
        let row = crate::domain::instrument::AnswerRow {
            item_id: self.item_id,
            position: self.position,
            option_code: self.option_code,
            number: self.number_value,
            text: self.text_value,
        };
        (self.response_id, row)
    }
}

/// A resident's answers saved so far, under a key derived from their code (not the letter's hash), the contents
/// sealed with a key only their code gives (see `domain::draft_seal`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = drafts)]
pub struct Draft {
    pub key_hash: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub reached_section: i32,
    pub updated_on: NaiveDate,
    /// Language, answers and submission id as sealed JSON; empty for a draft kept only as a count.
    pub sealed: String,
}

/// A draft saved before drafts were sealed, under the letter's (or resume code's) hash with its contents in plain
/// text; sealed and moved to `drafts` when its resident next types the code.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = legacy_drafts)]
pub struct LegacyDraft {
    pub key_hash: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub language: String,
    pub answers: String,
    pub reached_section: i32,
    pub submission_id: String,
    pub updated_on: NaiveDate,
}
