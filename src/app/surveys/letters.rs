//! Codes and letters: handing out invitation codes for a municipality of a survey, and the reminder list of the
//! letters neither answered nor ruled out.

use std::collections::HashSet;

use diesel::{Connection, QueryResult};
use serde_json::json;
use url::Url;

use super::{Loaded, load};
use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::DbConnection;
use crate::db::models::survey::Invitation;
use crate::db::queries::{audit, invitations, surveys};
use crate::domain::codes::{CodeHasher, InvitationCode, IssuedLetter, LetterNumber, LetterNumberError};
use crate::domain::dispositions::Disposition;
use crate::domain::municipality::MunicipalityCode;
use crate::domain::survey::{Access, SurveyState};
use crate::error::AppError;

/// Most codes handed out in one action (a municipality's whole sample is normally 300–1,500).
pub const MAX_CODES_PER_BATCH: i64 = 20_000;

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
    let name = managed_part(&loaded, user, municipality)?.to_owned();
    check_batch(&loaded, count)?;
    let municipality_code = parse_municipality(municipality)?;
    check_room(ctx, id, municipality, count).await?;
    let batch = Batch {
        survey_id: id.to_owned(),
        municipality: municipality_code,
        name,
        count,
        hasher: ctx.hasher.clone(),
        base: ctx.public_url.clone(),
    };
    // Two attempts: a clash of 54-bit codes (with one another or with stored ones) is improbable, not impossible.
    for _attempt in 0..2 {
        let (batch, actor) = (batch.clone(), actor.clone());
        let result = ctx.db.write(move |conn| conn.transaction(|conn| hand_out(conn, &actor, &batch))).await;
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

/// The name of a municipality of the survey that the user manages: `NotFound` when the survey has no such
/// municipality, `Forbidden` when the user does not manage it.
fn managed_part<'a>(loaded: &'a Loaded, user: &Staff, municipality: &str) -> Result<&'a str, AppError> {
    // Rights first: a municipality not one's own gets the same answer whether or not it takes part, so that the
    // answers do not tell a coordinator which other municipalities share the survey.
    if !user.permissions.may_manage(municipality) {
        return Err(AppError::Forbidden);
    }
    let Some((_, name)) = loaded.parts.iter().find(|(part, _)| part.municipality_code == municipality) else {
        return Err(AppError::NotFound);
    };
    Ok(name)
}

fn parse_municipality(municipality: &str) -> Result<MunicipalityCode, AppError> {
    MunicipalityCode::parse(municipality).map_err(|error| AppError::invalid("municipality", error))
}

/// Whether the survey hands out codes now, and `count` of them is a batch it takes.
fn check_batch(loaded: &Loaded, count: i64) -> Result<(), AppError> {
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
    Ok(())
}

/// Whether the municipality has letter numbers left in the survey for `count` more letters.
async fn check_room(ctx: &Context, id: &str, municipality: &str, count: i64) -> Result<(), AppError> {
    let (lookup_survey, lookup) = (id.to_owned(), municipality.to_owned());
    let used = ctx.db.run(move |conn| invitations::last_serial(conn, &lookup_survey, &lookup)).await?;
    let room = i64::from(LetterNumber::MAX_SERIAL) - i64::from(used);
    if count > room {
        return Err(AppError::invalid(
            "count",
            format!("Kommunen har plats för {room} brevnummer till i den här enkäten."),
        ));
    }
    Ok(())
}

/// One hand-out of codes: the municipality's letters to write, and what each letter needs besides its code.
#[derive(Clone)]
struct Batch {
    survey_id: String,
    municipality: MunicipalityCode,
    /// The municipality's name, printed on the letters.
    name: String,
    count: i64,
    hasher: CodeHasher,
    /// The service's address, the base of each letter's link.
    base: Url,
}

/// Writes a batch's letters after the municipality's last one, with its audit event, in the caller's transaction.
fn hand_out(conn: &mut DbConnection, actor: &Actor, batch: &Batch) -> QueryResult<Vec<IssuedLetter>> {
    surveys::lock_for_write(conn, &batch.survey_id)?;
    let code = batch.municipality.as_str();
    let first = invitations::last_serial(conn, &batch.survey_id, code)? + 1;
    let (rows, letters) = new_letters(batch, first)
        .map_err(|error| diesel::result::Error::QueryBuilderError(error.to_string().into()))?;
    invitations::insert_many(conn, &rows)?;
    let last = first + rows.len() as i32 - 1;
    let detail = json!({ "municipality": code, "count": batch.count, "first_letter": first, "last_letter": last });
    audit::insert(conn, &actor.event("codes_generated", Some(batch.survey_id.clone()), detail))?;
    Ok(letters)
}

/// A batch's letters numbered from `first`: the rows to store (keyed hashes of the codes) and the letters to print
/// (the codes in clear), each code different from the others.
fn new_letters(batch: &Batch, first: i32) -> Result<(Vec<Invitation>, Vec<IssuedLetter>), LetterNumberError> {
    let mut rng = rand::rng();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(batch.count as usize);
    let mut letters = Vec::with_capacity(batch.count as usize);
    let mut serial = first;
    while (rows.len() as i64) < batch.count {
        let invitation = InvitationCode::generate(&mut rng);
        let code_hash = batch.hasher.hash(&invitation);
        if !seen.insert(code_hash.clone()) {
            continue;
        }
        let letter = LetterNumber::new(&batch.municipality, serial as u32)?;
        rows.push(Invitation {
            id: uuid::Uuid::new_v4().to_string(),
            survey_id: batch.survey_id.clone(),
            municipality_code: batch.municipality.as_str().to_owned(),
            letter_serial: serial,
            code_hash,
            disposition: Disposition::NotReturned,
        });
        letters.push(IssuedLetter {
            letter_number: letter.to_string(),
            link: batch.base.join(&format!("svara/{invitation}")).map(|url| url.to_string()).unwrap_or_default(),
            code: invitation.to_string(),
            municipality_code: batch.municipality.as_str().to_owned(),
            municipality: batch.name.clone(),
        });
        serial += 1;
    }
    Ok((rows, letters))
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
    managed_part(&loaded, user, municipality)?;
    let code = parse_municipality(municipality)?;
    let (survey_id, lookup) = (id.to_owned(), municipality.to_owned());
    let pending = Disposition::AWAITING;
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
