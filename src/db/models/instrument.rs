use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{instruments, translation_reviews};

/// An imported instrument version: its validated JSON document with who imported it and when. Never updated.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = instruments)]
pub struct StoredInstrument {
    pub instrument_key: String,
    pub version: String,
    /// The title in the instrument's default language.
    pub title: String,
    /// The instrument as the service writes it (`Instrument::to_json_pretty`).
    pub document: String,
    pub imported_by: Option<String>,
    pub imported_at: NaiveDateTime,
}

/// A native speaker's review of one language of an instrument version (see `domain::translation`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = translation_reviews)]
pub struct TranslationReview {
    pub instrument_key: String,
    pub instrument_version: String,
    pub language: String,
    /// Who reviewed it, as the staff member recording it named them.
    pub reviewer: String,
    /// The staff member who recorded the review.
    pub recorded_by: Option<String>,
    pub reviewed_at: NaiveDateTime,
}
