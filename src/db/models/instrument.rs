use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::instruments;

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
