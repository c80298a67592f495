//! `AppError`: every failure a use case can end in, and the field errors that forms show next to each field.
//!
//! Use cases return `Result<_, AppError>`; queries return diesel's `QueryResult` and the domain its own errors, and
//! they become an `AppError` here. It knows no HTTP: `http::errors` turns it into a status with a JSON body or an
//! error page, and logs the unexpected ones once, with their cause.

use serde::Serialize;

use crate::db::DbError;
pub use crate::domain::text::Text;

/// One problem with one field, for the person filling in the form (worded in their language where it is shown).
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: Text) -> Self {
        Self { field: field.into(), reason }
    }
}

/// Every problem found in one submitted form.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, reason: impl Into<Text>) {
        self.0.push(FieldError::new(field, reason.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when there are none, otherwise the errors as an `AppError` for the API.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() { Ok(()) } else { Err(AppError::InvalidFields(self.0)) }
    }
}

/// A failure that reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// Input that cannot be used; `field` names the input, `reason` says why, for the user.
    #[error("{field}: {}", reason.key)]
    Invalid { field: &'static str, reason: Text },
    /// Several inputs that cannot be used, each with its reason.
    #[error("invalid input")]
    InvalidFields(Vec<FieldError>),
    /// Nobody is signed in (API: 401; pages: a redirect to the sign-in page, back to `next` afterwards).
    #[error("sign-in required")]
    Unauthenticated { next: Option<String> },
    /// Signed in, but not allowed to do this.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request with the session cookie but without the session's CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// The request conflicts with the current state (e.g. editing an open survey).
    #[error("{}", .0.key)]
    Conflict(Text),
    /// A body larger than its kind may be, in bytes.
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// The body did not arrive in time.
    #[error("the body arrived too slowly")]
    RequestTimeout,
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: i64 },
    /// The database cannot be reached right now.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] DbError),
    /// Anything unexpected: logged with its cause, shown without it.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn invalid(field: &'static str, reason: impl Into<Text>) -> Self {
        Self::Invalid { field, reason: reason.into() }
    }

    pub fn conflict(reason: Text) -> Self {
        Self::Conflict(reason)
    }

    /// A stable machine-readable code for the API and the error pages.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid { .. } | Self::InvalidFields(_) => "invalid",
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf",
            Self::Conflict(_) => "conflict",
            Self::TooLarge { .. } => "too_large",
            Self::RequestTimeout => "timeout",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Query(diesel::result::Error::NotFound) => Self::NotFound,
            DbError::Unavailable(_)
            | DbError::FileMissing(_)
            | DbError::Busy(_)
            | DbError::Reopen(_)
            | DbError::Undone(_) => Self::Unavailable(error),
            // SQLite gave up waiting for another writer (busy timeout): overload, worth a retry, not a bug.
            DbError::Query(diesel::result::Error::DatabaseError(_, ref info))
                if info.message().contains("database is locked") =>
            {
                Self::Unavailable(error)
            }
            // PostgreSQL went away under a connection (stopped, restarted, the connection cut): worth a retry.
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection
                | diesel::result::DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => Self::Unavailable(error),
            DbError::Query(_) | DbError::Task(_) => Self::Internal(Box::new(error)),
        }
    }
}
