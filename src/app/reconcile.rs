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
use crate::db::models::tally::{CompletionTally, DispositionTally, ProgressTally};
use crate::db::queries::{responses, surveys, tallies};
use crate::db::{Db, DbConnection};
use crate::domain::aapor::{Completeness, classify};
use crate::domain::dispositions::Disposition;
use crate::domain::instrument::{AnswerRow, Answers};
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
    instrument: &crate::domain::instrument::Instrument,
) -> diesel::QueryResult<tallies::SurveyTallies> {
    use crate::db::queries::{drafts, invitations};
    let dispositions: Vec<DispositionTally> = invitations::counts(conn, survey_id)?
        .into_iter()
        .map(|(municipality_code, disposition, letters)| DispositionTally {
            survey_id: survey_id.to_owned(),
            municipality_code,
            disposition,
            letters: i32::try_from(letters).unwrap_or(i32::MAX),
        })
        .collect();

    // Responses, classified from their answers, by municipality, day and mode.
    let mut completions: BTreeMap<(String, NaiveDate, &str), CompletionTally> = BTreeMap::new();
    let all = responses::of_survey(conn, survey_id)?;
    for chunk in all.chunks(1000) {
        let ids: Vec<String> = chunk.iter().map(|response| response.id.clone()).collect();
        let mut rows: BTreeMap<String, Vec<AnswerRow>> = BTreeMap::new();
        for row in responses::answers_of_many(conn, &ids)? {
            rows.entry(row.response_id.clone()).or_default().push(AnswerRow {
                item_id: row.item_id,
                position: row.position,
                option_code: row.option_code,
                number: row.number_value,
                text: row.text_value,
            });
        }
        for response in chunk {
            let answers =
                Answers::from_rows(instrument, rows.remove(&response.id).unwrap_or_default()).unwrap_or_default();
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
    // Responses without a letter, per municipality: those beyond the letters marked answered, on the latest day.
    let mut completions: Vec<CompletionTally> = completions.into_values().collect();
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

    let progress: Vec<ProgressTally> = drafts::counts(conn, survey_id)?
        .into_iter()
        .map(|(municipality_code, section, count)| ProgressTally {
            survey_id: survey_id.to_owned(),
            municipality_code,
            section,
            drafts: i32::try_from(count).unwrap_or(i32::MAX),
        })
        .collect();
    Ok(tallies::SurveyTallies { dispositions, completions, progress })
}

/// Where two sets of counters differ. Counters of zero and missing counters are the same.
pub fn compare(
    survey_id: &str,
    counted: &tallies::SurveyTallies,
    recounted: &tallies::SurveyTallies,
) -> Vec<Difference> {
    let mut differences = Vec::new();
    let mut check = |left: BTreeMap<String, i64>, right: BTreeMap<String, i64>| {
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
    };
    let letters = |t: &tallies::SurveyTallies| -> BTreeMap<String, i64> {
        let mut map = BTreeMap::new();
        for row in &t.dispositions {
            *map.entry(format!("{} letters {}", row.municipality_code, row.disposition)).or_default() +=
                i64::from(row.letters);
        }
        map
    };
    check(letters(counted), letters(recounted));
    let completions = |t: &tallies::SurveyTallies| -> BTreeMap<String, i64> {
        let mut map = BTreeMap::new();
        for row in &t.completions {
            let day = format!("{} {} {}", row.municipality_code, row.day, row.mode.as_str());
            *map.entry(format!("{day} submitted")).or_default() += i64::from(row.submitted);
            *map.entry(format!("{day} partial")).or_default() += i64::from(row.partial);
            *map.entry(format!("{day} break-off")).or_default() += i64::from(row.break_off);
            *map.entry(format!("{} without letter", row.municipality_code)).or_default() +=
                i64::from(row.without_letter);
        }
        map
    };
    check(completions(counted), completions(recounted));
    let progress = |t: &tallies::SurveyTallies| -> BTreeMap<String, i64> {
        let mut map = BTreeMap::new();
        for row in &t.progress {
            *map.entry(format!("{} drafts at section {}", row.municipality_code, row.section)).or_default() +=
                i64::from(row.drafts);
        }
        map
    };
    check(progress(counted), progress(recounted));
    differences
}
