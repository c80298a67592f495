//! The questionnaire's types: an [`Instrument`] and its parts, what they offer once loaded, and the error that
//! names a problem's place.

use std::collections::BTreeMap;

use serde::Serialize;

/// The answer code of "yes" to a yes/no item.
pub const YES: &str = "yes";
/// The answer code of "no" to a yes/no item.
pub const NO: &str = "no";

/// A yes/no item's answers where it gives no labels of its own, in the languages the service's pages exist in
/// (language code, yes, no); Swedish for any other.
pub const YES_NO_WORDS: [(&str, &str, &str); 7] = [
    ("sv", "Ja", "Nej"),
    ("en", "Yes", "No"),
    ("ar", "نعم", "لا"),
    ("fa", "بله", "خیر"),
    ("fi", "Kyllä", "Ei"),
    ("so", "Haa", "Maya"),
    ("ti", "እወ", "ኣይፋል"),
];

/// Why an instrument was refused: the place (`sections[2].items[4].scale`, or `line 3, column 7` for broken JSON)
/// and what is wrong there. Meant for the staff member who wrote the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct InstrumentError {
    pub path: String,
    pub problem: String,
}

/// A complete, valid questionnaire in one or more languages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instrument {
    pub(super) key: String,
    pub(super) version: String,
    pub(super) languages: Vec<String>,
    pub(super) title: Texts,
    pub(super) scales: BTreeMap<String, Scale>,
    pub(super) sections: Vec<Section>,
}

/// One text in several languages (language code → text). The instrument's default language is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Texts(pub(super) BTreeMap<String, String>);

/// The language to show texts in, with the instrument's default language to fall back to. Made by
/// [`Instrument::lang`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang<'a> {
    code: &'a str,
    default: &'a str,
}

/// Ordered answer options shared by several items, e.g. "no problem" … "a very big problem".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub options: Vec<ScaleOption>,
    /// An answer outside the scale ("don't know", "I never go out alone late"): counted, never weighed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dont_know: Option<Choice>,
}

/// One step of a scale, with its weight in the 0–6 problem index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleOption {
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    pub label: Texts,
}

/// An answer option: the code stored and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub code: String,
    pub label: Texts,
    /// In a multiple-choice question, an option that rules out every other ("Nej, ingen sådan plats"): it lets
    /// "none of these" be told apart from "not answered", and is refused together with another option.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
}

/// A page of the questionnaire; sections with an `area` make up that area of the problem index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: Texts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<Texts>,
    /// The index area, e.g. `outdoor_environment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    pub items: Vec<Item>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    #[serde(flatten)]
    pub kind: ItemKind,
    pub text: Texts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Texts>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// The id this item had in an earlier version of the questionnaire, so that results compare the two across waves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// How an item is answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// One step of a shared scale, or its "don't know".
    Scale { scale: String },
    /// Exactly one of the options.
    Single { options: Vec<Choice> },
    /// Any of the options (checkboxes), at most `max` of them.
    Multiple {
        options: Vec<Choice>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<usize>,
    },
    /// [`YES`] or [`NO`], with optional labels instead of "Ja"/"Nej".
    YesNo {
        #[serde(skip_serializing_if = "Option::is_none")]
        yes: Option<Texts>,
        #[serde(skip_serializing_if = "Option::is_none")]
        no: Option<Texts>,
    },
    /// A whole number from `min` to `max`.
    Number {
        min: i64,
        max: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<Texts>,
    },
    /// Free text of at most `max_chars` characters.
    Text { max_chars: usize },
}

/// Show an item only when an earlier item's answer is (or, for a multiple-choice item, includes) `equals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub item: String,
    pub equals: String,
}

impl Instrument {
    /// The instrument as JSON that [`Instrument::load`] reads back unchanged.
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The instrument's name, the same for all its versions (`trygghetsmatning`).
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The languages every text may be given in; the first is the default and is always given.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    pub fn default_language(&self) -> &str {
        self.languages.first().map_or("", String::as_str)
    }

