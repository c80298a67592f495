use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::connection::on_backend;
use crate::db::models::response::{Response, StoredResponse, decode_answers};
use crate::db::schema::{comment_reviews, responses, submissions};
use crate::domain::instrument::AnswerRow;

/// Stores a response with its answers.
pub fn insert(conn: &mut DbConnection, response: &StoredResponse) -> QueryResult<()> {
    diesel::insert_into(responses::table).values(response).execute(conn).map(drop)
}

/// Stores responses with their answers, in the given order, in one statement per 100.
pub fn insert_many(conn: &mut DbConnection, many: &[StoredResponse]) -> QueryResult<()> {
    // Batch inserts from a list cannot be expressed through the shared connection type.
    for chunk in many.chunks(100) {
        on_backend!(conn, |conn| diesel::insert_into(responses::table).values(chunk).execute(conn))?;
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

/// A survey's responses not yet rewritten in a shuffled batch, with their answers.
pub fn unsettled(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<StoredResponse>> {
    responses::table
        .filter(responses::survey_id.eq(survey))
        .filter(responses::settled.eq(false))
        .select(StoredResponse::as_select())
        .load(conn)
}

/// Those of `ids` whose comments have been reviewed: one query, where moving each response's reviews (none, for
/// nearly every fresh response) took a statement per response.
pub fn reviewed_among(conn: &mut DbConnection, ids: &[String]) -> QueryResult<std::collections::HashSet<String>> {
    let mut reviewed = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        reviewed.extend(
            comment_reviews::table
                .filter(comment_reviews::response_id.eq_any(chunk))
                .select(comment_reviews::response_id)
                .distinct()
                .load::<String>(conn)?,
        );
    }
    Ok(reviewed)
}

/// Whether a response is stored under this id (a fresh one is rewritten under a new id at every submission).
pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(responses::table.find(id))).get_result(conn)
}

/// Moves the reviews of a response's comments to the id it is rewritten under.
pub fn move_comment_reviews(conn: &mut DbConnection, from: &str, to: &str) -> QueryResult<usize> {
    diesel::update(comment_reviews::table.filter(comment_reviews::response_id.eq(from)))
        .set(comment_reviews::response_id.eq(to))
        .execute(conn)
}

/// Some responses with their answers.
pub fn with_answers(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<StoredResponse>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            responses::table.filter(responses::id.eq_any(chunk)).select(StoredResponse::as_select()).load(conn)?,
        );
    }
    Ok(rows)
}

/// Deletes some responses, with their answers.
pub fn delete_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
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

/// The answers of some of a survey's responses, `ids` (sorted as Rust sorts strings), handed to `each` a response at
/// a time with its place in `ids`; a response without answers is not handed over. `survey_responses` is how many
/// responses the survey has.
///
/// A couple of thousand responses' answers are read in one query. On PostgreSQL, when half the survey's responses or
/// more are asked for, one pass over all the survey's responses is faster: its rows are streamed, not held.
pub fn answers_of_responses(
    conn: &mut DbConnection,
    survey: &str,
    ids: &[String],
    survey_responses: usize,
    mut each: impl FnMut(usize, Vec<AnswerRow>),
) -> QueryResult<()> {
    let place = |id: &str| ids.binary_search_by(|known| known.as_str().cmp(id)).ok();
    let mut hand_over = |id: &str, stored: &str| -> QueryResult<()> {
        if let Some(index) = place(id) {
            let rows = decode_answers(stored)?;
            if !rows.is_empty() {
                each(index, rows);
            }
        }
        Ok(())
    };
    if let DbConnection::Postgres(conn) = conn
        && ids.len() * 2 >= survey_responses
        && !ids.is_empty()
    {
        // Streaming rows one by one is a PostgreSQL connection's own loading mode, not the shared type's.
        let rows = responses::table
            .filter(responses::survey_id.eq(survey))
            .select((responses::id, responses::answers))
            .load_iter::<(String, String), diesel::pg::PgRowByRowLoadingMode>(conn)?;
        for row in rows {
            let (id, stored) = row?;
            hand_over(&id, &stored)?;
        }
        return Ok(());
    }
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = responses::table
            .filter(responses::id.eq_any(chunk))
            .select((responses::id, responses::answers))
            .load(conn)?;
        for (id, stored) in rows {
            hand_over(&id, &stored)?;
        }
    }
    Ok(())
}

/// Response ids whose answers are read in one query (some 2,000 × 1.5 KB held at once).
const CHUNK: usize = 2_000;
