use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text};

use crate::db::DbConnection;
use crate::db::connection::on_backend;
use crate::db::fixed::{bind, fixed_statement};
use crate::db::models::response::Draft;
use crate::db::models::survey::{Invitation, Survey};
use crate::db::queries::tallies;
use crate::db::schema::{drafts, invitations, surveys};
use crate::domain::dispositions::Disposition;

/// The highest letter serial used in a survey's municipality (0 when none).
pub fn last_serial(conn: &mut DbConnection, survey_id: &str, municipality: &str) -> QueryResult<i32> {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::municipality_code.eq(municipality))
        .select(diesel::dsl::max(invitations::letter_serial))
        .first::<Option<i32>>(conn)
        .map(Option::unwrap_or_default)
}

/// How many letters a municipality has in a survey.
pub fn letters_in(conn: &mut DbConnection, survey_id: &str, municipality: &str) -> QueryResult<i64> {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::municipality_code.eq(municipality))
        .count()
        .get_result(conn)
}

/// Inserts many invitations. Batch inserts from a list are not expressible through the shared connection type,
/// so each backend's own connection runs them, in chunks that stay under both backends' parameter limits.
pub fn insert_many(conn: &mut DbConnection, rows: &[Invitation]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        // A batch insert from a list cannot be expressed through the shared connection type.
        on_backend!(conn, |conn| diesel::insert_into(invitations::table).values(chunk).execute(conn))?;
    }
    let mut counts: std::collections::BTreeMap<(&str, &str, &str), (Disposition, i32)> =
        std::collections::BTreeMap::new();
    for row in rows {
        let key = (row.survey_id.as_str(), row.municipality_code.as_str(), row.disposition.as_str());
        counts.entry(key).or_insert((row.disposition, 0)).1 += 1;
    }
    for ((survey, municipality, _), (disposition, letters)) in counts {
        tallies::add_letters(conn, survey, municipality, disposition, letters)?;
    }
    Ok(())
}

/// Counts of a survey's invitations by municipality and disposition.
pub fn counts(conn: &mut DbConnection, survey_id: &str) -> QueryResult<Vec<(String, Disposition, i64)>> {
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
    dispositions: &[Disposition],
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
) -> QueryResult<Option<Disposition>> {
    numbered(survey_id, municipality, serial).select(invitations::disposition).first(conn).optional()
}

/// Changes one letter's disposition from `from` to `to`, only if it is still `from` (so two changes at the same
/// moment cannot both succeed), and moves its counter; 1 when it changed.
fn change(conn: &mut DbConnection, letter: &Invitation, from: Disposition, to: Disposition) -> QueryResult<usize> {
    let changed = change_uncounted(conn, letter, from, to)?;
    if changed {
        tallies::move_letter(conn, &letter.survey_id, &letter.municipality_code, from, to)?;
    }
    Ok(usize::from(changed))
}

/// [`change`] without moving the letter's counter, which is the caller's to move; whether it changed.
fn change_uncounted(
    conn: &mut DbConnection,
    letter: &Invitation,
    from: Disposition,
    to: Disposition,
) -> QueryResult<bool> {
    let changed =
        ChangeLetter::with((bind::<Text, _>(to), bind::<Text, _>(&letter.id), bind::<Text, _>(from))).execute(conn)?;
    Ok(changed == 1)
}

/// Marks a letter read earlier as answered unless it already is; 1 when this call did it. When its disposition
/// changed since it was read, it is read again (then under the survey's write turn, so it stays as read).
pub fn complete_letter(conn: &mut DbConnection, letter: &Invitation) -> QueryResult<usize> {
    let Some(from) = answer_letter(conn, letter)? else { return Ok(0) };
    tallies::move_letter(conn, &letter.survey_id, &letter.municipality_code, from, Disposition::Completed)?;
    Ok(1)
}

/// [`complete_letter`] without moving the letter's counter: the disposition the letter had when this call marked it
/// answered, `None` when it already was. For a caller that moves the counters of many letters at once (a submission's
/// group, `app::responses`).
pub fn answer_letter(conn: &mut DbConnection, letter: &Invitation) -> QueryResult<Option<Disposition>> {
    if letter.disposition == Disposition::Completed {
        return Ok(None);
    }
    if change_uncounted(conn, letter, letter.disposition, Disposition::Completed)? {
        return Ok(Some(letter.disposition));
    }
    match by_serial(conn, &letter.survey_id, &letter.municipality_code, letter.letter_serial)? {
        Some(again) if again.disposition != Disposition::Completed => {
            Ok(change_uncounted(conn, &again, again.disposition, Disposition::Completed)?.then_some(again.disposition))
        }
        _ => Ok(None),
    }
}

