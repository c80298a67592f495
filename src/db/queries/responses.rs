use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::connection::on_backend;
use crate::db::models::response::{Response, StoredAnswer};
use crate::db::schema::{answers, responses, submissions};

/// Stores a response and its answers (many answers at once: each backend's own connection runs the batch insert,
/// which the shared connection type cannot express).
pub fn insert(conn: &mut DbConnection, response: &Response, rows: &[StoredAnswer]) -> QueryResult<()> {
    insert_many(conn, std::slice::from_ref(response), rows)
}

/// Stores responses (in the given order, in one statement per 500) and then all their answers (likewise).
pub fn insert_many(conn: &mut DbConnection, many: &[Response], rows: &[StoredAnswer]) -> QueryResult<()> {
    // Batch inserts from a list cannot be expressed through the shared connection type.
    for chunk in many.chunks(500) {
        on_backend!(conn, |conn| diesel::insert_into(responses::table).values(chunk).execute(conn))?;
    }
    for chunk in rows.chunks(500) {
        on_backend!(conn, |conn| diesel::insert_into(answers::table).values(chunk).execute(conn))?;
    }
    Ok(())
}

/// Whether a form with this submission id was already stored.
pub fn submission_seen(conn: &mut DbConnection, submission_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(submissions::table.find(submission_id))).get_result(conn)
}

/// Records a submission id; a second submit of the same form then fails on the primary key.
pub fn record_submission(
    conn: &mut DbConnection,
    submission_id: &str,
    survey_id: &str,
    day: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(submissions::table)
        .values((
            submissions::submission_id.eq(submission_id),
            submissions::survey_id.eq(survey_id),
            submissions::submitted_on.eq(day),
        ))
        .execute(conn)
        .map(drop)
}

/// A survey's responses not yet rewritten in a shuffled batch.
pub fn unsettled(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<Response>> {
    responses::table
        .filter(responses::survey_id.eq(survey))
        .filter(responses::settled.eq(false))
        .select(Response::as_select())
        .load(conn)
}

/// The answers of some responses.
pub fn answers_of_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<StoredAnswer>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            answers::table.filter(answers::response_id.eq_any(chunk)).select(StoredAnswer::as_select()).load(conn)?,
        );
    }
    Ok(rows)
}

/// Deletes some responses with their answers.
pub fn delete_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
        diesel::delete(answers::table.filter(answers::response_id.eq_any(chunk))).execute(conn)?;
        diesel::delete(responses::table.filter(responses::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}

/// Every response of a survey (without answers).
pub fn of_survey(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<Response>> {
    responses::table.filter(responses::survey_id.eq(survey)).select(Response::as_select()).load(conn)
}

/// Every response id of a survey, with its municipality.
pub fn ids_of_survey(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<(String, String)>> {
    responses::table
        .filter(responses::survey_id.eq(survey))
        .select((responses::id, responses::municipality_code))
        .load(conn)
}

/// The answers of some responses in one query, in no particular order. As many ids as the caller gives: a couple
/// of thousand at a time keep both backends' parameter limits and the rows held at once small. (Asking for them in the
/// order of their responses made PostgreSQL sort every batch, on disk.)
pub fn answers_of(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<StoredAnswer>> {
    answers::table.filter(answers::response_id.eq_any(ids)).select(StoredAnswer::as_select()).load(conn)
}
