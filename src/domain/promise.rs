//! Citizen promises (medborgarlöften): what the police and a municipality promise its residents after reading a
//! safety survey's results, each aimed at questions and areas of the questionnaire, so that a later survey shows
//! whether those problems moved.
//!
//! **Which survey follows a promise.** Promises are made between two survey waves. On survey S, the promises of
//! municipality M that S follows are those that started on or before the day S opened (S is a "wave after"); each is
//! compared with its "wave before": the latest survey of M that had closed by the day the promise started. A promise
//! with no survey before it has nothing to be compared with, and is not followed.
//!
//! **The figures are the results' own.** A target's figures are those of the survey's results beside the wave before
//! (an item's or area's index, or a yes/no item's share, with the change, its interval and its test), after the
//! small-group protection; [`hide_as_shown`] also hides whatever the results shown beside them hide, so that putting
//! a promise next to the whole results never gives a hidden figure back.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::instrument::{Instrument, ItemKind};
use crate::domain::results::compute::Results;
use crate::domain::results::figures::{Change, GroupResults};
use crate::domain::results::protect::hide_change;
use crate::domain::text::Text;

/// Who keeps a promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Responsible {
    Police,
    Municipality,
    Both,
}

impl Responsible {
    pub const ALL: [Self; 3] = [Self::Police, Self::Municipality, Self::Both];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Police => "police",
            Self::Municipality => "municipality",
            Self::Both => "both",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|responsible| responsible.as_str() == text.trim())
    }

    /// The Swedish words shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Police => "Polisen",
            Self::Municipality => "Kommunen",
            Self::Both => "Polisen och kommunen",
        }
    }
}

/// Where a promise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromiseStatus {
    Planned,
    Ongoing,
    Kept,
    NotKept,
    Withdrawn,
}

impl PromiseStatus {
    pub const ALL: [Self; 5] = [Self::Planned, Self::Ongoing, Self::Kept, Self::NotKept, Self::Withdrawn];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Ongoing => "ongoing",
            Self::Kept => "kept",
            Self::NotKept => "not_kept",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text.trim())
    }

    /// The Swedish words shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planerat",
            Self::Ongoing => "Pågår",
            Self::Kept => "Uppfyllt",
            Self::NotKept => "Inte uppfyllt",
            Self::Withdrawn => "Återkallat",
        }
    }
}

/// Whether a target is one question or a whole area of the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Item,
    Area,
}

impl TargetKind {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Item => "item",
            Self::Area => "area",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Item, Self::Area].into_iter().find(|kind| kind.as_str() == text.trim())
    }
}

/// A question or area a promise is meant to move, by its id in the questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Target {
    pub kind: TargetKind,
    pub id: String,
}

/// A municipality's promise with its targets, as the API and the pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PromiseView {
    pub id: String,
    /// The municipality's code.
    pub municipality: String,
    pub title: String,
    pub text: String,
    pub responsible: Responsible,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: PromiseStatus,
    pub targets: Vec<Target>,
    /// When it was recorded and last changed (UTC).
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub updated_at: NaiveDateTime,
}

/// What a target's figure is: an index from 0 to 6 (scale items and areas) or the percentage answering yes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Index,
    Percent,
}

/// The longest title of a promise, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest text of a promise, in characters.
pub const MAX_TEXT_CHARS: usize = 5000;
/// The most targets one promise may have.
pub const MAX_TARGETS: usize = 50;

/// A promise's title: not empty, at most [`MAX_TITLE_CHARS`] characters.
pub fn parse_title(text: &str) -> Result<String, Text> {
    let title = text.trim();
    match title.chars().count() {
        0 => Err(Text::new("problem.promise.title_missing")),
        1..=MAX_TITLE_CHARS => Ok(title.to_owned()),
        _ => Err(Text::new("problem.promise.title_too_long")),
    }
}

/// A promise's text (what is promised): at most [`MAX_TEXT_CHARS`] characters, may be empty.
pub fn parse_text(text: &str) -> Result<String, Text> {
    let text = text.trim();
    if text.chars().count() <= MAX_TEXT_CHARS {
        Ok(text.to_owned())
    } else {
        Err(Text::new("problem.promise.text_too_long"))
    }
}