/// PostgreSQL: the letters' statistics brought up to date after `added` letters were written, when the table's last
/// statistics (`pg_class.reltuples`, -1 before the first) knew of fewer than ten times as many: the share after which
/// autovacuum would analyse it too, but only a minute or so later. Until then the planner knows nothing of the new
/// letters, and may find a letter by its number ([`by_serial`], every paper form's) through the index of a
/// municipality's letters by disposition, reading every letter of the municipality (10 ms for 40,000), instead of
/// through the letter numbers' unique index. `SKIP_LOCKED`: should autovacuum or another `ANALYZE` hold the table,
/// that one is bringing the statistics up to date, and this one does not wait for it. SQLite's planner needs no
/// statistics to prefer a unique index whose every column is given: nothing is done there.
pub fn refresh_statistics(conn: &mut DbConnection, added: usize) -> QueryResult<()> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return Ok(());
    }
    let known: f32 = diesel::select(diesel::dsl::sql::<diesel::sql_types::Float>(
        "(SELECT reltuples FROM pg_class WHERE oid = 'invitations'::regclass)",
    ))
    .get_result(conn)?;
    let added = added as f32;
    if known < 0.0 || added * 10.0 >= known {
        diesel::sql_query("ANALYZE (SKIP_LOCKED) invitations").execute(conn)?;
    }
    Ok(())
}

/// One letter by its number.
pub fn by_serial(
    conn: &mut DbConnection,
    survey_id: &str,
    municipality: &str,
    serial: i32,
) -> QueryResult<Option<Invitation>> {
    // A fixed statement: every paper form with a letter number reads its letter so.
    LetterBySerial::with((bind::<Text, _>(survey_id), bind::<Text, _>(municipality), bind::<Integer, _>(serial)))
        .returning::<LetterColumns>()
        .get_result(conn)
        .optional()
}

fixed_statement!(
    LetterBySerial,
    "SELECT id, survey_id, municipality_code, letter_serial, code_hash, disposition FROM invitations \
     WHERE survey_id = ? AND municipality_code = ? AND letter_serial = ?"
);

/// The letter with this number (of a survey's municipality, and its serial there).
#[diesel::dsl::auto_type(no_type_alias)]
fn numbered<'a>(survey_id: &'a str, municipality: &'a str, serial: i32) -> _ {
    invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::municipality_code.eq(municipality))
        .filter(invitations::letter_serial.eq(serial))
}

/// Records a staff-reported disposition unless the letter has been answered meanwhile; 1 when it was recorded.
pub fn set_disposition(
    conn: &mut DbConnection,
    survey_id: &str,
    municipality: &str,
    serial: i32,
    disposition: Disposition,
) -> QueryResult<usize> {
    match by_serial(conn, survey_id, municipality, serial)? {
        Some(letter) if letter.disposition != Disposition::Completed => {
            let from = letter.disposition;
            if from == disposition { Ok(1) } else { change(conn, &letter, from, disposition) }
        }
        _ => Ok(0),
    }
}

/// Records the furthest section the draft of the letter with this code has reached (`None`: its draft is gone).
pub fn set_draft_section(conn: &mut DbConnection, code_hash: &str, section: Option<i32>) -> QueryResult<usize> {
    SetDraftSection::with((bind::<Nullable<Integer>, _>(section), bind::<Text, _>(code_hash))).execute(conn)
}

/// The furthest section a letter's draft has reached, when it has a draft.
pub fn draft_section(conn: &mut DbConnection, letter_id: &str) -> QueryResult<Option<i32>> {
    DraftSectionOf::with((bind::<Text, _>(letter_id),)).returning::<Nullable<Integer>>().get_result(conn)
}

fixed_statement!(DraftSectionOf, "SELECT draft_section FROM invitations WHERE id = ?");

/// Drafts of a survey's answered letters that wait to be deleted (they are no longer counted), by municipality and
/// furthest section.
pub fn answered_drafts(conn: &mut DbConnection, survey_id: &str) -> QueryResult<Vec<(String, i32, i64)>> {
    let rows: Vec<(String, Option<i32>, i64)> = invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::disposition.eq(Disposition::Completed))
        .filter(invitations::draft_section.is_not_null())
        .group_by((invitations::municipality_code, invitations::draft_section))
        .select((invitations::municipality_code, invitations::draft_section, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(municipality, section, drafts)| Some((municipality, section?, drafts))).collect())
}

/// The letter whose code has this keyed hash: its survey, municipality and disposition.
pub fn by_code_hash(conn: &mut DbConnection, code_hash: &str) -> QueryResult<Option<Invitation>> {
    LetterByCodeHash::with((bind::<Text, _>(code_hash),)).returning::<LetterColumns>().get_result(conn).optional()
}

