//! `CurrentUser`: the extractor every staff endpoint takes, so that no handler can forget to authenticate.
//!
//! It accepts an API token (`Authorization: Bearer …`) or the session cookie. For the cookie the use case enforces
//! the idle and absolute expiry, and for state-changing methods the extractor requires the CSRF token in the
//! `X-CSRF-Token` header unless the handler checks the form field itself (see [`crate::http::forms::ProtectedForm`]).
//! It derefs to the plain [`Staff`] that use cases take.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::app::sessions;
use crate::auth::{Staff, csrf};
use crate::error::AppError;
use crate::http::client_address;
use crate::http::cookies::COOKIE;
use crate::http::language;
use crate::http::state::AppState;
use crate::i18n;
use crate::views::templates::UserView;

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum AuthVia {
    /// The browser session, with its CSRF token.
    Session { csrf_token: String },
    /// An API token, by id.
    ApiToken { id: String },
}

/// The signed-in staff member making this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub staff: Staff,
    pub via: AuthVia,
    /// The language the staff pages are shown in (see [`crate::http::language::choose`]).
    pub lang: String,
    /// Where this page is, for the language switch's links: the path and query of a `GET`, else the survey list.
    here: String,
}

impl Deref for CurrentUser {
    type Target = Staff;

    fn deref(&self) -> &Staff {
        &self.staff
    }
}

impl CurrentUser {
    /// The CSRF token to embed in forms (empty for API tokens, which need none).
    pub fn csrf_token(&self) -> &str {
        match &self.via {
            AuthVia::Session { csrf_token } => csrf_token,
            AuthVia::ApiToken { .. } => "",
        }
    }

    /// What the layout shows of the user, with the page's language and the switch to the others.
    pub fn view(&self) -> UserView {
        UserView::new(&self.staff, &self.lang, &self.here)
    }

    /// A text of the staff pages in this user's language, with each `%{name}` replaced by its value.
    pub fn text(&self, key: &str, values: &[(&str, &str)]) -> String {
        i18n::text_with(&self.lang, key, values)
    }

    /// A use case's [`Text`](crate::error::Text) in the user's language.
    pub fn say(&self, text: &crate::error::Text) -> String {
        i18n::say(&self.lang, text)
    }

    /// Checks a CSRF token presented with a session request; API-token requests pass.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), AppError> {
        match &self.via {
            AuthVia::ApiToken { .. } => Ok(()),
            AuthVia::Session { csrf_token } => match presented {
                Some(presented) if csrf::matches(csrf_token, presented) => Ok(()),
                _ => Err(AppError::Csrf),
            },
        }
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
    let address = client_address(request, state.trust_forwarded_for);
    let lang = language::choose(request, None, &i18n::staff_languages());
    let here = if request.method() == Method::GET { request.uri().to_string() } else { "/admin".to_owned() };

    if let Some(bearer) = bearer_token(request) {
        let Some((staff, id)) = sessions::by_api_token(&state, &bearer, address).await? else {
            return Err(unauthenticated());
        };
        return Ok(CurrentUser { staff, via: AuthVia::ApiToken { id }, lang, here });
    }

    let Some(cookie) = request.cookie(COOKIE) else { return Err(unauthenticated()) };
    let Some((staff, csrf_token)) = sessions::by_session(&state, cookie.value(), address).await? else {
        return Err(unauthenticated());
    };
    let current = CurrentUser { staff, via: AuthVia::Session { csrf_token }, lang, here };
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && request.extensions().get::<FormChecksCsrf>().is_none() {
        let presented = request.headers().get(csrf::HEADER).and_then(|value| value.to_str().ok());
        current.check_csrf(presented)?;
    }
    Ok(current)
}

fn bearer_token(request: &HttpRequest) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|token| token.trim().to_owned())
}
