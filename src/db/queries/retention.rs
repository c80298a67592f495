//! Retention (gallring): what is deleted once it has served its purpose. Results, counters and the anonymous
//! responses are never touched here.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConnection;
use crate::db::schema::{
    audit_events, drafts, invitations, legacy_drafts, letter_batches, spent_resume_codes, surveys,
};

/// What an invitation's code hash becomes once its code is retired: no code hashes to it, and it stays unique.
const RETIRED: &str = "retired:";

/// Closed surveys whose last day was before `before`, with nothing left to retire skipped.
pub fn closed_before(conn: &mut DbConnection, before: NaiveDate) -> QueryResult<Vec<String>> {
    surveys::table
        .filter(surveys::state.eq("closed"))
        .filter(surveys::closes_on.lt(before))
        .select(surveys::id)
        .order(surveys::id)
        .load(conn)
}

/// How much of a survey is still to retire: drafts with contents, invitation codes, sealed letter batches and
/// open-link resume codes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Retirable {
    pub drafts: i64,
    pub codes: i64,
    pub batches: i64,
}

fn drafts_with_contents(conn: &mut DbConnection, survey: &str) -> QueryResult<i64> {
    let sealed: i64 =
        drafts::table.filter(drafts::survey_id.eq(survey)).filter(drafts::sealed.ne("")).count().get_result(conn)?;
    let legacy: i64 = legacy_drafts::table.filter(legacy_drafts::survey_id.eq(survey)).count().get_result(conn)?;
    Ok(sealed + legacy)
}

pub fn retirable(conn: &mut DbConnection, survey: &str) -> QueryResult<Retirable> {
    let codes: i64 = invitations::table
        .filter(invitations::survey_id.eq(survey))
        .filter(invitations::code_hash.not_like(format!("{RETIRED}%")))
        .count()
        .get_result(conn)?;
    let resume: i64 =
        spent_resume_codes::table.filter(spent_resume_codes::survey_id.eq(survey)).count().get_result(conn)?;
    let batches: i64 = letter_batches::table
        .filter(letter_batches::survey_id.eq(survey))
        .filter(letter_batches::sealed.ne(""))
        .count()
        .get_result(conn)?;
    Ok(Retirable { drafts: drafts_with_contents(conn, survey)?, codes: codes + resume, batches })
}

/// Empties the survey's drafts: their answers go, and each is moved to a random key that no code leads to; only
/// their number per municipality and section stays (the counters of started, unsent answers rest on it).
pub fn empty_drafts(conn: &mut DbConnection, survey: &str) -> QueryResult<usize> {
    let moved = super::drafts::wipe_legacy(conn, survey)?;
    let keys: Vec<String> = drafts::table
        .filter(drafts::survey_id.eq(survey))
        .filter(drafts::sealed.ne(""))
        .select(drafts::key_hash)
        .load(conn)?;
    for key in &keys {
        let random = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        diesel::update(drafts::table.find(key))
            .set((drafts::key_hash.eq(random), drafts::sealed.eq("")))
            .execute(conn)?;
    }
    Ok(moved + keys.len())
}

/// Retires the survey's invitation codes (the letters stay, with their dispositions, for the response rates), its
/// open-link resume codes, and the sealed copies of its letter batches.
pub fn retire_codes(conn: &mut DbConnection, survey: &str) -> QueryResult<(usize, usize)> {
    let codes = diesel::update(
        invitations::table
            .filter(invitations::survey_id.eq(survey))
            .filter(invitations::code_hash.not_like(format!("{RETIRED}%"))),
    )
    .set(invitations::code_hash.eq(diesel::dsl::sql::<Text>(&format!("'{RETIRED}' || id"))))
    .execute(conn)?;
    let resume =
        diesel::delete(spent_resume_codes::table.filter(spent_resume_codes::survey_id.eq(survey))).execute(conn)?;
    let batches = diesel::update(
        letter_batches::table.filter(letter_batches::survey_id.eq(survey)).filter(letter_batches::sealed.ne("")),
    )
    .set(letter_batches::sealed.eq(""))
    .execute(conn)?;
    Ok((codes + resume, batches))
}

/// Audit events before `before` that still carry the address they came from.
pub fn audit_addresses_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<i64> {
    audit_events::table
        .filter(audit_events::occurred_at.lt(before))
        .filter(audit_events::source_address.is_not_null())
        .count()
        .get_result(conn)
}

/// Removes the addresses of audit events before `before`; the events themselves stay.
pub fn forget_audit_addresses(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        audit_events::table
            .filter(audit_events::occurred_at.lt(before))
            .filter(audit_events::source_address.is_not_null()),
    )
    .set(audit_events::source_address.eq(None::<String>))
    .execute(conn)
}
