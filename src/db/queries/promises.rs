//! Citizen promises and their targets.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::promise::{Promise, PromiseChanges, PromiseTarget};
use crate::db::schema::{promise_targets, promises};

/// A municipality's promises with their targets, the latest start first.
pub fn of_municipality(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<(Promise, Vec<PromiseTarget>)>> {
    let rows: Vec<Promise> = promises::table
        .filter(promises::municipality_code.eq(code))
        .order((promises::starts_on.desc(), promises::title, promises::id))
        .select(Promise::as_select())
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|promise| promise.id.as_str()).collect();
    let mut targets: HashMap<String, Vec<PromiseTarget>> = HashMap::new();
    for target in promise_targets::table
        .filter(promise_targets::promise_id.eq_any(&ids))
        .order((promise_targets::promise_id, promise_targets::position))
        .select(PromiseTarget::as_select())
        .load(conn)?
    {
        targets.entry(target.promise_id.clone()).or_default().push(target);
    }
    Ok(rows
        .into_iter()
        .map(|promise| {
            let own = targets.remove(&promise.id).unwrap_or_default();
            (promise, own)
        })
        .collect())
}

/// One promise with its targets, or `NotFound`.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<(Promise, Vec<PromiseTarget>)> {
    let promise = promises::table.find(id).select(Promise::as_select()).first(conn)?;
    let targets = promise_targets::table
        .filter(promise_targets::promise_id.eq(id))
        .order(promise_targets::position)
        .select(PromiseTarget::as_select())
        .load(conn)?;
    Ok((promise, targets))
}

pub fn insert(conn: &mut DbConnection, promise: &Promise, targets: &[PromiseTarget]) -> QueryResult<()> {
    diesel::insert_into(promises::table).values(promise).execute(conn)?;
    insert_targets(conn, targets)
}

/// Changes a promise and replaces its targets; whether there was such a promise.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    changes: &PromiseChanges,
    targets: &[PromiseTarget],
) -> QueryResult<bool> {
    if diesel::update(promises::table.find(id)).set(changes).execute(conn)? == 0 {
        return Ok(false);
    }
    diesel::delete(promise_targets::table.filter(promise_targets::promise_id.eq(id))).execute(conn)?;
    insert_targets(conn, targets)?;
    Ok(true)
}

/// Deletes a promise with its targets; whether there was one.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(promise_targets::table.filter(promise_targets::promise_id.eq(id))).execute(conn)?;
    diesel::delete(promises::table.find(id)).execute(conn).map(|deleted| deleted > 0)
}

// One statement per row: the shared connection type cannot insert a batch from a list.
fn insert_targets(conn: &mut DbConnection, targets: &[PromiseTarget]) -> QueryResult<()> {
    for target in targets {
        diesel::insert_into(promise_targets::table).values(target).execute(conn)?;
    }
    Ok(())
}
