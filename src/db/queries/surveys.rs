use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Nullable, Text};

use crate::db::DbConnection;
use crate::db::fixed::{bind, fixed_statement};
use crate::db::models::survey::{Survey, SurveyChanges, SurveyMunicipality};
use crate::db::schema::{municipalities, survey_municipalities, surveys};

pub fn insert(conn: &mut DbConnection, survey: &Survey, parts: &[SurveyMunicipality]) -> QueryResult<()> {
    diesel::insert_into(surveys::table).values(survey).execute(conn)?;
    for part in parts {
        diesel::insert_into(survey_municipalities::table).values(part).execute(conn)?;
    }
    Ok(())
}

/// Starts a write on a survey's letters or responses with a write: on PostgreSQL it locks the survey's row, so
/// writers of one survey take turns (two batches of codes never read the same last letter number); on SQLite it takes
/// the database's write lock at the transaction's first statement, where the busy timeout makes writers wait, rather
/// than at a later upgrade from reading, where SQLite gives up at once with "database is locked".
///
/// The write raises the survey's revision, which tells a rates read that what it read before is out of date: so every
/// transaction that changes a counter takes this turn (and every other change the rates show raises it too). It
/// writes a column nothing refers to: writing the key (`SET id = id`) makes SQLite check every table that refers to
/// surveys, scanning `submissions` and the survey's responses, so the turn would cost more with every response.
pub fn lock_for_write(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    RaiseRevision::with((bind::<Text, _>(id),)).execute(conn)
}

fixed_statement!(RaiseRevision, "UPDATE surveys SET revision = revision + 1 WHERE id = ?");

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Survey> {
    surveys::table.find(id).select(Survey::as_select()).first(conn)
}

/// Every survey, newest period first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Survey>> {
    surveys::table.order((surveys::opens_on.desc(), surveys::title)).select(Survey::as_select()).load(conn)
}

/// A survey with its municipalities (with their names, by code), in one query. A fixed statement: every paper form
/// and open-link page runs it, and diesel writes the SQL of a query it builds anew on every call.
pub fn with_parts(conn: &mut DbConnection, id: &str) -> QueryResult<(Survey, Vec<(SurveyMunicipality, String)>)> {
    type Row = (Survey, Option<String>, Option<i32>, Option<f64>, Option<String>);
    type Columns = (surveys::SqlType, Nullable<Text>, Nullable<Integer>, Nullable<Double>, Nullable<Text>);
    let rows: Vec<Row> = SurveyWithParts::with((bind::<Text, _>(id),)).returning::<Columns>().load(conn)?;
    let survey = rows.first().map(|(survey, ..)| survey.clone()).ok_or(diesel::result::Error::NotFound)?;
    let parts = rows
        .into_iter()
        .filter_map(|(survey, code, sample_size, target_percent, name)| {
            let part = SurveyMunicipality {
                survey_id: survey.id,
                municipality_code: code?,
                sample_size: sample_size?,
                target_percent,
            };
            Some((part, name?))
        })
        .collect();
    Ok((survey, parts))
}

// The columns in the order of the fields of `Survey`, then the part's and its municipality's name.
fixed_statement!(
    SurveyWithParts,
    "SELECT surveys.id, surveys.title, surveys.instrument_key, surveys.instrument_version, surveys.state, \
     surveys.access, surveys.opens_on, surveys.closes_on, surveys.created_by, surveys.created_at, \
     surveys.copied_from, surveys.revision, surveys.min_base, surveys.min_cell, surveys.sender, surveys.contact, \
     surveys.languages, \
     survey_municipalities.municipality_code, survey_municipalities.sample_size, \
     survey_municipalities.target_percent, municipalities.name \
     FROM surveys LEFT JOIN (survey_municipalities INNER JOIN municipalities \
     ON municipalities.code = survey_municipalities.municipality_code) \
     ON survey_municipalities.survey_id = surveys.id \
     WHERE surveys.id = ? ORDER BY survey_municipalities.municipality_code"
);

/// Every survey's municipality codes, for listing and permission checks.
pub fn all_parts(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    survey_municipalities::table
        .inner_join(municipalities::table)
        .order((survey_municipalities::survey_id, survey_municipalities::municipality_code))
        .select((survey_municipalities::survey_id, survey_municipalities::municipality_code, municipalities::name))
        .load(conn)
}

/// Changes a survey, raising its revision (its title and state show with its rates).
pub fn update(conn: &mut DbConnection, id: &str, changes: &SurveyChanges) -> QueryResult<usize> {
    diesel::update(surveys::table.find(id)).set((changes, surveys::revision.eq(surveys::revision + 1))).execute(conn)
}

/// Sets a draft survey's municipalities: existing ones keep their letters and get the new sample and target, new ones
/// are added, and those no longer wanted are removed (the caller makes sure they have no letters).
pub fn set_parts(conn: &mut DbConnection, survey_id: &str, parts: &[SurveyMunicipality]) -> QueryResult<()> {
    lock_for_write(conn, survey_id)?;
    let wanted: Vec<&str> = parts.iter().map(|part| part.municipality_code.as_str()).collect();
    diesel::delete(
        survey_municipalities::table
            .filter(survey_municipalities::survey_id.eq(survey_id))
            .filter(survey_municipalities::municipality_code.ne_all(&wanted)),
    )
    .execute(conn)?;
    for part in parts {
        let updated = diesel::update(
            survey_municipalities::table
                .filter(survey_municipalities::survey_id.eq(survey_id))
                .filter(survey_municipalities::municipality_code.eq(&part.municipality_code)),
        )
        .set((
            survey_municipalities::sample_size.eq(part.sample_size),
            survey_municipalities::target_percent.eq(part.target_percent),
        ))
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(survey_municipalities::table).values(part).execute(conn)?;
        }
    }
    Ok(())
}

/// Every survey a municipality is part of, earliest first.
pub fn of_municipality(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<Survey>> {
    surveys::table
        .inner_join(survey_municipalities::table)
        .filter(survey_municipalities::municipality_code.eq(code))
        .order((surveys::opens_on, surveys::id))
        .select(Survey::as_select())
        .load(conn)
}
