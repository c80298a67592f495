//! Who is asking: a session cookie's or an API token's staff member, with the sliding expiry kept up to date.

use crate::app::Context;
use crate::auth::Staff;
use crate::db::DbConnection;
use crate::db::models::user::User;
use crate::db::queries::{sessions, users};
use crate::domain::role::Permissions;
use crate::error::AppError;

/// A found session or token with its user, and the user's municipalities.
type Found<T> = ((T, User), Vec<String>);

/// The staff member holding this API token, and the token's id; `None` for an unknown or revoked token.
pub async fn by_api_token(
    ctx: &Context,
    token: &str,
    address: Option<String>,
) -> Result<Option<(Staff, String)>, AppError> {
    let token_hash = ctx.hasher.hash_token(token.as_bytes());
    let found = ctx
        .db
        .run(move |conn| {
            let found = sessions::find_api_token(conn, &token_hash)?;
            with_municipalities(conn, found)
        })
        .await?;
    let Some(((token, user), municipalities)) = found else { return Ok(None) };
    let now = crate::db::now();
    if token.last_used_at.is_none_or(|last| now - last > chrono::Duration::minutes(1)) {
        let id = token.id.clone();
        ctx.db.write(move |conn| sessions::touch_api_token(conn, &id, now)).await?;
    }
    Ok(Some((staff(user, municipalities, address, None), token.id)))
}

/// The staff member of the browser session with this cookie token, and the session's CSRF token; `None` for an
/// unknown or expired session.
pub async fn by_session(
    ctx: &Context,
    cookie_token: &str,
    address: Option<String>,
) -> Result<Option<(Staff, String)>, AppError> {
    let token_hash = ctx.hasher.hash_token(cookie_token.as_bytes());
    let now = crate::db::now();
    let idle_since = idle_since(ctx, now);
    let lookup = token_hash.clone();
    let found = ctx
        .db
        .run(move |conn| {
            let found = sessions::find_active(conn, &lookup, now, idle_since)?;
            with_municipalities(conn, found)
        })
        .await?;
    let Some(((session, user), municipalities)) = found else { return Ok(None) };
    // Sliding expiry, written at most once per interval so that page views do not each cost a write.
    if now - session.last_seen_at > touch_interval(ctx) {
        let hash = token_hash.clone();
        ctx.db.write(move |conn| sessions::touch(conn, &hash, now)).await?;
    }
    Ok(Some((staff(user, municipalities, address, Some(token_hash)), session.csrf_token)))
}

/// The idle limit.
fn idle(ctx: &Context) -> chrono::Duration {
    chrono::Duration::from_std(ctx.session_idle).unwrap_or(chrono::Duration::hours(1))
}

/// How often a session's last use is written: a tenth of the idle limit, at most once a minute.
fn touch_interval(ctx: &Context) -> chrono::Duration {
    (idle(ctx) / 10).min(chrono::Duration::minutes(1))
}

/// Sessions last used before this have been idle too long. The stored last use may lag the real one by up to the
/// write interval, so that much is allowed on top: a session used at any pace faster than the idle limit never
/// ends, and one left alone ends between the idle limit and a tenth more.
pub fn idle_since(ctx: &Context, now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    now - idle(ctx) - touch_interval(ctx)
}

/// A found session or token with its user's municipalities, read on the same connection (one trip to the pool).
fn with_municipalities<T>(conn: &mut DbConnection, found: Option<(T, User)>) -> diesel::QueryResult<Option<Found<T>>> {
    let Some(found) = found else { return Ok(None) };
    let municipalities = users::municipalities_of(conn, &found.1.id)?;
    Ok(Some((found, municipalities)))
}

/// Who acts: the account, its rights, and where the request came from.
fn staff(user: User, municipalities: Vec<String>, address: Option<String>, session: Option<String>) -> Staff {
    Staff {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        permissions: Permissions { role: user.role, municipalities: municipalities.into_iter().collect() },
        address,
        session,
    }
}
