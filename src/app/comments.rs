//! Free-text comments: a municipality's coordinators read what residents wrote, mask any passage that names or
//! points to a person, and approve a comment for others to read. Viewers (and open data) get only approved comments,
//! as masked; coordinators also see the original. Every review is in the audit log, without the text.

use diesel::Connection;
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::{instruments, surveys};
use crate::auth::Staff;
use crate::db::Abort;
use crate::db::models::comment::{CommentReview, StoredComment};
use crate::db::queries::{audit, comments, responses, surveys as survey_rows};
use crate::domain::audit::Action;
use crate::domain::comments::mask;
use crate::domain::instrument::ItemKind;
use crate::error::AppError;

/// A comment as one staff member may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comment {
    pub response_id: String,
    pub item_id: String,
    /// The resident's text; only for those who may review it.
    pub original: Option<String>,
    /// The text others see, when reviewed.
    pub shown: Option<String>,
    pub masked_passages: i32,
    /// Whether others may read it (as `shown`).
    pub approved: bool,
}

/// A municipality's comments in a survey.
pub struct Comments {
    pub municipality_code: String,
    pub municipality_name: String,
    /// Whether the staff member reviews them (sees the originals, masks and approves).
    pub reviews: bool,
    pub comments: Vec<Comment>,
}

/// What a review does.
#[derive(Debug, Clone)]
pub enum Review {
    /// Replace every occurrence of the passage (an approved comment stays approved, with less in it).
    Mask(String),
    /// Let others read the comment as it stands (masked or not).
    Approve,
    /// Back to unreviewed and unmasked: others no longer read it.
    Reset,
}

/// The comments of one of the survey's municipalities the staff member may see.
pub async fn list(ctx: &Context, staff: &Staff, survey_id: &str, municipality: &str) -> Result<Comments, AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let (part, name) = loaded
        .parts
        .iter()
        .find(|(part, _)| part.municipality_code == municipality && staff.permissions.may_view(municipality))
        .ok_or(AppError::NotFound)?;
    let instrument = instruments::for_survey(ctx, &loaded.survey).await?;
    let items: Vec<String> =
        instrument.items().filter(|item| matches!(item.kind, ItemKind::Text { .. })).map(|i| i.id.clone()).collect();
    let reviews = staff.permissions.may_manage(municipality);
    let (id, code) = (loaded.survey.id.clone(), part.municipality_code.clone());
    let stored = ctx.db.run(move |conn| comments::of_municipality(conn, &id, &code, &items)).await?;
    let comments = stored
        .into_iter()
        .filter(|comment| reviews || comment.review.as_ref().is_some_and(|review| review.approved))
        .map(|comment| Comment {
            original: reviews.then(|| comment.text.clone()),
            shown: comment.review.as_ref().map(|review| review.shown_text.clone()),
            masked_passages: comment.review.as_ref().map_or(0, |review| review.masked_passages),
            approved: comment.review.as_ref().is_some_and(|review| review.approved),
            response_id: comment.response_id,
            item_id: comment.item_id,
        })
        .collect();
    Ok(Comments {
        municipality_code: part.municipality_code.clone(),
        municipality_name: name.clone(),
        reviews,
        comments,
    })
}

/// Reviews one comment: masks a passage, approves it, or takes the review back. Only coordinators of the comment's
/// municipality (and administrators). A passage that is empty or not in the text is refused with the reason.
pub async fn review(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    response_id: &str,
    item_id: &str,
    review: Review,
) -> Result<(), AppError> {
    let loaded = surveys::load(ctx, staff, survey_id).await?;
    let (id, response, item) = (loaded.survey.id.clone(), response_id.to_owned(), item_id.to_owned());
    let found = ctx.db.run(move |conn| comments::one(conn, &id, &response, &item)).await?;
    let comment: StoredComment = found.ok_or(AppError::NotFound)?;
    if !staff.permissions.may_view(&comment.municipality_code) {
        return Err(AppError::NotFound);
    }
    if !staff.permissions.may_manage(&comment.municipality_code) {
        return Err(AppError::Forbidden);
    }
    let current = comment.review.as_ref().map_or(comment.text.as_str(), |review| review.shown_text.as_str());
    let masked_before = comment.review.as_ref().map_or(0, |review| review.masked_passages);
    let approved_before = comment.review.as_ref().is_some_and(|review| review.approved);
    let saved = match &review {
        Review::Mask(passage) => {
            let (shown, found) = mask(current, passage).map_err(|problem| AppError::invalid("passage", problem))?;
            Some((shown, masked_before + found as i32, approved_before))
        }
        Review::Approve => Some((current.to_owned(), masked_before, true)),
        Review::Reset => None,
    };
    let action = match review {
        Review::Mask(_) => Action::CommentMasked,
        Review::Approve => Action::CommentApproved,
        Review::Reset => Action::CommentReviewReset,
    };
    let event = Actor::of(staff).event(
        action,
        Some(loaded.survey.id.clone()),
        json!({ "municipality": comment.municipality_code, "item": comment.item_id,
                "masked_passages": saved.as_ref().map(|(_, masked, _)| *masked) }),
    );
    let record = saved.map(|(shown_text, masked_passages, approved)| CommentReview {
        response_id: comment.response_id.clone(),
        item_id: comment.item_id.clone(),
        survey_id: loaded.survey.id.clone(),
        shown_text,
        masked_passages,
        approved,
        reviewed_by: Some(staff.id.clone()),
        reviewed_at: crate::db::now(),
    });
    let (response, item, survey) = (comment.response_id, comment.item_id, loaded.survey.id.clone());
    let saved = ctx
        .db
        .write(move |conn| {
            let saved = conn.transaction(|conn| -> Result<(), Abort<()>> {
                // Under the survey's turn, which every rewrite of its fresh responses under new ids holds
                // (`app::responses::settle_in`, moving their reviews along): the response read above is still stored
                // under its id, or was rewritten since and the review is not saved under an id nobody has.
                survey_rows::lock_for_write(conn, &survey)?;
                if !responses::exists(conn, &response)? {
                    return Err(Abort::Reason(()));
                }
                match &record {
                    Some(review) => comments::save(conn, review)?,
                    None => {
                        comments::remove(conn, &response, &item)?;
                    }
                }
                Ok(audit::insert(conn, &event)?)
            });
            match saved {
                Ok(()) => Ok(true),
                Err(Abort::Reason(())) => Ok(false),
                Err(Abort::Database(error)) => Err(error),
            }
        })
        .await?;
    // Rewritten meanwhile: the comments' page, read again, shows it under its new id.
    if saved { Ok(()) } else { Err(AppError::NotFound) }
}
