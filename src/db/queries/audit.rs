use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use diesel::sql_types::{Nullable, Text, Timestamp};

use crate::db::DbConnection;
use crate::db::fixed::{bind, fixed_statement};
use crate::db::models::user::AuditEvent;
use crate::db::schema::{audit_events, municipalities, surveys, users};
use crate::domain::audit::Filter;
use crate::domain::survey::swedish_day;

/// Writes an event, through a statement kept prepared (every paper form writes one).
pub fn insert(conn: &mut DbConnection, event: &AuditEvent) -> QueryResult<()> {
    InsertEvent::with((
        bind::<Text, _>(&event.id),
        bind::<Timestamp, _>(event.occurred_at),
        bind::<Nullable<Text>, _>(&event.actor_user_id),
        bind::<Nullable<Text>, _>(&event.actor_email),
        bind::<Text, _>(&event.action),
        bind::<Nullable<Text>, _>(&event.target),
        bind::<Text, _>(&event.detail),
        bind::<Nullable<Text>, _>(&event.source_address),
    ))
    .execute(conn)
    .map(drop)
}

fixed_statement!(
    InsertEvent,
    "INSERT INTO audit_events \
     (id, occurred_at, actor_user_id, actor_email, action, target, detail, source_address) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
);

/// The newest events first that `filter` lets through. An account's events are those it did and the failed sign-ins
/// tried with its address.
pub fn list(conn: &mut DbConnection, filter: &Filter, limit: i64, offset: i64) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table.into_boxed();
    if let Some(user) = &filter.user {
        let email: Option<String> = users::table.find(user).select(users::email).first(conn).optional()?;
        let by_user = audit_events::actor_user_id.eq(user.clone());
        query = match email {
            Some(email) => {
                query.filter(by_user.or(audit_events::actor_user_id.is_null().and(audit_events::actor_email.eq(email))))
            }
            None => query.filter(by_user),
        };
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_events::action.eq(action.as_str()));
    }
    if let Some(start) = filter.starts_at() {
        query = query.filter(audit_events::occurred_at.ge(start));
    }
    if let Some(end) = filter.ends_before() {
        query = query.filter(audit_events::occurred_at.lt(end));
    }
    query
        .order((audit_events::occurred_at.desc(), audit_events::id))
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The (Swedish) day and the municipality of each event of one action about one target (e.g. the reminder lists taken
/// out for a survey), oldest first. Events whose detail names no municipality are left out.
pub fn municipality_days(conn: &mut DbConnection, action: &str, target: &str) -> QueryResult<Vec<(NaiveDate, String)>> {
    /// The part of an event's detail (JSON) read here.
    #[derive(serde::Deserialize)]
    struct Detail {
        municipality: String,
    }
    let events: Vec<(NaiveDateTime, String)> = audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::target.eq(target))
        .order(audit_events::occurred_at)
        .select((audit_events::occurred_at, audit_events::detail))
        .load(conn)?;
    Ok(events
        .into_iter()
        .filter_map(|(occurred_at, detail)| {
            let Detail { municipality } = serde_json::from_str(&detail).ok()?;
            Some((swedish_day(occurred_at.and_utc()), municipality))
        })
        .collect())
}

/// Every account as (id, e-mail address, display name), by name: who may have acted.
pub fn accounts(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    users::table
        .order((users::display_name, users::email))
        .select((users::id, users::email, users::display_name))
        .load(conn)
}

/// The titles of the surveys among `ids`, as (id, title).
pub fn survey_titles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    surveys::table.filter(surveys::id.eq_any(ids)).select((surveys::id, surveys::title)).load(conn)
}

/// The names of the municipalities among `codes`, as (code, name).
pub fn municipality_names(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<(String, String)>> {
    municipalities::table
        .filter(municipalities::code.eq_any(codes))
        .select((municipalities::code, municipalities::name))
        .load(conn)
}
