//! The audit log: who did what, when, from where. Written in the same transaction as the change it records.
//! It names accounts, surveys, municipalities and counts; never answers, codes, passwords or tokens.

use serde_json::Value;

use crate::auth::Staff;
use crate::db::models::user::AuditEvent;

/// Who acted: a signed-in user, the command line, or an anonymous attempt (a failed sign-in).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl Actor {
    /// A staff member, from where their request came.
    pub fn of(staff: &Staff) -> Self {
        Self { user_id: Some(staff.id.clone()), email: Some(staff.email.clone()), address: staff.address.clone() }
    }

    pub fn command_line() -> Self {
        Self { user_id: None, email: Some("(kommandoraden)".to_owned()), address: None }
    }

    /// A new event by this actor.
    pub fn event(&self, action: &str, target: Option<String>, detail: Value) -> AuditEvent {
        AuditEvent {
            id: uuid::Uuid::new_v4().to_string(),
            occurred_at: crate::db::now(),
            actor_user_id: self.user_id.clone(),
            actor_email: self.email.clone(),
            action: action.to_owned(),
            target,
            detail: detail.to_string(),
            source_address: self.address.clone(),
        }
    }
}
