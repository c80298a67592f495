//! A questionnaire's translations with their reviews, and the languages a survey offers its residents (see
//! `domain::translation` for the rules). An administrator records that a native speaker reviewed a translation, or
//! withdraws that; a coordinator who may manage a survey turns its languages on and off, in any state of the survey
//! (a translation may be reviewed after the survey opened). Each change is one audit event.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::surveys::check_manage;
use crate::auth::Staff;
use crate::db::models::instrument::TranslationReview;
use crate::db::models::survey::{Survey, SurveyChanges};
use crate::db::queries::{audit, instruments, surveys};
use crate::domain::audit::Action;
use crate::domain::instrument::Instrument;
use crate::domain::translation::{self, Status};
use crate::domain::{display_name, text::Text};
use crate::error::AppError;
use crate::i18n;

/// One language of a questionnaire, as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TranslationView {
    /// The language's code, e.g. "ar".
    pub code: String,
    /// The language's name in that language, e.g. "العربية".
    pub name: String,
    /// "source" (the language the questionnaire is written in), "draft" (not reviewed by a native speaker) or
    /// "reviewed".
    #[schema(pattern = "^(source|draft|reviewed)$")]
    pub status: &'static str,
    /// Who reviewed it, when reviewed.
    pub reviewer: Option<String>,
    /// When the review was recorded (UTC), when reviewed.
    #[serde(serialize_with = "crate::domain::utc::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<NaiveDateTime>,
    /// Whether the survey offers it to its residents (only in a survey's list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered: Option<bool>,
}

/// A review to record: who reviewed the translation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// The native speaker who reviewed the translation: one line (no control characters) of at most 100
    /// characters, not only spaces; surrounding spaces are dropped.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub reviewer: String,
}

/// The languages a survey is to offer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LanguagesInput {
    /// Language codes of the questionnaire; its default language is offered whether listed or not.
    pub languages: Vec<String>,
    /// Needed to turn on a translation no native speaker has reviewed: the coordinator knows it is a draft.
    #[serde(default)]
    pub confirm_drafts: bool,
}

/// Each language of `instrument` the pages have, with its status.
pub async fn statuses(ctx: &Context, instrument: &Instrument) -> Result<Vec<(String, Status)>, AppError> {
    let (key, version) = (instrument.key().to_owned(), instrument.version().to_owned());
    let reviews = ctx.db.run(move |conn| instruments::reviews(conn, &key, &version)).await?;
    let pages = i18n::page_languages();
    Ok(instrument
        .languages()
        .iter()
        .enumerate()
        .filter(|(_, lang)| pages.contains(lang))
        .map(|(index, lang)| {
            let status = if index == 0 {
                Status::Source
            } else {
                reviews.iter().find(|review| review.language == *lang).map_or(Status::Draft, |review| {
                    Status::Reviewed { reviewer: review.reviewer.clone(), reviewed_at: review.reviewed_at }
                })
            };
            (lang.clone(), status)
        })
        .collect())
}

/// Whether `lang` is a draft translation of `instrument` (neither its own language nor reviewed), for the notice
/// residents reading it see.
pub async fn is_draft(ctx: &Context, instrument: &Instrument, lang: &str) -> Result<bool, AppError> {
    if instrument.default_language() == lang {
        return Ok(false);
    }
    let (key, version, lang) = (instrument.key().to_owned(), instrument.version().to_owned(), lang.to_owned());
    let reviewed = ctx.db.run(move |conn| instruments::is_reviewed(conn, &key, &version, &lang)).await?;
    Ok(!reviewed)
}

fn view(code: String, status: &Status, offered: Option<bool>) -> TranslationView {
    let (reviewer, reviewed_at) = match status {
        Status::Reviewed { reviewer, reviewed_at } => (Some(reviewer.clone()), Some(*reviewed_at)),
        _ => (None, None),
    };
    let name = i18n::text(&code, "language_name");
    TranslationView { code, name, status: status.as_str(), reviewer, reviewed_at, offered }
}

/// The languages of an instrument version with their status.
pub async fn of_instrument(ctx: &Context, key: &str, version: &str) -> Result<Vec<TranslationView>, AppError> {
    let instrument = crate::app::instruments::get(ctx, key, version).await?;
    let statuses = statuses(ctx, &instrument).await?;
    Ok(statuses.into_iter().map(|(code, status)| view(code, &status, None)).collect())
}

