//! The audit log: who did what, when, from where. Written in the same transaction as the change it records.
//! It names accounts, surveys, municipalities and counts; never answers, codes, passwords or tokens.

use serde_json::Value;

use crate::app::Context;
use crate::auth::Staff;
pub use crate::db::models::user::AuditEvent;
use crate::db::queries::audit;
use crate::domain::audit::Action;
use crate::error::AppError;

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
    pub fn event(&self, action: Action, target: Option<String>, detail: Value) -> AuditEvent {
        AuditEvent {
            id: uuid::Uuid::new_v4().to_string(),
            occurred_at: crate::db::now(),
            actor_user_id: self.user_id.clone(),
            actor_email: self.email.clone(),
            action: action.as_str().to_owned(),
            target,
            detail: detail.to_string(),
            source_address: self.address.clone(),
        }
    }
}

/// Records an event that changes nothing else (a reported accessibility problem).
pub async fn record(ctx: &Context, event: AuditEvent) -> Result<(), AppError> {
    Ok(ctx.db.write(move |conn| audit::insert(conn, &event)).await?)
}

/// Events shown on one page of the audit log.
pub const PAGE_SIZE: i64 = 100;

/// One page of the audit log, newest first, for administrators; `page` counts from 1.
pub async fn page(ctx: &Context, staff: &Staff, page: i64) -> Result<Vec<AuditEvent>, AppError> {
    staff.require_admin()?;
    let offset = (page - 1) * PAGE_SIZE;
    Ok(ctx.db.run(move |conn| audit::list(conn, PAGE_SIZE, offset)).await?)
}
