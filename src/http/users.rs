//! Staff accounts, managed by administrators: pages under `/admin/users` and the API under `/api/v1/users`.

use crate::http::body::JsonObject;
use crate::http::render::context;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::accounts::{self, AccountChanges, NewAccount, UserSummary};
use crate::app::municipalities;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::state::AppState;

/// `GET /admin/users`
pub async fn list_page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    render_list(&state, &user, StatusCode::OK, None, Vec::new(), None).await
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: Option<&NewAccount>,
    errors: Vec<crate::error::FieldError>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let empty = NewAccount {
        email: String::new(),
        display_name: String::new(),
        password: String::new(),
        role: Role::Coordinator.as_str().into(),
        municipalities: Vec::new(),
    };
    let form = form.unwrap_or(&empty);
    state.templates.page(
        status,
        "admin/users.html",
        context! {
            user => user.view(), csrf_token => user.csrf_token(),
            users => accounts::list(state, user).await?,
            counties => municipalities::choices_by_county(state).await?,
            roles => Role::ALL.iter().map(|role| role.as_str()).collect::<Vec<_>>(),
            form => context! { email => form.email, display_name => form.display_name, role => form.role,
                               municipalities => form.municipalities },
            errors, notice,
        },
    )
}

/// `POST /admin/users`
pub async fn create_from_page(
    state: web::Data<AppState>,
    form: ProtectedForm<NewAccount>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    user.require_admin()?;
    match accounts::create(&state, &user, form.clone()).await {
        Err(AppError::InvalidFields(errors)) => {
            render_list(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, Some(&form), errors, None).await
        }
        Err(error) => Err(error),
        Ok(created) => {
            render_list(
                &state,
                &user,
                StatusCode::OK,
                None,
                Vec::new(),
                Some(user.text("admin.users.created", &[("email", &created.email)])),
            )
            .await
        }
    }
}

/// `GET /admin/users/{id}`
pub async fn edit_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let account = accounts::summary(&state, &user, id.into_inner()).await?;
    render_edit(&state, &user, StatusCode::OK, account, Vec::new(), None).await
}

async fn render_edit(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    account: UserSummary,
    errors: Vec<crate::error::FieldError>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    state.templates.page(
        status,
        "admin/user.html",
        context! {
            user => user.view(), csrf_token => user.csrf_token(),
            account, counties => municipalities::choices_by_county(state).await?,
            roles => Role::ALL.iter().map(|role| role.as_str()).collect::<Vec<_>>(),
            errors, notice,
        },
    )
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    municipalities: Vec<String>,
    #[serde(default)]
    disabled: Option<String>,
}

/// `POST /admin/users/{id}`
pub async fn update_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<EditForm>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    user.require_admin()?;
    let id = id.into_inner();
    let changes = AccountChanges {
        display_name: Some(form.display_name),
        role: Some(form.role),
        municipalities: Some(form.municipalities),
        disabled: Some(form.disabled.is_some()),
    };
    match accounts::update_user(&state, &user, id.clone(), changes).await {
        Ok(account) => {
            render_edit(&state, &user, StatusCode::OK, account, Vec::new(), Some(user.text("admin.user.saved", &[])))
                .await
        }
        Err(AppError::InvalidFields(errors)) => {
            let account = accounts::summary(&state, &user, id).await?;
            render_edit(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, account, errors, None).await
        }
        Err(error) => Err(error),
    }
}

/// `POST /admin/users/{id}/revoke-sessions`
pub async fn revoke_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    let id = id.into_inner();
    let ended = accounts::revoke_sessions(&state, &user, id.clone()).await?;
    let account = accounts::summary(&state, &user, id).await?;
    let (sessions, tokens) = (ended.sessions_ended.to_string(), ended.tokens_revoked.to_string());
    let notice = user.text("admin.user.signed_out_everywhere", &[("sessions", &sessions), ("tokens", &tokens)]);
    render_edit(&state, &user, StatusCode::OK, account, Vec::new(), Some(notice)).await
}

/// List every account.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = [UserSummary]), (status = 401, body = crate::http::errors::ErrorBody), (status = 403, body = crate::http::errors::ErrorBody)))]
pub async fn api_list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    Ok(HttpResponse::Ok().json(accounts::list(&state, &user).await?))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewAccount,
    responses((status = 201, body = UserSummary), (status = 422, body = crate::http::errors::ErrorBody), (status = 403, body = crate::http::errors::ErrorBody)))]
pub async fn api_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    input: JsonObject<NewAccount>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let input = input.into_inner();
    let created = accounts::create(&state, &user, input).await?;
    let location = format!("/api/v1/users/{}", created.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(created))
}

/// Change an account's name, role, municipalities or whether it is disabled.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = AccountChanges,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = UserSummary), (status = 404, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: JsonObject<AccountChanges>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(accounts::update_user(&state, &user, id.into_inner(), input.into_inner()).await?))
}

/// End every session of an account and revoke its API tokens.
#[utoipa::path(post, path = "/api/v1/users/{id}/revoke-sessions", tag = "users",
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = accounts::Ended, description = "How many sessions were ended and tokens revoked"), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_revoke_sessions(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(accounts::revoke_sessions(&state, &user, id.into_inner()).await?))
}

/// Who am I: the account behind this session or token, with its role and municipalities. Asked with the session
/// cookie, the answer also carries the session's CSRF token in the `X-CSRF-Token` header: the one a script sends
/// back with every request that changes something.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = UserSummary,
    headers(("X-CSRF-Token" = String, description = "With the session cookie: the token to send as X-CSRF-Token"))),
    (status = 401, body = crate::http::errors::ErrorBody)))]
pub async fn api_me(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let summary = accounts::summary(&state, &user, user.id.clone()).await?;
    let mut response = HttpResponse::Ok();
    if !user.csrf_token().is_empty() {
        response.insert_header(("X-CSRF-Token", user.csrf_token().to_owned()));
    }
    Ok(response.json(summary))
}