/// The days a promise runs, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromisePeriod {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Why a promise's period was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromisePeriodError {
    #[error("the first day is not a date (YYYY-MM-DD)")]
    StartsOn,
    #[error("the first day is written as a date but there is no such day")]
    StartsOnNoSuchDay,
    #[error("the last day is not a date (YYYY-MM-DD)")]
    EndsOn,
    #[error("the last day is written as a date but there is no such day")]
    EndsOnNoSuchDay,
    #[error("the last day is before the first")]
    Backwards,
}

impl From<&PromisePeriodError> for Text {
    fn from(error: &PromisePeriodError) -> Self {
        Text::new(match error {
            PromisePeriodError::StartsOn => "problem.period.opens_on",
            PromisePeriodError::StartsOnNoSuchDay => "problem.period.opens_on_no_such_day",
            PromisePeriodError::EndsOn => "problem.period.closes_on",
            PromisePeriodError::EndsOnNoSuchDay => "problem.period.closes_on_no_such_day",
            PromisePeriodError::Backwards => "problem.period.backwards",
        })
    }
}

impl PromisePeriodError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::StartsOn | Self::StartsOnNoSuchDay => "starts_on",
            Self::EndsOn | Self::EndsOnNoSuchDay | Self::Backwards => "ends_on",
        }
    }
}

impl PromisePeriod {
    /// The period from two dates written YYYY-MM-DD; every problem found (both dates may be wrong).
    pub fn parse(starts_on: &str, ends_on: &str) -> Result<Self, Vec<PromisePeriodError>> {
        use crate::domain::day::typed;
        match (typed(starts_on), typed(ends_on)) {
            (Ok(starts_on), Ok(ends_on)) if ends_on < starts_on => Err(vec![PromisePeriodError::Backwards]),
            (Ok(starts_on), Ok(ends_on)) => Ok(Self { starts_on, ends_on }),
            (starts, ends) => {
                let mut errors = Vec::new();
                match starts {
                    Err(true) => errors.push(PromisePeriodError::StartsOnNoSuchDay),
                    Err(false) => errors.push(PromisePeriodError::StartsOn),
                    Ok(_) => {}
                }
                match ends {
                    Err(true) => errors.push(PromisePeriodError::EndsOnNoSuchDay),
                    Err(false) => errors.push(PromisePeriodError::EndsOn),
                    Ok(_) => {}
                }
                Err(errors)
            }
        }
    }
}

/// A question a promise may target, in the questionnaire's words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetItem {
    pub id: String,
    /// The question; a follow-up question is named after the question it follows.
    pub label: String,
    pub measure: Measure,
}

/// An area of the questionnaire with the questions in it that a promise may target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetArea {
    pub id: String,
    pub label: String,
    /// Whether the area has an index (a scale question), and so may be a target itself.
    pub indexed: bool,
    pub items: Vec<TargetItem>,
}

/// The areas of a questionnaire and the questions in them that have a figure to follow (scale questions' index,
/// yes/no questions' share), in the questionnaire's order and words (`lang`, else its default language).
pub fn targetable(instrument: &Instrument, lang: &str) -> Vec<TargetArea> {
    let lang = instrument.lang(lang);
    let mut areas: Vec<TargetArea> = Vec::new();
    for section in instrument.sections() {
        let Some(area_id) = &section.area else { continue };
        let at = match areas.iter().position(|area| area.id == *area_id) {
            Some(at) => at,
            None => {
                let label = section.title.get(lang).to_owned();
                areas.push(TargetArea { id: area_id.clone(), label, indexed: false, items: Vec::new() });
                areas.len() - 1
            }
        };
        for item in &section.items {
            let measure = match item.kind {
                ItemKind::Scale { .. } => Measure::Index,
                ItemKind::YesNo { .. } => Measure::Percent,
                _ => continue,
            };
            let text = item.text.get(lang);
            let label = match item.show_if.as_ref().and_then(|condition| instrument.item(&condition.item)) {
                Some(parent) => format!("{} – {text}", parent.text.get(lang)),
                None => text.to_owned(),
            };
            areas[at].indexed |= measure == Measure::Index;
            areas[at].items.push(TargetItem { id: item.id.clone(), label, measure });
        }
    }
    areas
}

