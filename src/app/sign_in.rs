//! Signing in and out, and creating the first administrator through the one-time set-up link.
//!
//! Every sign-in attempt is counted before the password is checked (per account and per client address, shared by
//! all instances through the database), so parallel guesses cannot slip past the limit; see `domain::throttle`.
//! A browser with a device cookie for the account is counted on its own instead (see `auth::device`), so that a
//! stranger's guesses lock the account only against unknown clients, never its owner's known browsers.

use serde_json::json;

use crate::app::Context;
use crate::app::accounts::{self, NewAccount};
use crate::app::audit::Actor;
use crate::auth::{Staff, password};
use crate::db::queries::{audit, sessions, throttle as throttle_queries, users};
use crate::domain::audit::Action;
use crate::domain::throttle;
use crate::error::{AppError, FieldErrors, Text};

/// How a sign-in attempt ended, when it was not refused outright.
pub enum SignIn {
    /// Signed in: the new session's cookie token, and a fresh device cookie for this browser and account.
    Signed { token: String, device: String },
    /// Wrong address or password: show the form again.
    Wrong,
}

/// Checks an e-mail address and password; refuses with 429 while the account is locked against unknown clients (or
/// the client's address, or the known device, is locked). `device` is the browser's device cookie, if any: one
/// issued for this account exempts the attempt from the account's and the address's locks (see `auth::device`).
pub async fn sign_in(
    ctx: &Context,
    email: &str,
    candidate: String,
    address: Option<String>,
    device: Option<&str>,
) -> Result<SignIn, AppError> {
    let email = email.trim().to_lowercase();
    let account_key = format!("account:{}", ctx.hasher.hash_token(email.as_bytes()));
    let address_key = format!("address:{}", address.as_deref().unwrap_or("unknown"));
    let device_key = device
        .and_then(|value| crate::auth::device::verify(&ctx.hasher, &account_key, value))
        .map(|nonce| format!("device:{}", ctx.hasher.hash_token(nonce.as_bytes())));
    let now = crate::db::now();
    let window_start = now - throttle::window();
    let lock_until = now + throttle::window();
    let keys = (account_key.clone(), address_key.clone());
    let (device_key, counted, by_address) = ctx
        .db
        .write(move |conn| {
            // A known device whose own failures locked it counts as an unknown client again.
            let device_key = match device_key {
                Some(key)
                    if throttle_queries::get(conn, &key)?.is_none_or(|counter| counter.locked_for(now).is_none()) =>
                {
                    Some(key)
                }
                _ => None,
            };
            let limit = throttle::ACCOUNT_LIMIT;
            let counted = throttle_queries::count_attempt(
                conn,
                device_key.as_ref().unwrap_or(&keys.0),
                now,
                window_start,
                limit,
                lock_until,
            )?;
            let address = match device_key {
                Some(_) => None,
                None => Some(throttle_queries::count_attempt(
                    conn,
                    &keys.1,
                    now,
                    window_start,
                    throttle::ADDRESS_LIMIT,
                    lock_until,
                )?),
            };
            Ok((device_key, counted, address))
        })
        .await?;
    let known_device = device_key.is_some();
    let address_failures = by_address.as_ref().map_or(0, |counter| counter.failures);
    // Only something that looks like an address goes into the log: a password typed into the wrong field must not.
    let logged_email = crate::domain::email::EmailAddress::parse(&email).ok().map(|email| email.to_string());
    let actor = Actor { user_id: None, email: logged_email, address };
    let retry_after =
        || counted.locked_for(now).or(by_address.as_ref().and_then(|counter| counter.locked_for(now))).unwrap_or(1);
    if counted.failures > throttle::ACCOUNT_LIMIT || address_failures > throttle::ADDRESS_LIMIT {
        ctx.metrics.sign_in_failure("locked");
        let detail = json!({ "reason": "too many failures", "known_device": known_device });
        let event = actor.event(Action::SignInRefused, None, detail);
        ctx.db.write(move |conn| audit::insert(conn, &event)).await?;
        return Err(AppError::TooManyRequests { retry_after_secs: retry_after() });
    }

    let user =
        ctx.db.run(move |conn| users::find_by_email(conn, &email)).await?.filter(|user| user.disabled_at.is_none());
    // Unknown addresses are verified against a decoy hash, so both answers take as long.
    let hash = user.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |user| user.password_hash.clone());
    let verified = password::off_thread(move || password::verify(&candidate, &hash)).await.unwrap_or(false);

    let Some(user) = user.filter(|_| verified) else {
        ctx.metrics.sign_in_failure("bad_credentials");
        let delay = throttle::delay_after(counted.failures.max(address_failures / 5));
        let detail = json!({ "failures": counted.failures, "known_device": known_device });
        let event = actor.event(Action::SignInFailed, None, detail);
        ctx.db.write(move |conn| audit::insert(conn, &event)).await?;
        tokio::time::sleep(delay).await;
        if counted.failures >= throttle::ACCOUNT_LIMIT || address_failures >= throttle::ADDRESS_LIMIT {
            return Err(AppError::TooManyRequests { retry_after_secs: retry_after() });
        }
        return Ok(SignIn::Wrong);
    };

    let (token, _) = accounts::start_session(ctx, user.id.clone()).await?;
    let device = crate::auth::device::issue(&ctx.hasher, &account_key);
    let event =
        Actor { user_id: Some(user.id), ..actor }.event(Action::SignIn, None, json!({ "known_device": known_device }));
    ctx.db
        .write(move |conn| {
            match device_key {
                // The owner's own device: a stranger's count against the account (and their lock) stays.
                Some(device_key) => throttle_queries::clear(conn, &device_key)?,
                None => {
                    throttle_queries::forgive_attempt(conn, &address_key, throttle::ADDRESS_LIMIT)?;
                    throttle_queries::clear(conn, &account_key)?
                }
            };
            audit::insert(conn, &event)
        })
        .await?;
    Ok(SignIn::Signed { token, device })
}

