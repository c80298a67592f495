//! The audit log: who did what, when, from where. Written in the same transaction as the change it records.
//! It names accounts, surveys, municipalities and counts; never answers, codes, passwords or tokens.

use actix_web::HttpRequest;
use serde_json::Value;

use crate::auth::CurrentUser;
use crate::db::models::user::AuditEvent;

/// Who acted: a signed-in user, the command line, or an anonymous attempt (a failed sign-in).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl Actor {
    pub fn user(user: &CurrentUser, address: Option<String>) -> Self {
        Self { user_id: Some(user.id.clone()), email: Some(user.email.clone()), address }
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

/// The client's address: the connection's peer, or the last `X-Forwarded-For` entry when the service is configured
/// to run behind a proxy. The last entry is the one the proxy itself added; earlier ones come from the client, who
/// could otherwise choose an address per attempt.
pub fn client_address(request: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for
        && let Some(forwarded) = request.headers().get("x-forwarded-for").and_then(|value| value.to_str().ok())
        && let Some(last) = forwarded.rsplit(',').next().map(str::trim).filter(|last| !last.is_empty())
    {
        return Some(last.to_owned());
    }
    request.peer_addr().map(|address| address.ip().to_string())
}
