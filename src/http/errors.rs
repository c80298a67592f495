//! Failures as HTTP responses: the one place where an [`AppError`] gets its status and a JSON body of one documented
//! shape: `{"error": {"code": "…", "message": "…", "field": "…"}}` (`field` only for invalid input). Unexpected
//! errors are logged once, here, with their cause, and the client sees an opaque message. Pages (everything outside
//! `/api/`) get the same message as an HTML page instead: the response carries an [`ErrorPage`] extension that the
//! `http::error_pages` middleware renders.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{AppError, FieldError, Text};
use crate::i18n;

/// Seconds a client is asked to wait before retrying when the database is unavailable.
const RETRY_AFTER_SECS: &str = "5";

/// The JSON error body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// What went wrong, for people and programs.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    /// A stable machine-readable code: not_found, invalid, unauthenticated, forbidden, csrf, conflict, too_large,
    /// timeout, too_many_requests, method_not_allowed, unavailable, internal.
    pub code: &'a str,
    /// A sentence for people.
    pub message: String,
    /// The (first) input the message is about, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
    /// Every input at fault with its reason, for `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldReason>,
}

/// One input at fault and why, in Swedish.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FieldError)]
pub struct FieldReason {
    pub field: String,
    pub reason: String,
}

impl FieldReason {
    /// The API's words for a field error: Swedish, the service's language.
    pub fn of(error: &FieldError) -> Self {
        Self { field: error.field.clone(), reason: i18n::say(i18n::DEFAULT, &error.reason) }
    }
}

/// What a page needs to show an error as HTML (see `http::error_pages`).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: u16,
    pub code: &'static str,
    /// For a conflict or invalid input: the use case's own reason, worded in the page's language.
    pub reason: Option<Text>,
    /// For `unauthenticated`: where to return after signing in.
    pub sign_in_next: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid { .. } | Self::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut fields = Vec::new();
        let say = |text: &Text| i18n::say(i18n::DEFAULT, text);
        let (message, field) = match self {
            Self::NotFound => ("Nothing was found at this address.".to_owned(), None),
            Self::Invalid { field, reason } => (say(reason), Some(*field)),
            Self::InvalidFields(errors) => {
                fields.extend(errors.iter().map(FieldReason::of));
                let first = errors.first();
                (first.map(|e| say(&e.reason)).unwrap_or_default(), first.map(|e| e.field.as_str()))
            }
            Self::Unauthenticated { .. } => ("Sign in first.".to_owned(), None),
            Self::Forbidden => ("You may not do this.".to_owned(), None),
            Self::Csrf => ("The form was stale or incomplete. Reload the page and try again.".to_owned(), None),
            Self::Conflict(reason) => (say(reason), None),
            Self::TooLarge { limit } => (format!("The body is larger than the {limit} bytes allowed."), Some("body")),
            Self::RequestTimeout => ("The request's body did not arrive in time. Try again.".to_owned(), None),
            Self::TooManyRequests { .. } => ("Too many attempts. Wait a while and try again.".to_owned(), None),
            Self::Unavailable(cause) => {
                tracing::warn!(error = %cause, "request refused: database unavailable");
                ("The service is temporarily unavailable. Please try again in a moment.".to_owned(), None)
            }
            Self::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                ("Something went wrong on our side. Please try again.".to_owned(), None)
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS)));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
            }
            Self::Unauthenticated { .. } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        let page = ErrorPage {
            status: self.status_code().as_u16(),
            code: self.code(),
            reason: match self {
                Self::Invalid { reason, .. } | Self::Conflict(reason) => Some(reason.clone()),
                Self::InvalidFields(errors) => errors.first().map(|error| error.reason.clone()),
                _ => None,
            },
            sign_in_next: match self {
                Self::Unauthenticated { next } => Some(next.clone().unwrap_or_else(|| "/admin".to_owned())),
                _ => None,
            },
        };
        if let (Self::Invalid { field, reason }, true) = (self, fields.is_empty()) {
            fields.push(FieldReason { field: (*field).to_owned(), reason: say(reason) });
        }
        let mut response =
            response.json(ErrorBody { error: ErrorDetail { code: self.code(), message, field, fields } });
        response.extensions_mut().insert(page);
        response
    }
}
