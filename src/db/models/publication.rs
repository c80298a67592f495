use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::publications;

/// A survey's published results: the snapshot (JSON, see `domain::publication`) and who published it when.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = publications)]
pub struct Publication {
    pub survey_id: String,
    pub published_at: NaiveDateTime,
    pub published_by: Option<String>,
    pub compared_with: Option<String>,
    pub snapshot: String,
}
