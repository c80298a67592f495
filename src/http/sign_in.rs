//! Signing in and out, and the one-time link that creates the first administrator.

use crate::http::render::context;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{self, NewAccount};
use crate::audit::{Actor, client_address};
use crate::auth::password;
use crate::auth::role::Role;
use crate::auth::session;
use crate::auth::throttle;
use crate::db::queries::{audit, sessions, throttle as throttle_queries, users};
use crate::error::AppError;
use crate::http::forms::{FieldErrors, ProtectedForm, PublicForm, public_csrf};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths, so that a crafted link cannot send someone elsewhere after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become "//evil.example".
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.contains('\\')
                && !next.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            next.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

/// `GET /sign-in`
pub async fn page(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let (csrf_token, cookie) = public_csrf(&request, state.secure_cookies);
    let next = safe_next(query.next.as_deref());
    let mut response = state.templates.page(
        StatusCode::OK,
        "sign_in.html",
        context! { title => "Logga in", csrf_token, next, email => "", errors => Vec::<()>::new() },
    )?;
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(|error| AppError::Internal(Box::new(error)))?;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    csrf_token: String,
}

/// `POST /sign-in`
pub async fn submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    PublicForm(form): PublicForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let address = client_address(&request, state.trust_forwarded_for);
    let email = form.email.trim().to_lowercase();
    let account_key = format!("account:{}", state.hasher.hash_token(email.as_bytes()));
    let address_key = format!("address:{}", address.as_deref().unwrap_or("unknown"));
    let now = crate::db::now();
    // Every attempt is counted before the password is checked, so parallel guesses cannot slip past the limit.
    let window_start = now - throttle::window();
    let lock_until = now + throttle::window();
    let keys = (account_key.clone(), address_key.clone());
    let (by_account, by_address) = state
        .db
        .write(move |conn| {
            let account =
                throttle_queries::count_attempt(conn, &keys.0, now, window_start, throttle::ACCOUNT_LIMIT, lock_until)?;
            let address =
                throttle_queries::count_attempt(conn, &keys.1, now, window_start, throttle::ADDRESS_LIMIT, lock_until)?;
            Ok((account, address))
        })
        .await?;
    // Only something that looks like an address goes into the log: a password typed into the wrong field must not.
    let logged_email = crate::domain::email::EmailAddress::parse(&email).ok().map(|email| email.to_string());
    let actor = Actor { user_id: None, email: logged_email, address: address.clone() };
    let retry_after = || by_account.locked_for(now).or(by_address.locked_for(now)).unwrap_or(1);
    if by_account.failures > throttle::ACCOUNT_LIMIT || by_address.failures > throttle::ADDRESS_LIMIT {
        state.metrics.sign_in_failure("locked");
        let event = actor.event("sign_in_refused", None, json!({ "reason": "too many failures" }));
        state.db.write(move |conn| audit::insert(conn, &event)).await?;
        return Err(AppError::TooManyRequests { retry_after_secs: retry_after() });
    }

    let lookup = email.clone();
    let user =
        state.db.run(move |conn| users::find_by_email(conn, &lookup)).await?.filter(|user| user.disabled_at.is_none());
    // Unknown addresses are verified against a decoy hash, so both answers take as long.
    let hash = user.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |user| user.password_hash.clone());
    let candidate = form.password;
    let verified = password::off_thread(move || password::verify(&candidate, &hash)).await.unwrap_or(false);

    let Some(user) = user.filter(|_| verified) else {
        state.metrics.sign_in_failure("bad_credentials");
        let delay = throttle::delay_after(by_account.failures.max(by_address.failures / 5));
        let event = actor.event("sign_in_failed", None, json!({ "failures": by_account.failures }));
        state.db.write(move |conn| audit::insert(conn, &event)).await?;
        tokio::time::sleep(delay).await;
        if by_account.failures >= throttle::ACCOUNT_LIMIT || by_address.failures >= throttle::ADDRESS_LIMIT {
            return Err(AppError::TooManyRequests { retry_after_secs: retry_after() });
        }
        let mut errors = FieldErrors::default();
        errors.add("email", "E-postadressen eller lösenordet stämmer inte.");
        return state.templates.page(
            StatusCode::UNAUTHORIZED,
            "sign_in.html",
            context! { title => "Logga in", csrf_token => form.csrf_token, next => safe_next(Some(&form.next)),
            email => form.email, errors => errors.0 },
        );
    };

    let (token, _) = accounts::start_session(&state, user.id.clone()).await?;
    let actor = Actor { user_id: Some(user.id.clone()), ..actor };
    let event = actor.event("sign_in", None, json!({}));
    state
        .db
        .write(move |conn| {
            throttle_queries::clear(conn, &account_key)?;
            throttle_queries::forgive_attempt(conn, &address_key, throttle::ADDRESS_LIMIT)?;
            audit::insert(conn, &event)
        })
        .await?;
    let mut response = HttpResponse::SeeOther().insert_header((header::LOCATION, safe_next(Some(&form.next)))).finish();
    response
        .add_cookie(&session::cookie(token, state.secure_cookies))
        .map_err(|error| AppError::Internal(Box::new(error)))?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /sign-out`
pub async fn sign_out(
    request: HttpRequest,
    state: web::Data<AppState>,
    form: ProtectedForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    if let crate::auth::current_user::AuthVia::Session { token_hash, .. } = &user.via {
        let token_hash = token_hash.clone();
        let event =
            Actor::user(&user, client_address(&request, state.trust_forwarded_for)).event("sign_out", None, json!({}));
        state
            .db
            .write(move |conn| {
                sessions::delete(conn, &token_hash)?;
                audit::insert(conn, &event)
            })
            .await?;
    }
    let mut response = HttpResponse::SeeOther().insert_header((header::LOCATION, "/sign-in")).finish();
    response
        .add_cookie(&session::removal_cookie(state.secure_cookies))
        .map_err(|error| AppError::Internal(Box::new(error)))?;
    Ok(response)
}

/// Whether `token` is a live setup link: no user exists yet and the token was issued.
async fn setup_token_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    let token_hash = state.hasher.hash_token(token.as_bytes());
    Ok(state
        .db
        .run(move |conn| Ok(users::count(conn)? == 0 && sessions::setup_token_exists(conn, &token_hash)?))
        .await?)
}

/// `GET /setup/{token}`
pub async fn setup_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if !setup_token_valid(&state, &token).await? {
        return Err(AppError::NotFound);
    }
    let (csrf_token, cookie) = public_csrf(&request, state.secure_cookies);
    let mut response = state.templates.page(
        StatusCode::OK,
        "setup.html",
        context! { title => "Skapa administratör", token => token.into_inner(), csrf_token, email => "",
        display_name => "", errors => Vec::<()>::new() },
    )?;
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(|error| AppError::Internal(Box::new(error)))?;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    csrf_token: String,
}

/// `POST /setup/{token}`: creates the first administrator and signs them in.
pub async fn setup_submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    PublicForm(form): PublicForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    if !setup_token_valid(&state, &token).await? {
        return Err(AppError::NotFound);
    }
    let input = NewAccount {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        role: Role::Admin.as_str().to_owned(),
        municipalities: Vec::new(),
    };
    let validated = accounts::validate_new_account(&state.db, &input).await;
    let validated = match validated {
        Ok(parts) if form.password == form.password_again => Ok(parts),
        Ok(_) => {
            let mut errors = FieldErrors::default();
            errors.add("password_again", "Lösenorden är inte lika.");
            Err(errors)
        }
        Err(mut errors) => {
            if form.password != form.password_again {
                errors.add("password_again", "Lösenorden är inte lika.");
            }
            Err(errors)
        }
    };
    let parts = match validated {
        Ok(parts) => parts,
        Err(errors) => {
            return state.templates.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "setup.html",
                context! { title => "Skapa administratör", token => token.into_inner(), csrf_token => form.csrf_token,
                email => form.email, display_name => form.display_name, errors => errors.0 },
            );
        }
    };
    // Consume the link first: of two set-ups at the same moment, only the one that deletes the token goes on.
    let token_hash = state.hasher.hash_token(token.as_bytes());
    if state.db.write(move |conn| sessions::take_setup_token(conn, &token_hash)).await? == 0 {
        return Err(AppError::NotFound);
    }
    let actor = Actor {
        user_id: None,
        email: Some("(första installationen)".to_owned()),
        address: client_address(&request, state.trust_forwarded_for),
    };
    let user = accounts::create_user(&state.db, actor, parts, form.display_name).await?;
    state.db.write(sessions::clear_setup_tokens).await?;
    let (session_token, _) = accounts::start_session(&state, user.id).await?;
    let mut response = HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin")).finish();
    response
        .add_cookie(&session::cookie(session_token, state.secure_cookies))
        .map_err(|error| AppError::Internal(Box::new(error)))?;
    Ok(response)
}
