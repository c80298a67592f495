//! A survey wave: one questionnaire version sent to samples in one or more municipalities during a period.
//!
//! States move one way: draft (editable) → open (residents answer; the instrument version is frozen) → closed.
//! A survey is either by invitation (letters with codes: response rates exist) or an open link (anyone may answer,
//! choosing their municipality: there is no sample, so no response rate, only counts against a target).

use crate::domain::day::typed;
use crate::domain::text::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The questionnaire every new survey uses until instruments can be chosen.
pub const DEFAULT_INSTRUMENT_KEY: &str = "trygghetsmatning";
/// Its version.
pub const DEFAULT_INSTRUMENT_VERSION: &str = "2026.1";

/// Where a survey is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurveyState {
    Draft,
    Open,
    Closed,
}

impl SurveyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Open, Self::Closed].into_iter().find(|state| state.as_str() == text)
    }

    /// The Swedish name shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Utkast",
            Self::Open => "Öppen",
            Self::Closed => "Stängd",
        }
    }

    /// Whether the survey's settings may still change.
    pub fn is_editable(self) -> bool {
        self == Self::Draft
    }

    /// The state after opening, if this state can be opened.
    pub fn open(self) -> Result<Self, TransitionError> {
        match self {
            Self::Draft => Ok(Self::Open),
            _ => Err(TransitionError { from: self, action: Transition::Open }),
        }
    }

    /// The state after closing, if this state can be closed.
    pub fn close(self) -> Result<Self, TransitionError> {
        match self {
            Self::Open => Ok(Self::Closed),
            _ => Err(TransitionError { from: self, action: Transition::Close }),
        }
    }
}

/// A change of a survey's state that staff ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A draft opens: residents may answer from its first day.
    Open,
    /// An open survey closes: nobody may answer any more.
    Close,
    /// A closed survey opens again (closed by mistake or too early), within its period.
    Reopen,
}

impl Transition {
    /// The state after this change from `from`, if it is allowed from there.
    pub fn from(self, from: SurveyState) -> Result<SurveyState, TransitionError> {
        match (self, from) {
            (Self::Open, _) => from.open(),
            (Self::Close, _) => from.close(),
            (Self::Reopen, SurveyState::Closed) => Ok(SurveyState::Open),
            (Self::Reopen, _) => Err(TransitionError { from, action: Self::Reopen }),
        }
    }

    /// The audit log's name for it.
    pub fn action(self) -> crate::domain::audit::Action {
        use crate::domain::audit::Action;
        match self {
            Self::Open => Action::SurveyOpened,
            Self::Close => Action::SurveyClosed,
            Self::Reopen => Action::SurveyReopened,
        }
    }
}

/// A state change that is not allowed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("a survey in the state {} cannot take {action:?}", from.as_str())]
pub struct TransitionError {
    pub from: SurveyState,
    pub action: Transition,
}

impl TransitionError {
    /// Why, for the person who asked (`problem.transition.<action>_<state>`).
    pub fn text(&self) -> Text {
        Text::new(match (self.action, self.from) {
            (Transition::Open | Transition::Reopen, SurveyState::Open) => "problem.transition.already_open",
            (Transition::Open, _) => "problem.transition.open_closed",
            (Transition::Close, SurveyState::Closed) => "problem.transition.already_closed",
            (Transition::Close, _) => "problem.transition.close_draft",
            (Transition::Reopen, _) => "problem.transition.reopen_draft",
        })
    }
}

/// How residents reach the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Personal codes in letters to a random sample.
    Codes,
    /// One public link; residents choose their municipality.
    OpenLink,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Codes => "codes",
            Self::OpenLink => "open_link",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Codes, Self::OpenLink].into_iter().find(|access| access.as_str() == text)
    }

    /// Whether response rates exist for this kind of survey.
    pub fn has_response_rate(self) -> bool {
        self == Self::Codes
    }
}

/// The days a survey accepts answers, both inclusive (Swedish calendar days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// Why a period was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the first day is not a date (YYYY-MM-DD)")]
    OpensOn,
    #[error("the first day is written as a date but there is no such day")]
    OpensOnNoSuchDay,
    #[error("the last day is not a date (YYYY-MM-DD)")]
    ClosesOn,
    #[error("the last day is written as a date but there is no such day")]
    ClosesOnNoSuchDay,
    #[error("the last day is before the first")]
    Backwards,
    #[error("the period is longer than a year")]
    TooLong,
}

impl From<PeriodError> for Text {
    fn from(error: PeriodError) -> Self {
        Text::new(match error {
            PeriodError::OpensOn => "problem.period.opens_on",
            PeriodError::OpensOnNoSuchDay => "problem.period.opens_on_no_such_day",
            PeriodError::ClosesOn => "problem.period.closes_on",
            PeriodError::ClosesOnNoSuchDay => "problem.period.closes_on_no_such_day",
            PeriodError::Backwards => "problem.period.backwards",
            PeriodError::TooLong => "problem.period.too_long",
        })
    }
}