/// Whether `target` is a question or area with a figure in `areas` (see [`targetable`]).
pub fn is_targetable(areas: &[TargetArea], target: &Target) -> bool {
    match target.kind {
        TargetKind::Area => areas.iter().any(|area| area.indexed && area.id == target.id),
        TargetKind::Item => areas.iter().flat_map(|area| &area.items).any(|item| item.id == target.id),
    }
}

/// The words for a target in `areas`, if it is there.
pub fn target_label(areas: &[TargetArea], target: &Target) -> Option<String> {
    match target.kind {
        TargetKind::Area => areas.iter().find(|area| area.id == target.id).map(|area| area.label.clone()),
        TargetKind::Item => {
            areas.iter().flat_map(|area| &area.items).find(|item| item.id == target.id).map(|item| item.label.clone())
        }
    }
}

/// A survey as one wave of a municipality's surveys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Wave {
    pub survey_id: String,
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// Whether the survey has been closed (it is no longer answered).
    #[serde(skip)]
    pub closed: bool,
}

impl Wave {
    /// Whether this survey follows a promise that starts on `starts_on`: it opened on or after that day.
    pub fn follows(&self, starts_on: NaiveDate) -> bool {
        self.opens_on >= starts_on
    }
}

/// The wave before a promise that starts on `starts_on`: of `waves` (one municipality's surveys), the latest that
/// was closed with its last day on or before that day. Ties go to the later opening, then to the survey's id.
pub fn wave_before(starts_on: NaiveDate, waves: &[Wave]) -> Option<&Wave> {
    waves
        .iter()
        .filter(|wave| wave.closed && wave.closes_on <= starts_on)
        .max_by(|a, b| (a.closes_on, a.opens_on, &a.survey_id).cmp(&(b.closes_on, b.opens_on, &b.survey_id)))
}

/// One target's figures on a survey beside the wave before, as the results give them.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetFigure {
    pub kind: TargetKind,
    pub id: String,
    /// The question's or area's words in this survey's questionnaire (the id when it does not have it).
    pub label: String,
    pub measure: Measure,
    /// Whether this survey's questionnaire asks it (a target from another questionnaire may not be).
    pub asked: bool,
    /// This survey's figure: an index (0–6, lower is better) or a percentage (0–100); `None` when hidden.
    pub value: Option<f64>,
    /// Its 95 % confidence interval.
    pub ci95: Option<[f64; 2]>,
    /// The wave before's figure, the change, its 95 % interval and whether it is significant at 5 %; absent when
    /// the wave before has no such figure.
    pub earlier: Option<Change>,
    /// Whether the small-group protection hid this survey's figure.
    pub suppressed: bool,
}

/// A promise followed on a survey: the promise, the wave before, and each target's figures.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowedPromise {
    pub id: String,
    pub title: String,
    pub text: String,
    pub responsible: Responsible,
    pub status: PromiseStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The survey the figures are compared with.
    pub before: Wave,
    pub targets: Vec<TargetFigure>,
}

/// The promises of one municipality that a survey follows.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MunicipalityPromises {
    pub code: String,
    pub name: String,
    pub promises: Vec<FollowedPromise>,
}

/// A figure of a group's results: its value, interval, change and whether it is hidden.
struct Found<'a> {
    measure: Measure,
    value: Option<f64>,
    ci95: Option<[f64; 2]>,
    earlier: Option<&'a Change>,
    suppressed: bool,
}

/// The figure of a target in a group's results; `replaced` maps an item's id to the id it replaces, so that a target
/// named by an earlier questionnaire's id finds the item that took its place.
fn find<'a>(group: &'a GroupResults, target: &Target, replaced: &HashMap<String, String>) -> Option<Found<'a>> {
    let same = |id: &str| id == target.id || replaced.get(id).is_some_and(|earlier| *earlier == target.id);
    match target.kind {
        TargetKind::Area => group.areas.iter().find(|area| area.id == target.id).map(|area| Found {
            measure: Measure::Index,
            value: area.index,
            ci95: area.ci95,
            earlier: area.earlier.as_ref(),
            suppressed: area.suppressed,
        }),
        TargetKind::Item => {
            let item = group.items.iter().find(|item| item.kind == "scale" && same(&item.id)).map(|item| Found {
                measure: Measure::Index,
                value: item.index,
                ci95: item.ci95,
                earlier: item.earlier.as_ref(),
                suppressed: item.suppressed,
            });
            item.or_else(|| {
                group.shares.iter().find(|share| same(&share.id)).map(|share| Found {
                    measure: Measure::Percent,
                    value: share.percent,
                    ci95: share.ci95,
                    earlier: share.earlier.as_ref(),
                    suppressed: share.suppressed,
                })
            })
        }
    }
}

