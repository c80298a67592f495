//! Population margins of a survey's municipalities: the upload form on the survey page and the API under
//! `/api/v1/surveys/{id}/municipalities/{code}/population`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::audit::Actor;
use crate::app::population;
use crate::domain::dispositions::spreadsheet_text;
use crate::domain::population::Margins;
use crate::error::AppError;
use crate::http::body::JsonObject;
use crate::http::extract::CurrentUser;
use crate::http::forms::CsrfInBody;
use crate::http::state::AppState;
use crate::http::surveys::{Notes, PopulationUpload, render_survey};

// ---------------------------------------------------------------------------------------------------------------
// Page

#[derive(actix_multipart::form::MultipartForm)]
pub struct PopulationForm {
    /// A CSV file of `item;option;population` lines.
    file: Option<actix_multipart::form::bytes::Bytes>,
    /// The same lines typed or pasted (used when no file is chosen, and shown again to correct).
    text: Option<actix_multipart::form::text::Text<String>>,
    /// `remove` to remove the municipality's margins.
    action: Option<actix_multipart::form::text::Text<String>>,
    csrf_token: actix_multipart::form::text::Text<String>,
}

/// `POST /admin/surveys/{id}/municipalities/{code}/population`: a municipality's margins from a CSV file (or the
/// same lines pasted), or removed. A refused file comes back in the form with every problem by line.
pub async fn upload_from_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _csrf: CsrfInBody,
    user: CurrentUser,
    upload: actix_multipart::form::MultipartForm<PopulationForm>,
) -> Result<HttpResponse, AppError> {
    user.check_csrf(Some(&upload.csrf_token))?;
    let (id, code) = path.into_inner();
    let actor = Actor::of(&user);
    if upload.action.as_ref().is_some_and(|action| action.as_str() == "remove") {
        population::put(&state, &user, actor, &id, &code, Margins::default()).await?;
        let notice = user.text("admin.population.removed", &[("code", &code)]);
        return render_survey(&state, &user, StatusCode::OK, &id, Notes::notice(notice)).await;
    }
    let text = match upload.file.as_ref().filter(|file| !file.data.is_empty()) {
        Some(file) => spreadsheet_text(&file.data),
        None => upload.text.as_ref().map(|text| text.as_str().to_owned()).unwrap_or_default(),
    };
    match population::import(&state, &user, actor, &id, &code, &text).await? {
        Ok(margins) => {
            let items: Vec<&str> = margins.0.keys().map(String::as_str).collect();
            let notice = user.text("admin.population.saved", &[("code", &code), ("items", &items.join(", "))]);
            render_survey(&state, &user, StatusCode::OK, &id, Notes::notice(notice)).await
        }
        Err(problems) => {
            let notice = user.text("admin.population.nothing_saved", &[]);
            let population = Some(PopulationUpload { code, text, problems });
            let notes = Notes { notice: Some(notice), population, ..Notes::default() };
            render_survey(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &id, notes).await
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// API

/// A municipality's population per background item and option, the totals results are weighted to.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PopulationBody {
    /// Background item id → option code → residents, e.g. `{"gender": {"woman": 5100, "man": 5000,
    /// "other_or_no_answer": 40}}`. Every option of an item given, none negative, not all 0. Empty: none stored.
    #[schema(value_type = std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>)]
    pub margins: Margins,
}

/// A municipality's population margins (empty when none are stored).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/municipalities/{code}/population", tag = "population",
    params(("id" = String, Path), ("code" = String, Path, description = "Municipality code")),
    responses((status = 200, body = PopulationBody), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 404, body = crate::http::errors::ErrorBody)))]
pub async fn api_get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, code) = path.into_inner();
    let margins = population::get(&state, &user, &id, &code).await?;
    Ok(HttpResponse::Ok().json(PopulationBody { margins }))
}

/// Replace a municipality's population margins (admins, and coordinators of the municipality), in any state of the
/// survey; `{"margins": {}}` removes them. Raises the survey's revision, so results are recomputed. 422 names each
/// problem's field: `margins.<item>` or `margins.<item>.<option>`.
#[utoipa::path(put, path = "/api/v1/surveys/{id}/municipalities/{code}/population", tag = "population",
    params(("id" = String, Path), ("code" = String, Path, description = "Municipality code")), request_body = PopulationBody,
    responses((status = 200, body = PopulationBody), (status = 403, body = crate::http::errors::ErrorBody),
        (status = 404, body = crate::http::errors::ErrorBody), (status = 422, body = crate::http::errors::ErrorBody)))]
pub async fn api_put(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: JsonObject<PopulationBody>,
) -> Result<HttpResponse, AppError> {
    let (id, code) = path.into_inner();
    let PopulationBody { margins } = body.into_inner();
    population::put(&state, &user, Actor::of(&user), &id, &code, margins.clone()).await?;
    Ok(HttpResponse::Ok().json(PopulationBody { margins }))
}
