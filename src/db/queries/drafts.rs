use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Integer, Nullable, Text};

use crate::db::DbConnection;
use crate::db::fixed::{Bind, bind, fixed_statement};
use crate::db::models::response::{Draft, LegacyDraft};
use crate::db::models::survey::Survey;
use crate::db::schema::{drafts, legacy_drafts, municipalities, spent_resume_codes, surveys};
use crate::domain::dispositions::Disposition;

pub fn get(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<Draft>> {
    // A fixed statement: every page a resident saves on SQLite reads its draft so.
    DraftByKey::with((bind::<Text, _>(key_hash),)).returning::<drafts::SqlType>().get_result(conn).optional()
}

// The columns in the order of the fields of `Draft` (`drafts` has no others).
fixed_statement!(
    DraftByKey,
    "SELECT key_hash, survey_id, municipality_code, reached_section, updated_on, sealed FROM drafts WHERE key_hash = ?"
);

/// A draft with its survey and the name of its municipality, in one query.
pub fn with_survey(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<(Draft, Survey, String)>> {
    drafts::table
        .inner_join(surveys::table.on(surveys::id.eq(drafts::survey_id)))
        .inner_join(municipalities::table.on(municipalities::code.eq(drafts::municipality_code)))
        .filter(drafts::key_hash.eq(key_hash))
        .select((Draft::as_select(), Survey::as_select(), municipalities::name))
        .first(conn)
        .optional()
}

/// A draft's columns bound in the order of the statements below.
type Row<'d> = (
    Bind<Text, &'d String>,
    Bind<Text, &'d String>,
    Bind<Text, &'d String>,
    Bind<Integer, i32>,
    Bind<Date, chrono::NaiveDate>,
    Bind<Text, &'d String>,
);

fn row(draft: &Draft) -> Row<'_> {
    (
        bind(&draft.key_hash),
        bind(&draft.survey_id),
        bind(&draft.municipality_code),
        bind(draft.reached_section),
        bind(draft.updated_on),
        bind(&draft.sealed),
    )
}

/// Saves a draft, replacing the one under the same key.
pub fn save(conn: &mut DbConnection, draft: &Draft) -> QueryResult<()> {
    SaveDraft::with(row(draft)).execute(conn)?;
    Ok(())
}

fixed_statement!(
    SaveDraft,
    "INSERT INTO drafts (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed) \
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_hash) DO UPDATE SET survey_id = excluded.survey_id, \
     municipality_code = excluded.municipality_code, reached_section = excluded.reached_section, \
     updated_on = excluded.updated_on, sealed = excluded.sealed"
);

/// PostgreSQL only: a resident's saved page, whole, in one call of the server's function `save_draft_page` (its
/// migration, `draft_page_saved_in_one_call`, says what it does): the draft stored at the furthest section saved
/// (`draft.reached_section` is how far this page reached), the survey's turn taken, the letter (the hash of its code)
/// noted and the counts moved, its commit not waiting for the disk. `false`, with nothing saved, when the letter is
/// answered. Called outside any transaction: the call is one, and a round trip is all it costs.
pub fn save_page(conn: &mut DbConnection, draft: &Draft, letter: Option<&str>) -> QueryResult<bool> {
    let (key_hash, survey_id, municipality_code, reached_section, updated_on, sealed) = row(draft);
    SaveDraftPage::with((
        key_hash,
        survey_id,
        municipality_code,
        reached_section,
        updated_on,
        sealed,
        bind::<Nullable<Text>, _>(letter),
        bind::<Text, _>(Disposition::NotReturned),
        bind::<Text, _>(Disposition::Started),
        bind::<Text, _>(Disposition::Completed),
    ))
    .returning::<Bool>()
    .get_result(conn)
}

