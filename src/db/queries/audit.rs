use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::user::AuditEvent;
use crate::db::schema::audit_events;
use crate::domain::survey::swedish_day;

pub fn insert(conn: &mut DbConnection, event: &AuditEvent) -> QueryResult<()> {
    diesel::insert_into(audit_events::table).values(event).execute(conn).map(drop)
}

/// The newest events first.
pub fn list(conn: &mut DbConnection, limit: i64, offset: i64) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
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
