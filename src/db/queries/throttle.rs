use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

use crate::db::DbConnection;
use crate::db::connection::on_backend;
use crate::db::fixed::{bind, fixed_statement};
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
    use auth_throttle::dsl::{failures, locked_until, window_started_at};
    conn.transaction(|conn| {
        ensure_row(conn, key, now)?;
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

/// The counter row of `key`, made fresh (nothing counted, window from `now`) when there is none yet.
fn ensure_row(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> QueryResult<()> {
    use auth_throttle::dsl::{failures, locked_until, throttle_key, window_started_at};
    let fresh =
        (throttle_key.eq(key), failures.eq(0), window_started_at.eq(now), locked_until.eq(None::<NaiveDateTime>));
    // Insert-if-missing needs ON CONFLICT, which the shared connection type cannot express.
    on_backend!(conn, |conn| diesel::insert_into(auth_throttle::table)
        .values(fresh)
        .on_conflict_do_nothing()
        .execute(conn))?;
    Ok(())
}

pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(auth_throttle::table.find(key)).execute(conn)
}

/// Counts one code lookup under `key` and returns the counter after it, starting a new window (and forgetting the
/// pace) when the last one began before `window_start`. One statement counts, so parallel lookups cannot lose counts.
pub fn count_lookup(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
    window_start: NaiveDateTime,
) -> QueryResult<Counter> {
    // The counter after it comes back with it: no second statement, nor a savepoint around the two (three round trips
    // fewer on PostgreSQL for every resident's first page).
    let (failures, window_started_at, locked_until) = CountLookup::with((
        bind::<Text, _>(key),
        bind::<Timestamp, _>(now),
        bind::<Timestamp, _>(window_start),
        bind::<Timestamp, _>(window_start),
        bind::<Timestamp, _>(window_start),
        bind::<Timestamp, _>(now),
    ))
    .returning::<(Integer, Timestamp, Nullable<Timestamp>)>()
    .get_result(conn)?;
    Ok(Counter { failures, window_started_at, locked_until })
}

// The SET expressions read the row as it was, so each tests the window the lookup came in.
fixed_statement!(
    CountLookup,
    "INSERT INTO auth_throttle (throttle_key, failures, window_started_at, locked_until) VALUES (?, 1, ?, NULL) \
     ON CONFLICT (throttle_key) DO UPDATE SET \
     failures = CASE WHEN auth_throttle.window_started_at < ? THEN 1 ELSE auth_throttle.failures + 1 END, \
     locked_until = CASE WHEN auth_throttle.window_started_at < ? THEN NULL ELSE auth_throttle.locked_until END, \
     window_started_at = CASE WHEN auth_throttle.window_started_at < ? THEN ? ELSE auth_throttle.window_started_at END \
     RETURNING failures, window_started_at, locked_until"
);

/// Takes back one counted lookup (its code was found, or it was not made).
pub fn take_back_lookup(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    TakeBackLookup::with((bind::<Text, _>(key),)).execute(conn)?;
    Ok(())
}

fixed_statement!(
    TakeBackLookup,
    "UPDATE auth_throttle SET failures = failures - 1 WHERE throttle_key = ? AND failures > 0"
);

/// The outcome of asking for a paced key's next slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Taken, and the first in the key's window: the key has just begun to be paced.
    First,
    /// Taken.
    Taken,
    /// Not before this time.
    Wait(NaiveDateTime),
}

/// Takes the slot of `key` at `now` when it is free, holding the next one back until `next`. For code entry the
/// counter's `locked_until` is the time of the next slot. Each step is one conditional UPDATE, so of parallel
/// requests exactly one takes a slot.
pub fn take_slot(conn: &mut DbConnection, key: &str, now: NaiveDateTime, next: NaiveDateTime) -> QueryResult<Slot> {
    use auth_throttle::dsl::locked_until;
    let first = diesel::update(auth_throttle::table.find(key).filter(locked_until.is_null()))
        .set(locked_until.eq(Some(next)))
        .execute(conn)?;
    if first == 1 {
        return Ok(Slot::First);
    }
    let taken = diesel::update(auth_throttle::table.find(key).filter(locked_until.le(now)))
        .set(locked_until.eq(Some(next)))
        .execute(conn)?;
    if taken == 1 {
        return Ok(Slot::Taken);
    }
    Ok(get(conn, key)?.and_then(|counter| counter.locked_until).map_or(Slot::Taken, Slot::Wait))
}
