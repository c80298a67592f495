//! Staff accounts, managed by administrators: pages under `/admin/users` and the API under `/api/v1/users`.

use crate::http::render::context;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::accounts::{self, AccountChanges, NewAccount};
use crate::audit::{Actor, client_address};
use crate::auth::{CurrentUser, Role};
use crate::db::models::user::User;
use crate::db::queries::{municipalities, users};
use crate::error::AppError;
use crate::http::forms::ProtectedForm;
use crate::http::render::UserView;
use crate::startup::AppState;

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

async fn summary(state: &AppState, user: User) -> Result<UserSummary, AppError> {
    let id = user.id.clone();
    let municipalities = state.db.run(move |conn| users::municipalities_of(conn, &id)).await?;
    let role = user.role;
    Ok(UserSummary {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        role,
        role_label: role.label(),
        municipalities,
        disabled: user.disabled_at.is_some(),
    })
}

async fn all_summaries(state: &AppState) -> Result<Vec<UserSummary>, AppError> {
    let mut summaries = Vec::new();
    for user in state.db.run(users::list).await? {
        summaries.push(summary(state, user).await?);
    }
    Ok(summaries)
}

fn actor(request: &HttpRequest, state: &AppState, user: &CurrentUser) -> Actor {
    Actor::user(user, client_address(request, state.trust_forwarded_for))
}

#[derive(Serialize)]
struct MunicipalityOption {
    code: String,
    name: String,
}

async fn municipality_options(state: &AppState) -> Result<Vec<MunicipalityOption>, AppError> {
    Ok(state
        .db
        .run(|conn| municipalities::list(conn, None))
        .await?
        .into_iter()
        .map(|(municipality, _)| MunicipalityOption { code: municipality.code, name: municipality.name })
        .collect())
}

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
    errors: Vec<crate::http::forms::FieldError>,
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
            title => "Användare", user => UserView::from(user), csrf_token => user.csrf_token(),
            users => all_summaries(state).await?, municipalities => municipality_options(state).await?,
            roles => Role::ALL.iter().map(|role| (role.as_str(), role.label())).collect::<Vec<_>>(),
            form => context! { email => form.email, display_name => form.display_name, role => form.role,
                               municipalities => form.municipalities },
            errors, notice,
        },
    )
}

/// `POST /admin/users`
pub async fn create_from_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    form: ProtectedForm<NewAccount>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    user.require_admin()?;
    match accounts::validate_new_account(&state.db, &form).await {
        Err(errors) => render_list(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, Some(&form), errors.0, None).await,
        Ok(parts) => {
            let created =
                accounts::create_user(&state.db, actor(&request, &state, &user), parts, form.display_name).await?;
            render_list(
                &state,
                &user,
                StatusCode::OK,
                None,
                Vec::new(),
                Some(format!("Kontot för {} är skapat.", created.email)),
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
    let id = id.into_inner();
    let account = state.db.run(move |conn| users::find(conn, &id)).await?;
    render_edit(&state, &user, StatusCode::OK, summary(&state, account).await?, Vec::new(), None).await
}

async fn render_edit(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    account: UserSummary,
    errors: Vec<crate::http::forms::FieldError>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    state.templates.page(
        status,
        "admin/user.html",
        context! {
            title => format!("Användare {}", account.email), user => UserView::from(user), csrf_token => user.csrf_token(),
            account, municipalities => municipality_options(state).await?,
            roles => Role::ALL.iter().map(|role| (role.as_str(), role.label())).collect::<Vec<_>>(),
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
    request: HttpRequest,
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
    match accounts::update_user(&state, &user, actor(&request, &state, &user), id.clone(), changes).await {
        Ok(account) => {
            let account = summary(&state, account).await?;
            render_edit(&state, &user, StatusCode::OK, account, Vec::new(), Some("Ändringarna är sparade.".into()))
                .await
        }
        Err(AppError::InvalidFields(errors)) => {
            let account = state.db.run(move |conn| users::find(conn, &id)).await?;
            let account = summary(&state, account).await?;
            render_edit(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, account, errors, None).await
        }
        Err(error) => Err(error),
    }
}

/// `POST /admin/users/{id}/revoke-sessions`
pub async fn revoke_from_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    let id = id.into_inner();
    let ended = accounts::revoke_sessions(&state, &user, actor(&request, &state, &user), id.clone()).await?;
    let account = state.db.run(move |conn| users::find(conn, &id)).await?;
    let account = summary(&state, account).await?;
    render_edit(&state, &user, StatusCode::OK, account, Vec::new(), Some(format!("{ended} inloggningar avslutades.")))
        .await
}

/// List every account.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = [UserSummary]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    Ok(HttpResponse::Ok().json(all_summaries(&state).await?))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewAccount,
    responses((status = 201, body = UserSummary), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_create(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    input: web::Json<NewAccount>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let input = input.into_inner();
    let parts =
        accounts::validate_new_account(&state.db, &input).await.map_err(|errors| AppError::InvalidFields(errors.0))?;
    let created = accounts::create_user(&state.db, actor(&request, &state, &user), parts, input.display_name).await?;
    let location = format!("/api/v1/users/{}", created.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(summary(&state, created).await?))
}

/// Change an account's name, role, municipalities or whether it is disabled.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = AccountChanges,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = UserSummary), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_update(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Json<AccountChanges>,
) -> Result<HttpResponse, AppError> {
    let account =
        accounts::update_user(&state, &user, actor(&request, &state, &user), id.into_inner(), input.into_inner())
            .await?;
    Ok(HttpResponse::Ok().json(summary(&state, account).await?))
}

/// End every session of an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/revoke-sessions", tag = "users",
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, description = "How many sessions were ended"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_revoke_sessions(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let ended = accounts::revoke_sessions(&state, &user, actor(&request, &state, &user), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "sessions_ended": ended })))
}

/// Who am I: the account behind this session or token, with its role and municipalities.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = UserSummary), (status = 401, body = crate::error::ErrorBody)))]
pub async fn api_me(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let id = user.id.clone();
    let account = state.db.run(move |conn| users::find(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(summary(&state, account).await?))
}
