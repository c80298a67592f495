//! Languages: a questionnaire's translations with their reviews (API), and the languages a survey offers its
//! residents (API and the survey page's form).

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::audit::Actor;
use crate::app::translations::{self, LanguagesInput, ReviewInput, TranslationView};
use crate::error::AppError;
use crate::http::body::JsonObject;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::state::AppState;
use crate::http::surveys::{Notes, render_survey};

/// The languages of a questionnaire version with their status: `source`, `draft` (no native speaker has reviewed
/// it) or `reviewed` (by whom, when).
#[utoipa::path(get, path = "/api/v1/instruments/{key}/{version}/translations", tag = "instruments",
    params(("key" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [TranslationView]), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_translations(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, version) = path.into_inner();
    Ok(HttpResponse::Ok().json(translations::of_instrument(&state, &key, &version).await?))
}

/// Record that a native speaker reviewed a translation (administrators). Replaces an earlier review.
#[utoipa::path(put, path = "/api/v1/instruments/{key}/{version}/translations/{lang}/review", tag = "instruments",
    params(("key" = String, Path), ("version" = String, Path), ("lang" = String, Path)), request_body = ReviewInput,
    responses((status = 200, body = [TranslationView]), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 404, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn review(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
    input: JsonObject<ReviewInput>,
) -> Result<HttpResponse, AppError> {
    let (key, version, lang) = path.into_inner();
    let list = translations::record_review(&state, &user, Actor::of(&user), (&key, &version, &lang), &input).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Withdraw a translation's review (administrators): it is a draft again.
#[utoipa::path(delete, path = "/api/v1/instruments/{key}/{version}/translations/{lang}/review", tag = "instruments",
    params(("key" = String, Path), ("version" = String, Path), ("lang" = String, Path)),
    responses((status = 200, body = [TranslationView]), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 404, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn unreview(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, version, lang) = path.into_inner();
    let list = translations::withdraw_review(&state, &user, Actor::of(&user), (&key, &version, &lang)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The languages of a survey's questionnaire, each with its status and whether the survey offers it.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/languages", tag = "surveys", params(("id" = String, Path)),
    responses((status = 200, body = [TranslationView]), (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_survey_languages(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(translations::of_survey(&state, &user, &id).await?))
}

/// Choose the languages a survey offers its residents, in any state. The questionnaire's default language is
/// always offered. Turning on a draft translation (no native speaker has reviewed it) needs `confirm_drafts`
/// (else 422 on `confirm_drafts`).
#[utoipa::path(put, path = "/api/v1/surveys/{id}/languages", tag = "surveys", params(("id" = String, Path)),
    request_body = LanguagesInput,
    responses((status = 200, body = [TranslationView]), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 404, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_set_survey_languages(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: JsonObject<LanguagesInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(translations::set_for_survey(&state, &user, Actor::of(&user), &id, &input).await?))
}

/// The survey page's language form: a checkbox per language, and the confirmation a draft needs.
#[derive(Deserialize)]
pub struct LanguagesForm {
    #[serde(default)]
    lang: Vec<String>,
    #[serde(default)]
    confirm_drafts: Option<String>,
}

/// `POST /admin/surveys/{id}/languages`
pub async fn set_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<LanguagesForm>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = form;
    let input = LanguagesInput { languages: form.lang.clone(), confirm_drafts: form.confirm_drafts.is_some() };
    match translations::set_for_survey(&state, &user, Actor::of(&user), &id, &input).await {
        Ok(_) => {
            let notes = Notes::notice(user.text("admin.languages.saved", &[]));
            render_survey(&state, &user, StatusCode::OK, &id, notes).await
        }
        Err(AppError::Invalid { field, reason }) => {
            // Shown again as asked, with the reason beside the form (and the confirmation to tick, for a draft).
            let asked: BTreeSet<String> = form.lang.into_iter().collect();
            let notes = Notes {
                languages: Some(crate::http::surveys::LanguagesProblem {
                    asked: asked.into_iter().collect(),
                    message: user.say(&reason),
                    confirm: field == "confirm_drafts",
                }),
                ..Notes::default()
            };
            render_survey(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, notes).await
        }
        Err(error) => Err(error),
    }
}

/// The survey page's review form: who reviewed the translation, or that the review is withdrawn.
#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    reviewer: String,
    #[serde(default)]
    action: String,
}

/// `POST /admin/surveys/{id}/languages/{lang}/review`: records (or withdraws) a native speaker's review of the survey
/// questionnaire's translation `lang` (administrators), and shows the survey page again.
pub async fn review_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: ProtectedForm<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let (id, lang) = path.into_inner();
    let ProtectedForm { user, form } = form;
    let loaded = crate::app::surveys::load(&state, &user, &id).await?;
    let version = (loaded.survey.instrument_key.as_str(), loaded.survey.instrument_version.as_str(), lang.as_str());
    let actor = Actor::of(&user);
    let done = if form.action == "withdraw" {
        translations::withdraw_review(&state, &user, actor, version).await.map(|_| "admin.languages.review_withdrawn")
    } else {
        let input = ReviewInput { reviewer: form.reviewer };
        translations::record_review(&state, &user, actor, version, &input).await.map(|_| "admin.languages.review_saved")
    };
    match done {
        Ok(key) => render_survey(&state, &user, StatusCode::OK, &id, Notes::notice(user.text(key, &[]))).await,
        Err(AppError::Invalid { reason, .. }) => {
            let problem = crate::http::surveys::ReviewProblem { lang, message: user.say(&reason) };
            let notes = Notes { review: Some(problem), ..Notes::default() };
            render_survey(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, notes).await
        }
        Err(error) => Err(error),
    }
}
