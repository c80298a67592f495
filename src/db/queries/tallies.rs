//! The counters behind the live response rates. Every function here runs inside the caller's transaction, beside the
//! change it counts, so the counters are exact whenever that change is (also after a crash: both or neither).
//! Adding to a counter that does not exist yet creates it: each is one insert-or-add statement, declared once with
//! `fixed_statement!` so that it stays prepared (diesel prepares its own upserts anew on every call).

use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Text};

use crate::db::DbConnection;
use crate::db::fixed::{bind, fixed_statement};
use crate::db::models::tally::{CompletionTally, DispositionTally, ProgressTally};
use crate::db::schema::{completion_tallies, disposition_tallies, progress_tallies};
use crate::domain::dispositions::Disposition;

/// Adds `letters` (may be negative) to a survey's municipality's count of letters with `disposition`.
pub fn add_letters(
    conn: &mut DbConnection,
    survey: &str,
    municipality: &str,
    disposition: Disposition,
    letters: i32,
) -> QueryResult<()> {
    AddLetters::with((
        bind::<Text, _>(survey),
        bind::<Text, _>(municipality),
        bind::<Text, _>(disposition),
        bind::<Integer, _>(letters),
    ))
    .execute(conn)
    .map(drop)
}

fixed_statement!(
    AddLetters,
    "INSERT INTO disposition_tallies (survey_id, municipality_code, disposition, letters) VALUES (?, ?, ?, ?) \
     ON CONFLICT (survey_id, municipality_code, disposition) \
     DO UPDATE SET letters = disposition_tallies.letters + excluded.letters"
);

/// Moves one letter from one disposition to another (on PostgreSQL in one statement: two counters, two keys).
pub fn move_letter(
    conn: &mut DbConnection,
    survey: &str,
    municipality: &str,
    from: Disposition,
    to: Disposition,
) -> QueryResult<()> {
    move_letters(conn, survey, municipality, from, to, 1)
}

/// Moves `letters` letters from one disposition to another, as [`move_letter`] moves one.
pub fn move_letters(
    conn: &mut DbConnection,
    survey: &str,
    municipality: &str,
    from: Disposition,
    to: Disposition,
    letters: i32,
) -> QueryResult<()> {
    if from == to {
        return Ok(());
    }
    match conn {
        // A statement on SQLite costs no round trip: one each.
        DbConnection::Sqlite(_) => {
            add_letters(conn, survey, municipality, from, -letters)?;
            add_letters(conn, survey, municipality, to, letters)?;
        }
        DbConnection::Postgres(_) => {
            MoveLetters::with((
                bind::<Text, _>(survey),
                bind::<Text, _>(municipality),
                bind::<Text, _>(from),
                bind::<Integer, _>(-letters),
                bind::<Text, _>(survey),
                bind::<Text, _>(municipality),
                bind::<Text, _>(to),
                bind::<Integer, _>(letters),
            ))
            .execute(conn)?;
        }
    }
    Ok(())
}

fixed_statement!(
    MoveLetters,
    "INSERT INTO disposition_tallies (survey_id, municipality_code, disposition, letters) \
     VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON CONFLICT (survey_id, municipality_code, disposition) \
     DO UPDATE SET letters = disposition_tallies.letters + excluded.letters"
);

/// Adds a submitted response (or, when reconciling, any counts) to its day's tally.
pub fn add_completion(conn: &mut DbConnection, tally: &CompletionTally) -> QueryResult<()> {
    AddCompletion::with((
        bind::<Text, _>(&tally.survey_id),
        bind::<Text, _>(&tally.municipality_code),
        bind::<Date, _>(tally.day),
        bind::<Text, _>(tally.mode),
        bind::<Integer, _>(tally.submitted),
        bind::<Integer, _>(tally.partial),
        bind::<Integer, _>(tally.break_off),
        bind::<Integer, _>(tally.without_letter),
    ))
    .execute(conn)
    .map(drop)
}

fixed_statement!(
    AddCompletion,
    "INSERT INTO completion_tallies \
     (survey_id, municipality_code, day, mode, submitted, partial, break_off, without_letter) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (survey_id, municipality_code, day, mode) DO UPDATE SET \
     submitted = completion_tallies.submitted + excluded.submitted, \
     partial = completion_tallies.partial + excluded.partial, \
     break_off = completion_tallies.break_off + excluded.break_off, \
     without_letter = completion_tallies.without_letter + excluded.without_letter"
);

/// Adds `drafts` (may be negative) to the count of drafts that reached `section`.
pub fn add_drafts(
    conn: &mut DbConnection,
    survey: &str,
    municipality: &str,
    section: i32,
    drafts: i32,
) -> QueryResult<()> {
    AddDrafts::with((
        bind::<Text, _>(survey),
        bind::<Text, _>(municipality),
        bind::<Integer, _>(section),
        bind::<Integer, _>(drafts),
    ))
    .execute(conn)
    .map(drop)
}

fixed_statement!(
    AddDrafts,
    "INSERT INTO progress_tallies (survey_id, municipality_code, section, drafts) VALUES (?, ?, ?, ?) \
     ON CONFLICT (survey_id, municipality_code, section) DO UPDATE SET drafts = progress_tallies.drafts + excluded.drafts"
);

/// Moves one draft from the count of drafts that reached section `from` to that of `to`, a statement each: only
/// SQLite's saved page moves a draft so (no round trips there), PostgreSQL's moves it inside `save_draft_page`.
pub fn move_draft(conn: &mut DbConnection, survey: &str, municipality: &str, from: i32, to: i32) -> QueryResult<()> {
    if from == to {
        return Ok(());
    }
    add_drafts(conn, survey, municipality, from, -1)?;
    add_drafts(conn, survey, municipality, to, 1)
}

/// Every counter of a survey.
pub struct SurveyTallies {
    pub dispositions: Vec<DispositionTally>,
    pub completions: Vec<CompletionTally>,
    pub progress: Vec<ProgressTally>,
}

pub fn of_survey(conn: &mut DbConnection, survey: &str) -> QueryResult<SurveyTallies> {
    let dispositions = disposition_tallies::table
        .filter(disposition_tallies::survey_id.eq(survey))
        .select(DispositionTally::as_select())
        .load(conn)?;
    let completions = completion_tallies::table
        .filter(completion_tallies::survey_id.eq(survey))
        .order((completion_tallies::municipality_code, completion_tallies::day, completion_tallies::mode))
        .select(CompletionTally::as_select())
        .load(conn)?;
    let progress = progress_tallies::table
        .filter(progress_tallies::survey_id.eq(survey))
        .select(ProgressTally::as_select())
        .load(conn)?;
    Ok(SurveyTallies { dispositions, completions, progress })
}

/// Replaces every counter of a survey (reconciling: the recount is the truth).
pub fn replace(conn: &mut DbConnection, survey: &str, tallies: &SurveyTallies) -> QueryResult<()> {
    diesel::delete(disposition_tallies::table.filter(disposition_tallies::survey_id.eq(survey))).execute(conn)?;
    diesel::delete(completion_tallies::table.filter(completion_tallies::survey_id.eq(survey))).execute(conn)?;
    diesel::delete(progress_tallies::table.filter(progress_tallies::survey_id.eq(survey))).execute(conn)?;
    for row in &tallies.dispositions {
        add_letters(conn, survey, &row.municipality_code, row.disposition, row.letters)?;
    }
    for row in &tallies.completions {
        add_completion(conn, row)?;
    }
    for row in &tallies.progress {
        add_drafts(conn, survey, &row.municipality_code, row.section, row.drafts)?;
    }
    Ok(())
}
