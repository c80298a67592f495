//! Population margins: per survey and municipality, the residents in each option of a background item.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::population::PopulationMargin;
use crate::db::queries::surveys;
use crate::db::schema::population_margins;
use crate::domain::population::Margins;

/// Every municipality's margins of a survey, by municipality code; a municipality without margins is absent.
pub fn of_survey(conn: &mut DbConnection, survey_id: &str) -> QueryResult<BTreeMap<String, Margins>> {
    let rows: Vec<PopulationMargin> = population_margins::table
        .filter(population_margins::survey_id.eq(survey_id))
        .select(PopulationMargin::as_select())
        .load(conn)?;
    let mut by_municipality: BTreeMap<String, Margins> = BTreeMap::new();
    for row in rows {
        let margins = by_municipality.entry(row.municipality_code).or_default();
        margins.0.entry(row.item_id).or_default().insert(row.option_code, row.population);
    }
    Ok(by_municipality)
}

/// One municipality's margins of a survey (empty when none are stored).
pub fn of_municipality(conn: &mut DbConnection, survey_id: &str, municipality: &str) -> QueryResult<Margins> {
    let rows: Vec<(String, String, i64)> = population_margins::table
        .filter(population_margins::survey_id.eq(survey_id))
        .filter(population_margins::municipality_code.eq(municipality))
        .select((population_margins::item_id, population_margins::option_code, population_margins::population))
        .load(conn)?;
    let mut margins = Margins::default();
    for (item, option, population) in rows {
        margins.0.entry(item).or_default().insert(option, population);
    }
    Ok(margins)
}

/// Replaces one municipality's margins of a survey (empty margins remove them), raising the survey's revision so
/// that results computed from the old margins are recomputed.
pub fn replace(conn: &mut DbConnection, survey_id: &str, municipality: &str, margins: &Margins) -> QueryResult<()> {
    surveys::lock_for_write(conn, survey_id)?;
    diesel::delete(
        population_margins::table
            .filter(population_margins::survey_id.eq(survey_id))
            .filter(population_margins::municipality_code.eq(municipality)),
    )
    .execute(conn)?;
    let rows: Vec<PopulationMargin> = margins
        .0
        .iter()
        .flat_map(|(item, counts)| {
            counts.iter().map(move |(option, population)| PopulationMargin {
                survey_id: survey_id.to_owned(),
                municipality_code: municipality.to_owned(),
                item_id: item.clone(),
                option_code: option.clone(),
                population: *population,
            })
        })
        .collect();
    for row in &rows {
        diesel::insert_into(population_margins::table).values(row).execute(conn)?;
    }
    Ok(())
}
