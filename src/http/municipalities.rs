//! Reference data: Sweden's municipalities and counties, public (no sign-in), for forms and API clients.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::municipalities;
use crate::domain::municipality::{CountyCode, MunicipalityCode};
use crate::error::AppError;
use crate::http::state::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    county: Option<String>,
}

/// `GET /api/v1/municipalities[?county=17]`
pub async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> Result<HttpResponse, AppError> {
    let county = query
        .into_inner()
        .county
        .map(|county| CountyCode::parse(&county).map_err(|error| AppError::invalid("county", error)))
        .transpose()?;
    Ok(HttpResponse::Ok().json(municipalities::list(&state, county).await?))
}

/// `GET /api/v1/municipalities/{code}`
pub async fn show(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = MunicipalityCode::parse(&code).map_err(|error| AppError::invalid("code", error))?;
    Ok(HttpResponse::Ok().json(municipalities::find(&state, code).await?))
}
