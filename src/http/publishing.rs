//! Publishing a closed survey's results (staff: the API and the survey page) and the public pages that show them
//! without sign-in: `/resultat/{survey}`, one page per municipality, and the workbook.

use crate::http::render::context;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::publishing::{self, Publication};

use crate::error::AppError;
use crate::http::body;
use crate::http::extract::CurrentUser;
use crate::http::forms::ProtectedForm;
use crate::http::notice::{self, Notice};
use crate::http::state::AppState;
use crate::http::surveys::{Notes, render_survey};
use crate::views::publication::{PublicMunicipality, PublicSurvey};
use crate::views::workbook::{Contents, workbook};

/// What to publish with: an earlier wave to compare with (by default the survey this one was copied from).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    pub compare: Option<String>,
}

/// A survey's publication as staff see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicationView {
    pub survey_id: String,
    /// When it was published (UTC).
    pub published_at: String,
    /// The earlier wave compared with, if any.
    pub compared_with: Option<String>,
    /// Where the public reads it (relative to the service's address).
    pub url: String,
}

impl From<&Publication> for PublicationView {
    fn from(publication: &Publication) -> Self {
        Self {
            survey_id: publication.survey_id.clone(),
            published_at: publication.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            compared_with: publication.compared_with.clone(),
            url: format!("/resultat/{}", publication.survey_id),
        }
    }
}

/// Publish (or publish again) a closed survey's results: a frozen snapshot of every municipality's figures, through
/// the small-group protection, readable at `/resultat/{id}` without sign-in. Administrators and coordinators of all
/// the survey's municipalities; audit-logged.
#[utoipa::path(
    post, path = "/api/v1/surveys/{id}/publication", tag = "publishing",
    params(("id" = String, Path, description = "The survey's id")),
    request_body(content = Option<PublishInput>, description = "Optional: none, `null` or this object"),
    responses(
        (status = 201, body = PublicationView),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not a coordinator of all the survey's municipalities"),
        (status = 404, description = "No such survey, or not one of the caller's"),
        (status = 409, body = crate::http::errors::ErrorBody, description = "The survey is not closed"),
    )
)]
pub async fn api_publish(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let compare = body::optional::<PublishInput>(&body)?.compare.filter(|id| !id.trim().is_empty());
    let publication = publishing::publish(&state, &user, &id, compare).await?;
    Ok(HttpResponse::Created().json(PublicationView::from(&publication)))
}

/// Whether and when the survey's results were published.
#[utoipa::path(
    get, path = "/api/v1/surveys/{id}/publication", tag = "publishing",
    params(("id" = String, Path, description = "The survey's id")),
    responses(
        (status = 200, body = PublicationView),
        (status = 401, description = "Not signed in"),
        (status = 404, description = "Not published, no such survey, or not one of the caller's"),
    )
)]
pub async fn api_status(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let publication = publishing::status(&state, &user, &id).await?.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(PublicationView::from(&publication)))
}

/// Withdraw the survey's published results (the public pages answer 404 again); audit-logged.
#[utoipa::path(
    delete, path = "/api/v1/surveys/{id}/publication", tag = "publishing",
    params(("id" = String, Path, description = "The survey's id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not a coordinator of all the survey's municipalities"),
        (status = 404, description = "Not published, no such survey, or not one of the caller's"),
    )
)]
pub async fn api_withdraw(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    publishing::withdraw(&state, &user, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /admin/surveys/{id}/publish`
pub async fn publish_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    match publishing::publish(&state, &form.user, &id, None).await {
        Ok(_) => notice::redirect(&format!("/admin/surveys/{id}"), Notice::Published, state.secure_cookies),
        Err(AppError::Conflict(reason)) => {
            let notes = Notes::notice(form.user.say(&reason));
            render_survey(&state, &form.user, StatusCode::CONFLICT, &id, notes).await
        }
        Err(error) => Err(error),
    }
}

/// `POST /admin/surveys/{id}/withdraw`
pub async fn withdraw_from_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: ProtectedForm<crate::http::sign_in::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    publishing::withdraw(&state, &form.user, &id).await?;
    notice::redirect(&format!("/admin/surveys/{id}"), Notice::PublicationWithdrawn, state.secure_cookies)
}

/// The Swedish day a publication was made.
fn published_on(publication: &Publication) -> String {
    crate::domain::survey::swedish_day(publication.published_at.and_utc()).to_string()
}

/// `GET /resultat/{id}`: the published survey, every municipality.
pub async fn public_survey(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let published = publishing::public(&state, &id).await?;
    let page = PublicSurvey::new(&published.snapshot, published_on(&published.publication));
    state.templates.page(
        StatusCode::OK,
        "public/survey.html",
        context! { title => page.title.clone(), resident => true, page => page },
    )
}

/// `GET /resultat/{id}/{code}`: one municipality's published results.
pub async fn public_municipality(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, code) = path.into_inner();
    let published = publishing::public(&state, &id).await?;
    let page = PublicMunicipality::new(&published.snapshot, published_on(&published.publication), &code)
        .ok_or(AppError::NotFound)?;
    state.templates.page(
        StatusCode::OK,
        "public/municipality.html",
        context! { title => format!("{}: {}", page.name, page.title), resident => true, page => page },
    )
}

/// The workbook's language on the public pages.
#[derive(Debug, Default, Deserialize)]
pub struct PublicWorkbookQuery {
    lang: Option<String>,
}

/// `GET /resultat/{id}/resultat.xlsx`: the published workbook (`?lang=en` in English).
pub async fn public_workbook(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PublicWorkbookQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = if query.lang.as_deref() == Some("en") { "en" } else { "sv" };
    let published = publishing::public(&state, &id).await?;
    let snapshot = published.snapshot;
    let bytes = web::block(move || {
        let results = snapshot.published_in(lang);
        workbook(&Contents { round: &snapshot.round, published: &results, rates: &snapshot.rates, lang })
    })
    .await
    .map_err(|error| AppError::Internal(Box::new(error)))?
    .map_err(|error| AppError::Internal(Box::new(error)))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"resultat-{id}.xlsx\"")))
        .body(bytes))
}
