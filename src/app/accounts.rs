//! Account use cases shared by the pages and the API: creating and changing users, sessions, API tokens and
//! passwords. Each validates its input into field errors, checks who may do it, and writes the change and its
//! audit event in one transaction.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::password::{self, Password};
use crate::auth::{Staff, csrf, session};
use crate::db::Db;
use crate::db::models::user::{ApiToken, NewUser, Session, User, UserChanges};
use crate::db::queries::{audit, municipalities, sessions, users};
use crate::domain::audit::Action;
use crate::domain::display_name;
use crate::domain::email::EmailAddress;
use crate::domain::municipality::MunicipalityCode;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::error::FieldErrors;
use crate::error::Text;

/// An account as shown to administrators (never its password hash).
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub municipalities: Vec<String>,
    pub disabled: bool,
}

impl UserSummary {
    fn new(user: User, municipalities: Vec<String>) -> Self {
        let role = user.role;
        Self {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role,
            role_label: role.label(),
            municipalities,
            disabled: user.disabled_at.is_some(),
        }
    }
}

/// One account with its municipalities: an administrator's view, or anyone's own (`/api/v1/me`).
pub async fn summary(ctx: &Context, staff: &Staff, id: String) -> Result<UserSummary, AppError> {
    if id != staff.id {
        staff.require_admin()?;
    }
    let (user, municipalities) = ctx
        .db
        .run(move |conn| {
            let user = users::find(conn, &id)?;
            let municipalities = users::municipalities_of(conn, &id)?;
            Ok((user, municipalities))
        })
        .await?;
    Ok(UserSummary::new(user, municipalities))
}

/// Every account with its municipalities, for administrators (two queries, whatever the number of accounts).
pub async fn list(ctx: &Context, staff: &Staff) -> Result<Vec<UserSummary>, AppError> {
    staff.require_admin()?;
    let (accounts, assigned) = ctx.db.run(|conn| Ok((users::list(conn)?, users::all_municipalities(conn)?))).await?;
    let mut by_user: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (user_id, code) in assigned {
        by_user.entry(user_id).or_default().push(code);
    }
    Ok(accounts
        .into_iter()
        .map(|user| {
            let municipalities = by_user.remove(&user.id).unwrap_or_default();
            UserSummary::new(user, municipalities)
        })
        .collect())
}

/// What is needed to create an account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    pub password: String,
    pub role: String,
    /// Municipality codes the user works with (ignored for administrators).
    #[serde(default)]
    pub municipalities: Vec<String>,
}

/// Checks a new account's fields; returns the parsed parts or every problem at once.
pub async fn validate_new_account(
    db: &Db,
    input: &NewAccount,
) -> Result<(EmailAddress, Password, Role, Vec<String>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = EmailAddress::parse(&input.email).map_err(|error| errors.add("email", error)).ok();
    if let Err(error) = display_name::parse(&input.display_name) {
        errors.add("display_name", error);
    }
    let password = Password::parse(&input.password).map_err(|error| errors.add("password", error)).ok();
    let role = Role::parse(&input.role);
    if role.is_none() {
        errors.add("role", Text::new("problem.account.role"));
    }
    let municipalities = match validate_municipalities(db, &input.municipalities).await {
        Ok(codes) => codes,
        Err(reason) => {
            errors.add("municipalities", reason);
            Vec::new()
        }
    };
    if let Some(email) = &email {
        let lookup = email.as_str().to_owned();
        if let Ok(Some(_)) = db.run(move |conn| users::find_by_email(conn, &lookup)).await {
            errors.add("email", Text::new("problem.account.email_taken"));
        }
    }
    match (email, password, role, errors.is_empty()) {
        (Some(email), Some(password), Some(role), true) => Ok((email, password, role, municipalities)),
        _ => Err(errors),
    }
}

/// Checks that every code is a real municipality; returns them sorted and without duplicates.
pub async fn validate_municipalities(db: &Db, codes: &[String]) -> Result<Vec<String>, Text> {
    let mut parsed = BTreeSet::new();
    for code in codes.iter().filter(|code| !code.trim().is_empty()) {
        let code = MunicipalityCode::parse(code)?;
        parsed.insert(code.as_str().to_owned());
    }
    let wanted: Vec<String> = parsed.into_iter().collect();
    let lookup = wanted.clone();
    let known = db
        .run(move |conn| municipalities::existing_codes(conn, &lookup))
        .await
        .map_err(|_| Text::new("problem.account.municipalities_unchecked"))?;
    if let Some(unknown) = wanted.iter().find(|code| !known.contains(code)) {
        return Err(Text::new("problem.account.unknown_municipality").with("code", unknown));
    }
    Ok(wanted)
}

