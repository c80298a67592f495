//! Codes and letters: handing out invitation codes for a municipality of a survey, and the reminder list of the
//! letters neither answered nor ruled out.

use std::collections::HashSet;

use diesel::Connection;
use serde::Serialize;
use serde_json::json;

use super::load;
use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::models::survey::Invitation;
use crate::db::queries::{audit, invitations, surveys};
use crate::domain::codes::{InvitationCode, LetterNumber};
use crate::domain::dispositions::Disposition;
use crate::domain::municipality::MunicipalityCode;
use crate::domain::survey::{Access, SurveyState};
use crate::error::AppError;

/// Most codes handed out in one action (a municipality's whole sample is normally 300–1,500).
pub const MAX_CODES_PER_BATCH: i64 = 20_000;

/// One handed-out letter: shown once, never stored in this form.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedLetter {
    pub letter_number: String,
    pub code: String,
    pub link: String,
    pub municipality_code: String,
    pub municipality: String,
}

/// Generates `count` new codes for one municipality of a survey; returns them (the only time they exist in clear).
pub async fn generate_codes(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    municipality: &str,
    count: i64,
) -> Result<Vec<IssuedLetter>, AppError> {
    let loaded = load(ctx, user, id).await?;
    let Some((_, name)) = loaded.parts.iter().find(|(part, _)| part.municipality_code == municipality) else {
        return Err(AppError::NotFound);
    };
    if !user.permissions.may_manage(municipality) {
        return Err(AppError::Forbidden);
    }
    if loaded.access != Access::Codes {
        return Err(AppError::Conflict("En enkät med öppen länk har inga koder.".to_owned()));
    }
    if loaded.state == SurveyState::Closed {
        return Err(AppError::Conflict("Enkäten är stängd; inga fler koder kan delas ut.".to_owned()));
    }
    if !(1..=MAX_CODES_PER_BATCH).contains(&count) {
        return Err(AppError::invalid(
            "count",
            format!("Antalet koder är ett heltal från 1 till {MAX_CODES_PER_BATCH}."),
        ));
    }
    let municipality_code =
        MunicipalityCode::parse(municipality).map_err(|error| AppError::invalid("municipality", error))?;
    let (lookup_survey, lookup) = (id.to_owned(), municipality.to_owned());
    let used = ctx.db.run(move |conn| invitations::last_serial(conn, &lookup_survey, &lookup)).await?;
    let room = i64::from(LetterNumber::MAX_SERIAL) - i64::from(used);
    if count > room {
        return Err(AppError::invalid(
            "count",
            format!("Kommunen har plats för {room} brevnummer till i den här enkäten."),
        ));
    }
    let name = name.clone();
    let hasher = ctx.hasher.clone();
    let survey_id = id.to_owned();
    let base = ctx.public_url.clone();
    // Two attempts: a clash of 54-bit codes (with one another or with stored ones) is improbable, not impossible.
    for _attempt in 0..2 {
        let (hasher, survey_id, code, name, base) =
            (hasher.clone(), survey_id.clone(), municipality_code.clone(), name.clone(), base.clone());
        let actor = actor.clone();
        let result = ctx
            .db
            .write(move |conn| {
                conn.transaction(|conn| {
                    surveys::lock_for_write(conn, &survey_id)?;
                    let first = invitations::last_serial(conn, &survey_id, code.as_str())? + 1;
                    let mut rng = rand::rng();
                    let mut seen = HashSet::new();
                    let mut rows = Vec::with_capacity(count as usize);
                    let mut letters = Vec::with_capacity(count as usize);
                    let mut serial = first;
                    while (rows.len() as i64) < count {
                        let invitation = InvitationCode::generate(&mut rng);
                        let code_hash = hasher.hash(&invitation);
                        if !seen.insert(code_hash.clone()) {
                            continue;
                        }
                        let letter = LetterNumber::new(&code, serial as u32)
                            .map_err(|error| diesel::result::Error::QueryBuilderError(error.to_string().into()))?;
                        rows.push(Invitation {
                            id: uuid::Uuid::new_v4().to_string(),
                            survey_id: survey_id.clone(),
                            municipality_code: code.as_str().to_owned(),
                            letter_serial: serial,
                            code_hash,
                            disposition: Disposition::NotReturned,
                        });
                        letters.push(IssuedLetter {
                            letter_number: letter.to_string(),
                            link: base.join(&format!("svara/{invitation}")).map(|url| url.to_string()).unwrap_or_default(),
                            code: invitation.to_string(),
                            municipality_code: code.as_str().to_owned(),
                            municipality: name.clone(),
                        });
                        serial += 1;
                    }
                    invitations::insert_many(conn, &rows)?;
                    let detail = json!({ "municipality": code.as_str(), "count": count, "first_letter": first, "last_letter": serial - 1 });
                    audit::insert(conn, &actor.event("codes_generated", Some(survey_id.clone()), detail))?;
                    Ok(letters)
                })
            })
            .await;
        match result {
            Ok(letters) => {
                ctx.live.changed(id);
                return Ok(letters);
            }
            Err(crate::db::DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(AppError::Conflict("Koderna kunde inte skapas just nu. Försök igen.".to_owned()))
}

/// The audit action of a reminder list taken out: the rates' chart marks the day.
pub const REMINDER_LIST_EXPORTED: &str = "reminder_list_exported";

/// The letter numbers that should get a reminder: neither answered nor ruled out.
pub async fn reminder_list(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    municipality: &str,
) -> Result<Vec<String>, AppError> {
    let loaded = load(ctx, user, id).await?;
    if !loaded.parts.iter().any(|(part, _)| part.municipality_code == municipality) {
        return Err(AppError::NotFound);
    }
    if !user.permissions.may_manage(municipality) {
        return Err(AppError::Forbidden);
    }
    let code = MunicipalityCode::parse(municipality).map_err(|error| AppError::invalid("municipality", error))?;
    let (survey_id, lookup) = (id.to_owned(), municipality.to_owned());
    let pending = [Disposition::NotReturned, Disposition::Started];
    let serials = ctx
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                // The mark on the rates' chart is a change the rates show: it raises the survey's revision.
                surveys::lock_for_write(conn, &survey_id)?;
                let serials = invitations::serials_in(conn, &survey_id, &lookup, &pending)?;
                // Who took a list of non-respondents, and when: the audit log, and the reminder marks on the chart.
                let detail = json!({ "municipality": lookup, "letters": serials.len() });
                audit::insert(conn, &actor.event(REMINDER_LIST_EXPORTED, Some(survey_id.clone()), detail))?;
                Ok(serials)
            })
        })
        .await?;
    ctx.live.changed(id);
    Ok(serials
        .into_iter()
        .filter_map(|serial| LetterNumber::new(&code, serial as u32).ok().map(|letter| letter.to_string()))
        .collect())
}
