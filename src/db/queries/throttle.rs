use diesel::prelude::*;

use crate::auth::throttle::Counter;
use crate::db::DbConnection;
use crate::db::schema::auth_throttle;

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Counter>> {
    auth_throttle::table
        .find(key)
        .select((auth_throttle::failures, auth_throttle::window_started_at, auth_throttle::locked_until))
        .first(conn)
        .optional()
        .map(|row| {
            row.map(|(failures, window_started_at, locked_until)| Counter { failures, window_started_at, locked_until })
        })
}

/// Stores the counter for a key. A plain update-or-insert rather than an upsert, which the shared connection type
/// cannot express; two instances racing on the first failure of one key lose one count at worst.
pub fn put(conn: &mut DbConnection, key: &str, counter: &Counter) -> QueryResult<()> {
    let updated = diesel::update(auth_throttle::table.find(key))
        .set((
            auth_throttle::failures.eq(counter.failures),
            auth_throttle::window_started_at.eq(counter.window_started_at),
            auth_throttle::locked_until.eq(counter.locked_until),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(auth_throttle::table)
            .values((
                auth_throttle::throttle_key.eq(key),
                auth_throttle::failures.eq(counter.failures),
                auth_throttle::window_started_at.eq(counter.window_started_at),
                auth_throttle::locked_until.eq(counter.locked_until),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(auth_throttle::table.find(key)).execute(conn)
}
