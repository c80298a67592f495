//! Retention (gallring): what trygghet keeps only as long as it serves the survey, and deletes after.
//!
//! - **Drafts never submitted**: once a survey has closed and its last day is `drafts` days past, the answers in its
//!   unsent drafts are deleted and each draft is moved to a random key no code leads to. Only their number per
//!   municipality and section stays, because the counters of started but unsent answers rest on it.
//! - **Invitation codes**: once the last day is `codes` days past, the codes' hashes are replaced (the letters stay,
//!   with their dispositions, for the response rates), open-link resume codes and the sealed copies of letter batches
//!   are deleted. A code typed after that meets "code not found".
//! - **Addresses in the audit log**: events older than `audit_addresses` days lose the address they came from; the
//!   events themselves stay.
//!
//! Results, counters, publications and the anonymous responses are never touched. `serve` runs this once a day;
//! `trygghet retention --dry-run` reports what would go without deleting anything.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::Connection;

use crate::db::Db;
use crate::db::queries::{retention, surveys};
use crate::error::AppError;

/// How long each kind of data is kept, in days (instance settings; see the README for the defaults' reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    /// Days after a closed survey's last day that its unsent drafts keep their answers.
    pub drafts: u32,
    /// Days after a closed survey's last day that its invitation codes still work (for "already answered").
    pub codes: u32,
    /// Days an audit event keeps the address it came from.
    pub audit_addresses: u32,
}

impl Default for Periods {
    fn default() -> Self {
        Self { drafts: 30, codes: 90, audit_addresses: 180 }
    }
}

/// What was (or, in a dry run, would be) retired in one survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRetired {
    pub survey_id: String,
    pub title: String,
    pub closes_on: NaiveDate,
    pub drafts: i64,
    pub codes: i64,
    pub batches: i64,
}

/// What a retention run did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub surveys: Vec<SurveyRetired>,
    pub audit_addresses: i64,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.audit_addresses == 0 && self.surveys.is_empty()
    }
}

/// Retires what `periods` say is due on `today` (a Swedish day) and at `now` (UTC); with `dry_run`, only counts.
pub async fn run(
    db: &Db,
    periods: Periods,
    today: NaiveDate,
    now: NaiveDateTime,
    dry_run: bool,
) -> Result<Report, AppError> {
    let drafts_before = today - Duration::days(i64::from(periods.drafts));
    let codes_before = today - Duration::days(i64::from(periods.codes));
    let candidates = db.run(move |conn| retention::closed_before(conn, drafts_before.max(codes_before))).await?;
    let mut report = Report::default();
    for id in candidates {
        let done = db
            .write(move |conn| {
                conn.transaction(|conn| {
                    // The survey's write turn: nothing counts its drafts or letters while they change. It comes
                    // before the drafts here, while a saved page and a submission on PostgreSQL lock their draft
                    // first (see `app::answering::save_section`). That cannot meet: pages are saved only while a
                    // survey is open, and its drafts are emptied long after it closed. Do not copy this order
                    // where drafts may still be saved.
                    surveys::lock_for_write(conn, &id)?;
                    let survey = surveys::find(conn, &id)?;
                    let due_drafts = survey.closes_on < drafts_before;
                    let due_codes = survey.closes_on < codes_before;
                    let mut found = retention::retirable(conn, &id)?;
                    found.drafts = if due_drafts { found.drafts } else { 0 };
                    if !due_codes {
                        (found.codes, found.batches) = (0, 0);
                    }
                    if !dry_run {
                        if due_drafts {
                            retention::empty_drafts(conn, &id)?;
                        }
                        if due_codes {
                            retention::retire_codes(conn, &id)?;
                        }
                    }
                    Ok(SurveyRetired {
                        survey_id: survey.id,
                        title: survey.title,
                        closes_on: survey.closes_on,
                        drafts: found.drafts,
                        codes: found.codes,
                        batches: found.batches,
                    })
                })
            })
            .await?;
        if done.drafts + done.codes + done.batches > 0 {
            report.surveys.push(done);
        }
    }
    let addresses_before = now - Duration::days(i64::from(periods.audit_addresses));
    report.audit_addresses = db
        .write(move |conn| {
            let due = retention::audit_addresses_before(conn, addresses_before)?;
            if !dry_run {
                retention::forget_audit_addresses(conn, addresses_before)?;
            }
            Ok(due)
        })
        .await?;
    Ok(report)
}
