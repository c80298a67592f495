//! A survey's response rates per municipality as they are shown: the numbers of one municipality (or of several
//! added up) with their AAPOR counts and rates, the days' answers, and the part of a survey one viewer may see.
//! Plain values: `app::rates` reads them from the counters, views and exports render them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::aapor::{Counts, Rates, rates};

/// Submitted responses on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Day {
    pub day: NaiveDate,
    pub web: u64,
    pub paper: u64,
    /// Submitted on this day or before.
    pub cumulative: u64,
}

/// The numbers of one municipality (or of several added up).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MunicipalityRates {
    /// The municipality's code, or `total`.
    pub code: String,
    pub name: String,
    /// The sample size planned for the survey (for an open link: the number of answers aimed for).
    pub planned: u64,
    /// Letters handed out: the sample the rates are computed on.
    pub letters: u64,
    /// The target response rate, as a fraction.
    pub target: Option<f64>,
    /// Every submitted response (web and paper, complete, partial or break-off).
    pub submitted: u64,
    /// Complete responses (I) given on the web and on paper.
    pub complete_web: u64,
    pub complete_paper: u64,
    /// Partial responses (P).
    pub partial: u64,
    /// Submitted with under half of the questions answered (counted in R).
    pub submitted_break_off: u64,
    /// Letters whose resident started on the web and has not submitted (counted in R). Never a response.
    pub started: u64,
    /// Letters reported as refused (R).
    pub refused: u64,
    /// Deceased or unable (O).
    pub other: u64,
    /// Letters returned undeliverable (UO).
    pub undeliverable: u64,
    /// Moved away or not eligible (NE, "naturligt bortfall").
    pub not_eligible: u64,
    /// Nothing came back (UH).
    pub not_returned: u64,
    /// Responses that used no letter (paper forms without their letter number; every open-link response).
    pub without_letter: u64,
    pub counts: Counts,
    pub rates: Rates,
    /// Residents who started and have not submitted, by the furthest section they saved (index 0: none yet).
    pub drafts_by_section: Vec<u64>,
    pub days: Vec<Day>,
}

/// A reminder list taken out for a municipality on a (Swedish) day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reminder {
    pub day: NaiveDate,
    pub municipality_code: String,
}

/// What one viewer sees: their municipalities and the total over them.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatesView {
    pub survey_id: String,
    pub title: String,
    pub has_rates: bool,
    pub municipalities: Vec<MunicipalityRates>,
    pub total: MunicipalityRates,
    pub reminders: Vec<Reminder>,
}

/// Several municipalities added up, with the rates of the sum (not an average of rates).
pub fn total(parts: &[MunicipalityRates]) -> MunicipalityRates {
    let mut sum = MunicipalityRates { code: "total".into(), name: "Totalt".into(), ..MunicipalityRates::default() };
    let mut by_day: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    let mut planned_target = 0.0;
    let mut all_targets = !parts.is_empty();
    for part in parts {
        sum.planned += part.planned;
        sum.letters += part.letters;
        sum.submitted += part.submitted;
        sum.complete_web += part.complete_web;
        sum.complete_paper += part.complete_paper;
        sum.partial += part.partial;
        sum.submitted_break_off += part.submitted_break_off;
        sum.started += part.started;
        sum.refused += part.refused;
        sum.other += part.other;
        sum.undeliverable += part.undeliverable;
        sum.not_eligible += part.not_eligible;
        sum.not_returned += part.not_returned;
        sum.without_letter += part.without_letter;
        sum.counts += part.counts;
        if sum.drafts_by_section.len() < part.drafts_by_section.len() {
            sum.drafts_by_section.resize(part.drafts_by_section.len(), 0);
        }
        for (index, drafts) in part.drafts_by_section.iter().enumerate() {
            sum.drafts_by_section[index] += drafts;
        }
        for day in &part.days {
            let entry = by_day.entry(day.day).or_default();
            entry.0 += day.web;
            entry.1 += day.paper;
        }
        match part.target {
            Some(target) => planned_target += target * part.planned as f64,
            None => all_targets = false,
        }
    }
    // The total's target is the municipalities' targets weighted by their samples, when every one has a target.
    sum.target = (all_targets && sum.planned > 0).then(|| planned_target / sum.planned as f64);
    sum.rates = rates(&sum.counts);
    sum.days = cumulative(by_day);
    sum
}

/// Days with their running total.
pub fn cumulative(by_day: BTreeMap<NaiveDate, (u64, u64)>) -> Vec<Day> {
    let mut running = 0;
    by_day
        .into_iter()
        .map(|(day, (web, paper))| {
            running += web + paper;
            Day { day, web, paper, cumulative: running }
        })
        .collect()
}
