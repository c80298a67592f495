//! `trygghet reconcile`: recounts every survey's counters from the raw rows (letters, responses and their answers,
//! drafts) and reports where the counters differ; with `--fix` the recount replaces them.
//!
//! The counters are updated in the same transaction as every change they count, so a difference means a bug (or a
//! hand edit of the database), never a crash. Each survey is recounted inside one transaction that first takes the
//! survey's write turn, so nothing changes under the recount.
//!
//! One number cannot be recounted per day: how many responses came without their letter (responses do not say
//! whether they used one; that is the point). It is recounted per municipality as "responses less answered
//! letters", and a fix puts the difference on the municipality's latest day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::Connection;

use crate::app::instruments::Instruments;
use crate::db::models::response::decode_answers;
use crate::db::models::tally::{CompletionTally, DispositionTally, ProgressTally};
use crate::db::queries::{drafts, invitations, responses, surveys, tallies};
use crate::db::{Db, DbConnection};
use crate::domain::aapor::{Completeness, classify};
use crate::domain::dispositions::Disposition;
use crate::domain::instrument::{Answers, Instrument};
use crate::error::AppError;

/// One counter that differs from its recount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub survey_id: String,
    /// What is counted, e.g. `1783 letters not_returned` or `1783 2026-11-20 web submitted`.
    pub counter: String,
    pub counted: i64,
    pub recounted: i64,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "survey {}: {}: counted {}, recounted {}", self.survey_id, self.counter, self.counted, self.recounted)
    }
}

/// Recounts every survey; with `fix`, the recount replaces the counters. Returns the differences found.
pub async fn reconcile(db: &Db, instruments: &Instruments, fix: bool) -> Result<Vec<Difference>, AppError> {
    let ids: Vec<(String, String, String)> = db
        .run(|conn| {
            Ok(surveys::list(conn)?
                .into_iter()
                .map(|survey| (survey.id, survey.instrument_key, survey.instrument_version))
                .collect())
        })
        .await?;
    let mut differences = Vec::new();
    for (id, key, version) in ids {
        let instrument = instruments.get(&key, &version).await?;
        let found = db
            .write(move |conn| {
                conn.transaction(|conn| {
                    surveys::lock_for_write(conn, &id)?;
                    let counted = tallies::of_survey(conn, &id)?;
                    let recounted = recount(conn, &id, &instrument)?;
                    let differences = compare(&id, &counted, &recounted);
                    if fix && !differences.is_empty() {
                        tallies::replace(conn, &id, &recounted)?;
                    }
                    Ok(differences)
                })
            })
            .await?;
        differences.extend(found);
    }
    Ok(differences)
}

/// The counters of one survey as the raw rows say they should be.
pub fn recount(
    conn: &mut DbConnection,
    survey_id: &str,
    instrument: &Instrument,
) -> diesel::QueryResult<tallies::SurveyTallies> {
    let dispositions = counters(invitations::counts(conn, survey_id)?, |municipality_code, disposition, letters| {
        DispositionTally { survey_id: survey_id.to_owned(), municipality_code, disposition, letters }
    });
    let mut completions = recount_responses(conn, survey_id, instrument)?;
    put_without_letter(&mut completions, &dispositions);
    let progress = counters(waiting_drafts(conn, survey_id)?, |municipality_code, section, drafts| ProgressTally {
        survey_id: survey_id.to_owned(),
        municipality_code,
        section,
        drafts,
    });
    Ok(tallies::SurveyTallies { dispositions, completions, progress })
}

/// A survey's drafts that someone may still submit, by municipality and furthest section: all but those of letters
/// answered on paper, which wait (uncounted) for their code to be typed again to be deleted.
fn waiting_drafts(conn: &mut DbConnection, survey_id: &str) -> diesel::QueryResult<Vec<(String, i32, i64)>> {
    let mut counts: BTreeMap<(String, i32), i64> = drafts::counts(conn, survey_id)?
        .into_iter()
        .map(|(municipality, section, n)| ((municipality, section), n))
        .collect();
    for (municipality, section, answered) in invitations::answered_drafts(conn, survey_id)? {
        *counts.entry((municipality, section)).or_default() -= answered;
    }
    Ok(counts.into_iter().map(|((municipality, section), n)| (municipality, section, n)).collect())
}

/// Rows counted by municipality and one more key, as counters made by `counter`.
fn counters<K, T>(counted: Vec<(String, K, i64)>, counter: impl Fn(String, K, i32) -> T) -> Vec<T> {
    counted
        .into_iter()
        .map(|(municipality_code, key, rows)| counter(municipality_code, key, i32::try_from(rows).unwrap_or(i32::MAX)))
        .collect()
}