/// Creates an account for an administrator: every problem with the input at once, or the new account.
pub async fn create(ctx: &Context, admin: &Staff, input: NewAccount) -> Result<UserSummary, AppError> {
    admin.require_admin()?;
    let parts = validate_new_account(&ctx.db, &input).await.map_err(|errors| AppError::InvalidFields(errors.0))?;
    let user = create_user(&ctx.db, Actor::of(admin), parts, input.display_name).await?;
    summary(ctx, admin, user.id).await
}

/// Creates an account (the password is hashed off the async workers).
pub async fn create_user(
    db: &Db,
    actor: Actor,
    (email, password, role, municipalities): (EmailAddress, Password, Role, Vec<String>),
    display_name: String,
) -> Result<User, AppError> {
    let hash = password::off_thread(move || password.hash())
        .await
        .ok_or_else(|| AppError::Internal("password hashing stopped".into()))?
        .map_err(|error| AppError::Internal(error.to_string().into()))?;
    let user = NewUser {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_string(),
        display_name: display_name.trim().to_owned(),
        password_hash: hash,
        role,
        created_at: crate::db::now(),
    };
    let municipalities = if role == Role::Admin { Vec::new() } else { municipalities };
    let id = user.id.clone();
    db.write(move |conn| {
        conn.transaction(|conn| {
            users::insert(conn, &user, &municipalities)?;
            let event = actor.event(
                Action::UserCreated,
                Some(user.email.clone()),
                json!({ "role": user.role, "municipalities": municipalities }),
            );
            audit::insert(conn, &event)
        })
    })
    .await?;
    Ok(db.run(move |conn| users::find(conn, &id)).await?)
}

/// Changes to an account an administrator may make.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub municipalities: Option<Vec<String>>,
    /// `true` disables the account (and ends its sessions), `false` enables it again.
    pub disabled: Option<bool>,
}

/// Applies an administrator's changes to an account; disabling or changing the role ends its sessions and revokes
/// its API tokens.
pub async fn update_user(
    ctx: &Context,
    admin: &Staff,
    id: String,
    input: AccountChanges,
) -> Result<UserSummary, AppError> {
    admin.require_admin()?;
    let actor = Actor::of(admin);
    let lookup = id.clone();
    let existing = ctx.db.run(move |conn| users::find(conn, &lookup)).await?;
    let mut errors = FieldErrors::default();
    let role = match input.role.as_deref() {
        None => None,
        Some(text) => match Role::parse(text) {
            Some(role) => Some(role),
            None => {
                errors.add("role", Text::new("problem.account.role"));
                None
            }
        },
    };
    if existing.id == admin.id && (role.is_some_and(|role| role != Role::Admin) || input.disabled == Some(true)) {
        errors.add("role", Text::new("problem.account.own_admin"));
    }
    let display_name = match input.display_name.as_deref().map(display_name::parse) {
        None => None,
        Some(Ok(name)) => Some(name),
        Some(Err(error)) => {
            errors.add("display_name", error);
            None
        }
    };
    let municipalities = match &input.municipalities {
        None => None,
        Some(codes) => match validate_municipalities(&ctx.db, codes).await {
            Ok(codes) => Some(codes),
            Err(reason) => {
                errors.add("municipalities", reason);
                None
            }
        },
    };
    errors.into_result()?;
    let now = crate::db::now();
    let changes = UserChanges {
        display_name,
        password_hash: None,
        role,
        disabled_at: input.disabled.map(|disabled| disabled.then_some(now)),
    };
    let ends_sessions = input.disabled == Some(true) || role.is_some_and(|role| role != existing.role);
    let detail = json!({
        "role": changes.role,
        "municipalities": municipalities,
        "disabled": input.disabled,
    });
    let target = existing.email.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                users::update(conn, &id, &changes)?;
                if let Some(codes) = &municipalities {
                    users::set_municipalities(conn, &id, codes)?;
                }
                if ends_sessions {
                    sessions::delete_for_user(conn, &id)?;
                    sessions::revoke_api_tokens_of(conn, &id, now)?;
                }
                audit::insert(conn, &actor.event(Action::UserChanged, Some(target), detail))?;
                Ok(UserSummary::new(users::find(conn, &id)?, users::municipalities_of(conn, &id)?))
            })
        })
        .await
        .map_err(Into::into)
}

/// What ending an account's sessions ended.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Ended {
    pub sessions_ended: usize,
    pub tokens_revoked: usize,
}

/// Ends every session of an account and revokes its API tokens (an administrator's action): a token made from a
/// stolen session must not outlive the clean-up.
pub async fn revoke_sessions(ctx: &Context, admin: &Staff, id: String) -> Result<Ended, AppError> {
    admin.require_admin()?;
    let actor = Actor::of(admin);
    let now = crate::db::now();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                let user = users::find(conn, &id)?;
                let ended = Ended {
                    sessions_ended: sessions::delete_for_user(conn, &id)?,
                    tokens_revoked: sessions::revoke_api_tokens_of(conn, &id, now)?,
                };
                let detail = json!({ "sessions": ended.sessions_ended, "tokens": ended.tokens_revoked });
                audit::insert(conn, &actor.event(Action::SessionsRevoked, Some(user.email), detail))?;
                Ok(ended)
            })
        })
        .await
        .map_err(Into::into)
}

