use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::user::{NewUser, User, UserChanges};
use crate::db::schema::{user_municipalities, users};

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(email)).select(User::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table.order(users::email).select(User::as_select()).load(conn)
}

/// Creates an account with its municipalities.
pub fn insert(conn: &mut DbConnection, user: &NewUser, municipalities: &[String]) -> QueryResult<()> {
    diesel::insert_into(users::table).values(user).execute(conn)?;
    set_municipalities(conn, &user.id, municipalities)
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &UserChanges) -> QueryResult<usize> {
    if changes.display_name.is_none()
        && changes.password_hash.is_none()
        && changes.role.is_none()
        && changes.disabled_at.is_none()
    {
        return Ok(0);
    }
    diesel::update(users::table.find(id)).set(changes).execute(conn)
}

/// Replaces the municipalities assigned to a user.
pub fn set_municipalities(conn: &mut DbConnection, user_id: &str, codes: &[String]) -> QueryResult<()> {
    diesel::delete(user_municipalities::table.filter(user_municipalities::user_id.eq(user_id))).execute(conn)?;
    for code in codes {
        diesel::insert_into(user_municipalities::table)
            .values((user_municipalities::user_id.eq(user_id), user_municipalities::municipality_code.eq(code)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn municipalities_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    user_municipalities::table
        .filter(user_municipalities::user_id.eq(user_id))
        .select(user_municipalities::municipality_code)
        .order(user_municipalities::municipality_code)
        .load(conn)
}

/// Every account's municipalities, as (account id, municipality code) in one query.
pub fn all_municipalities(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    user_municipalities::table
        .select((user_municipalities::user_id, user_municipalities::municipality_code))
        .order((user_municipalities::user_id, user_municipalities::municipality_code))
        .load(conn)
}
