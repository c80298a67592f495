//! The survey's results: `GET /api/v1/surveys/{id}/results`, and for staff the results page with its event stream.
//!
//! The page is complete without JavaScript: a plain form (GET) chooses the municipality, breakdown, earlier wave and
//! weights. With JavaScript it follows new responses: the stream says when what the viewer may see has changed (a
//! short version, never the figures), and the page's script then fetches the page again with the same query and
//! swaps in its results. So the results are computed only where someone is looking, at most once every few seconds per
//! viewer, and the stream tells nothing about municipalities the viewer may not see.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Responder, web};
use serde::Deserialize;
use sha2::Digest;

use crate::app::rates::Snapshot;
use crate::app::{live, promises, results, surveys};
use crate::domain::promise::MunicipalityPromises;
use crate::domain::results::published::{Labels, Published, Question};
use crate::error::{AppError, Text};
use crate::http::extract::CurrentUser;
use crate::http::render::context;
use crate::http::state::AppState;
use crate::http::stream::stream;
use crate::views::results::{EarlierSurvey, ResultsForm, ResultsView};

/// What the results are asked for.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Only this municipality (by code).
    municipality: Option<String>,
    /// Break every municipality down by this item of the questionnaire (single choice or yes/no), e.g. `age_band`.
    by: Option<String>,
    /// Put an earlier survey (a wave before this one) beside the figures, by its id.
    compare: Option<String>,
    /// `population` (the default: weighted to the population margins where a municipality has them) or `none`.
    #[param(pattern = "^(population|none)?$")]
    weights: Option<String>,
}

impl ResultsQuery {
    pub(crate) fn question(self) -> Result<Question, AppError> {
        let weighted = match self.weights.as_deref() {
            None | Some("" | "population") => true,
            Some("none") => false,
            Some(_) => return Err(AppError::invalid("weights", Text::new("problem.request.weights"))),
        };
        let given =
            |value: Option<String>| value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        Ok(Question {
            municipality: given(self.municipality),
            by: given(self.by),
            compare: given(self.compare),
            weighted,
        })
    }
}

/// The results of a survey: indices with 95 % intervals, shares, distributions, per municipality the caller may see
/// and their total; small groups hidden (`null` with `suppressed: true`).
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/results", tag = "results",
    params(("id" = String, Path, description = "The survey's id"), ResultsQuery),
    responses(
        (status = 200, body = Published),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "No such survey, or not one of the caller's"),
        (status = 422, body = crate::http::errors::ErrorBody),
    )
)]
pub async fn api_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let question = query.into_inner().question()?;
    let published = results::results(&state, &user, &id, &question).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(published.as_ref()))
}

/// The citizen promises the survey follows, per municipality the caller may see: each promise's questions and areas
/// in this survey beside the latest survey that had closed when the promise started (its wave before), with the
/// change, its 95 % interval and whether it is significant. The figures are the results' own (`GET …/results` with
/// `compare` set to the wave before), hidden where the results hide them. `by` and `compare` are not used.
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/promises", tag = "promises",
    params(("id" = String, Path, description = "The survey's id"), ResultsQuery),
    responses(
        (status = 200, body = [MunicipalityPromises]),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "No such survey, or not one of the caller's"),
        (status = 422, body = crate::http::errors::ErrorBody),
    )
)]
pub async fn api_promises(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let question = Question { by: None, compare: None, ..query.into_inner().question()? };
    let published = results::results(&state, &user, &id, &question).await?;
    let followed = promises::followed(&state, &user, &id, &published).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(followed))
}

/// `GET /admin/surveys/{id}/results`
pub async fn page(
    request: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let question = query.into_inner().question()?;
    // The version before the figures: a response arriving while they are computed then still changes it.
    let snapshot = live::visible(&state, &user, &id).await?;
    let version = version(&snapshot, &user, question.municipality.as_deref());
    let published = results::results(&state, &user, &id, &question).await?;
    let loaded = surveys::load(&state, &user, &id).await?;
    let municipalities: Vec<(String, String)> = loaded
        .parts
        .iter()
        .filter(|(part, _)| user.permissions.may_view(&part.municipality_code))
        .map(|(part, name)| (part.municipality_code.clone(), name.clone()))
        .collect();
    let earlier = surveys::list(&state, &user)
        .await?
        .into_iter()
        .map(|survey| EarlierSurvey { id: survey.id, title: survey.title, opens_on: survey.opens_on })
        .collect();
    let followed = crate::views::promises::followed(&promises::followed(&state, &user, &id, &published).await?);
    // The questionnaire's words in the page's language, where the questionnaire has it.
    let instrument = crate::app::instruments::for_survey(&state, &loaded.survey).await?;
    let labels = Labels::in_language(&instrument, &user.lang);
    let form = ResultsForm::new(&published, &labels, &question, &municipalities, earlier, &user.lang);
    let view = ResultsView::new(&published, &labels, &question, &user.lang);
    let stream = match &question.municipality {
        Some(code) => format!("/admin/surveys/{}/results/stream?municipality={}", published.survey_id, encode(code)),
        None => format!("/admin/surveys/{}/results/stream", published.survey_id),
    };
    // The workbook of the same figures: the page's own query (municipality, comparison, weights) goes with it.
    let workbook = match request.query_string() {
        "" => format!("/admin/surveys/{}/results.xlsx", published.survey_id),
        query => format!("/admin/surveys/{}/results.xlsx?{query}", published.survey_id),
    };
    state.templates.page(
        StatusCode::OK,
        "admin/results.html",
        context! {
            survey_title => published.title.clone(), user => user.view(),
            csrf_token => user.csrf_token(), results => view, form, version, stream, workbook, promises => followed,
            read_at => chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%H:%M:%S").to_string(),
        },
    )
}

/// `GET /admin/surveys/{id}/results/stream`: an event `results` with the version of what the viewer sees (the
/// municipality asked for, or all they may see) at once and whenever it changes; the page then fetches itself again.
pub async fn page_stream(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<impl Responder, AppError> {
    let only = query.into_inner().question()?.municipality;
    let snapshots = live::watch(&state, &user, &id).await?;
    // As the page: a municipality that is not the viewer's, or not the survey's, is not found.
    if let Some(code) = &only
        && !(user.permissions.may_view(code) && snapshots.0.municipalities.iter().any(|m| m.code == *code))
    {
        return Err(AppError::NotFound);
    }
    let closing = state.live.closing();
    Ok(stream(snapshots, user, "results", (closing, state.metrics.live_stream_opened()), move |snapshot, user, _| {
        Ok(version(snapshot, user, only.as_deref()).into())
    }))
}

/// What the results the viewer sees are computed from, as a short digest: the responses counted (complete and
/// partial) in each municipality they see. Equal versions, equal figures (for the same query).
fn version(snapshot: &Snapshot, user: &CurrentUser, only: Option<&str>) -> String {
    let mut digest = sha2::Sha256::new();
    for municipality in snapshot
        .municipalities
        .iter()
        .filter(|m| user.permissions.may_view(&m.code) && only.is_none_or(|only| only == m.code))
    {
        let counted = (municipality.complete_web, municipality.complete_paper, municipality.partial);
        digest.update(format!("{}:{counted:?};", municipality.code));
    }
    digest.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

/// A value for a query string.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
