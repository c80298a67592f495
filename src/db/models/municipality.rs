use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{counties, municipalities};

/// A Swedish municipality (reference data seeded by a migration).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = municipalities)]
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub county_code: String,
    pub police_region: String,
}

/// A Swedish county (län).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = counties)]
pub struct County {
    pub code: String,
    pub name: String,
}
