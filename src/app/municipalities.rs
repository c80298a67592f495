//! Sweden's municipalities and counties (reference data), and the lists of them that forms offer.

use serde::Serialize;

use crate::app::Context;
use crate::auth::Staff;
use crate::db::models::municipality::{County, Municipality};
use crate::db::queries::municipalities as queries;
use crate::domain::municipality::{CountyCode, MunicipalityCode};
use crate::error::AppError;

/// A municipality to choose in a form: its code and name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MunicipalityChoice {
    pub code: String,
    pub name: String,
}

/// A municipality as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MunicipalityView {
    /// The official four-digit code, e.g. `1783` for Hagfors.
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

/// Every municipality, or those of one county.
pub async fn list(ctx: &Context, county: Option<CountyCode>) -> Result<Vec<MunicipalityView>, AppError> {
    let rows = ctx.db.run(move |conn| queries::list(conn, county.as_ref().map(CountyCode::as_str))).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One municipality by its code.
pub async fn find(ctx: &Context, code: MunicipalityCode) -> Result<MunicipalityView, AppError> {
    Ok(ctx.db.run(move |conn| queries::find(conn, code.as_str())).await?.into())
}

/// Every municipality, to choose from.
pub async fn choices(ctx: &Context) -> Result<Vec<MunicipalityChoice>, AppError> {
    let rows = ctx.db.run(|conn| queries::list(conn, None)).await?;
    Ok(rows
        .into_iter()
        .map(|(municipality, _)| MunicipalityChoice { code: municipality.code, name: municipality.name })
        .collect())
}

/// The municipalities this staff member may put in a survey.
pub async fn manageable(ctx: &Context, staff: &Staff) -> Result<Vec<MunicipalityChoice>, AppError> {
    let mut choices = choices(ctx).await?;
    choices.retain(|choice| staff.permissions.may_manage(&choice.code));
    Ok(choices)
}
