use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{promise_targets, promises};
use crate::domain::promise::{PromiseStatus, Responsible, TargetKind};

/// A citizen promise of one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = promises)]
pub struct Promise {
    pub id: String,
    pub municipality_code: String,
    pub title: String,
    pub text: String,
    pub responsible: Responsible,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: PromiseStatus,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A promise's new settings (all of them: a change replaces the promise as given).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = promises)]
pub struct PromiseChanges {
    pub title: String,
    pub text: String,
    pub responsible: Responsible,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: PromiseStatus,
    pub updated_at: NaiveDateTime,
}

/// A question or area a promise is meant to move, at its place in the promise's list.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = promise_targets)]
pub struct PromiseTarget {
    pub promise_id: String,
    pub position: i32,
    pub kind: TargetKind,
    pub target_id: String,
}
