//! Importing returned letters: what became of letters that came back or were followed up by phone, recorded all
//! or nothing from a CSV file (read by [`crate::domain::dispositions::read_import`]).

use std::collections::{BTreeMap, HashSet};

use diesel::Connection;
use serde::Serialize;
use serde_json::json;

use super::{Loaded, load};
use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::queries::{audit, invitations, surveys};
use crate::db::{Abort, DbConnection};
use crate::domain::audit::Action;
use crate::domain::dispositions::{self, Disposition, ImportProblem, ReturnedLetter};
use crate::domain::survey::Access;
use crate::error::{AppError, Text};

/// What an import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Letters in the file (each one recorded, or already so).
    pub recorded: usize,
    /// Per disposition, how many letters of the file.
    pub by_disposition: BTreeMap<String, usize>,
    /// Letters of the file that already had exactly this disposition: nothing changed for them.
    pub unchanged: usize,
    /// Letters whose earlier recorded disposition (from an earlier file, not "no answer yet" or "started") this file
    /// replaced, each with what it was and what it is now.
    pub replaced: Vec<DispositionChange>,
}

/// One letter's disposition replaced by an import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DispositionChange {
    pub letter_number: String,
    /// The disposition it had (e.g. `undeliverable`).
    pub from: String,
    /// The disposition it has now.
    pub to: String,
}

/// Imports returned letters from CSV (`letter_number,disposition`, header optional). Every line is checked first:
/// with any bad line nothing is recorded and every problem is reported by line.
pub async fn import_dispositions(
    ctx: &Context,
    user: &Staff,
    actor: Actor,
    id: &str,
    csv_text: &str,
) -> Result<Result<ImportReport, Vec<ImportProblem>>, AppError> {
    let loaded = load(ctx, user, id).await?;
    if !loaded.parts.iter().any(|(part, _)| user.permissions.may_manage(&part.municipality_code)) {
        return Err(AppError::Forbidden);
    }
    if loaded.access != Access::Codes {
        return Err(AppError::Conflict(Text::new("problem.dispositions.open_link")));
    }
    let wanted = match check_lines(&loaded, user, csv_text) {
        Ok(wanted) => wanted,
        Err(problems) => return Ok(Err(problems)),
    };
    let outcome = record(ctx, actor, id, wanted).await?;
    if outcome.is_ok() {
        ctx.live.changed(id);
    }
    Ok(outcome)
}

/// The letters of a file the user may record, or every problem by line: a line that cannot be read, a letter of a
/// municipality outside the survey or not the user's, a letter on an earlier line too, or no letters at all.
fn check_lines(loaded: &Loaded, user: &Staff, csv_text: &str) -> Result<Vec<ReturnedLetter>, Vec<ImportProblem>> {
    let in_survey: HashSet<&str> = loaded.parts.iter().map(|(part, _)| part.municipality_code.as_str()).collect();
    let mut problems = Vec::new();
    let mut wanted = Vec::new();
    let mut seen = HashSet::new();
    for read in dispositions::read_import(csv_text) {
        let returned = match read {
            Ok(returned) => returned,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let (letter, municipality) = (&returned.letter, returned.letter.municipality().as_str());
        let reason = if !in_survey.contains(municipality) {
            Some(Text::new("problem.dispositions.not_in_survey").with("code", municipality))
        } else if !user.permissions.may_manage(municipality) {
            Some(Text::new("problem.dispositions.not_yours").with("code", municipality))
        } else if !seen.insert(letter.to_string()) {
            Some(Text::new("problem.dispositions.repeated").with("letter", letter))
        } else {
            None
        };
        match reason {
            Some(reason) => problems.push(ImportProblem { line: returned.line, reason }),
            None => wanted.push(returned),
        }
    }
    if wanted.is_empty() && problems.is_empty() {
        problems.push(ImportProblem { line: 0, reason: Text::new("problem.dispositions.empty") });
    }
    if problems.is_empty() { Ok(wanted) } else { Err(problems) }
}

/// Records the letters' dispositions in one transaction, or none of them and why not by line.
async fn record(
    ctx: &Context,
    actor: Actor,
    id: &str,
    wanted: Vec<ReturnedLetter>,
) -> Result<Result<ImportReport, Vec<ImportProblem>>, AppError> {
    let survey_id = id.to_owned();
    let outcome = ctx
        .db
        .write(move |conn| match conn.transaction(|conn| record_in(conn, &actor, &survey_id, &wanted)) {
            Ok(report) => Ok(Ok(report)),
            Err(Abort::Reason(problems)) => Ok(Err(problems)),
            Err(Abort::Database(error)) => Err(error),
        })
        .await?;
    Ok(outcome)
}

/// The import's writes, in the caller's transaction; with any problem they end in an error, which rolls them back.
fn record_in(
    conn: &mut DbConnection,
    actor: &Actor,
    survey_id: &str,
    wanted: &[ReturnedLetter],
) -> Result<ImportReport, Abort<Vec<ImportProblem>>> {
    surveys::lock_for_write(conn, survey_id)?;
    let mut problems = Vec::new();
    let mut by_disposition: BTreeMap<String, usize> = BTreeMap::new();
    let (mut unchanged, mut replaced) = (0, Vec::new());
    for returned in wanted {
        match record_letter(conn, survey_id, returned)? {
            Ok(from) => {
                *by_disposition.entry(returned.disposition.as_str().to_owned()).or_default() += 1;
                if from == returned.disposition {
                    unchanged += 1;
                } else if !matches!(from, Disposition::NotReturned | Disposition::Started) {
                    let letter_number = returned.letter.to_string();
                    let (from, to) = (from.as_str().to_owned(), returned.disposition.as_str().to_owned());
                    replaced.push(DispositionChange { letter_number, from, to });
                }
            }
            Err(reason) => problems.push(ImportProblem { line: returned.line, reason }),
        }
    }
    if !problems.is_empty() {
        // Nothing is half-imported: returning an error rolls back every change of this file.
        return Err(Abort::Reason(problems));
    }
    let recorded = wanted.len();
    let detail =
        json!({ "recorded": recorded, "by_disposition": by_disposition, "unchanged": unchanged, "replaced": replaced });
    audit::insert(conn, &actor.event(Action::DispositionsImported, Some(survey_id.to_owned()), detail))?;
    Ok(ImportReport { recorded, by_disposition, unchanged, replaced })
}

/// Records one letter's disposition and gives the one it had; the reason why not for a letter not in the survey or
/// already answered (an answer is never overwritten by a returned letter).
fn record_letter(
    conn: &mut DbConnection,
    survey_id: &str,
    returned: &ReturnedLetter,
) -> diesel::QueryResult<Result<Disposition, Text>> {
    let letter = &returned.letter;
    let (municipality, serial) = (letter.municipality().as_str(), letter.serial() as i32);
    let answered = || Err(Text::new("problem.dispositions.answered").with("letter", letter));
    match invitations::disposition_of(conn, survey_id, municipality, serial)? {
        None => Ok(Err(Text::new("problem.dispositions.unknown_letter").with("letter", letter))),
        Some(Disposition::Completed) => Ok(answered()),
        Some(from) => {
            match invitations::set_disposition(conn, survey_id, municipality, serial, returned.disposition)? {
                0 => Ok(answered()),
                _ => Ok(Ok(from)),
            }
        }
    }
}
