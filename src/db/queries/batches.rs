//! Batches of letters: codes handed out in one action (see `app::surveys::letters`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::survey::LetterBatch;
use crate::db::schema::{invitations, letter_batches};
use crate::domain::dispositions::Disposition;

pub fn insert(conn: &mut DbConnection, batch: &LetterBatch) -> QueryResult<()> {
    diesel::insert_into(letter_batches::table).values(batch).execute(conn).map(drop)
}

/// The batch a request's key made, if any.
pub fn by_request_key(conn: &mut DbConnection, request_key: &str) -> QueryResult<Option<LetterBatch>> {
    letter_batches::table
        .filter(letter_batches::request_key.eq(request_key))
        .select(LetterBatch::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, survey_id: &str, id: &str) -> QueryResult<LetterBatch> {
    letter_batches::table
        .filter(letter_batches::survey_id.eq(survey_id))
        .filter(letter_batches::id.eq(id))
        .select(LetterBatch::as_select())
        .first(conn)
}

/// A survey's batches, by municipality and letter number.
pub fn of_survey(conn: &mut DbConnection, survey_id: &str) -> QueryResult<Vec<LetterBatch>> {
    letter_batches::table
        .filter(letter_batches::survey_id.eq(survey_id))
        .order((letter_batches::municipality_code, letter_batches::first_serial))
        .select(LetterBatch::as_select())
        .load(conn)
}

/// The highest letter number any batch of the municipality used, withdrawn ones included (their numbers are not
/// given again: a withdrawn letter that was printed after all must not share its number with a new one).
pub fn last_serial(conn: &mut DbConnection, survey_id: &str, municipality: &str) -> QueryResult<i32> {
    letter_batches::table
        .filter(letter_batches::survey_id.eq(survey_id))
        .filter(letter_batches::municipality_code.eq(municipality))
        .select(diesel::dsl::max(letter_batches::last_serial))
        .first::<Option<i32>>(conn)
        .map(Option::unwrap_or_default)
}

/// Forgets the sealed letters of batches issued before `before`: their codes can no longer be shown again.
pub fn unseal_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        letter_batches::table.filter(letter_batches::issued_at.lt(before)).filter(letter_batches::sealed.ne("")),
    )
    .set(letter_batches::sealed.eq(""))
    .execute(conn)
}

/// How many of a batch's letters have been used in any way: started, answered or given a disposition.
pub fn letters_used(conn: &mut DbConnection, batch: &LetterBatch) -> QueryResult<i64> {
    invitations::table
        .filter(invitations::survey_id.eq(&batch.survey_id))
        .filter(invitations::municipality_code.eq(&batch.municipality_code))
        .filter(invitations::letter_serial.between(batch.first_serial, batch.last_serial))
        .filter(invitations::disposition.ne(Disposition::NotReturned).or(invitations::draft_section.is_not_null()))
        .count()
        .get_result(conn)
}

/// Deletes a batch's letters and marks it withdrawn; the number of letters deleted.
pub fn withdraw(conn: &mut DbConnection, batch: &LetterBatch, at: NaiveDateTime) -> QueryResult<usize> {
    let letters = invitations::table
        .filter(invitations::survey_id.eq(&batch.survey_id))
        .filter(invitations::municipality_code.eq(&batch.municipality_code))
        .filter(invitations::letter_serial.between(batch.first_serial, batch.last_serial));
    let deleted = diesel::delete(letters).execute(conn)?;
    diesel::update(letter_batches::table.find(&batch.id))
        .set((letter_batches::withdrawn_at.eq(Some(at)), letter_batches::sealed.eq("")))
        .execute(conn)?;
    Ok(deleted)
}
