use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{invitations, survey_municipalities, surveys};
use crate::domain::dispositions::Disposition;
use crate::domain::survey::{Access, SurveyState};

/// A survey wave.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveys)]
pub struct Survey {
    pub id: String,
    pub title: String,
    pub instrument_key: String,
    pub instrument_version: String,
    pub state: SurveyState,
    pub access: Access,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub copied_from: Option<String>,
    /// Raised by every change the survey's rates show (see `queries::surveys::lock_for_write`); 0 when new.
    pub revision: i64,
    /// Results show no index, share or percentage on fewer valid answers than this.
    pub min_base: i32,
    /// Results show no count smaller than this.
    pub min_cell: i32,
    /// Who asks, as residents read it ("Polisen och Hagfors kommun"); none on a draft not yet given one.
    pub sender: Option<String>,
    /// Where residents can ask with questions, as JSON text (see `domain::sender::Contact::to_json`).
    pub contact: Option<String>,
    /// The languages turned on for residents, comma-separated (see `domain::translation::Languages`).
    pub languages: String,
}

/// Changes to a survey (all but the disclosure settings only while it is a draft); `None` leaves a column as it is.
#[derive(Default, AsChangeset)]
#[diesel(table_name = surveys)]
pub struct SurveyChanges {
    pub title: Option<String>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub state: Option<SurveyState>,
    pub instrument_key: Option<String>,
    pub instrument_version: Option<String>,
    pub min_base: Option<i32>,
    pub min_cell: Option<i32>,
    /// `Some(None)` removes the sender.
    pub sender: Option<Option<String>>,
    pub contact: Option<Option<String>>,
    pub languages: Option<String>,
}

/// One municipality's part in a survey: its sample size and optional target response rate.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = survey_municipalities)]
pub struct SurveyMunicipality {
    pub survey_id: String,
    pub municipality_code: String,
    pub sample_size: i32,
    pub target_percent: Option<f64>,
}

/// Codes handed out in one action: a range of a municipality's letter numbers (see `app::surveys::letters`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::letter_batches)]
pub struct LetterBatch {
    pub id: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub first_serial: i32,
    pub last_serial: i32,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<String>,
    /// The keyed hash of the request's key, when it carried one.
    pub request_key: Option<String>,
    /// The batch's letters sealed under a key derived from the request's key, for a day; empty after that.
    pub sealed: String,
    pub withdrawn_at: Option<NaiveDateTime>,
}

/// One letter: the keyed hash of its code, never the code.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: String,
    pub survey_id: String,
    pub municipality_code: String,
    pub letter_serial: i32,
    pub code_hash: String,
    pub disposition: Disposition,
}