impl Period {
    pub fn parse(opens_on: &str, closes_on: &str) -> Result<Self, PeriodError> {
        let opens_on = typed(opens_on)
            .map_err(|shaped| if shaped { PeriodError::OpensOnNoSuchDay } else { PeriodError::OpensOn })?;
        let closes_on = typed(closes_on)
            .map_err(|shaped| if shaped { PeriodError::ClosesOnNoSuchDay } else { PeriodError::ClosesOn })?;
        Self::new(opens_on, closes_on)
    }

    /// Whether the error is about the first day (else the last, or both).
    pub fn is_about_first_day(error: &PeriodError) -> bool {
        matches!(error, PeriodError::OpensOn | PeriodError::OpensOnNoSuchDay)
    }

    pub fn new(opens_on: NaiveDate, closes_on: NaiveDate) -> Result<Self, PeriodError> {
        if closes_on < opens_on {
            return Err(PeriodError::Backwards);
        }
        if (closes_on - opens_on).num_days() > 366 {
            return Err(PeriodError::TooLong);
        }
        Ok(Self { opens_on, closes_on })
    }

    /// Whether `day` lies within the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.opens_on <= day && day <= self.closes_on
    }

    /// The same period a year later (for next year's wave); 29 February becomes 28 February.
    pub fn next_year(&self) -> Self {
        let shift = |day: NaiveDate| {
            day.with_year(day.year() + 1)
                .or_else(|| (day - chrono::Duration::days(1)).with_year(day.year() + 1))
                .unwrap_or(day)
        };
        Self { opens_on: shift(self.opens_on), closes_on: shift(self.closes_on) }
    }
}

use chrono::Datelike;

/// The sample size of one municipality: how many residents were invited.
pub fn parse_sample_size(text: &str) -> Result<i32, Text> {
    match text.trim().parse::<i32>() {
        Ok(n) if (0..=1_000_000).contains(&n) => Ok(n),
        _ => Err(Text::new("problem.survey.sample_size")),
    }
}

/// An optional target response rate in percent (0 < target ≤ 100); empty means none.
pub fn parse_target(text: &str) -> Result<Option<f64>, Text> {
    let text = text.trim().trim_end_matches('%').trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(n) if n > 0.0 && n <= 100.0 => Ok(Some(n)),
        _ => Err(Text::new("problem.survey.target")),
    }
}

/// A survey title: non-empty, at most 200 characters.
pub fn parse_title(text: &str) -> Result<String, Text> {
    let title = text.trim();
    match title.chars().count() {
        0 => Err(Text::new("problem.survey.title_missing")),
        1..=200 => Ok(title.to_owned()),
        _ => Err(Text::new("problem.survey.title_too_long")),
    }
}

/// Results show no index, share or percentage on fewer valid answers than this, unless the survey says otherwise.
pub const DEFAULT_MIN_BASE: i32 = 30;
/// Results show no count smaller than this, unless the survey says otherwise.
pub const DEFAULT_MIN_CELL: i32 = 5;

const MIN_BASE_RANGE: &str = "problem.survey.min_base";
const MIN_CELL_RANGE: &str = "problem.survey.min_cell";

/// A survey's smallest base: results show no index, share or percentage on fewer valid answers (1–10,000).
pub fn check_min_base(n: i32) -> Result<i32, Text> {
    if (1..=10_000).contains(&n) { Ok(n) } else { Err(Text::new(MIN_BASE_RANGE)) }
}

/// A survey's smallest cell: results show no count smaller than this (1–1,000).
pub fn check_min_cell(n: i32) -> Result<i32, Text> {
    if (1..=1_000).contains(&n) { Ok(n) } else { Err(Text::new(MIN_CELL_RANGE)) }
}

/// A smallest base as typed in a form (spaces allowed: "10 000"); empty means none given.
pub fn parse_min_base(text: &str) -> Result<Option<i32>, Text> {
    parse_setting(text, MIN_BASE_RANGE)?.map(check_min_base).transpose()
}

/// A smallest cell as typed in a form; empty means none given.
pub fn parse_min_cell(text: &str) -> Result<Option<i32>, Text> {
    parse_setting(text, MIN_CELL_RANGE)?.map(check_min_cell).transpose()
}

fn parse_setting(text: &str, range: &'static str) -> Result<Option<i32>, Text> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits.parse::<i32>().map(Some).map_err(|_| Text::new(range))
}

