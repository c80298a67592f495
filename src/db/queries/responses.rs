use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text};

use crate::db::DbConnection;
use crate::db::fixed::{bind, fixed_statement};
use crate::db::models::response::{Response, StoredResponse, decode_answers};
use crate::db::schema::{comment_reviews, responses};
use crate::domain::instrument::AnswerRow;

/// Stores a response with its answers, through a statement kept prepared.
pub fn insert(conn: &mut DbConnection, stored: &StoredResponse) -> QueryResult<()> {
    let response = &stored.response;
    InsertResponse::with((
        bind::<Text, _>(&response.id),
        bind::<Text, _>(&response.survey_id),
        bind::<Text, _>(&response.municipality_code),
        bind::<Text, _>(&response.mode),
        bind::<Date, _>(response.submitted_on),
        bind::<Text, _>(&response.instrument_version),
        bind::<Text, _>(&response.language),
        bind::<Bool, _>(response.settled),
        bind::<Text, _>(&stored.answers),
    ))
    .execute(conn)
    .map(drop)
}

/// Stores responses with their answers, in the given order, a row at a time through one statement kept prepared (a
/// statement of many rows would be written and prepared again for every call, its SQL depending on how many). The
/// settling on SQLite writes through it, where a row costs no round trip; PostgreSQL settles in one statement
/// ([`settle_fresh`]).
pub fn insert_many(conn: &mut DbConnection, many: &[StoredResponse]) -> QueryResult<()> {
    many.iter().try_for_each(|stored| insert(conn, stored))
}

fixed_statement!(
    InsertResponse,
    "INSERT INTO responses \
     (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, settled, answers) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
);

/// Whether a form with this submission id was already stored.
pub fn submission_seen(conn: &mut DbConnection, submission_id: &str) -> QueryResult<bool> {
    let seen = SubmissionSeen::with((bind::<Text, _>(submission_id),)).returning::<Integer>().get_result::<i32>(conn);
    Ok(seen.optional()?.is_some())
}

fixed_statement!(SubmissionSeen, "SELECT 1 FROM submissions WHERE submission_id = ?");

/// Records a submission id; a second submit of the same form then fails on the primary key.
pub fn record_submission(
    conn: &mut DbConnection,
    submission_id: &str,
    survey_id: &str,
    day: NaiveDate,
) -> QueryResult<()> {
    RecordSubmission::with((bind::<Text, _>(submission_id), bind::<Text, _>(survey_id), bind::<Date, _>(day)))
        .execute(conn)
        .map(drop)
}

fixed_statement!(RecordSubmission, "INSERT INTO submissions (submission_id, survey_id, submitted_on) VALUES (?, ?, ?)");

/// A survey's responses not yet rewritten in a shuffled batch, with their answers. Every submission reads them, so
/// it is a fixed statement: diesel writes the SQL of a query it builds anew on every call, quoting each column.
pub fn unsettled(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<StoredResponse>> {
    type Columns = ((Text, Text, Text, Text, Date, Text, Text, Bool), Text);
    let rows: Vec<(Response, String)> =
        Unsettled::with((bind::<Text, _>(survey), bind::<Bool, _>(false))).returning::<Columns>().load(conn)?;
    Ok(rows.into_iter().map(|(response, answers)| StoredResponse { response, answers }).collect())
}

// The columns in the order of the fields of `Response`, then the answers.
fixed_statement!(
    Unsettled,
    "SELECT id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, settled, answers \
     FROM responses WHERE survey_id = ? AND settled = ?"
);

/// Those of a survey's responses not yet rewritten (see [`unsettled`]) whose comments have been reviewed, in one
/// fixed statement. The caller holds the survey's write turn, as every writer of its responses and of their comments'
/// reviews does, so these are the reviewed among the responses [`unsettled`] read.
pub fn reviewed_unsettled(conn: &mut DbConnection, survey: &str) -> QueryResult<std::collections::HashSet<String>> {
    let ids: Vec<String> =
        ReviewedUnsettled::with((bind::<Text, _>(survey), bind::<Bool, _>(false))).returning::<Text>().load(conn)?;
    Ok(ids.into_iter().collect())
}

fixed_statement!(
    ReviewedUnsettled,
    "SELECT DISTINCT comment_reviews.response_id FROM comment_reviews \
     INNER JOIN responses ON responses.id = comment_reviews.response_id \
     WHERE responses.survey_id = ? AND responses.settled = ?"
);

/// PostgreSQL: rewrites a survey's fresh responses in one statement, as `app::responses::settle_in` does in several on
/// SQLite: deleted, given new random ids (`gen_random_uuid`, version 4 from the server's strong random source, like
/// the service's own), their comments' reviews moved along, and written back in a random order (sorted by a fresh
/// random UUID each, so every order is equally likely), settled when `newest` is `None`, when more than `batch` are
/// fresh or one is from before `today`, all but `newest`. How many were rewritten.
pub fn settle_fresh(
    conn: &mut diesel::PgConnection,
    survey: &str,
    today: NaiveDate,
    newest: Option<&str>,
    batch: usize,
) -> QueryResult<usize> {
    SettleFresh::with((
        bind::<Text, _>(survey),
        bind::<Bool, _>(newest.is_none()),
        bind::<BigInt, _>(i64::try_from(batch).unwrap_or(i64::MAX)),
        bind::<Date, _>(today),
        bind::<Nullable<Text>, _>(newest),
    ))
    .execute(conn)
}

// `renamed` is read twice, so it is materialized: each response gets one new id, which its reviews follow.
fixed_statement!(
    SettleFresh,
    "WITH fresh AS (DELETE FROM responses WHERE survey_id = ? AND settled = FALSE \
         RETURNING id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, answers), \
     due AS (SELECT ? OR count(*) > ? OR coalesce(bool_or(submitted_on < ?), FALSE) AS due FROM fresh), \
     renamed AS MATERIALIZED (SELECT fresh.*, gen_random_uuid()::text AS new_id FROM fresh), \
     reviews AS (UPDATE comment_reviews SET response_id = renamed.new_id FROM renamed \
         WHERE comment_reviews.response_id = renamed.id) \
     INSERT INTO responses \
         (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, settled, answers) \
     SELECT renamed.new_id, renamed.survey_id, renamed.municipality_code, renamed.mode, renamed.submitted_on, \
         renamed.instrument_version, renamed.language, due.due AND renamed.id IS DISTINCT FROM ?, renamed.answers \
     FROM renamed CROSS JOIN due ORDER BY gen_random_uuid()"
);

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

/// Deletes some responses, with their answers, one at a time through a statement kept prepared (see [`insert_many`]).
pub fn delete_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<()> {
    ids.iter().try_for_each(|id| DeleteResponse::with((bind::<Text, _>(id),)).execute(conn).map(drop))
}

fixed_statement!(DeleteResponse, "DELETE FROM responses WHERE id = ?");

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
