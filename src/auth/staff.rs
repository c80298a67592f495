//! `Staff`: who acts in a use case, as plain values. `http` fills it in from a session or an API token.

use crate::domain::role::{Permissions, Role};
use crate::error::AppError;

/// A signed-in staff member, with what they may do and where the request came from (for the audit log).
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub permissions: Permissions,
    /// The client's address, as the audit log records it.
    pub address: Option<String>,
    /// The keyed hash of the browser session acting, which a password change keeps; `None` for an API token.
    pub session: Option<String>,
}

impl Staff {
    pub fn role(&self) -> Role {
        self.permissions.role
    }

    /// Only administrators.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.permissions.is_admin() { Ok(()) } else { Err(AppError::Forbidden) }
    }
}