/// Ends the acting browser session (an API token has none to end).
pub async fn sign_out(ctx: &Context, staff: &Staff) -> Result<(), AppError> {
    let Some(token_hash) = staff.session.clone() else { return Ok(()) };
    let event = Actor::of(staff).event(Action::SignOut, None, json!({}));
    ctx.db
        .write(move |conn| {
            sessions::delete(conn, &token_hash)?;
            audit::insert(conn, &event)
        })
        .await?;
    Ok(())
}

/// Whether `token` is a live set-up link: no user exists yet and the token was issued.
pub async fn setup_token_valid(ctx: &Context, token: &str) -> Result<bool, AppError> {
    let token_hash = ctx.hasher.hash_token(token.as_bytes());
    Ok(ctx.db.run(move |conn| Ok(users::count(conn)? == 0 && sessions::setup_token_exists(conn, &token_hash)?)).await?)
}

/// The first administrator, from the set-up link's form.
pub struct FirstAdmin {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub password_again: String,
}

/// Creates the first administrator and signs them in: the session's cookie token, or what to correct in the form.
/// The link is consumed first: of two set-ups at the same moment, only the one that deletes the token goes on.
pub async fn set_up_first_admin(
    ctx: &Context,
    token: &str,
    form: FirstAdmin,
    address: Option<String>,
) -> Result<Result<String, FieldErrors>, AppError> {
    if !setup_token_valid(ctx, token).await? {
        return Err(AppError::NotFound);
    }
    let input = NewAccount {
        email: form.email,
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        role: crate::domain::role::Role::Admin.as_str().to_owned(),
        municipalities: Vec::new(),
    };
    let validated = accounts::validate_new_account(&ctx.db, &input).await;
    let mismatch = form.password != form.password_again;
    let parts = match validated {
        Ok(parts) if !mismatch => parts,
        validated => {
            let mut errors = validated.err().unwrap_or_default();
            if mismatch {
                errors.add("password_again", Text::new("problem.sign_in.passwords_differ"));
            }
            return Ok(Err(errors));
        }
    };
    let token_hash = ctx.hasher.hash_token(token.as_bytes());
    if ctx.db.write(move |conn| sessions::take_setup_token(conn, &token_hash)).await? == 0 {
        return Err(AppError::NotFound);
    }
    let actor = Actor { user_id: None, email: Some("(första installationen)".to_owned()), address };
    let user = accounts::create_user(&ctx.db, actor, parts, form.display_name).await?;
    ctx.db.write(sessions::clear_setup_tokens).await?;
    let (session_token, _) = accounts::start_session(ctx, user.id).await?;
    Ok(Ok(session_token))
}

/// While no account exists, issues a one-time set-up token (stored as a keyed hash) and returns the link that
/// creates the first administrator with it.
pub async fn offer_first_setup(ctx: &Context) -> Result<Option<String>, AppError> {
    let token = crate::auth::session::new_token();
    let token_hash = ctx.hasher.hash_token(token.as_bytes());
    let now = crate::db::now();
    let issued = ctx
        .db
        .run(move |conn| {
            if users::count(conn)? > 0 {
                return Ok(false);
            }
            sessions::insert_setup_token(conn, &token_hash, now)?;
            Ok(true)
        })
        .await?;
    Ok(issued.then(|| ctx.public_url.join(&format!("setup/{token}")).map(|url| url.to_string()).unwrap_or_default()))
}
