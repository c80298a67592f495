use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::instrument::StoredInstrument;
use crate::db::schema::instruments;

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