fixed_statement!(
    LetterByCodeHash,
    "SELECT id, survey_id, municipality_code, letter_serial, code_hash, disposition FROM invitations \
     WHERE code_hash = ?"
);

/// A letter with its survey, the name of its municipality and its draft, if it has one.
pub type LetterRows = (Invitation, Survey, String, Option<Draft>);

/// The letter with this code, with its survey, the name of its municipality and the draft under `draft_key` if there
/// is one, in one query: one snapshot, so a submission that deletes the draft and completes the letter is seen whole
/// or not at all.
pub fn with_survey_and_draft(
    conn: &mut DbConnection,
    code_hash: &str,
    draft_key: &str,
) -> QueryResult<Option<LetterRows>> {
    // Every page a resident opens or saves runs this, so it is a fixed statement: diesel walks a query it builds
    // twice on every call (whether it may be kept prepared, then for its values), 30 columns each time.
    LetterWithSurveyAndDraft::with((bind::<Text, _>(draft_key), bind::<Text, _>(code_hash)))
        .returning::<(LetterColumns, surveys::SqlType, Text, Nullable<drafts::SqlType>)>()
        .get_result(conn)
        .optional()
}

/// The SQL types of the columns of [`Invitation`], in its fields' order.
type LetterColumns = (Text, Text, Text, Integer, Text, Text);

// The columns in the order of the fields of `Invitation`, `Survey` and `Draft` (`surveys` and `drafts` have no others).
fixed_statement!(
    LetterWithSurveyAndDraft,
    "SELECT invitations.id, invitations.survey_id, invitations.municipality_code, invitations.letter_serial, \
     invitations.code_hash, invitations.disposition, \
     surveys.id, surveys.title, surveys.instrument_key, surveys.instrument_version, surveys.state, surveys.access, \
     surveys.opens_on, surveys.closes_on, surveys.created_by, surveys.created_at, surveys.copied_from, \
     surveys.revision, surveys.min_base, surveys.min_cell, surveys.sender, surveys.contact, surveys.languages, \
     municipalities.name, \
     drafts.key_hash, drafts.survey_id, drafts.municipality_code, drafts.reached_section, drafts.updated_on, \
     drafts.sealed \
     FROM invitations \
     INNER JOIN surveys ON surveys.id = invitations.survey_id \
     INNER JOIN municipalities ON municipalities.code = invitations.municipality_code \
     LEFT JOIN drafts ON drafts.key_hash = ? \
     WHERE invitations.code_hash = ?"
);

/// A saved page's counts on SQLite (PostgreSQL's are part of `drafts::save_page`): its draft moved from the count
/// of drafts that reached section `from` (0: it was never counted) to that of `to` and, for a letter (its
/// `code_hash`), the letter noted: how far its draft reached, and started (a resident saved a page) unless staff or
/// an answer have given it a more telling disposition. `false` when the letter is answered: a page saved in one tab
/// while the other submitted must not leave a draft behind for an answered letter, so the caller rolls the whole save
/// back, counts included. Runs under the survey's turn. It counts the draft under the survey and municipality given,
/// which are the letter's.
pub fn count_saved_draft(
    conn: &mut DbConnection,
    code_hash: Option<&str>,
    survey: &str,
    municipality: &str,
    from: i32,
    to: i32,
) -> QueryResult<bool> {
    match from {
        0 => tallies::add_drafts(conn, survey, municipality, to, 1)?,
        from => tallies::move_draft(conn, survey, municipality, from, to)?,
    }
    let Some(code_hash) = code_hash else { return Ok(true) };
    // A statement on SQLite costs no round trip: one each.
    let noted = NoteDraftSection::with((
        bind::<Integer, _>(to),
        bind::<Text, _>(code_hash),
        bind::<Text, _>(Disposition::Completed),
    ));
    if noted.execute(conn)? == 0 {
        return Ok(false);
    }
    let (from, to) = (Disposition::NotReturned, Disposition::Started);
    if StartLetter::with((bind::<Text, _>(to), bind::<Text, _>(code_hash), bind::<Text, _>(from))).execute(conn)? == 1 {
        tallies::move_letter(conn, survey, municipality, from, to)?;
    }
    Ok(true)
}

fixed_statement!(SetDraftSection, "UPDATE invitations SET draft_section = ? WHERE code_hash = ?");
fixed_statement!(NoteDraftSection, "UPDATE invitations SET draft_section = ? WHERE code_hash = ? AND disposition <> ?");
fixed_statement!(StartLetter, "UPDATE invitations SET disposition = ? WHERE code_hash = ? AND disposition = ?");
fixed_statement!(ChangeLetter, "UPDATE invitations SET disposition = ? WHERE id = ? AND disposition = ?");
