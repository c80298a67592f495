//! Importing returned letters: what became of letters that came back or were followed up by phone, recorded all
//! or nothing from a CSV file.

use std::collections::{BTreeMap, HashSet};

use diesel::Connection;
use serde::Serialize;
use serde_json::json;

use super::load;
use crate::app::Context;
use crate::app::audit::Actor;
use crate::auth::Staff;
use crate::db::queries::{audit, invitations, surveys};
use crate::domain::codes::LetterNumber;
use crate::domain::dispositions::Disposition;
use crate::domain::survey::Access;
use crate::error::AppError;

/// One problem in an imported file, by line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    pub line: u64,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Letters whose disposition was recorded.
    pub recorded: usize,
    /// Per disposition, how many letters.
    pub by_disposition: BTreeMap<String, usize>,
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
        return Err(AppError::Conflict("En enkät med öppen länk har inga brev att registrera utfall för.".to_owned()));
    }
    let in_survey: HashSet<String> = loaded.parts.iter().map(|(part, _)| part.municipality_code.clone()).collect();
    let mut problems = Vec::new();
    let mut wanted: Vec<(u64, LetterNumber, Disposition)> = Vec::new();
    // Swedish spreadsheets write semicolons; others commas or tabs: the first line decides.
    let first_line = csv_text.lines().next().unwrap_or_default();
    let delimiter = [b';', b'\t', b','].into_iter().find(|d| first_line.as_bytes().contains(d)).unwrap_or(b',');
    let mut seen = HashSet::new();
    // One record per line (the format has no quoted line breaks), so every problem names the line a spreadsheet shows.
    for (index, text) in csv_text.lines().enumerate() {
        let line = index as u64 + 1;
        if text.trim().is_empty() {
            continue;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let record = match reader.records().next() {
            Some(Ok(record)) => record,
            Some(Err(error)) => {
                problems.push(ImportProblem { line, reason: format!("Raden kan inte läsas: {error}") });
                continue;
            }
            None => continue,
        };
        let first = record.get(0).unwrap_or_default();
        // Blank lines are skipped, and so is a header: a first line whose first field has no digit.
        if record.iter().all(str::is_empty) || (line == 1 && !first.chars().any(|c| c.is_ascii_digit())) {
            continue;
        }
        let letter = match LetterNumber::parse(first) {
            Ok(letter) => letter,
            Err(error) => {
                problems.push(ImportProblem { line, reason: format!("\"{first}\" är inget brevnummer: {error}") });
                continue;
            }
        };
        let disposition = match Disposition::parse_import(record.get(1).unwrap_or_default()) {
            Ok(disposition) => disposition,
            Err(error) => {
                problems.push(ImportProblem { line, reason: error.to_string() });
                continue;
            }
        };
        let municipality = letter.municipality().as_str();
        if !in_survey.contains(municipality) {
            problems.push(ImportProblem { line, reason: format!("Kommunen {municipality} ingår inte i enkäten.") });
            continue;
        }
        if !user.permissions.may_manage(municipality) {
            problems.push(ImportProblem { line, reason: format!("Du samordnar inte kommunen {municipality}.") });
            continue;
        }
        if !seen.insert(letter.to_string()) {
            problems.push(ImportProblem { line, reason: format!("Brevet {letter} finns redan på en tidigare rad.") });
            continue;
        }
        wanted.push((line, letter, disposition));
    }
    if wanted.is_empty() && problems.is_empty() {
        problems.push(ImportProblem {
            line: 0,
            reason: "Filen innehåller inga rader med brevnummer och utfall.".to_owned(),
        });
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let survey_id = id.to_owned();
    let outcome = ctx
        .db
        .write(move |conn| {
            let result = conn.transaction::<ImportReport, ImportAborted, _>(|conn| {
                surveys::lock_for_write(conn, &survey_id)?;
                let mut problems = Vec::new();
                let mut by_disposition: BTreeMap<String, usize> = BTreeMap::new();
                for (line, letter, disposition) in &wanted {
                    let municipality = letter.municipality().as_str();
                    let serial = letter.serial() as i32;
                    match invitations::disposition_of(conn, &survey_id, municipality, serial)? {
                        None => problems.push(ImportProblem {
                            line: *line,
                            reason: format!("Brevet {letter} finns inte i enkäten."),
                        }),
                        Some(Disposition::Completed) => problems.push(ImportProblem {
                            line: *line,
                            reason: format!("Brevet {letter} är redan besvarat och kan inte ändras."),
                        }),
                        Some(_) => {
                            if invitations::set_disposition(conn, &survey_id, municipality, serial, *disposition)? == 0
                            {
                                problems.push(ImportProblem {
                                    line: *line,
                                    reason: format!("Brevet {letter} är redan besvarat och kan inte ändras."),
                                });
                            }
                            *by_disposition.entry(disposition.as_str().to_owned()).or_default() += 1;
                        }
                    }
                }
                if !problems.is_empty() {
                    // Nothing is half-imported: returning an error rolls back every change of this file.
                    return Err(ImportAborted::Problems(problems));
                }
                let recorded = wanted.len();
                let detail = json!({ "recorded": recorded, "by_disposition": by_disposition });
                audit::insert(conn, &actor.event("dispositions_imported", Some(survey_id.clone()), detail))?;
                Ok(ImportReport { recorded, by_disposition })
            });
            match result {
                Ok(report) => Ok(Ok(report)),
                Err(ImportAborted::Problems(problems)) => Ok(Err(problems)),
                Err(ImportAborted::Database(error)) => Err(error),
            }
        })
        .await?;
    if outcome.is_ok() {
        ctx.live.changed(id);
    }
    Ok(outcome)
}

/// Why an import transaction ended without committing.
enum ImportAborted {
    Problems(Vec<ImportProblem>),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for ImportAborted {
    fn from(error: diesel::result::Error) -> Self {
        Self::Database(error)
    }
}
