use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::user::{ApiToken, Session, User};
use crate::db::schema::{api_tokens, sessions, setup_tokens, users};

pub fn insert(conn: &mut DbConnection, session: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table).values(session).execute(conn).map(drop)
}

/// The session and its user, if the session exists, has been used within `idle_since` and has not expired.
pub fn find_active(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
    idle_since: NaiveDateTime,
) -> QueryResult<Option<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(idle_since))
        .filter(users::disabled_at.is_null())
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(token_hash)).set(sessions::last_seen_at.eq(now)).execute(conn)
}

pub fn delete(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(token_hash)).execute(conn)
}

/// Revokes every session of a user; returns how many there were.
pub fn delete_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Revokes every session of a user except one (after a password change, keep the one that changed it).
pub fn delete_others(conn: &mut DbConnection, user_id: &str, keep: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::token_hash.ne(keep)))
        .execute(conn)
}

pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime, idle_since: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now).or(sessions::last_seen_at.le(idle_since))))
        .execute(conn)
}

pub fn insert_api_token(conn: &mut DbConnection, token: &ApiToken) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table).values(token).execute(conn).map(drop)
}

/// The token and its user, if the token exists and is not revoked.
pub fn find_api_token(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<(ApiToken, User)>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::disabled_at.is_null())
        .select((ApiToken::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

pub fn touch_api_token(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(id)).set(api_tokens::last_used_at.eq(now)).execute(conn)
}

pub fn api_tokens_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)
}

/// Revokes a user's token; 0 when it is not theirs or already revoked.
pub fn revoke_api_token(conn: &mut DbConnection, id: &str, user_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Revokes every live token of a user (their sessions were ended, or their password changed); returns how many.
pub fn revoke_api_tokens_of(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_tokens::table.filter(api_tokens::user_id.eq(user_id)).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(now))
        .execute(conn)
}

pub fn insert_setup_token(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(setup_tokens::table)
        .values((setup_tokens::token_hash.eq(token_hash), setup_tokens::created_at.eq(now)))
        .execute(conn)
        .map(drop)
}

pub fn setup_token_exists(conn: &mut DbConnection, token_hash: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(setup_tokens::table.find(token_hash))).get_result(conn)
}

/// Deletes one setup token; 1 when this call consumed it, 0 when it was already gone.
pub fn take_setup_token(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(setup_tokens::table.find(token_hash)).execute(conn)
}

/// Removes every setup token (once the first administrator exists, none may be used again).
pub fn clear_setup_tokens(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(setup_tokens::table).execute(conn)
}
