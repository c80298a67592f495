//! Published results, one per survey.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::publication::Publication;
use crate::db::schema::publications;

/// The survey's publication, if it is published.
pub fn of_survey(conn: &mut DbConnection, survey: &str) -> QueryResult<Option<Publication>> {
    publications::table.find(survey).select(Publication::as_select()).first(conn).optional()
}

/// Publishes, replacing an earlier publication of the same survey.
pub fn replace(conn: &mut DbConnection, publication: &Publication) -> QueryResult<()> {
    diesel::delete(publications::table.find(&publication.survey_id)).execute(conn)?;
    diesel::insert_into(publications::table).values(publication).execute(conn).map(drop)
}

/// Withdraws a publication; whether there was one.
pub fn delete(conn: &mut DbConnection, survey: &str) -> QueryResult<bool> {
    diesel::delete(publications::table.find(survey)).execute(conn).map(|deleted| deleted > 0)
}
