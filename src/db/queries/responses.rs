use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::connection::on_backend;
use crate::db::models::response::{Response, StoredAnswer};
use crate::db::schema::{answers, comment_reviews, responses, submissions};
use crate::domain::instrument::AnswerRow;

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

/// Moves the reviews of a response's comments to the id it is rewritten under.
pub fn move_comment_reviews(conn: &mut DbConnection, from: &str, to: &str) -> QueryResult<usize> {
    diesel::update(comment_reviews::table.filter(comment_reviews::response_id.eq(from)))
        .set(comment_reviews::response_id.eq(to))
        .execute(conn)
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

/// The answers of some of a survey's responses, `ids` (sorted as Rust sorts strings), handed to `each` a response at
/// a time with its place in `ids`; a response without answers is not handed over. `survey_responses` is how many
/// responses the survey has.
///
/// The answers of a couple of thousand responses are read in one query, in no particular order, and put with their
/// responses here. (Asking for them in the order of their responses made PostgreSQL sort every batch, on disk.) On
/// PostgreSQL, when half the survey's responses or more are asked for, one pass over all the survey's answers in
/// response order is faster (about 2.6 s instead of 4 s at 100,000 responses): its rows are streamed, not held.
pub fn answers_of_responses(
    conn: &mut DbConnection,
    survey: &str,
    ids: &[String],
    survey_responses: usize,
    mut each: impl FnMut(usize, Vec<AnswerRow>),
) -> QueryResult<()> {
    let place = |id: &str| ids.binary_search_by(|known| known.as_str().cmp(id)).ok();
    if let DbConnection::Postgres(conn) = conn
        && ids.len() * 2 >= survey_responses
        && !ids.is_empty()
    {
        // Streaming rows one by one is a PostgreSQL connection's own loading mode, not the shared type's.
        let rows = answers::table
            .inner_join(responses::table)
            .filter(responses::survey_id.eq(survey))
            .order(answers::response_id)
            .select(StoredAnswer::as_select())
            .load_iter::<StoredAnswer, diesel::pg::PgRowByRowLoadingMode>(conn)?;
        let mut current: Option<(String, Vec<AnswerRow>)> = None;
        for row in rows {
            let row = row?;
            if current.as_ref().is_none_or(|(id, _)| *id != row.response_id) {
                if let Some((id, rows)) = current.take()
                    && let Some(index) = place(&id)
                {
                    each(index, rows);
                }
                current = Some((row.response_id.clone(), Vec::with_capacity(40)));
            }
            if let Some((_, rows)) = &mut current {
                rows.push(answer_row(row));
            }
        }
        if let Some((id, rows)) = current
            && let Some(index) = place(&id)
        {
            each(index, rows);
        }
        return Ok(());
    }
    for (chunk, start) in ids.chunks(CHUNK).zip((0..).step_by(CHUNK)) {
        let mut by_response: Vec<Vec<AnswerRow>> = vec![Vec::new(); chunk.len()];
        // Rows mostly come a response at a time: its place is looked up when the response changes.
        let mut at: Option<usize> = None;
        for row in
            answers::table.filter(answers::response_id.eq_any(chunk)).select(StoredAnswer::as_select()).load(conn)?
        {
            if at.is_none_or(|index| chunk[index] != row.response_id) {
                at = chunk.binary_search_by(|known| known.as_str().cmp(&row.response_id)).ok();
            }
            if let Some(index) = at {
                by_response[index].push(answer_row(row));
            }
        }
        for (index, rows) in by_response.into_iter().enumerate().filter(|(_, rows)| !rows.is_empty()) {
            each(start + index, rows);
        }
    }
    Ok(())
}

/// Response ids whose answers are read in one query (about 70,000 rows, some 20 MB held at once).
const CHUNK: usize = 2_000;

fn answer_row(row: StoredAnswer) -> AnswerRow {
    AnswerRow {
        item_id: row.item_id,
        position: row.position,
        option_code: row.option_code,
        number: row.number_value,
        text: row.text_value,
    }
}
