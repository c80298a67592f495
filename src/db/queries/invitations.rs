use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::survey::Invitation;
use crate::db::schema::invitations;

/// The highest letter serial used in a survey's municipality (0 when none).
pub fn last_serial(conn: &mut DbConnection, survey_id: &str, municipality: &str) -> QueryResult<i32> {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::municipality_code.eq(municipality))
        .select(diesel::dsl::max(invitations::letter_serial))
        .first::<Option<i32>>(conn)
        .map(Option::unwrap_or_default)
}

/// Inserts many invitations. Batch inserts from a list are not expressible through the shared connection type,
/// so each backend's own connection runs them, in chunks that stay under both backends' parameter limits.
pub fn insert_many(conn: &mut DbConnection, rows: &[Invitation]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        match conn {
            DbConnection::Sqlite(conn) => diesel::insert_into(invitations::table).values(chunk).execute(conn)?,
            DbConnection::Postgres(conn) => diesel::insert_into(invitations::table).values(chunk).execute(conn)?,
        };
    }
    Ok(())
}

/// Counts of a survey's invitations by municipality and disposition.
pub fn counts(conn: &mut DbConnection, survey_id: &str) -> QueryResult<Vec<(String, String, i64)>> {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .group_by((invitations::municipality_code, invitations::disposition))
        .select((invitations::municipality_code, invitations::disposition, diesel::dsl::count_star()))
        .load(conn)
}

/// Letter serials of a municipality's invitations in the given dispositions, in order.
pub fn serials_in(
    conn: &mut DbConnection,
    survey_id: &str,
    municipality: &str,
    dispositions: &[&str],
) -> QueryResult<Vec<i32>> {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::municipality_code.eq(municipality))
        .filter(invitations::disposition.eq_any(dispositions))
        .order(invitations::letter_serial)
        .select(invitations::letter_serial)
        .load(conn)
}

/// The disposition of one letter, if it exists.
pub fn disposition_of(
    conn: &mut DbConnection,
    survey_id: &str,
    municipality: &str,
    serial: i32,
) -> QueryResult<Option<String>> {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::municipality_code.eq(municipality))
        .filter(invitations::letter_serial.eq(serial))
        .select(invitations::disposition)
        .first(conn)
        .optional()
}

/// Marks a letter as answered unless it already is; 1 when this call did it. The condition is in the UPDATE itself,
/// so two forms naming one letter at the same moment cannot both succeed.
pub fn complete(conn: &mut DbConnection, survey_id: &str, municipality: &str, serial: i32) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::survey_id.eq(survey_id))
            .filter(invitations::municipality_code.eq(municipality))
            .filter(invitations::letter_serial.eq(serial))
            .filter(invitations::disposition.ne("completed")),
    )
    .set(invitations::disposition.eq("completed"))
    .execute(conn)
}

/// Records a staff-reported disposition unless the letter has been answered meanwhile; 1 when it was recorded.
pub fn set_disposition(
    conn: &mut DbConnection,
    survey_id: &str,
    municipality: &str,
    serial: i32,
    disposition: &str,
) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::survey_id.eq(survey_id))
            .filter(invitations::municipality_code.eq(municipality))
            .filter(invitations::letter_serial.eq(serial))
            .filter(invitations::disposition.ne("completed")),
    )
    .set(invitations::disposition.eq(disposition))
    .execute(conn)
}

/// The letter whose code has this keyed hash: its survey, municipality and disposition.
pub fn by_code_hash(conn: &mut DbConnection, code_hash: &str) -> QueryResult<Option<Invitation>> {
    invitations::table
        .filter(invitations::code_hash.eq(code_hash))
        .select(Invitation::as_select())
        .first(conn)
        .optional()
}

/// Marks the letter with this code as started (a resident saved a first page), unless staff or an answer have
/// given it a more telling disposition; 1 when it changed.
pub fn start_by_code_hash(conn: &mut DbConnection, code_hash: &str) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::code_hash.eq(code_hash))
            .filter(invitations::disposition.eq("not_returned")),
    )
    .set(invitations::disposition.eq("started"))
    .execute(conn)
}

/// Marks the letter with this code as answered unless it already is; 1 when this call did it (see [`complete`]).
pub fn complete_by_code_hash(conn: &mut DbConnection, code_hash: &str) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::code_hash.eq(code_hash))
            .filter(invitations::disposition.ne("completed")),
    )
    .set(invitations::disposition.eq("completed"))
    .execute(conn)
}
