//! One's own account: password and API tokens (`/admin/account`, `/api/v1/tokens`).

use crate::http::body::JsonObject;
use crate::http::render::context;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::accounts;
use crate::error::AppError;
use crate::error::FieldError;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::state::AppState;

/// A newly created API token: the only time the secret is shown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`. Shown once; only a keyed hash is stored.
    pub token: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    errors: Vec<FieldError>,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    state.templates.page(
        status,
        "admin/account.html",
        context! { user => user.view(), csrf_token => user.csrf_token(),
        tokens => accounts::api_tokens(state, user).await?, errors, notice },
    )
}

/// `GET /admin/account`
pub async fn page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    render(&state, &user, StatusCode::OK, Vec::new(), None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /admin/account/password`
pub async fn change_password(
    state: web::Data<AppState>,
    form: ProtectedForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    match accounts::change_password(&state, &user, form.current_password, form.new_password).await {
        Ok(()) => {
            render(&state, &user, StatusCode::OK, Vec::new(), Some(&user.text("admin.account.password_changed", &[])))
                .await
        }
        Err(AppError::InvalidFields(errors)) => {
            render(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await
        }
        Err(error) => Err(error),
    }
}

/// `POST /admin/account/tokens`
pub async fn create_token(state: web::Data<AppState>, form: ProtectedForm<NewToken>) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    match accounts::create_api_token(&state, &user, form.name).await {
        Ok((token, secret)) => state.templates.page(
            StatusCode::OK,
            "admin/secret_shown_once.html",
            context! { user => user.view(), csrf_token => user.csrf_token(),
            title => user.text("admin.account.token_title", &[]),
            heading => user.text("admin.account.token_created", &[("name", &token.name)]), secret,
            back => "/admin/account" },
        ),
        Err(AppError::Invalid { field, reason }) => {
            render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![FieldError { field: field.into(), reason }],
                None,
            )
            .await
        }
        Err(error) => Err(error),
    }
}

/// `POST /admin/account/tokens/{id}/revoke`
pub async fn revoke_token(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    accounts::revoke_api_token(&state, &user, id.into_inner()).await?;
    render(&state, &user, StatusCode::OK, Vec::new(), Some(&user.text("admin.account.token_revoked", &[]))).await
}

/// List your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = [accounts::TokenSummary])))]
pub async fn api_list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(accounts::api_tokens(&state, &user).await?))
}

/// Create an API token with your own role and municipalities. The token is in the answer, once. Only a signed-in
/// session may create tokens: a request made with a token is refused (403).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 403, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    input: JsonObject<NewToken>,
) -> Result<HttpResponse, AppError> {
    let (token, secret) = accounts::create_api_token(&state, &user, input.into_inner().name).await?;
    Ok(HttpResponse::Created().json(CreatedToken { id: token.id, name: token.name, token: secret }))
}

/// Revoke one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "The token's id")),
    responses((status = 204), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    accounts::revoke_api_token(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
