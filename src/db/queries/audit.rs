use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::user::AuditEvent;
use crate::db::schema::audit_events;

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

/// The events of one action about one target (e.g. the reminder lists taken out for a survey), oldest first.
pub fn of_target(conn: &mut DbConnection, action: &str, target: &str) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::target.eq(target))
        .order(audit_events::occurred_at)
        .select(AuditEvent::as_select())
        .load(conn)
}
