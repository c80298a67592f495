use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::connection::on_backend;
use crate::db::schema::auth_throttle;
use crate::domain::throttle::Counter;

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

/// Counts one sign-in attempt for `key` and returns the counter after it. The increment is a single UPDATE, so
/// attempts made in parallel cannot lose counts (they queue on the row); a counter whose window has passed and whose
/// lock has ended starts again; reaching `limit` sets the lock until `lock_until`.
pub fn count_attempt(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
    window_start: NaiveDateTime,
    limit: i32,
    lock_until: NaiveDateTime,
) -> QueryResult<Counter> {
    use auth_throttle::dsl::{failures, locked_until, throttle_key, window_started_at};
    conn.transaction(|conn| {
        let fresh =
            (throttle_key.eq(key), failures.eq(0), window_started_at.eq(now), locked_until.eq(None::<NaiveDateTime>));
        // Insert-if-missing needs ON CONFLICT, which the shared connection type cannot express.
        on_backend!(conn, |conn| diesel::insert_into(auth_throttle::table)
            .values(fresh)
            .on_conflict_do_nothing()
            .execute(conn))?;
        diesel::update(
            auth_throttle::table
                .find(key)
                .filter(window_started_at.lt(window_start))
                .filter(locked_until.is_null().or(locked_until.le(now))),
        )
        .set((failures.eq(0), window_started_at.eq(now), locked_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
        diesel::update(auth_throttle::table.find(key)).set(failures.eq(failures + 1)).execute(conn)?;
        diesel::update(auth_throttle::table.find(key).filter(failures.ge(limit)).filter(locked_until.is_null()))
            .set(locked_until.eq(Some(lock_until)))
            .execute(conn)?;
        get(conn, key)?.ok_or(diesel::result::Error::NotFound)
    })
}

/// Takes back one counted attempt (it turned out to be a successful sign-in), lifting a lock it had set.
pub fn forgive_attempt(conn: &mut DbConnection, key: &str, limit: i32) -> QueryResult<()> {
    use auth_throttle::dsl::{failures, locked_until};
    diesel::update(auth_throttle::table.find(key).filter(failures.gt(0)))
        .set(failures.eq(failures - 1))
        .execute(conn)?;
    diesel::update(auth_throttle::table.find(key).filter(failures.lt(limit)))
        .set(locked_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(auth_throttle::table.find(key)).execute(conn)
}