/// Responses, classified from their answers, by municipality, day and mode (none yet counted as without a letter).
fn recount_responses(
    conn: &mut DbConnection,
    survey_id: &str,
    instrument: &Instrument,
) -> diesel::QueryResult<Vec<CompletionTally>> {
    let mut completions: BTreeMap<(String, NaiveDate, &str), CompletionTally> = BTreeMap::new();
    let ids: Vec<String> = responses::ids_of_survey(conn, survey_id)?.into_iter().map(|(id, _)| id).collect();
    for chunk in ids.chunks(1000) {
        for stored in responses::with_answers(conn, chunk)? {
            let answers = Answers::from_rows(instrument, decode_answers(&stored.answers)?).unwrap_or_default();
            let response = stored.response;
            let completeness = classify(answers.len(), instrument.applicable_items(&answers));
            let key = (response.municipality_code.clone(), response.submitted_on, response.mode.as_str());
            let tally = completions.entry(key).or_insert_with(|| CompletionTally {
                survey_id: survey_id.to_owned(),
                municipality_code: response.municipality_code.clone(),
                day: response.submitted_on,
                mode: response.mode,
                submitted: 0,
                partial: 0,
                break_off: 0,
                without_letter: 0,
            });
            tally.submitted += 1;
            tally.partial += i32::from(completeness == Completeness::Partial);
            tally.break_off += i32::from(completeness == Completeness::BreakOff);
        }
    }
    Ok(completions.into_values().collect())
}

/// Responses without a letter, per municipality: those beyond the letters marked answered, on the latest day.
fn put_without_letter(completions: &mut [CompletionTally], dispositions: &[DispositionTally]) {
    let mut municipalities: Vec<String> = completions.iter().map(|t| t.municipality_code.clone()).collect();
    municipalities.dedup();
    for municipality in municipalities {
        let submitted: i32 =
            completions.iter().filter(|t| t.municipality_code == municipality).map(|t| t.submitted).sum();
        let answered_letters: i32 = dispositions
            .iter()
            .filter(|t| t.municipality_code == municipality && t.disposition == Disposition::Completed)
            .map(|t| t.letters)
            .sum();
        if let Some(latest) = completions.iter_mut().rev().find(|t| t.municipality_code == municipality) {
            latest.without_letter = (submitted - answered_letters).max(0);
        }
    }
}

/// Where two sets of counters differ. Counters of zero and missing counters are the same.
pub fn compare(
    survey_id: &str,
    counted: &tallies::SurveyTallies,
    recounted: &tallies::SurveyTallies,
) -> Vec<Difference> {
    let mut differences = Vec::new();
    let named: [fn(&tallies::SurveyTallies) -> ByName; 3] = [letters, completions, progress];
    for counters in named {
        let (left, right) = (counters(counted), counters(recounted));
        let keys: std::collections::BTreeSet<&String> = left.keys().chain(right.keys()).collect();
        for key in keys {
            let (a, b) = (left.get(key).copied().unwrap_or(0), right.get(key).copied().unwrap_or(0));
            if a != b {
                differences.push(Difference {
                    survey_id: survey_id.to_owned(),
                    counter: key.clone(),
                    counted: a,
                    recounted: b,
                });
            }
        }
    }
    differences
}

/// Counters by name.
type ByName = BTreeMap<String, i64>;

/// Counters by name, added up where several rows count under one name.
fn by_name(counters: impl IntoIterator<Item = (String, i32)>) -> ByName {
    let mut map = BTreeMap::new();
    for (name, count) in counters {
        *map.entry(name).or_default() += i64::from(count);
    }
    map
}

/// The letter counters by name, e.g. `1783 letters not_returned`.
fn letters(t: &tallies::SurveyTallies) -> ByName {
    by_name(
        t.dispositions
            .iter()
            .map(|row| (format!("{} letters {}", row.municipality_code, row.disposition), row.letters)),
    )
}

/// The response counters by name, e.g. `1783 2026-11-20 web submitted` (without a letter: per municipality).
fn completions(t: &tallies::SurveyTallies) -> ByName {
    by_name(t.completions.iter().flat_map(|row| {
        let day = format!("{} {} {}", row.municipality_code, row.day, row.mode.as_str());
        [
            (format!("{day} submitted"), row.submitted),
            (format!("{day} partial"), row.partial),
            (format!("{day} break-off"), row.break_off),
            (format!("{} without letter", row.municipality_code), row.without_letter),
        ]
    }))
}

/// The draft counters by name, e.g. `1783 drafts at section 2`.
fn progress(t: &tallies::SurveyTallies) -> ByName {
    by_name(
        t.progress
            .iter()
            .map(|row| (format!("{} drafts at section {}", row.municipality_code, row.section), row.drafts)),
    )
}
