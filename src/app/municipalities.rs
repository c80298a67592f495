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

/// The municipalities of one county, to choose from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CountyChoices {
    pub code: String,
    pub name: String,
    pub municipalities: Vec<MunicipalityChoice>,
}

/// Every municipality to choose from, grouped by county.
pub async fn choices_by_county(ctx: &Context) -> Result<Vec<CountyChoices>, AppError> {
    let rows = ctx.db.run(|conn| queries::list(conn, None)).await?;
    Ok(by_county(rows))
}

/// The municipalities this staff member may put in a survey, grouped by county.
pub async fn manageable_by_county(ctx: &Context, staff: &Staff) -> Result<Vec<CountyChoices>, AppError> {
    let mut rows = ctx.db.run(|conn| queries::list(conn, None)).await?;
    rows.retain(|(municipality, _)| staff.permissions.may_manage(&municipality.code));
    Ok(by_county(rows))
}

/// Counties in the order of their codes (the official order, Stockholm first), each with its municipalities in
/// Swedish alphabetical order (å, ä, ö after z).
fn by_county(rows: Vec<(Municipality, County)>) -> Vec<CountyChoices> {
    let mut groups: Vec<CountyChoices> = Vec::new();
    for (municipality, county) in rows {
        let choice = MunicipalityChoice { code: municipality.code, name: municipality.name };
        match groups.iter_mut().find(|group| group.code == county.code) {
            Some(group) => group.municipalities.push(choice),
            None => groups.push(CountyChoices { code: county.code, name: county.name, municipalities: vec![choice] }),
        }
    }
    groups.sort_by(|a, b| a.code.cmp(&b.code));
    for group in &mut groups {
        group.municipalities.sort_by_cached_key(|choice| swedish_order(&choice.name));
    }
    groups
}

/// A key that sorts names as a Swedish list does: case aside, and å, ä, ö after z.
fn swedish_order(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' => '\u{7b}',
            'ä' => '\u{7c}',
            'ö' => '\u{7d}',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, name: &str, county: &str) -> (Municipality, County) {
        let county_name = if county == "17" { "Värmlands län" } else { "Stockholms län" };
        (
            Municipality {
                code: code.to_owned(),
                name: name.to_owned(),
                county_code: county.to_owned(),
                police_region: "Bergslagen".to_owned(),
            },
            County { code: county.to_owned(), name: county_name.to_owned() },
        )
    }

    #[test]
    fn counties_come_in_code_order_and_their_municipalities_alphabetically() {
        let rows = vec![
            row("1715", "Kil", "17"),
            row("0114", "Upplands Väsby", "01"),
            row("1783", "Hagfors", "17"),
            row("1737", "Torsby", "17"),
            row("1761", "Östra Göinge", "17"),
            row("1730", "Eda", "17"),
            row("1760", "Årjäng", "17"),
        ];
        let groups = by_county(rows);
        assert_eq!(groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["Stockholms län", "Värmlands län"]);
        let names: Vec<&str> = groups[1].municipalities.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Eda", "Hagfors", "Kil", "Torsby", "Årjäng", "Östra Göinge"]);
    }
}
