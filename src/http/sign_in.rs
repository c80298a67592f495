//! Signing in and out, and the one-time link that creates the first administrator.

use crate::http::render::context;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::sign_in::{self, FirstAdmin, SignIn};
use crate::error::AppError;
use crate::error::FieldErrors;
use crate::http::client_address;
use crate::http::cookies;
use crate::http::forms::{ProtectedForm, PublicForm, public_csrf};
use crate::http::language;
use crate::http::state::AppState;
use crate::i18n;
use crate::views::templates::{LanguageLink, language_links};

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

/// The language of a page before signing in, and the switch to the others.
fn language_of(request: &HttpRequest) -> (String, Vec<LanguageLink>) {
    let lang = language::choose(request, None, &i18n::staff_languages());
    let links = language_links(&lang, &request.uri().to_string());
    (lang, links)
}

/// `GET /sign-in`
pub async fn page(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let (csrf_token, cookie) = public_csrf(&request, state.secure_cookies);
    let next = safe_next(query.next.as_deref());
    let (lang, staff_languages) = language_of(&request);
    let page = state.templates.page(
        StatusCode::OK,
        "sign_in.html",
        context! { lang, staff_languages, csrf_token, next, email => "", errors => Vec::<()>::new() },
    )?;
    cookies::set(page, cookie)
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
    let device = request.cookie(cookies::DEVICE_COOKIE);
    match sign_in::sign_in(&state, &form.email, form.password, address, device.as_ref().map(|cookie| cookie.value()))
        .await?
    {
        SignIn::Signed { token, device } => {
            let redirect =
                cookies::redirect_with(&safe_next(Some(&form.next)), cookies::session(token, state.secure_cookies))?;
            cookies::set(redirect, [cookies::device(device, state.secure_cookies)])
        }
        SignIn::Wrong => {
            let (lang, staff_languages) = language_of(&request);
            let mut errors = FieldErrors::default();
            errors.add("email", crate::error::Text::new("staff.sign_in.wrong"));
            state.templates.page(
                StatusCode::UNAUTHORIZED,
                "sign_in.html",
                context! { lang, staff_languages, csrf_token => form.csrf_token, next => safe_next(Some(&form.next)),
                email => form.email, errors => errors.0 },
            )
        }
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /sign-out`
pub async fn sign_out(state: web::Data<AppState>, form: ProtectedForm<EmptyForm>) -> Result<HttpResponse, AppError> {
    sign_in::sign_out(&state, &form.user).await?;
    cookies::redirect_with("/sign-in", cookies::removal(state.secure_cookies))
}

/// `GET /setup/{token}`
pub async fn setup_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if !sign_in::setup_token_valid(&state, &token).await? {
        return Err(AppError::NotFound);
    }
    let (csrf_token, cookie) = public_csrf(&request, state.secure_cookies);
    let (lang, staff_languages) = language_of(&request);
    let page = state.templates.page(
        StatusCode::OK,
        "setup.html",
        context! { lang, staff_languages, token => token.into_inner(), csrf_token, email => "",
        display_name => "", errors => Vec::<()>::new() },
    )?;
    cookies::set(page, cookie)
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
    let first = FirstAdmin {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: form.password,
        password_again: form.password_again,
    };
    let address = client_address(&request, state.trust_forwarded_for);
    let session_token = match sign_in::set_up_first_admin(&state, &token, first, address).await? {
        Ok(session_token) => session_token,
        Err(errors) => {
            let (lang, staff_languages) = language_of(&request);
            return state.templates.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "setup.html",
                context! { lang, staff_languages, token => token.into_inner(), csrf_token => form.csrf_token,
                email => form.email, display_name => form.display_name, errors => errors.0 },
            );
        }
    };
    cookies::redirect_with("/admin", cookies::session(session_token, state.secure_cookies))
}
