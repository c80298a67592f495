//! Population margins of a survey's municipalities: the residents in each option of a background item, the totals
//! results are weighted to. Read by whoever may see the municipality; set (from JSON or an uploaded file) by admins
//! and the municipality's coordinators, in every state of the survey. Each change raises the survey's revision, so
//! results are recomputed, and is audit-logged (`population_margins_set`).

use std::collections::BTreeMap;
use std::sync::Arc;

use diesel::Connection;
use serde_json::json;

use crate::app::Context;
use crate::app::audit::Actor;
use crate::app::surveys::{Loaded, load};
use crate::auth::Staff;
use crate::db::queries::{audit, population as stored};
use crate::domain::audit::Action;
use crate::domain::dispositions::ImportProblem;
use crate::domain::instrument::Instrument;
use crate::domain::population::{self, Margins};
use crate::error::{AppError, FieldError};

/// One municipality's margins of a survey (empty when none are stored): `NotFound` for a survey the user may not
/// see or one of their municipalities outside it, `Forbidden` for a municipality that is not theirs, whether or not
/// it takes part (so that the answer does not tell which do).
pub async fn get(ctx: &Context, staff: &Staff, survey_id: &str, municipality: &str) -> Result<Margins, AppError> {
    let loaded = load(ctx, staff, survey_id).await?;
    if !staff.permissions.may_view(municipality) {
        return Err(AppError::Forbidden);
    }
    part_of(&loaded, municipality)?;
    let (id, code) = (survey_id.to_owned(), municipality.to_owned());
    Ok(ctx.db.run(move |conn| stored::of_municipality(conn, &id, &code)).await?)
}

/// Replaces one municipality's margins of a survey; empty margins remove them. Every problem with them is a field
/// error (`margins.<item>` or `margins.<item>.<option>`).
pub async fn put(
    ctx: &Context,
    staff: &Staff,
    actor: Actor,
    survey_id: &str,
    municipality: &str,
    margins: Margins,
) -> Result<(), AppError> {
    let instrument = managed(ctx, staff, survey_id, municipality).await?;
    let problems = population::check(&margins, &instrument);
    if !problems.is_empty() {
        let fields = problems.into_iter().map(|problem| FieldError { field: problem.field(), reason: problem.reason });
        return Err(AppError::InvalidFields(fields.collect()));
    }
    store(ctx, actor, survey_id, municipality, margins).await
}

/// Replaces one municipality's margins of a survey with those of a CSV file (`item;option;population`): the margins
/// stored, or, with any problem, nothing stored and every problem by line.
pub async fn import(
    ctx: &Context,
    staff: &Staff,
    actor: Actor,
    survey_id: &str,
    municipality: &str,
    csv_text: &str,
) -> Result<Result<Margins, Vec<ImportProblem>>, AppError> {
    let instrument = managed(ctx, staff, survey_id, municipality).await?;
    let margins = match population::read_checked(csv_text, &instrument) {
        Ok(margins) => margins,
        Err(problems) => return Ok(Err(problems)),
    };
    store(ctx, actor, survey_id, municipality, margins.clone()).await?;
    Ok(Ok(margins))
}

/// The name of a municipality of the survey; `NotFound` when the survey has no such municipality.
fn part_of<'a>(loaded: &'a Loaded, municipality: &str) -> Result<&'a str, AppError> {
    loaded
        .parts
        .iter()
        .find(|(part, _)| part.municipality_code == municipality)
        .map(|(_, name)| name.as_str())
        .ok_or(AppError::NotFound)
}

/// The questionnaire margins are checked against, once the user may set this municipality's margins: `Forbidden`
/// unless the user manages the municipality, then `NotFound` as for [`get`].
async fn managed(
    ctx: &Context,
    staff: &Staff,
    survey_id: &str,
    municipality: &str,
) -> Result<Arc<Instrument>, AppError> {
    let loaded = load(ctx, staff, survey_id).await?;
    if !staff.permissions.may_manage(municipality) {
        return Err(AppError::Forbidden);
    }
    part_of(&loaded, municipality)?;
    crate::app::instruments::for_survey(ctx, &loaded.survey).await
}

/// Writes checked margins with their audit event in one transaction, which raises the survey's revision.
async fn store(
    ctx: &Context,
    actor: Actor,
    survey_id: &str,
    municipality: &str,
    margins: Margins,
) -> Result<(), AppError> {
    let (id, code) = (survey_id.to_owned(), municipality.to_owned());
    let totals: BTreeMap<&str, i64> = margins.0.keys().map(|item| (item.as_str(), margins.total(item))).collect();
    let detail = json!({ "municipality": code, "totals": totals });
    ctx.db
        .write(move |conn| {
            conn.transaction(|conn| {
                stored::replace(conn, &id, &code, &margins)?;
                audit::insert(conn, &actor.event(Action::PopulationMarginsSet, Some(id.clone()), detail))
            })
        })
        .await?;
    Ok(())
}
