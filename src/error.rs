//! `AppError`: the one place where failures become HTTP responses.
//!
//! Handlers return `Result<_, AppError>`; queries return diesel's `QueryResult` and the domain its own errors, and
//! only here are they turned into a status and a JSON body of one documented shape:
//! `{"error": {"code": "…", "message": "…", "field": "…"}}` (`field` only for invalid input). Unexpected errors are
//! logged once, here, with their cause, and the client sees an opaque message.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::DbError;

/// Seconds a client is asked to wait before retrying when the database is unavailable.
const RETRY_AFTER_SECS: &str = "5";

/// A failure that reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// Input that cannot be used; `field` names the input, `reason` says why, for the user.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The database cannot be reached right now.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] DbError),
    /// Anything unexpected: logged with its cause, shown without it.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn invalid(field: &'static str, reason: impl ToString) -> Self {
        Self::Invalid { field, reason: reason.to_string() }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid { .. } => "invalid",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Query(diesel::result::Error::NotFound) => Self::NotFound,
            DbError::Unavailable(_) | DbError::FileMissing(_) => Self::Unavailable(error),
            DbError::Query(_) | DbError::Task(_) => Self::Internal(Box::new(error)),
        }
    }
}

/// The JSON error body.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// What went wrong, for people and programs.
#[derive(Serialize)]
pub struct ErrorDetail<'a> {
    /// A stable machine-readable code: not_found, invalid, unavailable, internal.
    pub code: &'a str,
    /// A sentence for people.
    pub message: String,
    /// The input the message is about, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (message, field) = match self {
            Self::NotFound => ("Nothing was found at this address.".to_owned(), None),
            Self::Invalid { field, reason } => (reason.clone(), Some(*field)),
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
        if matches!(self, Self::Unavailable(_)) {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS)));
        }
        response.json(ErrorBody { error: ErrorDetail { code: self.code(), message, field } })
    }
}