/// How a response was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Web,
    Paper,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Paper => "paper",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Web, Self::Paper].into_iter().find(|mode| mode.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn states_move_one_way() {
        assert_eq!(SurveyState::Draft.open(), Ok(SurveyState::Open));
        assert_eq!(SurveyState::Open.close(), Ok(SurveyState::Closed));
        assert!(SurveyState::Open.open().is_err());
        assert!(SurveyState::Closed.open().is_err());
        assert!(SurveyState::Draft.close().is_err());
        assert!(SurveyState::Draft.is_editable() && !SurveyState::Open.is_editable());
        for state in [SurveyState::Draft, SurveyState::Open, SurveyState::Closed] {
            assert_eq!(SurveyState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn a_period_runs_forwards_for_at_most_a_year() {
        let period = Period::parse("2016-05-02", "2016-06-19").unwrap();
        assert!(period.contains(day("2016-05-02")) && period.contains(day("2016-06-19")));
        assert!(!period.contains(day("2016-06-20")));
        assert_eq!(Period::parse("2016-06-19", "2016-05-02"), Err(PeriodError::Backwards));
        assert_eq!(Period::parse("2016-13-01", "2016-06-19"), Err(PeriodError::OpensOnNoSuchDay));
        assert_eq!(Period::parse("2016-05-02", ""), Err(PeriodError::ClosesOn));
        assert_eq!(Period::parse("2016-01-01", "2017-06-01"), Err(PeriodError::TooLong));
    }

    #[test]
    fn next_years_wave_keeps_the_calendar_dates() {
        let period = Period::parse("2024-02-29", "2024-04-15").unwrap().next_year();
        assert_eq!((period.opens_on, period.closes_on), (day("2025-02-28"), day("2025-04-15")));
    }

    #[test]
    fn sample_sizes_targets_and_titles_are_checked() {
        assert_eq!(parse_sample_size(" 300 "), Ok(300));
        assert!(parse_sample_size("-1").is_err() && parse_sample_size("tre").is_err());
        assert_eq!(parse_target("55,5 %"), Ok(Some(55.5)));
        assert_eq!(parse_target(""), Ok(None));
        assert!(parse_target("0").is_err() && parse_target("101").is_err());
        assert!(parse_title("  ").is_err() && parse_title(&"x".repeat(201)).is_err());
        assert_eq!(parse_title(" Trygghet 2026 "), Ok("Trygghet 2026".to_owned()));
    }

    #[test]
    fn disclosure_settings_are_whole_numbers_in_their_ranges() {
        assert_eq!(parse_min_base(" 10 000 "), Ok(Some(10_000)));
        assert_eq!(parse_min_base(""), Ok(None));
        assert_eq!(parse_min_cell("5"), Ok(Some(5)));
        for text in ["0", "10001", "tretti", "30.5", "-3"] {
            assert!(parse_min_base(text).is_err(), "{text}");
        }
        for text in ["0", "1001", "fem"] {
            assert!(parse_min_cell(text).is_err(), "{text}");
        }
        assert_eq!(check_min_base(DEFAULT_MIN_BASE), Ok(30));
        assert_eq!(check_min_cell(DEFAULT_MIN_CELL), Ok(5));
        assert_eq!(check_min_cell(1_000), Ok(1_000));
        assert!(check_min_base(0).unwrap_err().swedish().contains("1 till 10 000"));
    }

    #[test]
    fn a_day_that_does_not_exist_is_told_apart_from_a_day_written_otherwise() {
        assert_eq!(Period::parse("2027-02-30", "2027-04-01"), Err(PeriodError::OpensOnNoSuchDay));
        assert_eq!(Period::parse("30/2 2027", "2027-04-01"), Err(PeriodError::OpensOn));
        assert_eq!(Period::parse("2027-03-01", "2027-13-01"), Err(PeriodError::ClosesOnNoSuchDay));
        assert_eq!(Period::parse("2027-03-01", "1/4 2027"), Err(PeriodError::ClosesOn));
        assert_eq!(Text::from(PeriodError::OpensOnNoSuchDay).swedish(), "Startdagen finns inte i almanackan.");
    }

    #[test]
    fn only_code_surveys_have_response_rates() {
        assert!(Access::Codes.has_response_rate() && !Access::OpenLink.has_response_rate());
        assert_eq!(Access::parse("open_link"), Some(Access::OpenLink));
    }
}

/// The Swedish calendar day (Europe/Stockholm) of an instant: the day a response is counted on.
pub fn swedish_day(instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    instant.with_timezone(&chrono_tz::Europe::Stockholm).date_naive()
}

#[cfg(test)]
mod day_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_sweden() {
        let summer = chrono::Utc.with_ymd_and_hms(2026, 6, 18, 22, 30, 0).unwrap();
        assert_eq!(swedish_day(summer).to_string(), "2026-06-19", "CEST is UTC+2");
        let winter = chrono::Utc.with_ymd_and_hms(2026, 1, 18, 22, 30, 0).unwrap();
        assert_eq!(swedish_day(winter).to_string(), "2026-01-18", "CET is UTC+1");
        let just_after = chrono::Utc.with_ymd_and_hms(2026, 1, 18, 23, 0, 0).unwrap();
        assert_eq!(swedish_day(just_after).to_string(), "2026-01-19");
    }
}
