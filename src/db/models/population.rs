use diesel::prelude::*;

use crate::db::schema::population_margins;

/// One municipality's population in one option of a background item of a survey's questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = population_margins)]
pub struct PopulationMargin {
    pub survey_id: String,
    pub municipality_code: String,
    pub item_id: String,
    pub option_code: String,
    pub population: i64,
}