/// A new session for a user who just proved who they are: the cookie token (to set) and the session row.
pub async fn start_session(ctx: &Context, user_id: String) -> Result<(String, Session), AppError> {
    let token = session::new_token();
    let now = crate::db::now();
    let max = chrono::Duration::from_std(ctx.session_max).unwrap_or(chrono::Duration::hours(12));
    let session = Session {
        token_hash: ctx.hasher.hash_token(token.as_bytes()),
        user_id,
        csrf_token: csrf::new_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + max,
    };
    let row = session.clone();
    let idle_since = crate::app::sessions::idle_since(ctx, now);
    ctx.db
        .write(move |conn| {
            sessions::delete_expired(conn, now, idle_since)?;
            sessions::insert(conn, &row)
        })
        .await?;
    Ok((token, session))
}

/// Changes one's own password after checking the current one; ends every other session of the account and revokes
/// its API tokens.
pub async fn change_password(ctx: &Context, user: &Staff, current: String, new: String) -> Result<(), AppError> {
    let actor = Actor::of(user);
    let mut errors = FieldErrors::default();
    let new = Password::parse(&new).map_err(|error| errors.add("new_password", error)).ok();
    let id = user.id.clone();
    let stored = ctx.db.run(move |conn| users::find(conn, &id)).await?;
    let hash = stored.password_hash;
    let matches = password::off_thread(move || password::verify(&current, &hash)).await.unwrap_or(false);
    if !matches {
        errors.add("current_password", Text::new("problem.account.current_password"));
    }
    errors.into_result()?;
    let Some(new) = new else { return Ok(()) };
    let hash = password::off_thread(move || new.hash())
        .await
        .ok_or_else(|| AppError::Internal("password hashing stopped".into()))?
        .map_err(|error| AppError::Internal(error.to_string().into()))?;
    let id = user.id.clone();
    let keep = user.session.clone().unwrap_or_default();
    let email = user.email.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                users::update(conn, &id, &UserChanges { password_hash: Some(hash), ..UserChanges::default() })?;
                sessions::delete_others(conn, &id, &keep)?;
                let tokens = sessions::revoke_api_tokens_of(conn, &id, crate::db::now())?;
                audit::insert(
                    conn,
                    &actor.event(Action::PasswordChanged, Some(email), json!({ "tokens_revoked": tokens })),
                )
            })
        })
        .await
        .map_err(Into::into)
}

/// Creates an API token for the user; the token itself is returned once and stored only as a keyed hash. Only a
/// signed-in browser session may: a token that could mint tokens would let one stolen token outlive its revocation.
pub async fn create_api_token(ctx: &Context, user: &Staff, name: String) -> Result<(ApiToken, String), AppError> {
    if user.session.is_none() {
        return Err(AppError::Forbidden);
    }
    let actor = Actor::of(user);
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", Text::new("problem.account.key_name")));
    }
    let secret = format!("tgh_{}", session::new_token());
    let token = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        name,
        token_hash: ctx.hasher.hash_token(secret.as_bytes()),
        created_at: crate::db::now(),
        last_used_at: None,
        revoked_at: None,
    };
    let row = token.clone();
    let email = user.email.clone();
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                sessions::insert_api_token(conn, &row)?;
                audit::insert(
                    conn,
                    &actor.event(Action::ApiTokenCreated, Some(email), json!({ "name": row.name, "id": row.id })),
                )
            })
        })
        .await?;
    Ok((token, secret))
}

/// An API token as listed (never the token itself).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenSummary {
    pub id: String,
    pub name: String,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::serialize_option")]
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked: bool,
}

/// The user's own API tokens, newest first.
pub async fn api_tokens(ctx: &Context, user: &Staff) -> Result<Vec<TokenSummary>, AppError> {
    let id = user.id.clone();
    Ok(ctx
        .db
        .run(move |conn| sessions::api_tokens_of(conn, &id))
        .await?
        .into_iter()
        .map(|token| TokenSummary {
            id: token.id,
            name: token.name,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            revoked: token.revoked_at.is_some(),
        })
        .collect())
}

/// Revokes one of the user's own API tokens.
pub async fn revoke_api_token(ctx: &Context, user: &Staff, id: String) -> Result<(), AppError> {
    let actor = Actor::of(user);
    let user_id = user.id.clone();
    let email = user.email.clone();
    let revoked = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                let revoked = sessions::revoke_api_token(conn, &id, &user_id, crate::db::now())?;
                if revoked > 0 {
                    audit::insert(conn, &actor.event(Action::ApiTokenRevoked, Some(email), json!({ "id": id })))?;
                }
                Ok(revoked)
            })
        })
        .await?;
    if revoked == 0 { Err(AppError::NotFound) } else { Ok(()) }
}