    /// The language to show: `requested` if the instrument has it, otherwise the default language.
    pub fn lang(&self, requested: &str) -> Lang<'_> {
        let default = self.default_language();
        let code = self.languages.iter().find(|lang| *lang == requested).map_or(default, String::as_str);
        Lang { code, default }
    }

    pub fn title(&self) -> &Texts {
        &self.title
    }

    pub fn scales(&self) -> &BTreeMap<String, Scale> {
        &self.scales
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// All items in questionnaire order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|section| &section.items)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|item| item.id == id)
    }

    /// The index of the section an item is in.
    pub fn section_of(&self, item_id: &str) -> Option<usize> {
        self.sections.iter().position(|section| section.items.iter().any(|item| item.id == item_id))
    }

    /// The scale a scale item is answered on.
    pub fn scale_of(&self, item: &Item) -> Option<&Scale> {
        match &item.kind {
            ItemKind::Scale { scale } => self.scales.get(scale),
            _ => None,
        }
    }

    /// Whether `code` is one of [`Self::choice_codes`] of `item` (without collecting them: every saved page checks
    /// each of its resident's answers this way).
    pub fn is_choice(&self, item: &Item, code: &str) -> bool {
        match &item.kind {
            ItemKind::Scale { .. } => self.scale_of(item).is_some_and(|scale| {
                scale.options.iter().any(|option| option.code == code)
                    || scale.dont_know.as_ref().is_some_and(|choice| choice.code == code)
            }),
            ItemKind::Single { options } | ItemKind::Multiple { options, .. } => {
                options.iter().any(|choice| choice.code == code)
            }
            ItemKind::YesNo { .. } => code == YES || code == NO,
            ItemKind::Number { .. } | ItemKind::Text { .. } => false,
        }
    }

    /// The codes an item's answer can take, in display order ("don't know" last); `None` for number and text items.
    pub fn choice_codes<'a>(&'a self, item: &'a Item) -> Option<Vec<&'a str>> {
        let codes = match &item.kind {
            ItemKind::Scale { .. } => {
                let scale = self.scale_of(item)?;
                let options = scale.options.iter().map(|option| option.code.as_str());
                options.chain(scale.dont_know.iter().map(|choice| choice.code.as_str())).collect()
            }
            ItemKind::Single { options } | ItemKind::Multiple { options, .. } => {
                options.iter().map(|choice| choice.code.as_str()).collect()
            }
            ItemKind::YesNo { .. } => vec![YES, NO],
            ItemKind::Number { .. } | ItemKind::Text { .. } => return None,
        };
        Some(codes)
    }

    /// The items that replace an earlier item, by their id: the earlier item's id, for comparing waves.
    pub fn replaced_items(&self) -> std::collections::HashMap<String, String> {
        self.items().filter_map(|item| Some((item.id.clone(), item.replaces.clone()?))).collect()
    }

    /// The index weight of an answer to a scale item; `None` for "don't know", unweighted scales and other items.
    pub fn weight(&self, item_id: &str, option_code: &str) -> Option<f64> {
        let scale = self.scale_of(self.item(item_id)?)?;
        scale.options.iter().find(|option| option.code == option_code)?.weight
    }
}

impl Texts {
    /// The text in `lang`, or in the instrument's default language where it has no translation.
    pub fn get(&self, lang: Lang<'_>) -> &str {
        self.0.get(lang.code).or_else(|| self.0.get(lang.default)).map_or("", String::as_str)
    }

    /// The text in exactly this language, if it is given.
    pub fn exact(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).map(String::as_str)
    }

    /// Language code and text pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(lang, text)| (lang.as_str(), text.as_str()))
    }
}

impl<'a> Lang<'a> {
    /// The language texts are shown in (one of the instrument's languages).
    pub fn code(self) -> &'a str {
        self.code
    }

    pub fn is_default(self) -> bool {
        self.code == self.default
    }
}

impl Item {
    /// The labels of a yes/no item's answers: its own, or the language's plain yes and no ([`YES_NO_WORDS`]).
    /// `None` for other items.
    pub fn yes_no_labels<'a>(&'a self, lang: Lang<'a>) -> Option<(&'a str, &'a str)> {
        let ItemKind::YesNo { yes, no } = &self.kind else {
            return None;
        };
        let words = |code: &str| YES_NO_WORDS.iter().find(|(known, _, _)| *known == code);
        let (_, plain_yes, plain_no) = words(lang.code).or_else(|| words(lang.default)).unwrap_or(&YES_NO_WORDS[0]);
        let yes = yes.as_ref().map_or(*plain_yes, |yes| yes.get(lang));
        let no = no.as_ref().map_or(*plain_no, |no| no.get(lang));
        Some((yes, no))
    }
}

impl ItemKind {
    /// The `type` written in JSON.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Scale { .. } => "scale",
            Self::Single { .. } => "single",
            Self::Multiple { .. } => "multiple",
            Self::YesNo { .. } => "yes_no",
            Self::Number { .. } => "number",
            Self::Text { .. } => "text",
        }
    }
}

/// The error at `path`; an empty path is the whole instrument.
pub(super) fn error(path: impl Into<String>, problem: impl Into<String>) -> InstrumentError {
    let path = path.into();
    let path = if path.is_empty() { "instrument".to_owned() } else { path };
    InstrumentError { path, problem: problem.into() }
}
