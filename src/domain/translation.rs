//! Which languages a survey offers its residents, and how far each translation of its questionnaire can be trusted.
//!
//! A questionnaire is written in its default language (the first of its `languages`, Swedish for the built-in one);
//! every other language is a translation. A translation is a **draft** until a native speaker has reviewed it and
//! staff have recorded that review (who reviewed it and when, `translation_reviews`); texts the team wrote itself
//! are drafts, and nothing presents them as reviewed. A survey offers its default language and the languages its
//! coordinator turned on; turning on a draft needs the coordinator to confirm it knows. Answers are stored as option
//! codes whatever the language, so results compare across languages.

use chrono::NaiveDateTime;

use crate::domain::text::Text;

/// How far a language of a questionnaire can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The language the questionnaire was written in.
    Source,
    /// A translation no native speaker has reviewed yet.
    Draft,
    /// A translation a native speaker has reviewed.
    Reviewed { reviewer: String, reviewed_at: NaiveDateTime },
}

impl Status {
    /// `source`, `draft` or `reviewed`, as the API gives it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Draft => "draft",
            Self::Reviewed { .. } => "reviewed",
        }
    }

    pub fn is_draft(&self) -> bool {
        matches!(self, Self::Draft)
    }
}

/// A survey's languages as stored: codes separated by commas ("sv,en,ar").
pub fn parse_stored(stored: &str) -> Vec<String> {
    stored.split(',').map(str::trim).filter(|code| !code.is_empty()).map(str::to_owned).collect()
}

/// Languages as a survey stores them.
pub fn to_stored(languages: &[String]) -> String {
    languages.join(",")
}

/// The languages a survey offers its residents, in the questionnaire's order: its default language, then each
/// language turned on (`stored`) that the questionnaire is written in and the pages around it exist in.
pub fn offered(stored: &str, instrument_languages: &[String], page_languages: &[String]) -> Vec<String> {
    let turned_on = parse_stored(stored);
    instrument_languages
        .iter()
        .enumerate()
        .filter(|(index, lang)| *index == 0 || (turned_on.contains(lang) && page_languages.contains(lang)))
        .map(|(_, lang)| lang.clone())
        .collect()
}

/// Why a change of a survey's languages was refused, with the field at fault (`languages` or `confirm_drafts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub reason: Text,
}

/// Checks the languages a coordinator asks a survey to offer, and gives them as the survey stores them: in the
/// questionnaire's order, its default language first (added when not asked for). Refused: a language the
/// questionnaire or the pages do not have, and a draft translation not offered before unless `confirmed`.
/// `status_of` tells each language's status; `before` is what the survey offers now.
pub fn check_change(
    asked: &[String],
    instrument_languages: &[String],
    page_languages: &[String],
    before: &[String],
    confirmed: bool,
    status_of: impl Fn(&str) -> Status,
) -> Result<Vec<String>, Refused> {
    let default = instrument_languages.first();
    for lang in asked.iter().filter(|lang| Some(*lang) != default) {
        if !instrument_languages.contains(lang) || !page_languages.contains(lang) {
            let known: Vec<&str> =
                instrument_languages.iter().filter(|lang| page_languages.contains(lang)).map(String::as_str).collect();
            let reason = Text::new("problem.languages.unknown").with("lang", lang).with("known", known.join(", "));
            return Err(Refused { field: "languages", reason });
        }
    }
    let chosen: Vec<String> = instrument_languages
        .iter()
        .enumerate()
        .filter(|(index, lang)| *index == 0 || asked.contains(lang))
        .map(|(_, lang)| lang.clone())
        .collect();
    let new_drafts: Vec<&str> =
        chosen.iter().filter(|lang| !before.contains(lang) && status_of(lang).is_draft()).map(String::as_str).collect();
    if !new_drafts.is_empty() && !confirmed {
        let reason = Text::new("problem.languages.unconfirmed_draft").with("languages", new_drafts.join(", "));
        return Err(Refused { field: "confirm_drafts", reason });
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|code| (*code).to_owned()).collect()
    }

    #[test]
    fn a_survey_offers_its_default_language_and_those_turned_on_that_exist() {
        let instrument = strings(&["sv", "en", "ar", "so"]);
        let pages = strings(&["sv", "ar", "en", "so"]);
        assert_eq!(offered("sv,en", &instrument, &pages), ["sv", "en"]);
        assert_eq!(offered("so,ar", &instrument, &pages), ["sv", "ar", "so"], "in the questionnaire's order");
        assert_eq!(offered("", &instrument, &pages), ["sv"], "the default language always");
        assert_eq!(offered("sv,fi", &instrument, &pages), ["sv"], "a language the questionnaire lacks is not offered");
        assert_eq!(offered("sv,so", &instrument, &strings(&["sv"])), ["sv"], "nor one the pages lack");
        assert_eq!(parse_stored(" sv, ar ,,"), ["sv", "ar"]);
        assert_eq!(to_stored(&strings(&["sv", "ar"])), "sv,ar");
    }

    #[test]
    fn turning_on_a_draft_translation_needs_a_confirmation() {
        let instrument = strings(&["sv", "en", "ar", "so"]);
        let pages = instrument.clone();
        let reviewed = |lang: &str| match lang {
            "sv" => Status::Source,
            "so" => Status::Reviewed { reviewer: "Hodan".into(), reviewed_at: NaiveDateTime::default() },
            _ => Status::Draft,
        };
        let before = strings(&["sv", "en"]);
        let check = |asked: &[&str], confirmed| {
            check_change(&strings(asked), &instrument, &pages, &before, confirmed, reviewed)
        };
        assert_eq!(check(&["so"], false).unwrap(), ["sv", "so"], "a reviewed one needs none; the default is kept");
        assert_eq!(check(&["en", "sv"], false).unwrap(), ["sv", "en"], "a draft offered before needs none");
        let without_swedish_pages = strings(&["en", "so"]);
        let asked = strings(&["sv", "so"]);
        let checked = check_change(&asked, &instrument, &without_swedish_pages, &before, false, reviewed);
        assert_eq!(checked.unwrap(), ["sv", "so"], "the questionnaire's own language is never refused");
        let refused = check(&["ar", "so"], false).unwrap_err();
        assert_eq!(refused.field, "confirm_drafts");
        assert_eq!(refused.reason, Text::new("problem.languages.unconfirmed_draft").with("languages", "ar"));
        assert_eq!(check(&["so", "ar"], true).unwrap(), ["sv", "ar", "so"]);
        let unknown = check(&["fi"], true).unwrap_err();
        assert_eq!(unknown.field, "languages");
        assert_eq!(
            unknown.reason,
            Text::new("problem.languages.unknown").with("lang", "fi").with("known", "sv, en, ar, so")
        );
    }
}
