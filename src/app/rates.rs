//! A survey's live response rates, read from its counters (never by counting letters, drafts or responses): a
//! [`Snapshot`] of every municipality, and the [`RatesView`] one viewer may see (their municipalities only, with a
//! total over those alone, so a total never reveals a municipality the viewer may not see).
//!
//! How the counters become AAPOR's classes (see `domain::aapor` for the formulas):
//! - I, P and break-offs: submitted responses by how much of the questionnaire applied and was answered;
//! - R: letters marked refused, letters started and never submitted, and submitted break-offs;
//! - O: deceased and unable; UO: undeliverable; NE: moved away and not eligible;
//! - UH: letters never returned, less the responses that came without their letter (a paper form keyed in without
//!   its letter number leaves its letter "not returned" although somebody answered it).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::Db;
use crate::db::models::survey::{Survey, SurveyMunicipality};
use crate::db::models::tally::{CompletionTally, DispositionTally, ProgressTally};
use crate::db::queries::{audit, surveys, tallies};
use crate::domain::aapor::{Counts, rates};
use crate::domain::audit::Action;
use crate::domain::dispositions::Disposition;
pub use crate::domain::response_rates::{Day, MunicipalityRates, RatesView, Reminder, cumulative, total};
use crate::domain::survey::Mode;
use crate::error::AppError;

/// Renderings of one snapshot (JSON, HTML) by what and for which set of municipalities, so that a thousand viewers
/// with the same rights cost one rendering.
#[derive(Debug, Clone, Default)]
pub struct Memo(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<str>>>>);

impl Memo {
    pub fn get_or_render(
        &self,
        key: String,
        render: impl FnOnce() -> Result<String, AppError>,
    ) -> Result<std::sync::Arc<str>, AppError> {
        if let Some(done) = self.0.lock().unwrap_or_else(|poison| poison.into_inner()).get(&key) {
            return Ok(done.clone());
        }
        let rendered: std::sync::Arc<str> = render()?.into();
        self.0.lock().unwrap_or_else(|poison| poison.into_inner()).insert(key, rendered.clone());
        Ok(rendered)
    }
}

/// Every municipality of a survey, as of one read of its counters.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    #[serde(skip)]
    pub memo: Memo,
    /// The survey's revision when the read began: the numbers are at least this recent.
    #[serde(skip)]
    pub revision: i64,
    pub survey_id: String,
    pub title: String,
    /// Whether the survey has a sample and so response rates (letters with codes) or not (an open link).
    pub has_rates: bool,
    pub municipalities: Vec<MunicipalityRates>,
    /// Days a reminder list was taken out, per municipality: the marks on the chart of answers over time.
    pub reminders: Vec<Reminder>,
}

impl Snapshot {
    /// The part a viewer may see.
    pub fn view(&self, may_view: impl Fn(&str) -> bool) -> RatesView {
        let municipalities: Vec<MunicipalityRates> =
            self.municipalities.iter().filter(|m| may_view(&m.code)).cloned().collect();
        let total = total(&municipalities);
        let reminders = self.reminders.iter().filter(|r| may_view(&r.municipality_code)).cloned().collect();
        RatesView {
            survey_id: self.survey_id.clone(),
            title: self.title.clone(),
            has_rates: self.has_rates,
            municipalities,
            total,
            reminders,
        }
    }
}

fn count(value: i32) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The latest snapshot read of each survey, kept while the survey's revision says it is current.
///
/// A survey's revision is raised in the same transaction as every change its rates show (see
/// `queries::surveys::lock_for_write`), so a snapshot whose revision equals the survey's current one is exactly what
/// reading the counters again would give, on any instance. Reading the revision is one small query; reading the
/// counters is several, with a row per municipality, day and mode.
#[derive(Clone, Default)]
pub struct Cache(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Snapshot>>>>);

impl Cache {
    /// Surveys kept at most; beyond that the cache starts afresh (a survey is read again on its next request).
    const SURVEYS: usize = 512;

    fn get(&self, survey_id: &str, revision: i64) -> Option<std::sync::Arc<Snapshot>> {
        let cached = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        cached.get(survey_id).filter(|snapshot| snapshot.revision == revision).cloned()
    }

    /// Keeps `snapshot` unless a newer one of its survey is kept already.
    pub fn keep(&self, snapshot: std::sync::Arc<Snapshot>) {
        let mut cached = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        if cached.get(&snapshot.survey_id).is_some_and(|kept| kept.revision > snapshot.revision) {
            return;
        }
        if cached.len() >= Self::SURVEYS && !cached.contains_key(&snapshot.survey_id) {
            cached.clear();
        }
        cached.insert(snapshot.survey_id.clone(), snapshot);
    }
}

/// A survey's current snapshot: from `cache` when nothing changed since it was read, else read from the counters
/// (and kept). One database call either way. `NotFound` when there is no such survey.
pub async fn current(db: &Db, cache: &Cache, survey_id: &str) -> Result<std::sync::Arc<Snapshot>, AppError> {
    let (id, kept) = (survey_id.to_owned(), cache.clone());
    let read = db
        .run(move |conn| {
            // The survey's row carries its revision; after a change the read goes on from it.
            let (survey, parts) = surveys::with_parts(conn, &id)?;
            match kept.get(&id, survey.revision) {
                Some(snapshot) => Ok(Read::Kept(snapshot)),
                None => read_rest(conn, survey, parts).map(|rows| Read::Rows(Box::new(rows))),
            }
        })
        .await?;
    match read {
        Read::Kept(snapshot) => Ok(snapshot),
        Read::Rows(rows) => {
            let snapshot = std::sync::Arc::new(from_rows(*rows));
            cache.keep(snapshot.clone());
            Ok(snapshot)
        }
    }
}

