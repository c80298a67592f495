use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{answers, responses};

/// One anonymous response: nothing in it leads back to an invitation or a person.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct Response {
    pub id: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub mode: String,
    pub submitted_on: NaiveDate,
    pub instrument_version: String,
    pub language: String,
}

/// One stored answer (a multiple-choice answer has one per chosen option).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = answers)]
pub struct StoredAnswer {
    pub response_id: String,
    pub item_id: String,
    pub option_code: Option<String>,
    pub number_value: Option<i64>,
    pub text_value: Option<String>,
}
