//! Population margins of a survey's municipalities: the API under
//! `/api/v1/surveys/{id}/municipalities/{code}/population`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::app::audit::Actor;
use crate::app::population;
use crate::domain::population::Margins;
use crate::error::AppError;
use crate::http::extract::CurrentUser;
use crate::http::state::AppState;

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
    body: web::Json<PopulationBody>,
) -> Result<HttpResponse, AppError> {
    let (id, code) = path.into_inner();
    let PopulationBody { margins } = body.into_inner();
    population::put(&state, &user, Actor::of(&user), &id, &code, margins.clone()).await?;
    Ok(HttpResponse::Ok().json(PopulationBody { margins }))
}
