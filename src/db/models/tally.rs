use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{completion_tallies, disposition_tallies, progress_tallies};
use crate::domain::dispositions::Disposition;
use crate::domain::survey::Mode;

/// Submitted responses of one survey, municipality, day and mode.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = completion_tallies)]
pub struct CompletionTally {
    pub survey_id: String,
    pub municipality_code: String,
    pub day: NaiveDate,
    pub mode: Mode,
    /// Every submitted response (complete, partial and break-off).
    pub submitted: i32,
    /// Of them: 50–80 % of the questions that applied answered.
    pub partial: i32,
    /// Of them: under 50 % answered.
    pub break_off: i32,
    /// Of them: given without a letter (a paper form without its letter number, an open link).
    pub without_letter: i32,
}

/// Letters of one survey and municipality with one disposition.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = disposition_tallies)]
pub struct DispositionTally {
    pub survey_id: String,
    pub municipality_code: String,
    pub disposition: Disposition,
    pub letters: i32,
}

/// Drafts of one survey and municipality whose furthest saved section is `section`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = progress_tallies)]
pub struct ProgressTally {
    pub survey_id: String,
    pub municipality_code: String,
    pub section: i32,
    pub drafts: i32,
}
