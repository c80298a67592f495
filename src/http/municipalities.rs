//! Reference data: Sweden's municipalities and counties, public (no sign-in), for forms and API clients.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::db::models::municipality::{County, Municipality};
use crate::db::queries::municipalities as queries;
use crate::domain::municipality::{CountyCode, MunicipalityCode};
use crate::error::AppError;
use crate::http::state::AppState;

/// A municipality as the API shows it.
#[derive(Serialize)]
pub struct MunicipalityView {
    pub code: String,
    pub name: String,
    pub county: County,
    pub police_region: String,
}

impl From<(Municipality, County)> for MunicipalityView {
    fn from((municipality, county): (Municipality, County)) -> Self {
        Self { code: municipality.code, name: municipality.name, county, police_region: municipality.police_region }
    }
}

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
    let rows = state.db.run(move |conn| queries::list(conn, county.as_ref().map(CountyCode::as_str))).await?;
    let views: Vec<MunicipalityView> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// `GET /api/v1/municipalities/{code}`
pub async fn show(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = MunicipalityCode::parse(&code).map_err(|error| AppError::invalid("code", error))?;
    let row = state.db.run(move |conn| queries::find(conn, code.as_str())).await?;
    Ok(HttpResponse::Ok().json(MunicipalityView::from(row)))
}
