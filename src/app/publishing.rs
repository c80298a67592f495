//! Publishing a closed survey's results: a frozen snapshot of the disclosure-controlled figures of every
//! municipality, shown at `/resultat/{survey}` without sign-in, with its workbook. A coordinator of all the survey's
//! municipalities (or an administrator) publishes, publishes again (which replaces the snapshot) and withdraws;
//! each is in the audit log. Late paper forms change the survey's results, not what is published; nor do changes to
//! the citizen promises the survey follows, which are frozen with it.

use diesel::Connection;
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::surveys::{self, Loaded};
use crate::app::workbook::contents;
use crate::auth::Staff;
pub use crate::db::models::publication::Publication;
use crate::db::queries::{audit, publications};
use crate::domain::audit::Action;
use crate::domain::publication::Snapshot;
use crate::domain::results::published::{Labels, Question};
use crate::domain::survey::SurveyState;
use crate::error::{AppError, Text};

/// What the public sees of a published survey.
pub struct Published {
    pub publication: Publication,
    pub snapshot: Snapshot,
}

/// May this staff member publish (and withdraw) the survey's results: a manager of all its municipalities.
fn require_publisher(loaded: &Loaded, staff: &Staff) -> Result<(), AppError> {
    let codes = loaded.parts.iter().map(|(part, _)| part.municipality_code.as_str());
    if staff.permissions.may_manage_survey(codes) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Publishes (or publishes again) a closed survey's results, compared with `compare` or, by default, the survey it
/// was copied from (its earlier wave) when the staff member may see that one.
pub async fn publish(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    compare: Option<String>,
) -> Result<Publication, AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    require_publisher(&loaded, staff)?;
    if loaded.state != SurveyState::Closed {
        return Err(AppError::Conflict(Text::new("problem.publishing.not_closed")));
    }
    let compare = match compare {
        Some(earlier) => Some(earlier),
        None => match &loaded.survey.copied_from {
            Some(earlier) if surveys::load(ctx, staff, earlier).await.is_ok() => Some(earlier.clone()),
            _ => None,
        },
    };
    let question = Question { municipality: None, by: None, compare: compare.clone(), weighted: true };
    let made = contents(ctx, staff, survey_id, &question, "sv").await?;
    let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    let promises = crate::app::promises::followed(ctx, staff, survey_id, &made.published).await?;
    let snapshot = Snapshot {
        promises,
        round: made.round,
        published: made.published,
        english: Labels::in_language(&instrument, "en"),
        rates: made.rates,
    };
    let publication = Publication {
        survey_id: loaded.survey.id.clone(),
        published_at: crate::db::now(),
        published_by: Some(staff.id.clone()),
        compared_with: compare,
        snapshot: snapshot.to_json().map_err(|error| AppError::Internal(Box::new(error)))?,
    };
    let event = Actor::of(staff).event(
        Action::SurveyPublished,
        Some(publication.survey_id.clone()),
        json!({ "compared_with": publication.compared_with, "municipalities": loaded.parts.len() }),
    );
    let stored = publication.clone();
    let written = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                // Still closed: a survey reopened meanwhile is not published (checked before anything is written).
                let (survey, _) = crate::db::queries::surveys::with_parts(conn, &stored.survey_id)?;
                if survey.state != SurveyState::Closed {
                    return Ok(false);
                }
                publications::replace(conn, &stored)?;
                audit::insert(conn, &event)?;
                Ok(true)
            })
        })
        .await?;
    if !written {
        return Err(AppError::Conflict(Text::new("problem.publishing.reopened")));
    }
    Ok(publication)
}

/// Withdraws a survey's published results; `NotFound` when it was not published.
pub async fn withdraw(ctx: &Context, staff: &Staff, survey_id: &str) -> Result<(), AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    require_publisher(&loaded, staff)?;
    let id = loaded.survey.id.clone();
    let event = Actor::of(staff).event(Action::PublicationWithdrawn, Some(id.clone()), json!({}));
    let withdrawn = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                let withdrawn = publications::delete(conn, &id)?;
                if withdrawn {
                    audit::insert(conn, &event)?;
                }
                Ok(withdrawn)
            })
        })
        .await?;
    if withdrawn { Ok(()) } else { Err(AppError::NotFound) }
}

/// The publication of a survey as staff see it (whether and when it was published); `None` when not published.
pub async fn status(ctx: &Context, staff: &Staff, survey_id: &str) -> Result<Option<Publication>, AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let id = loaded.survey.id;
    Ok(ctx.db.run(move |conn| publications::of_survey(conn, &id)).await?)
}

/// A published survey as anyone may read it; `NotFound` when it is not published (or does not exist).
pub async fn public(ctx: &Context, survey_id: &str) -> Result<Published, AppError> {
    let id = survey_id.to_owned();
    let publication = ctx.db.run(move |conn| publications::of_survey(conn, &id)).await?.ok_or(AppError::NotFound)?;
    let snapshot = Snapshot::from_json(&publication.snapshot).map_err(|error| AppError::Internal(Box::new(error)))?;
    Ok(Published { publication, snapshot })
}
