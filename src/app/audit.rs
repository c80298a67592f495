//! The audit log: who did what, when, from where. Written in the same transaction as the change it records.
//! It names accounts, surveys, municipalities and counts; never answers, codes, passwords or tokens. Read back, each
//! event is also told in words (`domain::audit`), with the names its ids and codes stand for looked up here.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

use crate::app::Context;
use crate::auth::Staff;
pub use crate::db::models::user::AuditEvent;
use crate::db::queries::audit;
use crate::domain::audit::{Action, Filter, Names};
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

/// One event of the audit log as it is read: the stored event, and the same in words.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: String,
    /// When, in UTC.
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub occurred_at: NaiveDateTime,
    /// When, in Swedish time (Europe/Stockholm), as the page shows it: `2026-12-05 09:17`.
    pub occurred_at_swedish: String,
    /// The account that acted, if any.
    pub actor_user_id: Option<String>,
    /// The address of the account that acted, or the one a failed sign-in was tried with.
    pub actor_email: Option<String>,
    /// The name of the account that acted (its address when it has none).
    pub actor_name: Option<String>,
    /// What was done, e.g. `codes_generated`.
    pub action: String,
    /// What it was done to: a survey's id, an account's address, a promise's id …
    pub target: Option<String>,
    /// The title of the survey it was done to, for an action about a survey.
    pub survey_title: Option<String>,
    /// The event's particulars as recorded (JSON).
    pub detail: String,
    /// The event in one sentence (Swedish in the API), e.g. "Anna Berg delade ut 300 koder för Sunne i Trygghetsmätning 2026".
    pub summary: String,
    /// Where the request came from.
    pub source_address: Option<String>,
}

/// An account the log can be filtered by.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: String,
    /// "Anna Berg (anna@polisen.se)", or the address alone.
    pub label: String,
}

/// One page of the audit log, newest first, for administrators; `page` counts from 1, `lang` the sentences' language.
pub async fn page(
    ctx: &Context,
    staff: &Staff,
    filter: Filter,
    page: i64,
    lang: &str,
) -> Result<Vec<AuditEntry>, AppError> {
    staff.require_admin()?;
    if filter.is_reversed() {
        return Ok(Vec::new());
    }
    let offset = (page - 1) * PAGE_SIZE;
    let lang = lang.to_owned();
    Ok(ctx
        .db
        .run(move |conn| {
            let events = audit::list(conn, &filter, PAGE_SIZE, offset)?;
            let names = names_in(conn, &events)?;
            Ok::<_, diesel::result::Error>(events.into_iter().map(|event| entry(event, &names, &lang)).collect())
        })
        .await?)
}

/// Every account, for the log's filter by person (administrators only).
pub async fn people(ctx: &Context, staff: &Staff) -> Result<Vec<Person>, AppError> {
    staff.require_admin()?;
    let accounts = ctx.db.run(audit::accounts).await?;
    Ok(accounts
        .into_iter()
        .map(|(id, email, name)| {
            let label = if name.is_empty() { email } else { format!("{name} ({email})") };
            Person { id, label }
        })
        .collect())
}

/// The names the events' ids and codes stand for.
fn names_in(conn: &mut crate::db::DbConnection, events: &[AuditEvent]) -> diesel::QueryResult<Names> {
    let mut surveys = BTreeSet::new();
    let mut municipalities = BTreeSet::new();
    for event in events {
        let detail: Value = serde_json::from_str(&event.detail).unwrap_or(Value::Null);
        if Action::parse(&event.action).is_some_and(Action::targets_survey) {
            surveys.extend(event.target.clone());
        }
        for key in ["copied_from", "compared_with"] {
            surveys.extend(detail[key].as_str().map(str::to_owned));
        }
        municipalities.extend(detail["municipality"].as_str().map(str::to_owned));
        let listed = detail["municipalities"].as_array().into_iter().flatten().filter_map(Value::as_str);
        municipalities.extend(listed.map(str::to_owned));
    }
    let (surveys, municipalities): (Vec<String>, Vec<String>) =
        (surveys.into_iter().collect(), municipalities.into_iter().collect());
    let mut names = Names {
        surveys: audit::survey_titles(conn, &surveys)?.into_iter().collect(),
        municipalities: audit::municipality_names(conn, &municipalities)?.into_iter().collect(),
        ..Names::default()
    };
    for (id, email, name) in audit::accounts(conn)? {
        if name.is_empty() {
            names.accounts.insert(id, email);
        } else {
            names.accounts.insert(id, name.clone());
            names.emails.insert(email, name);
        }
    }
    Ok(names)
}

/// An event with its words.
fn entry(event: AuditEvent, names: &Names, lang: &str) -> AuditEntry {
    let described = crate::domain::audit::Event {
        action: &event.action,
        actor_user_id: event.actor_user_id.as_deref(),
        actor_email: event.actor_email.as_deref(),
        target: event.target.as_deref(),
        detail: &event.detail,
    };
    let words = |key: &str, values: &[(&str, &str)]| crate::i18n::text_with(lang, key, values);
    let summary = crate::domain::audit::sentence(described, names, &words);
    let actor_name = event.actor_user_id.as_ref().and_then(|id| names.accounts.get(id)).cloned();
    let survey_title = Action::parse(&event.action)
        .is_some_and(Action::targets_survey)
        .then(|| event.target.as_ref().and_then(|id| names.surveys.get(id)).cloned())
        .flatten();
    AuditEntry {
        occurred_at_swedish: crate::domain::audit::swedish_time(event.occurred_at),
        id: event.id,
        occurred_at: event.occurred_at,
        actor_user_id: event.actor_user_id,
        actor_email: event.actor_email,
        actor_name,
        action: event.action,
        target: event.target,
        survey_title,
        detail: event.detail,
        summary,
        source_address: event.source_address,
    }
}