/// The translation `lang` of an instrument version, checked: one of its languages other than the default.
async fn translation_of(ctx: &Context, key: &str, version: &str, lang: &str) -> Result<(), AppError> {
    let instrument = crate::app::instruments::get(ctx, key, version).await?;
    if instrument.default_language() == lang {
        return Err(AppError::invalid("language", Text::new("problem.languages.source").with("lang", lang)));
    }
    if !instrument.languages().iter().any(|known| known == lang) || !i18n::page_languages().iter().any(|l| l == lang) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Records that `reviewer`, a native speaker, reviewed the translation `lang` (administrators only).
pub async fn record_review(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    (key, version, lang): (&str, &str, &str),
    input: &ReviewInput,
) -> Result<Vec<TranslationView>, AppError> {
    user.require_admin()?;
    let reviewer = display_name::parse(&input.reviewer)
        .ok()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| AppError::invalid("reviewer", Text::new("problem.languages.reviewer")))?;
    translation_of(ctx, key, version, lang).await?;
    let review = TranslationReview {
        instrument_key: key.to_owned(),
        instrument_version: version.to_owned(),
        language: lang.to_owned(),
        reviewer,
        recorded_by: actor.user_id.clone(),
        reviewed_at: crate::db::now(),
    };
    let detail = json!({ "key": key, "version": version, "language": lang, "reviewer": review.reviewer });
    let event = actor.event(Action::TranslationReviewed, Some(format!("{key} {version} {lang}")), detail);
    ctx.db
        .write(move |conn| {
            diesel::Connection::transaction(conn, |conn| {
                instruments::set_review(conn, &review)?;
                audit::insert(conn, &event)
            })
        })
        .await?;
    of_instrument(ctx, key, version).await
}

/// Withdraws the review of the translation `lang`: it is a draft again (administrators only). Surveys that offer it
/// go on offering it.
pub async fn withdraw_review(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    (key, version, lang): (&str, &str, &str),
) -> Result<Vec<TranslationView>, AppError> {
    user.require_admin()?;
    translation_of(ctx, key, version, lang).await?;
    let detail = json!({ "key": key, "version": version, "language": lang });
    let event = actor.event(Action::TranslationReviewWithdrawn, Some(format!("{key} {version} {lang}")), detail);
    let (key_owned, version_owned, lang_owned) = (key.to_owned(), version.to_owned(), lang.to_owned());
    ctx.db
        .write(move |conn| {
            diesel::Connection::transaction(conn, |conn| {
                if instruments::remove_review(conn, &key_owned, &version_owned, &lang_owned)? {
                    audit::insert(conn, &event)?;
                }
                Ok(())
            })
        })
        .await?;
    of_instrument(ctx, key, version).await
}

/// The languages of a survey's questionnaire, each with its status and whether the survey offers it.
pub async fn of_survey(ctx: &Context, user: &Staff, id: &str) -> Result<Vec<TranslationView>, AppError> {
    let loaded = crate::app::surveys::load(ctx, user, id).await?;
    let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    of(ctx, &loaded.survey, &instrument).await
}

/// [`of_survey`] for a survey and its questionnaire already at hand (the survey page has both).
pub async fn of(ctx: &Context, survey: &Survey, instrument: &Instrument) -> Result<Vec<TranslationView>, AppError> {
    let offered = i18n::offered(&survey.languages, instrument.languages());
    Ok(views_offering(statuses(ctx, instrument).await?, &offered))
}

/// Each language with its status, marked as offered or not.
fn views_offering(statuses: Vec<(String, Status)>, offered: &[String]) -> Vec<TranslationView> {
    statuses
        .into_iter()
        .map(|(code, status)| {
            let on = offered.contains(&code);
            view(code, &status, Some(on))
        })
        .collect()
}

/// Sets the languages a survey offers (see `domain::translation::check_change`).
pub async fn set_for_survey(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    input: &LanguagesInput,
) -> Result<Vec<TranslationView>, AppError> {
    let loaded = check_manage(ctx, user, id).await?;
    let instrument = crate::app::instruments::for_survey(ctx, &loaded.survey).await?;
    let before = i18n::offered(&loaded.survey.languages, instrument.languages());
    let statuses = statuses(ctx, &instrument).await?;
    let status_of =
        |lang: &str| statuses.iter().find(|(code, _)| code == lang).map_or(Status::Draft, |(_, status)| status.clone());
    let chosen = translation::check_change(
        &input.languages,
        instrument.languages(),
        &i18n::page_languages(),
        &before,
        input.confirm_drafts,
        status_of,
    )
    .map_err(|refused| AppError::invalid(refused.field, refused.reason))?;
    if chosen != before {
        let drafts: Vec<&String> =
            chosen.iter().filter(|lang| !before.contains(lang) && status_of(lang).is_draft()).collect();
        let detail = json!({ "languages": chosen, "before": before, "confirmed_drafts": drafts });
        let event = actor.event(Action::SurveyLanguagesChanged, Some(loaded.survey.id.clone()), detail);
        let changes = SurveyChanges { languages: Some(translation::to_stored(&chosen)), ..SurveyChanges::default() };
        let survey_id = loaded.survey.id.clone();
        ctx.db
            .write(move |conn| {
                diesel::Connection::transaction(conn, |conn| {
                    surveys::update(conn, &survey_id, &changes)?;
                    audit::insert(conn, &event)
                })
            })
            .await?;
    }
    Ok(views_offering(statuses, &chosen))
}
