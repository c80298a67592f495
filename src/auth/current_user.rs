//! `CurrentUser`: the extractor every staff endpoint takes, so that no handler can forget to authenticate.
//!
//! It accepts an API token (`Authorization: Bearer …`) or the session cookie. For the cookie it enforces the idle
//! and absolute expiry, and for state-changing methods it requires the CSRF token in the `X-CSRF-Token` header
//! unless the handler checks the form field itself (see [`crate::http::forms::ProtectedForm`]).

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::csrf;
use crate::auth::role::{Permissions, Role};
use crate::auth::session::COOKIE;
use crate::db::models::user::User;
use crate::db::queries::{sessions, users};
use crate::error::AppError;
use crate::startup::AppState;

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum AuthVia {
    /// The browser session: its token's hash and its CSRF token.
    Session { token_hash: String, csrf_token: String },
    /// An API token, by id.
    ApiToken { id: String },
}

/// The signed-in staff member making this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub permissions: Permissions,
    pub via: AuthVia,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.permissions.role
    }

    /// The CSRF token to embed in forms (empty for API tokens, which need none).
    pub fn csrf_token(&self) -> &str {
        match &self.via {
            AuthVia::Session { csrf_token, .. } => csrf_token,
            AuthVia::ApiToken { .. } => "",
        }
    }

    /// Checks a CSRF token presented with a session request; API-token requests pass.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), AppError> {
        match &self.via {
            AuthVia::ApiToken { .. } => Ok(()),
            AuthVia::Session { csrf_token, .. } => match presented {
                Some(presented) if csrf::matches(csrf_token, presented) => Ok(()),
                _ => Err(AppError::Csrf),
            },
        }
    }

    /// Only administrators.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.permissions.is_admin() { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// Marks a request whose handler checks the CSRF form field itself; the extractor then skips the header check.
pub struct FormChecksCsrf;

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { authenticate(&request).await })
    }
}

async fn authenticate(request: &HttpRequest) -> Result<CurrentUser, AppError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?
        .clone();
    let is_api = request.path().starts_with("/api/");
    let unauthenticated = || AppError::Unauthenticated {
        next: (!is_api && request.method() == Method::GET).then(|| request.uri().to_string()),
    };

    if let Some(bearer) = bearer_token(request) {
        let token_hash = state.hasher.hash_token(bearer.as_bytes());
        let found = state
            .db
            .run(move |conn| {
                let found = sessions::find_api_token(conn, &token_hash)?;
                with_municipalities(conn, found)
            })
            .await?;
        let Some(((token, user), municipalities)) = found else { return Err(unauthenticated()) };
        let now = crate::db::now();
        if token.last_used_at.is_none_or(|last| now - last > chrono::Duration::minutes(1)) {
            let id = token.id.clone();
            state.db.write(move |conn| sessions::touch_api_token(conn, &id, now)).await?;
        }
        return current(user, municipalities, AuthVia::ApiToken { id: token.id });
    }

    let Some(cookie) = request.cookie(COOKIE) else { return Err(unauthenticated()) };
    let token_hash = state.hasher.hash_token(cookie.value().as_bytes());
    let now = crate::db::now();
    let idle_since = now - chrono::Duration::from_std(state.session_idle).unwrap_or(chrono::Duration::hours(1));
    let lookup = token_hash.clone();
    let found = state
        .db
        .run(move |conn| {
            let found = sessions::find_active(conn, &lookup, now, idle_since)?;
            with_municipalities(conn, found)
        })
        .await?;
    let Some(((session, user), municipalities)) = found else { return Err(unauthenticated()) };
    // Sliding expiry, written at most once a minute so that page views do not each cost a write.
    if now - session.last_seen_at > chrono::Duration::minutes(1) {
        let hash = token_hash.clone();
        state.db.write(move |conn| sessions::touch(conn, &hash, now)).await?;
    }
    let current = current(user, municipalities, AuthVia::Session { token_hash, csrf_token: session.csrf_token })?;
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && request.extensions().get::<FormChecksCsrf>().is_none() {
        let presented = request.headers().get(csrf::HEADER).and_then(|value| value.to_str().ok());
        current.check_csrf(presented)?;
    }
    Ok(current)
}

/// A session or API token with its user, and the user's municipalities.
type Found<T> = ((T, User), Vec<String>);

/// A found session or token with its user's municipalities, read on the same connection (one trip to the pool).
fn with_municipalities<T>(
    conn: &mut crate::db::DbConnection,
    found: Option<(T, User)>,
) -> diesel::QueryResult<Option<Found<T>>> {
    let Some(found) = found else { return Ok(None) };
    let municipalities = users::municipalities_of(conn, &found.1.id)?;
    Ok(Some((found, municipalities)))
}

fn current(user: User, municipalities: Vec<String>, via: AuthVia) -> Result<CurrentUser, AppError> {
    let role = user.role;
    let municipalities: BTreeSet<String> = municipalities.into_iter().collect();
    Ok(CurrentUser {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        permissions: Permissions { role, municipalities },
        via,
    })
}

fn bearer_token(request: &HttpRequest) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|token| token.trim().to_owned())
}

use actix_web::HttpMessage;