/// What [`current`] found: the kept snapshot, or the rows of a new one.
enum Read {
    Kept(std::sync::Arc<Snapshot>),
    Rows(Box<Rows>),
}

/// Reads a survey's counters and turns them into rates per municipality.
pub async fn snapshot(db: &Db, survey_id: &str) -> Result<Snapshot, AppError> {
    let id = survey_id.to_owned();
    Ok(from_rows(db.run(move |conn| read_rows(conn, &id)).await?))
}

/// Everything a snapshot is made of, as read.
struct Rows {
    survey: Survey,
    parts: Vec<(SurveyMunicipality, String)>,
    tallies: tallies::SurveyTallies,
    /// Days a reminder list was taken out, with its municipality.
    reminders: Vec<(NaiveDate, String)>,
}

fn read_rows(conn: &mut crate::db::DbConnection, id: &str) -> diesel::QueryResult<Rows> {
    let (survey, parts) = surveys::with_parts(conn, id)?;
    read_rest(conn, survey, parts)
}

/// The rest of a snapshot's rows, after its survey and municipalities. The survey (with its revision) must be read first: a change
/// committed between it and the counters' reads makes the snapshot newer than its revision says (read again once
/// more, harmless), never older.
fn read_rest(
    conn: &mut crate::db::DbConnection,
    survey: Survey,
    parts: Vec<(SurveyMunicipality, String)>,
) -> diesel::QueryResult<Rows> {
    let tallies = tallies::of_survey(conn, &survey.id)?;
    let reminders = audit::municipality_days(conn, Action::ReminderListExported.as_str(), &survey.id)?;
    Ok(Rows { survey, parts, tallies, reminders })
}

/// Turns the rows into rates per municipality.
fn from_rows(Rows { survey, parts, tallies, reminders }: Rows) -> Snapshot {
    let mut reminders: Vec<Reminder> =
        reminders.into_iter().map(|(day, municipality_code)| Reminder { day, municipality_code }).collect();
    reminders.dedup();
    let has_rates = survey.access.has_response_rate();
    let municipalities = parts.into_iter().map(|(part, name)| MunicipalityRates::of(part, name, &tallies)).collect();
    Snapshot {
        memo: Memo::default(),
        revision: survey.revision,
        survey_id: survey.id,
        title: survey.title,
        has_rates,
        municipalities,
        reminders,
    }
}

impl MunicipalityRates {
    /// One municipality's numbers, from its part in the survey and the survey's counters.
    fn of(part: SurveyMunicipality, name: String, tallies: &tallies::SurveyTallies) -> Self {
        let code = part.municipality_code;
        let mut m = Self {
            code: code.clone(),
            name,
            planned: count(part.sample_size),
            target: part.target_percent.map(|percent| percent / 100.0),
            ..Self::default()
        };
        m.count_letters(tallies.dispositions.iter().filter(|row| row.municipality_code == code));
        m.count_responses(tallies.completions.iter().filter(|row| row.municipality_code == code));
        m.count_drafts(tallies.progress.iter().filter(|row| row.municipality_code == code));
        m.classify();
        m
    }

    /// Adds letters, by their disposition.
    fn count_letters<'a>(&mut self, rows: impl Iterator<Item = &'a DispositionTally>) {
        for row in rows {
            let letters = count(row.letters);
            self.letters += letters;
            match row.disposition {
                Disposition::Started => self.started += letters,
                Disposition::Refused => self.refused += letters,
                Disposition::Deceased | Disposition::Unable => self.other += letters,
                Disposition::Undeliverable => self.undeliverable += letters,
                Disposition::MovedAway | Disposition::NotEligible => self.not_eligible += letters,
                Disposition::NotReturned => self.not_returned += letters,
                Disposition::Completed => {}
            }
        }
    }

    /// Adds submitted responses, by how much was answered, by mode and by day.
    fn count_responses<'a>(&mut self, rows: impl Iterator<Item = &'a CompletionTally>) {
        let mut by_day: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
        for row in rows {
            let (submitted, partial, break_off) = (count(row.submitted), count(row.partial), count(row.break_off));
            let complete = submitted.saturating_sub(partial + break_off);
            self.submitted += submitted;
            self.partial += partial;
            self.submitted_break_off += break_off;
            self.without_letter += count(row.without_letter);
            let entry = by_day.entry(row.day).or_default();
            if row.mode == Mode::Paper {
                self.complete_paper += complete;
                entry.1 += submitted;
            } else {
                self.complete_web += complete;
                entry.0 += submitted;
            }
        }
        self.days = cumulative(by_day);
    }

    /// Adds drafts, by the furthest section they reached.
    fn count_drafts<'a>(&mut self, rows: impl Iterator<Item = &'a ProgressTally>) {
        // Counters that went back to zero stay as rows; they count nothing.
        for row in rows.filter(|row| row.drafts != 0) {
            let section = usize::try_from(row.section).unwrap_or(0);
            if self.drafts_by_section.len() <= section {
                self.drafts_by_section.resize(section + 1, 0);
            }
            self.drafts_by_section[section] += count(row.drafts);
        }
    }

    /// AAPOR's classes of what was counted, and their rates.
    fn classify(&mut self) {
        // A response without its letter leaves that letter "not returned": it is not unknown any more.
        let unknown = self.not_returned.saturating_sub(self.without_letter);
        self.counts = Counts {
            complete: self.complete_web + self.complete_paper,
            partial: self.partial,
            refusal_and_break_off: self.refused + self.started + self.submitted_break_off,
            non_contact: 0,
            other: self.other,
            unknown_household: unknown,
            unknown_other: self.undeliverable,
            not_eligible: self.not_eligible,
        };
        self.rates = rates(&self.counts);
    }
}