/// Each target's figures in a municipality's results beside the wave before; `areas` are the survey's questionnaire's
/// targets (for their words) and `replaced` its items' earlier ids.
pub fn figures(
    targets: &[Target],
    group: &GroupResults,
    areas: &[TargetArea],
    replaced: &HashMap<String, String>,
) -> Vec<TargetFigure> {
    targets
        .iter()
        .map(|target| {
            let label = target_label(areas, target).unwrap_or_else(|| target.id.clone());
            match find(group, target, replaced) {
                Some(found) => TargetFigure {
                    kind: target.kind,
                    id: target.id.clone(),
                    label,
                    measure: found.measure,
                    asked: true,
                    value: found.value,
                    ci95: found.ci95,
                    earlier: found.earlier.cloned(),
                    suppressed: found.suppressed,
                },
                None => TargetFigure {
                    kind: target.kind,
                    id: target.id.clone(),
                    label,
                    measure: if target.kind == TargetKind::Area { Measure::Index } else { Measure::Percent },
                    asked: false,
                    value: None,
                    ci95: None,
                    earlier: None,
                    suppressed: false,
                },
            }
        })
        .collect()
}

/// Hides every target figure that `shown` (the results they are shown beside) hides for the same municipality: a
/// figure shown alone could otherwise give back one that the complementary suppression of the whole results hid.
pub fn hide_as_shown(promises: &mut [MunicipalityPromises], shown: &Results, replaced: &HashMap<String, String>) {
    for municipality in promises {
        let group = shown.municipalities.iter().find(|group| group.code == municipality.code);
        for figure in municipality.promises.iter_mut().flat_map(|promise| &mut promise.targets) {
            if !figure.asked {
                continue;
            }
            let target = Target { kind: figure.kind, id: figure.id.clone() };
            let there = group.and_then(|group| find(group, &target, replaced));
            let (hidden, change_hidden) = match &there {
                Some(found) => (found.suppressed, found.earlier.is_some_and(|change| change.suppressed)),
                None => (true, true),
            };
            if hidden {
                figure.suppressed = true;
                figure.value = None;
                figure.ci95 = None;
            }
            if hidden || change_hidden {
                hide_change(&mut figure.earlier);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::instrument::default_instrument;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn wave(id: &str, opens_on: &str, closes_on: &str, closed: bool) -> Wave {
        Wave {
            survey_id: id.to_owned(),
            title: id.to_owned(),
            opens_on: day(opens_on),
            closes_on: day(closes_on),
            closed,
        }
    }

    #[test]
    fn stored_words_round_trip() {
        for responsible in Responsible::ALL {
            assert_eq!(Responsible::parse(responsible.as_str()), Some(responsible));
        }
        for status in PromiseStatus::ALL {
            assert_eq!(PromiseStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(TargetKind::parse("area"), Some(TargetKind::Area));
        assert_eq!(
            (Responsible::parse("mayor"), PromiseStatus::parse("done"), TargetKind::parse("x")),
            (None, None, None)
        );
    }

    #[test]
    fn a_title_is_one_to_two_hundred_characters_and_a_text_at_most_five_thousand() {
        assert_eq!(parse_title("  Belysning  "), Ok("Belysning".to_owned()));
        assert!(parse_title(" ").is_err());
        assert!(parse_title(&"å".repeat(200)).is_ok() && parse_title(&"å".repeat(201)).is_err());
        assert_eq!(parse_text(""), Ok(String::new()));
        assert!(parse_text(&"ö".repeat(5000)).is_ok() && parse_text(&"ö".repeat(5001)).is_err());
    }

    #[test]
    fn a_period_ends_on_or_after_its_start_and_names_each_wrong_date() {
        let period = PromisePeriod::parse("2026-09-01", "2027-06-30").unwrap();
        assert_eq!((period.starts_on, period.ends_on), (day("2026-09-01"), day("2027-06-30")));
        assert!(PromisePeriod::parse("2026-09-01", "2026-09-01").is_ok());
        assert_eq!(PromisePeriod::parse("2026-09-01", "2026-08-31"), Err(vec![PromisePeriodError::Backwards]));
        let both = PromisePeriod::parse("1 september", "").unwrap_err();
        assert_eq!(both.iter().map(PromisePeriodError::field).collect::<Vec<_>>(), ["starts_on", "ends_on"]);
    }

    #[test]
    fn the_questionnaire_offers_its_scale_and_yes_no_questions_by_area() {
        let areas = targetable(&default_instrument().unwrap(), "sv");
        let outdoor = areas.iter().find(|area| area.id == "outdoor_environment").unwrap();
        assert_eq!(outdoor.label, "Utemiljö");
        assert!(outdoor.indexed && outdoor.items.iter().any(|item| item.id == "littering"));
        let victimisation = areas.iter().find(|area| area.id == "victimisation").unwrap();
        assert!(!victimisation.indexed, "no scale question, no index");
        let reported = victimisation.items.iter().find(|item| item.id == "victim_violence_reported").unwrap();
        assert_eq!(reported.measure, Measure::Percent);
        assert!(reported.label.starts_with("Har du blivit utsatt för våld") && reported.label.ends_with("polisen?"));
        assert!(areas.iter().all(|area| area.id != "background"), "background questions are no target");
        let insecurity = areas.iter().find(|area| area.id == "insecurity").unwrap();
        assert!(insecurity.items.iter().all(|item| item.id != "unsafe_places"), "a multiple choice has no figure");

        let target = |kind, id: &str| Target { kind, id: id.to_owned() };
        assert!(is_targetable(&areas, &target(TargetKind::Item, "littering")));
        assert!(is_targetable(&areas, &target(TargetKind::Area, "disorder")));
        assert!(!is_targetable(&areas, &target(TargetKind::Area, "victimisation")));
        assert!(!is_targetable(&areas, &target(TargetKind::Item, "gender")));
        assert!(!is_targetable(&areas, &target(TargetKind::Area, "littering")));
    }

    #[test]
    fn the_wave_before_is_the_latest_closed_by_the_start_and_a_wave_after_opens_on_or_after_it() {
        let waves = [
            wave("2024", "2024-05-01", "2024-06-15", true),
            wave("2025", "2025-05-01", "2025-06-15", true),
            wave("2025-extra", "2025-08-01", "2025-09-30", false),
            wave("2026", "2026-05-01", "2026-06-15", true),
        ];
        let before = |starts: &str| wave_before(day(starts), &waves).map(|wave| wave.survey_id.as_str());
        assert_eq!(before("2025-09-01"), Some("2025"), "a survey not yet closed is no wave before");
        assert_eq!(before("2025-06-15"), Some("2025"), "closing on the first day of the promise counts");
        assert_eq!(before("2025-06-14"), Some("2024"));
        assert_eq!(before("2024-01-01"), None);
        assert!(waves[3].follows(day("2025-09-01")) && waves[3].follows(day("2026-05-01")));
        assert!(!waves[3].follows(day("2026-05-02")));
    }

    /// A municipality's results with one scale item, one yes/no item and one area, each beside the wave before.
    fn group(code: &str, item_hidden: bool) -> GroupResults {
        let change = |earlier: f64, change: f64, hidden: bool| {
            serde_json::json!({ "earlier": if hidden { None } else { Some(earlier) },
                "change": if hidden { None } else { Some(change) }, "ci95": if hidden { None } else { Some([change - 0.2, change + 0.2]) },
                "p_value": if hidden { None } else { Some(0.01) }, "significant": if hidden { None } else { Some(true) },
                "test": "welch", "suppressed": hidden })
        };
        let index = |value: f64, hidden: bool| if hidden { None } else { Some(value) };
        serde_json::from_value(serde_json::json!({
            "code": code, "name": code, "respondents": 120, "weighted": false, "effective_n": 120.0,
            "items": [{ "id": "littering_2027", "area": "outdoor_environment", "kind": "scale",
                "index": index(2.5, item_hidden), "valid": 100, "dont_know": 20, "dont_know_percent": 16.7,
                "ci95": if item_hidden { None } else { Some([2.2, 2.8]) }, "suppressed": item_hidden, "options": [],
                "earlier": change(3.0, -0.5, item_hidden) }],
            "areas": [{ "id": "outdoor_environment", "index": 2.1, "ci95": [1.9, 2.3], "valid": 110, "suppressed": false,
                "earlier": change(2.4, -0.3, false) }],
            "total": { "id": "total", "index": 2.0, "ci95": [1.8, 2.2], "valid": 118, "suppressed": false },
            "shares": [{ "id": "victim_theft", "area": "victimisation", "yes": 12, "valid": 118, "percent": 10.2,
                "ci95": [5.9, 17.0], "suppressed": false,
                "earlier": { "earlier": 14.0, "change": -3.8, "ci95": [-9.0, 1.4], "p_value": 0.2,
                    "significant": false, "test": "two_proportions", "suppressed": false } }]
        }))
        .unwrap()
    }

    #[test]
    fn each_target_takes_the_results_figures_by_id_or_by_the_id_its_item_replaces() {
        let areas = targetable(&default_instrument().unwrap(), "sv");
        let replaced = HashMap::from([("littering_2027".to_owned(), "littering".to_owned())]);
        let targets = [
            Target { kind: TargetKind::Item, id: "littering".to_owned() },
            Target { kind: TargetKind::Area, id: "outdoor_environment".to_owned() },
            Target { kind: TargetKind::Item, id: "victim_theft".to_owned() },
            Target { kind: TargetKind::Item, id: "graffiti".to_owned() },
        ];
        let figures = figures(&targets, &group("1783", false), &areas, &replaced);
        let littering = &figures[0];
        assert_eq!((littering.measure, littering.value, littering.asked), (Measure::Index, Some(2.5), true));
        assert!(littering.label.contains("nedskräpning"));
        let change = littering.earlier.as_ref().unwrap();
        assert_eq!((change.earlier, change.change, change.significant), (Some(3.0), Some(-0.5), Some(true)));
        assert_eq!((figures[1].value, figures[1].label.as_str()), (Some(2.1), "Utemiljö"));
        assert_eq!((figures[2].measure, figures[2].value), (Measure::Percent, Some(10.2)));
        assert!(!figures[3].asked && figures[3].value.is_none() && figures[3].earlier.is_none());
    }

    #[test]
    fn a_figure_the_results_beside_it_hide_is_hidden_with_its_change() {
        let areas = targetable(&default_instrument().unwrap(), "sv");
        let replaced = HashMap::from([("littering_2027".to_owned(), "littering".to_owned())]);
        let targets = [
            Target { kind: TargetKind::Item, id: "littering".to_owned() },
            Target { kind: TargetKind::Area, id: "outdoor_environment".to_owned() },
        ];
        let alone = group("1783", false);
        let promise = FollowedPromise {
            id: "p".to_owned(),
            title: "Städning".to_owned(),
            text: String::new(),
            responsible: Responsible::Municipality,
            status: PromiseStatus::Ongoing,
            starts_on: day("2026-09-01"),
            ends_on: day("2027-04-30"),
            before: wave("2026", "2026-05-01", "2026-06-15", true),
            targets: figures(&targets, &alone, &areas, &replaced),
        };
        let mut promises =
            vec![MunicipalityPromises { code: "1783".to_owned(), name: "Hagfors".to_owned(), promises: vec![promise] }];
        let shown = Results { municipalities: vec![group("1783", true)], total: None, by: None };
        hide_as_shown(&mut promises, &shown, &replaced);
        let [littering, area] = &promises[0].promises[0].targets[..] else { panic!("two targets") };
        assert!(littering.suppressed && littering.value.is_none() && littering.ci95.is_none());
        let change = littering.earlier.as_ref().unwrap();
        assert!(
            change.suppressed && change.earlier.is_none() && change.change.is_none() && change.significant.is_none()
        );
        assert_eq!(area.value, Some(2.1), "what the results show stays");
    }
}
