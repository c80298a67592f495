//! HTML forms: parsing (with `serde_html_form`, which handles repeated fields such as checkbox lists), CSRF
//! checks, and the field errors that pages show next to each field and in a summary at the top.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::auth::csrf;
use crate::error::{AppError, Text};

/// A form that cannot be read, and why.
fn unreadable(error: impl std::fmt::Display) -> AppError {
    AppError::invalid("form", Text::new("problem.request.form").with("detail", error))
}
use crate::http::extract::{CurrentUser, FormChecksCsrf};

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// A form posted by a signed-in user, with the session's CSRF token checked before the handler runs.
pub struct ProtectedForm<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for ProtectedForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        request.extensions_mut().insert(FormChecksCsrf);
        let user = CurrentUser::from_request(request, payload);
        let body = web::Bytes::from_request(request, payload);
        Box::pin(async move {
            let user = user.await?;
            let body = body.await.map_err(unreadable)?;
            let token: CsrfField =
                serde_html_form::from_bytes(&body).unwrap_or(CsrfField { csrf_token: String::new() });
            user.check_csrf(Some(&token.csrf_token))?;
            let form = serde_html_form::from_bytes(&body).map_err(unreadable)?;
            Ok(Self { user, form })
        })
    }
}

/// Put before `CurrentUser` in a handler whose CSRF token arrives in a multipart body (file uploads): the handler
/// then checks it with [`CurrentUser::check_csrf`] instead of the extractor checking the header.
pub struct CsrfInBody;

impl FromRequest for CsrfInBody {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        request.extensions_mut().insert(FormChecksCsrf);
        std::future::ready(Ok(Self))
    }
}

/// The cookie of the double-submit CSRF check on forms used before signing in (sign-in, first set-up).
pub const PUBLIC_CSRF_COOKIE: &str = "trygghet_form";

/// A form posted without a session: its `csrf_token` must equal the `trygghet_form` cookie set with the page.
pub struct PublicForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for PublicForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let cookie = request.cookie(PUBLIC_CSRF_COOKIE).map(|cookie| cookie.value().to_owned());
        let body = web::Bytes::from_request(request, payload);
        Box::pin(async move {
            let body = body.await.map_err(unreadable)?;
            let token: CsrfField =
                serde_html_form::from_bytes(&body).unwrap_or(CsrfField { csrf_token: String::new() });
            if !public_token_matches(cookie.as_deref(), Some(&token.csrf_token)) {
                return Err(AppError::Csrf);
            }
            serde_html_form::from_bytes(&body).map(Self).map_err(unreadable)
        })
    }
}

/// The double-submit check of a form posted without a session: the form's token equals the one in its cookie.
pub fn public_token_matches(cookie: Option<&str>, token: Option<&str>) -> bool {
    matches!((cookie, token), (Some(cookie), Some(token)) if csrf::matches(cookie, token))
}

/// The token for a public form: the one in the request's cookie, or a new one (with the cookie to set).
pub fn public_csrf(request: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    match request.cookie(PUBLIC_CSRF_COOKIE) {
        Some(cookie) if cookie.value().len() >= 32 => (cookie.value().to_owned(), None),
        _ => {
            let token = csrf::new_token();
            let cookie = Cookie::build(PUBLIC_CSRF_COOKIE, token.clone())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(secure)
                .finish();
            (token, Some(cookie))
        }
    }
}