fixed_statement!(SaveDraftPage, "SELECT save_draft_page(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

/// PostgreSQL only: the draft, with its row locked until the transaction ends, so that its submission and its saves
/// (`save_draft_page` locks it so too) take turns without the survey's write turn.
pub fn locked(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<Draft>> {
    ReadLockedDraft::with((bind::<Text, _>(key_hash),))
        .returning::<(Text, Text, Text, Integer, Date, Text)>()
        .get_result(conn)
        .optional()
}

fixed_statement!(
    ReadLockedDraft,
    "SELECT key_hash, survey_id, municipality_code, reached_section, updated_on, sealed FROM drafts \
     WHERE key_hash = ? FOR UPDATE"
);

/// Replaces only a draft's sealed contents (nothing when the draft is gone, e.g. submitted meanwhile).
pub fn set_sealed(conn: &mut DbConnection, key_hash: &str, sealed: &str) -> QueryResult<usize> {
    diesel::update(drafts::table.find(key_hash)).set(drafts::sealed.eq(sealed)).execute(conn)
}

/// Whether any draft saved before drafts were sealed is left.
pub fn any_legacy(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(legacy_drafts::table.select(legacy_drafts::key_hash))).get_result(conn)
}

/// A draft saved before drafts were sealed, by the hash of its code.
pub fn legacy(conn: &mut DbConnection, code_hash: &str) -> QueryResult<Option<LegacyDraft>> {
    legacy_drafts::table.find(code_hash).select(LegacyDraft::as_select()).first(conn).optional()
}

/// Deletes a draft saved before drafts were sealed (it has been sealed and moved, or submitted).
pub fn delete_legacy(conn: &mut DbConnection, code_hash: &str) -> QueryResult<usize> {
    diesel::delete(legacy_drafts::table.find(code_hash)).execute(conn)
}

pub fn delete(conn: &mut DbConnection, key_hash: &str) -> QueryResult<usize> {
    // A fixed statement: every submission deletes its draft so.
    DeleteDraft::with((bind::<Text, _>(key_hash),)).execute(conn)
}

fixed_statement!(DeleteDraft, "DELETE FROM drafts WHERE key_hash = ?");

/// Wipes the contents of a survey's drafts saved before drafts were sealed (the survey closes: nobody can resume
/// them), keeping only their count as drafts under random keys; returns how many.
pub fn wipe_legacy(conn: &mut DbConnection, survey: &str) -> QueryResult<usize> {
    let legacy: Vec<LegacyDraft> =
        legacy_drafts::table.filter(legacy_drafts::survey_id.eq(survey)).select(LegacyDraft::as_select()).load(conn)?;
    for old in &legacy {
        let counted = Draft {
            key_hash: format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()),
            survey_id: old.survey_id.clone(),
            municipality_code: old.municipality_code.clone(),
            reached_section: old.reached_section,
            updated_on: old.updated_on,
            sealed: String::new(),
        };
        diesel::insert_into(drafts::table).values(&counted).execute(conn)?;
    }
    diesel::delete(legacy_drafts::table.filter(legacy_drafts::survey_id.eq(survey))).execute(conn)
}

/// Drafts of a survey (sealed or not yet) by municipality and furthest section saved.
pub fn counts(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<(String, i32, i64)>> {
    let mut counts: std::collections::BTreeMap<(String, i32), i64> = std::collections::BTreeMap::new();
    let sealed: Vec<(String, i32, i64)> = drafts::table
        .filter(drafts::survey_id.eq(survey))
        .filter(drafts::reached_section.gt(0))
        .group_by((drafts::municipality_code, drafts::reached_section))
        .select((drafts::municipality_code, drafts::reached_section, diesel::dsl::count_star()))
        .load(conn)?;
    let legacy: Vec<(String, i32, i64)> = legacy_drafts::table
        .filter(legacy_drafts::survey_id.eq(survey))
        .filter(legacy_drafts::reached_section.gt(0))
        .group_by((legacy_drafts::municipality_code, legacy_drafts::reached_section))
        .select((legacy_drafts::municipality_code, legacy_drafts::reached_section, diesel::dsl::count_star()))
        .load(conn)?;
    for (municipality, section, drafts) in sealed.into_iter().chain(legacy) {
        *counts.entry((municipality, section)).or_default() += drafts;
    }
    Ok(counts.into_iter().map(|((municipality, section), drafts)| (municipality, section, drafts)).collect())
}

/// Remembers that an open-link resume code was used for a submitted answer.
pub fn spend_resume_code(conn: &mut DbConnection, code_hash: &str, survey: &str) -> QueryResult<()> {
    diesel::insert_into(spent_resume_codes::table)
        .values((spent_resume_codes::code_hash.eq(code_hash), spent_resume_codes::survey_id.eq(survey)))
        .execute(conn)
        .map(drop)
}

/// Whether an open-link resume code was used for a submitted answer.
pub fn resume_code_spent(conn: &mut DbConnection, code_hash: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(spent_resume_codes::table.find(code_hash))).get_result(conn)
}
