//! Reference data: Sweden's municipalities and counties, public (no sign-in), for forms and API clients.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::municipalities;
use crate::domain::municipality::{CountyCode, MunicipalityCode};
use crate::error::AppError;
use crate::http::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the municipalities of this county, by its two-digit code, e.g. `17` for Värmland.
    #[param(pattern = "^[0-9]{2}$")]
    county: Option<String>,
}

/// Sweden's municipalities with their county and police region, or those of one county. Public: no sign-in.
#[utoipa::path(get, path = "/api/v1/municipalities", tag = "municipalities", params(ListQuery), security(()),
    responses((status = 200, body = [municipalities::MunicipalityView])))]
pub async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> Result<HttpResponse, AppError> {
    let county = query
        .into_inner()
        .county
        .map(|county| CountyCode::parse(&county).map_err(|error| AppError::invalid("county", error)))
        .transpose()?;
    Ok(HttpResponse::Ok().json(municipalities::list(&state, county).await?))
}

/// One municipality by its code. Public: no sign-in.
#[utoipa::path(get, path = "/api/v1/municipalities/{code}", tag = "municipalities", security(()),
    params(("code" = String, Path, description = "Municipality code")),
    responses((status = 200, body = municipalities::MunicipalityView)))]
pub async fn show(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = MunicipalityCode::parse(&code).map_err(|error| AppError::invalid("code", error))?;
    Ok(HttpResponse::Ok().json(municipalities::find(&state, code).await?))
}
