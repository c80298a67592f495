//! Reading a survey's responses for open data: page by page, all pages in one state of the database.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::response::Response;
use crate::db::schema::responses;

/// Runs `read` in one read-only transaction that sees one state of the database throughout: PostgreSQL's repeatable
/// read; on SQLite a read transaction sees one snapshot of the WAL until it ends. Responses settled meanwhile (deleted
/// and written again under new ids) are then neither missed nor read twice.
pub fn consistently<T>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    conn.transaction(|conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(pg)?;
        }
        read(conn)
    })
}

/// Up to `limit` responses of a survey after the id `after`, in the order of their (random) ids.
pub fn responses_after(
    conn: &mut DbConnection,
    survey: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Response>> {
    let mut query = responses::table.filter(responses::survey_id.eq(survey)).into_boxed();
    if let Some(after) = after {
        query = query.filter(responses::id.gt(after.to_owned()));
    }
    query.order(responses::id).limit(limit).select(Response::as_select()).load(conn)
}
