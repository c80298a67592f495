use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::instrument::{StoredInstrument, TranslationReview};
use crate::db::schema::{instruments, translation_reviews};

pub fn insert(conn: &mut DbConnection, instrument: &StoredInstrument) -> QueryResult<()> {
    diesel::insert_into(instruments::table).values(instrument).execute(conn).map(drop)
}

pub fn find(conn: &mut DbConnection, key: &str, version: &str) -> QueryResult<Option<StoredInstrument>> {
    instruments::table.find((key, version)).select(StoredInstrument::as_select()).first(conn).optional()
}

/// Every imported instrument, by key and then in the order they were imported.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<StoredInstrument>> {
    instruments::table
        .order((instruments::instrument_key, instruments::imported_at, instruments::version))
        .select(StoredInstrument::as_select())
        .load(conn)
}

/// The reviews of an instrument version's translations, by language.
pub fn reviews(conn: &mut DbConnection, key: &str, version: &str) -> QueryResult<Vec<TranslationReview>> {
    translation_reviews::table
        .filter(translation_reviews::instrument_key.eq(key))
        .filter(translation_reviews::instrument_version.eq(version))
        .order(translation_reviews::language)
        .select(TranslationReview::as_select())
        .load(conn)
}

/// Records a language's review, in place of an earlier one.
pub fn set_review(conn: &mut DbConnection, review: &TranslationReview) -> QueryResult<()> {
    remove_review(conn, &review.instrument_key, &review.instrument_version, &review.language)?;
    diesel::insert_into(translation_reviews::table).values(review).execute(conn).map(drop)
}

/// Withdraws a language's review; whether there was one.
pub fn remove_review(conn: &mut DbConnection, key: &str, version: &str, language: &str) -> QueryResult<bool> {
    diesel::delete(translation_reviews::table.find((key, version, language))).execute(conn).map(|rows| rows > 0)
}

/// Whether a native speaker's review of the language is recorded.
pub fn is_reviewed(conn: &mut DbConnection, key: &str, version: &str, language: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(translation_reviews::table.find((key, version, language)))).get_result(conn)
}
