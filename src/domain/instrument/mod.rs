//! The questionnaire as data: an [`Instrument`] is read from JSON, not written in code.
//!
//! There is no single national safety questionnaire: police regions and municipalities each run their variant of
//! the same seven areas, add translations (Arabic, Farsi, Somali …) and reword items from one year to the next. So
//! the questionnaire is a document with a key and a version, frozen when a survey opens, that staff can export, edit
//! and import; the code knows item *kinds* (scale, single, multiple, yes/no, number, text), never items.
//!
//! **Validated once, completely.** Instruments are written by hand, so [`Instrument::load`] checks everything a
//! survey will later rely on and names the exact place of the first problem it finds
//! (`sections[2].items[4].scale: unknown scale "x"`, or a line and column for broken JSON). An [`Instrument`]
//! therefore always holds a valid questionnaire: its fields are private and it can only be made by loading (also
//! through `serde`'s `Deserialize`, which loads). Loading never panics, whatever the input.
//!
//! **A hand-written reader.** The JSON is first read into a plain tree (`Node`) and then walked field by field.
//! `serde`'s derive cannot do both things we need: report a wrong field by its path rather than by line and column,
//! and refuse unknown fields on items whose kind is flattened into them (`deny_unknown_fields` does not combine with
//! `flatten`). A typo such as `"requried": true` must be an error, not a silently optional question. Writing uses the
//! derived `Serialize`; a round-trip test keeps the two in step. The tree also refuses duplicate keys in an object,
//! which `serde_json` would silently resolve to the last one.
//!
//! **Index weights.** The police report a problem index from 0 (no problem) to 6. Each answer option of a scale may
//! carry a weight; "don't know" is its own code in a separate slot and never a number, so it can leave the index
//! instead of pulling it towards the middle. A scale weighs either all of its options or none. The slot is really
//! "an answer outside the scale": the default instrument uses it for "I never go out alone late" on the safety
//! scale, which is just as much an answer that must not be weighed. Statements where agreeing is the *bad* end
//! ("I am critical of the police's local work") use their own scale with the weights reversed, so a lower index is
//! always better.
//!
//! **Conditions look back.** An item may be shown only when an *earlier* item has a given answer (a yes/no question
//! and its follow-up). Because conditions only point backwards, one pass in questionnaire order decides what is
//! visible, and a cycle is impossible.
//!
//! **Nothing is required by default.** Residents may skip any question, as they can on paper, and staff keying in a
//! paper form leave blanks blank. An item may still be marked `required`; the default instrument marks none.
//!
//! The JSON format, in short (every text is an object from language to text; the first language is the default):
//!
//! ```json
//! {
//!   "key": "trygghetsmatning", "version": "2026.1", "languages": ["sv", "en"],
//!   "title": { "sv": "Trygghetsmätning", "en": "Local safety survey" },
//!   "scales": { "problem": {
//!     "options": [ { "code": "none", "weight": 0, "label": { "sv": "Inget problem", "en": "No problem" } },
//!                  { "code": "big", "weight": 6, "label": { "sv": "Stort problem", "en": "A big problem" } } ],
//!     "dont_know": { "code": "dont_know", "label": { "sv": "Vet inte", "en": "Don't know" } } } },
//!   "sections": [ { "id": "outdoor_environment", "area": "outdoor_environment", "title": { "sv": "Utemiljö" },
//!     "items": [
//!       { "id": "littering", "type": "scale", "scale": "problem", "text": { "sv": "Hur stort problem är …?" } },
//!       { "id": "victim_theft", "type": "yes_no", "text": { "sv": "Har du blivit bestulen?" } },
//!       { "id": "victim_theft_reported", "type": "yes_no", "text": { "sv": "Anmälde du det till polisen?" },
//!         "show_if": { "item": "victim_theft", "equals": "yes" } } ] } ]
//! }
//! ```
//!
//! Item types and their own fields: `scale` (`scale`), `single` (`options`), `multiple` (`options`, `max`),
//! `yes_no` (`yes`, `no`: optional labels), `number` (`min`, `max`, `unit`), `text` (`max_chars`). Every item has
//! `id`, `type` and `text`, and may have `help`, `required` and `show_if`.

mod answers;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

pub use answers::{AnswerError, AnswerProblem, AnswerRow, AnswerValue, Answers, RawAnswers, RowError, RowProblem};

/// The default instrument as shipped; [`default_instrument`] loads it, and a unit test proves that it loads.
pub const DEFAULT_INSTRUMENT_JSON: &str = include_str!("../../../instruments/trygghetsmatning-2026.1.json");

/// The answer code of "yes" to a yes/no item.
pub const YES: &str = "yes";
/// The answer code of "no" to a yes/no item.
pub const NO: &str = "no";

/// Ids and codes are stored with every answer, so they are kept short.
const MAX_ID_CHARS: usize = 64;
/// The most a free-text item may allow.
const MAX_TEXT_CHARS: usize = 10_000;

/// The questionnaire every new survey uses, [`DEFAULT_INSTRUMENT_JSON`] loaded. The unit tests load it, so in a
/// tested build this never returns an error.
pub fn default_instrument() -> Result<Instrument, InstrumentError> {
    Instrument::load(DEFAULT_INSTRUMENT_JSON)
}

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
    key: String,
    version: String,
    languages: Vec<String>,
    title: Texts,
    scales: BTreeMap<String, Scale>,
    sections: Vec<Section>,
}

/// One text in several languages (language code → text). The instrument's default language is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Texts(BTreeMap<String, String>);

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
    /// Reads and validates an instrument; the error names the first problem's place.
    pub fn load(json: &str) -> Result<Self, InstrumentError> {
        let node: Node = serde_json::from_str(json).map_err(|error| syntax_error(&error))?;
        let instrument = read_instrument(&node)?;
        instrument.validate()?;
        Ok(instrument)
    }

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

    /// The index weight of an answer to a scale item; `None` for "don't know", unweighted scales and other items.
    pub fn weight(&self, item_id: &str, option_code: &str) -> Option<f64> {
        let scale = self.scale_of(self.item(item_id)?)?;
        scale.options.iter().find(|option| option.code == option_code)?.weight
    }

    /// Every text in the instrument with its path, in file order.
    fn all_texts(&self) -> Vec<(String, &Texts)> {
        let mut all = vec![("title".to_owned(), &self.title)];
        for (name, scale) in &self.scales {
            for (index, option) in scale.options.iter().enumerate() {
                all.push((format!("scales.{name}.options[{index}].label"), &option.label));
            }
            if let Some(dont_know) = &scale.dont_know {
                all.push((format!("scales.{name}.dont_know.label"), &dont_know.label));
            }
        }
        for (section_index, section) in self.sections.iter().enumerate() {
            let path = format!("sections[{section_index}]");
            all.push((format!("{path}.title"), &section.title));
            all.extend(section.intro.iter().map(|intro| (format!("{path}.intro"), intro)));
            for (item_index, item) in section.items.iter().enumerate() {
                let path = format!("{path}.items[{item_index}]");
                all.push((format!("{path}.text"), &item.text));
                all.extend(item.help.iter().map(|help| (format!("{path}.help"), help)));
                match &item.kind {
                    ItemKind::Single { options } | ItemKind::Multiple { options, .. } => {
                        for (index, choice) in options.iter().enumerate() {
                            all.push((format!("{path}.options[{index}].label"), &choice.label));
                        }
                    }
                    ItemKind::YesNo { yes, no } => {
                        all.extend(yes.iter().map(|yes| (format!("{path}.yes"), yes)));
                        all.extend(no.iter().map(|no| (format!("{path}.no"), no)));
                    }
                    ItemKind::Number { unit, .. } => {
                        all.extend(unit.iter().map(|unit| (format!("{path}.unit"), unit)));
                    }
                    ItemKind::Scale { .. } | ItemKind::Text { .. } => {}
                }
            }
        }
        all
    }

    /// Checks what the reader cannot: identifiers, references, uniqueness, ranges and languages.
    fn validate(&self) -> Result<(), InstrumentError> {
        if !is_key(&self.key) {
            return Err(error("key", "use 1 to 64 of the characters a-z, 0-9, _ and -, e.g. \"trygghetsmatning\""));
        }
        let version = self.version.trim();
        if version.is_empty() || version != self.version || self.version.chars().count() > MAX_ID_CHARS {
            return Err(error(
                "version",
                "give a version of 1 to 64 characters without surrounding spaces, e.g. \"2026.1\"",
            ));
        }
        if self.version.chars().any(char::is_control) {
            return Err(error("version", "the version contains a control character"));
        }
        if self.languages.is_empty() {
            return Err(error(
                "languages",
                "list at least one language; the first is the default, e.g. [\"sv\", \"en\"]",
            ));
        }
        for (index, lang) in self.languages.iter().enumerate() {
            if !is_language_tag(lang) {
                return Err(error(
                    format!("languages[{index}]"),
                    format!("\"{lang}\" is not a language code such as \"sv\""),
                ));
            }
            if self.languages[..index].contains(lang) {
                return Err(error(format!("languages[{index}]"), format!("\"{lang}\" is listed twice")));
            }
        }
        for (path, texts) in self.all_texts() {
            check_texts(texts, &path, &self.languages)?;
        }
        for (name, scale) in &self.scales {
            check_scale(name, scale)?;
        }
        if self.sections.is_empty() {
            return Err(error("sections", "the instrument needs at least one section"));
        }
        let all_ids: BTreeSet<&str> = self.items().map(|item| item.id.as_str()).collect();
        let mut section_ids = BTreeSet::new();
        let mut earlier: BTreeMap<&str, &Item> = BTreeMap::new();
        for (section_index, section) in self.sections.iter().enumerate() {
            let path = format!("sections[{section_index}]");
            check_id(&section.id, &format!("{path}.id"))?;
            if !section_ids.insert(section.id.as_str()) {
                return Err(error(format!("{path}.id"), format!("the section id \"{}\" is used twice", section.id)));
            }
            if let Some(area) = &section.area {
                check_id(area, &format!("{path}.area"))?;
            }
            if section.items.is_empty() {
                return Err(error(format!("{path}.items"), "a section needs at least one item"));
            }
            for (item_index, item) in section.items.iter().enumerate() {
                let path = format!("{path}.items[{item_index}]");
                check_id(&item.id, &format!("{path}.id"))?;
                if earlier.contains_key(item.id.as_str()) {
                    let problem =
                        format!("the item id \"{}\" is used twice; item ids are unique in the instrument", item.id);
                    return Err(error(format!("{path}.id"), problem));
                }
                self.check_kind(&item.kind, &path)?;
                if let Some(condition) = &item.show_if {
                    self.check_condition(item, condition, &path, &earlier, &all_ids)?;
                }
                earlier.insert(&item.id, item);
            }
        }
        Ok(())
    }

    fn check_kind(&self, kind: &ItemKind, path: &str) -> Result<(), InstrumentError> {
        match kind {
            ItemKind::Scale { scale } => {
                if !self.scales.contains_key(scale) {
                    return Err(error(format!("{path}.scale"), format!("unknown scale \"{scale}\"")));
                }
            }
            ItemKind::Single { options } => check_choices(options, &format!("{path}.options"))?,
            ItemKind::Multiple { options, max } => {
                check_choices(options, &format!("{path}.options"))?;
                match *max {
                    Some(0) => return Err(error(format!("{path}.max"), "must be at least 1")),
                    Some(max) if max > options.len() => {
                        let problem = format!("is {max}, but there are only {} options", options.len());
                        return Err(error(format!("{path}.max"), problem));
                    }
                    _ => {}
                }
            }
            ItemKind::YesNo { .. } => {}
            ItemKind::Number { min, max, .. } => {
                if min > max {
                    return Err(error(format!("{path}.max"), format!("max ({max}) is less than min ({min})")));
                }
            }
            ItemKind::Text { max_chars } => {
                if !(1..=MAX_TEXT_CHARS).contains(max_chars) {
                    let problem = format!("must be from 1 to {MAX_TEXT_CHARS}, not {max_chars}");
                    return Err(error(format!("{path}.max_chars"), problem));
                }
            }
        }
        Ok(())
    }

    fn check_condition(
        &self,
        item: &Item,
        condition: &Condition,
        path: &str,
        earlier: &BTreeMap<&str, &Item>,
        all_ids: &BTreeSet<&str>,
    ) -> Result<(), InstrumentError> {
        let target = condition.item.as_str();
        let Some(parent) = earlier.get(target) else {
            let problem = if target == item.id {
                "an item cannot depend on itself".to_owned()
            } else if all_ids.contains(target) {
                format!("\"{target}\" comes after this item; a condition can only depend on an earlier item")
            } else {
                format!("no item \"{target}\"")
            };
            return Err(error(format!("{path}.show_if.item"), problem));
        };
        let Some(codes) = self.choice_codes(parent) else {
            let problem = format!(
                "\"{target}\" is a {} item; a condition can only depend on an item answered by choosing",
                parent.kind.type_name()
            );
            return Err(error(format!("{path}.show_if.item"), problem));
        };
        if !codes.contains(&condition.equals.as_str()) {
            let problem = format!(
                "\"{}\" is not an answer to \"{target}\", whose answers are {}",
                condition.equals,
                codes.join(", ")
            );
            return Err(error(format!("{path}.show_if.equals"), problem));
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Instrument {
    /// Deserializing an instrument loads it: the result is validated like [`Instrument::load`]'s.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(deserializer)?;
        let instrument = read_instrument(&node).map_err(de::Error::custom)?;
        instrument.validate().map_err(de::Error::custom)?;
        Ok(instrument)
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
    /// The labels of a yes/no item's answers: its own, or "Ja"/"Nej" (English: "Yes"/"No"). `None` for other items.
    pub fn yes_no_labels<'a>(&'a self, lang: Lang<'a>) -> Option<(&'a str, &'a str)> {
        let ItemKind::YesNo { yes, no } = &self.kind else {
            return None;
        };
        let english = lang.code == "en";
        let yes = yes.as_ref().map_or(if english { "Yes" } else { "Ja" }, |yes| yes.get(lang));
        let no = no.as_ref().map_or(if english { "No" } else { "Nej" }, |no| no.get(lang));
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

fn error(path: impl Into<String>, problem: impl Into<String>) -> InstrumentError {
    let path = path.into();
    let path = if path.is_empty() { "instrument".to_owned() } else { path };
    InstrumentError { path, problem: problem.into() }
}

fn syntax_error(json_error: &serde_json::Error) -> InstrumentError {
    let (line, column) = (json_error.line(), json_error.column());
    let message = json_error.to_string();
    let message = message.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&message);
    let problem = if json_error.is_eof() { format!("the JSON ends too early ({message})") } else { message.to_owned() };
    InstrumentError { path: format!("line {line}, column {column}"), problem }
}

/// `[a-z0-9_]{1,64}`: ids of sections and items, scale names, option codes and area keys.
fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID_CHARS
        && text.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// An instrument key may also contain `-`.
fn is_key(text: &str) -> bool {
    is_id(&text.replace('-', "_"))
}

/// A BCP 47-like language code: `sv`, `prs`, `sv-FI`.
fn is_language_tag(text: &str) -> bool {
    let mut parts = text.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|part| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn check_id(id: &str, path: &str) -> Result<(), InstrumentError> {
    if is_id(id) {
        Ok(())
    } else {
        Err(error(path, format!("\"{id}\" is not a valid id: use 1 to 64 of the characters a-z, 0-9 and _")))
    }
}

fn check_texts(texts: &Texts, path: &str, languages: &[String]) -> Result<(), InstrumentError> {
    let default = languages.first().map_or("", String::as_str);
    if !texts.0.contains_key(default) {
        return Err(error(path, format!("no text in the default language \"{default}\"")));
    }
    for (lang, text) in &texts.0 {
        if !languages.contains(lang) {
            let problem = format!("\"{lang}\" is not one of the instrument's languages ({})", languages.join(", "));
            return Err(error(format!("{path}.{lang}"), problem));
        }
        if text.trim().is_empty() {
            let problem = "empty text; leave the language out to fall back to the default language";
            return Err(error(format!("{path}.{lang}"), problem));
        }
    }
    Ok(())
}

/// Codes in one list of options: valid and distinct.
fn check_codes<'a>(codes: impl Iterator<Item = &'a str>, path: &str) -> Result<(), InstrumentError> {
    let mut seen = BTreeSet::new();
    for (index, code) in codes.enumerate() {
        let path = format!("{path}[{index}].code");
        check_id(code, &path)?;
        if !seen.insert(code) {
            return Err(error(path, format!("the code \"{code}\" is used twice in these options")));
        }
    }
    Ok(())
}

fn check_choices(options: &[Choice], path: &str) -> Result<(), InstrumentError> {
    if options.is_empty() {
        return Err(error(path, "list at least one option"));
    }
    check_codes(options.iter().map(|choice| choice.code.as_str()), path)
}

fn check_scale(name: &str, scale: &Scale) -> Result<(), InstrumentError> {
    let path = format!("scales.{name}");
    check_id(name, &path)?;
    if scale.options.len() < 2 {
        return Err(error(format!("{path}.options"), "a scale needs at least two options"));
    }
    check_codes(scale.options.iter().map(|option| option.code.as_str()), &format!("{path}.options"))?;
    let weighted = scale.options.iter().any(|option| option.weight.is_some());
    for (index, option) in scale.options.iter().enumerate() {
        let path = format!("{path}.options[{index}].weight");
        match option.weight {
            Some(weight) if !weight.is_finite() => return Err(error(path, "the weight must be a finite number")),
            None if weighted => return Err(error(path, "either every option of a scale has a weight or none has")),
            _ => {}
        }
    }
    if let Some(dont_know) = &scale.dont_know {
        let path = format!("{path}.dont_know.code");
        check_id(&dont_know.code, &path)?;
        if scale.options.iter().any(|option| option.code == dont_know.code) {
            let problem = format!("\"{}\" is already an option's code; \"don't know\" needs its own", dont_know.code);
            return Err(error(path, problem));
        }
    }
    Ok(())
}

/// A JSON value as read: objects keep their keys in file order, and a key given twice is refused.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Integer(i128),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "true or false",
            Self::Integer(_) => "a whole number",
            Self::Float(_) => "a number with a decimal point or exponent",
            Self::Str(_) => "a string",
            Self::List(_) => "a list",
            Self::Map(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Integer(i128::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Integer(i128::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Str(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
        Ok(Node::Str(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key \"{key}\" appears twice in this object")));
            }
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// The fields of one JSON object and its path, for reading them one by one.
struct Fields<'a> {
    path: String,
    entries: &'a [(String, Node)],
}

impl<'a> Fields<'a> {
    fn of(node: &'a Node, path: String) -> Result<Self, InstrumentError> {
        match node {
            Node::Map(entries) => Ok(Self { path, entries }),
            other => Err(mistyped(&path, "an object { … }", other)),
        }
    }

    /// Refuses any field not in `allowed`; `what` names the object in the message ("a section").
    fn only(&self, allowed: &[&str], what: &str) -> Result<(), InstrumentError> {
        match self.entries.iter().find(|(key, _)| !allowed.contains(&key.as_str())) {
            Some((key, _)) => {
                Err(error(self.at(key), format!("unknown field; {what} has the fields {}", allowed.join(", "))))
            }
            None => Ok(()),
        }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    /// A field's value; `null` counts as absent.
    fn optional(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, node)| node)
            .filter(|node| !matches!(node, Node::Null))
    }

    fn required(&self, key: &str) -> Result<&'a Node, InstrumentError> {
        self.optional(key).ok_or_else(|| error(self.at(key), "this field is missing"))
    }

    fn string(&self, key: &str) -> Result<String, InstrumentError> {
        as_string(self.required(key)?, &self.at(key))
    }

    fn texts(&self, key: &str) -> Result<Texts, InstrumentError> {
        as_texts(self.required(key)?, &self.at(key))
    }

    fn optional_texts(&self, key: &str) -> Result<Option<Texts>, InstrumentError> {
        self.optional(key).map(|node| as_texts(node, &self.at(key))).transpose()
    }

    fn integer(&self, key: &str) -> Result<i64, InstrumentError> {
        as_integer(self.required(key)?, &self.at(key))
    }

    fn count(&self, key: &str) -> Result<usize, InstrumentError> {
        as_count(self.required(key)?, &self.at(key))
    }

    /// Reads each element of a list field with `read`, giving it the element's path.
    fn list<T>(
        &self,
        key: &str,
        read: impl Fn(&'a Node, String) -> Result<T, InstrumentError>,
    ) -> Result<Vec<T>, InstrumentError> {
        let path = self.at(key);
        match self.required(key)? {
            Node::List(items) => {
                items.iter().enumerate().map(|(index, node)| read(node, format!("{path}[{index}]"))).collect()
            }
            other => Err(mistyped(&path, "a list [ … ]", other)),
        }
    }
}

fn mistyped(path: &str, expected: &str, found: &Node) -> InstrumentError {
    error(path, format!("expected {expected}, found {}", found.describe()))
}

fn as_string(node: &Node, path: &str) -> Result<String, InstrumentError> {
    match node {
        Node::Str(text) => Ok(text.clone()),
        other => Err(mistyped(path, "a string \"…\"", other)),
    }
}

fn as_integer(node: &Node, path: &str) -> Result<i64, InstrumentError> {
    match node {
        Node::Integer(number) => i64::try_from(*number).map_err(|_| error(path, "the number is too large")),
        other => Err(mistyped(path, "a whole number", other)),
    }
}

fn as_count(node: &Node, path: &str) -> Result<usize, InstrumentError> {
    match node {
        Node::Integer(number) => usize::try_from(*number).map_err(|_| error(path, "expected a whole number from 0 up")),
        other => Err(mistyped(path, "a whole number", other)),
    }
}

fn as_texts(node: &Node, path: &str) -> Result<Texts, InstrumentError> {
    let Node::Map(entries) = node else {
        return Err(mistyped(path, "texts by language, e.g. { \"sv\": \"…\", \"en\": \"…\" }", node));
    };
    let texts = entries.iter().map(|(lang, text)| Ok((lang.clone(), as_string(text, &format!("{path}.{lang}"))?)));
    Ok(Texts(texts.collect::<Result<_, InstrumentError>>()?))
}

fn read_instrument(node: &Node) -> Result<Instrument, InstrumentError> {
    let fields = Fields::of(node, String::new())?;
    fields.only(&["key", "version", "languages", "title", "scales", "sections"], "an instrument")?;
    let key = fields.string("key")?;
    let version = fields.string("version")?;
    let languages = fields.list("languages", |node, path| as_string(node, &path))?;
    let title = fields.texts("title")?;
    let mut scales = BTreeMap::new();
    if let Some(node) = fields.optional("scales") {
        let named = Fields::of(node, fields.at("scales"))?;
        for (name, node) in named.entries {
            scales.insert(name.clone(), read_scale(node, named.at(name))?);
        }
    }
    let sections = fields.list("sections", read_section)?;
    Ok(Instrument { key, version, languages, title, scales, sections })
}

fn read_scale(node: &Node, path: String) -> Result<Scale, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["options", "dont_know"], "a scale")?;
    let options = fields.list("options", read_scale_option)?;
    let dont_know = fields.optional("dont_know").map(|node| read_choice(node, fields.at("dont_know"))).transpose()?;
    Ok(Scale { options, dont_know })
}

fn read_scale_option(node: &Node, path: String) -> Result<ScaleOption, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["code", "weight", "label"], "a scale option")?;
    let weight = match fields.optional("weight") {
        None => None,
        Some(Node::Integer(weight)) => Some(*weight as f64),
        Some(Node::Float(weight)) => Some(*weight),
        Some(other) => return Err(mistyped(&fields.at("weight"), "a number", other)),
    };
    Ok(ScaleOption { code: fields.string("code")?, weight, label: fields.texts("label")? })
}

fn read_choice(node: &Node, path: String) -> Result<Choice, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["code", "label"], "an option")?;
    Ok(Choice { code: fields.string("code")?, label: fields.texts("label")? })
}

fn read_section(node: &Node, path: String) -> Result<Section, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["id", "title", "intro", "area", "items"], "a section")?;
    Ok(Section {
        id: fields.string("id")?,
        title: fields.texts("title")?,
        intro: fields.optional_texts("intro")?,
        area: fields.optional("area").map(|node| as_string(node, &fields.at("area"))).transpose()?,
        items: fields.list("items", read_item)?,
    })
}

const ITEM_FIELDS: [&str; 6] = ["id", "type", "text", "help", "required", "show_if"];

fn read_item(node: &Node, path: String) -> Result<Item, InstrumentError> {
    let fields = Fields::of(node, path)?;
    let type_name = fields.string("type")?;
    let own_fields: &[&str] = match type_name.as_str() {
        "scale" => &["scale"],
        "single" => &["options"],
        "multiple" => &["options", "max"],
        "yes_no" => &["yes", "no"],
        "number" => &["min", "max", "unit"],
        "text" => &["max_chars"],
        _ => {
            let problem = format!(
                "unknown item type \"{type_name}\"; the types are scale, single, multiple, yes_no, number, text"
            );
            return Err(error(fields.at("type"), problem));
        }
    };
    let allowed: Vec<&str> = ITEM_FIELDS.iter().chain(own_fields).copied().collect();
    fields.only(&allowed, &format!("a \"{type_name}\" item"))?;
    let kind = match type_name.as_str() {
        "scale" => ItemKind::Scale { scale: fields.string("scale")? },
        "single" => ItemKind::Single { options: fields.list("options", read_choice)? },
        "multiple" => ItemKind::Multiple {
            options: fields.list("options", read_choice)?,
            max: fields.optional("max").map(|node| as_count(node, &fields.at("max"))).transpose()?,
        },
        "yes_no" => ItemKind::YesNo { yes: fields.optional_texts("yes")?, no: fields.optional_texts("no")? },
        "number" => ItemKind::Number {
            min: fields.integer("min")?,
            max: fields.integer("max")?,
            unit: fields.optional_texts("unit")?,
        },
        _ => ItemKind::Text { max_chars: fields.count("max_chars")? },
    };
    let required = match fields.optional("required") {
        None => false,
        Some(Node::Bool(required)) => *required,
        Some(other) => return Err(mistyped(&fields.at("required"), "true or false", other)),
    };
    Ok(Item {
        id: fields.string("id")?,
        kind,
        text: fields.texts("text")?,
        help: fields.optional_texts("help")?,
        required,
        show_if: fields.optional("show_if").map(|node| read_condition(node, fields.at("show_if"))).transpose()?,
    })
}

fn read_condition(node: &Node, path: String) -> Result<Condition, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["item", "equals"], "a condition")?;
    Ok(Condition { item: fields.string("item")?, equals: fields.string("equals")? })
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A small instrument with one item of every kind and conditions within and across sections.
    pub(crate) fn sample_json() -> Value {
        json!({
            "key": "test",
            "version": "1",
            "languages": ["sv", "en"],
            "title": { "sv": "Prov", "en": "Test" },
            "scales": {
                "problem": {
                    "options": [
                        { "code": "none", "weight": 0, "label": { "sv": "Inget", "en": "None" } },
                        { "code": "small", "weight": 2, "label": { "sv": "Litet", "en": "Small" } },
                        { "code": "big", "weight": 6, "label": { "sv": "Stort", "en": "Big" } }
                    ],
                    "dont_know": { "code": "dont_know", "label": { "sv": "Vet inte", "en": "Don't know" } }
                }
            },
            "sections": [
                {
                    "id": "first",
                    "area": "outdoor_environment",
                    "title": { "sv": "Första", "en": "First" },
                    "items": [
                        { "id": "littering", "type": "scale", "scale": "problem", "text": { "sv": "Skräp?" } },
                        { "id": "victim", "type": "yes_no", "text": { "sv": "Utsatt?", "en": "Victim?" } },
                        {
                            "id": "reported", "type": "yes_no", "text": { "sv": "Anmälde du?" }, "required": true,
                            "show_if": { "item": "victim", "equals": "yes" }
                        },
                        {
                            "id": "transport", "type": "multiple", "max": 2, "text": { "sv": "Hur reser du?" },
                            "options": [
                                { "code": "bus", "label": { "sv": "Buss" } },
                                { "code": "walk", "label": { "sv": "Till fots" } },
                                { "code": "car", "label": { "sv": "Bil" } }
                            ]
                        },
                        {
                            "id": "bus_safe", "type": "yes_no", "text": { "sv": "Trygg på bussen?" },
                            "show_if": { "item": "transport", "equals": "bus" }
                        }
                    ]
                },
                {
                    "id": "second",
                    "title": { "sv": "Andra" },
                    "items": [
                        {
                            "id": "age", "type": "single", "required": true, "text": { "sv": "Ålder?" },
                            "options": [
                                { "code": "young", "label": { "sv": "Ung" } },
                                { "code": "old", "label": { "sv": "Gammal" } }
                            ]
                        },
                        { "id": "years", "type": "number", "min": 0, "max": 100, "text": { "sv": "År?" } },
                        { "id": "comment", "type": "text", "max_chars": 10, "text": { "sv": "Övrigt?" } },
                        {
                            "id": "why_reported", "type": "text", "max_chars": 100, "text": { "sv": "Varför?" },
                            "show_if": { "item": "reported", "equals": "yes" }
                        }
                    ]
                }
            ]
        })
    }

    pub(crate) fn sample() -> Instrument {
        Instrument::load(&sample_json().to_string()).unwrap()
    }

    fn default() -> Instrument {
        default_instrument().unwrap()
    }

    fn refused(json: &Value) -> InstrumentError {
        Instrument::load(&json.to_string()).expect_err("the instrument should be refused")
    }

    #[test]
    fn the_default_instrument_loads_with_seven_areas_background_and_comment() {
        let instrument = default();
        assert_eq!((instrument.key(), instrument.version()), ("trygghetsmatning", "2026.1"));
        assert_eq!(instrument.key(), crate::domain::survey::DEFAULT_INSTRUMENT_KEY);
        assert_eq!(instrument.version(), crate::domain::survey::DEFAULT_INSTRUMENT_VERSION);
        assert_eq!(instrument.languages(), ["sv", "en"]);
        let sections: Vec<(&str, Option<&str>)> =
            instrument.sections().iter().map(|section| (section.id.as_str(), section.area.as_deref())).collect();
        assert_eq!(
            sections,
            [
                ("outdoor_environment", Some("outdoor_environment")),
                ("alcohol_and_drugs", Some("alcohol_and_drugs")),
                ("disorder", Some("disorder")),
                ("victimisation", Some("victimisation")),
                ("worry_about_crime", Some("worry_about_crime")),
                ("insecurity", Some("insecurity")),
                ("police", Some("police")),
                ("background", None),
                ("comment", None),
            ]
        );
        assert!(instrument.sections().iter().all(|section| section.intro.is_some()));
        let counts: Vec<usize> = instrument.sections().iter().map(|section| section.items.len()).collect();
        assert_eq!(counts, [5, 3, 5, 10, 4, 3, 3, 5, 1]);
        assert!(instrument.items().all(|item| !item.required), "residents may skip every question");
        let comment = instrument.item("comment").unwrap();
        assert_eq!(comment.kind, ItemKind::Text { max_chars: 2000 });
        let years = instrument.item("years_in_area").unwrap();
        let ItemKind::Number { min: 0, max: 100, unit: Some(unit) } = &years.kind else { panic!("{years:?}") };
        assert_eq!((unit.exact("sv"), unit.exact("en")), (Some("år"), Some("years")));
        assert_eq!(
            instrument.item("age_band").and_then(|item| instrument.choice_codes(item)).map(|codes| codes.len()),
            Some(7)
        );
    }

    #[test]
    fn every_default_text_is_in_swedish_and_english() {
        let instrument = default();
        let texts = instrument.all_texts();
        assert!(texts.len() > 100, "{}", texts.len());
        for (path, texts) in texts {
            for lang in ["sv", "en"] {
                let text = texts.exact(lang).unwrap_or_else(|| panic!("{path} has no {lang} text"));
                assert_eq!(text.trim(), text, "{path}.{lang}");
            }
            assert_ne!(texts.exact("sv"), texts.exact("en").filter(|en| en.len() > 4), "{path} is not translated");
        }
    }

    #[test]
    fn every_victimisation_question_has_a_reported_follow_up() {
        let instrument = default();
        let section = &instrument.sections()[3];
        for pair in section.items.chunks(2) {
            let [question, follow_up] = pair else { panic!("items come in pairs") };
            assert!(
                matches!(question.kind, ItemKind::YesNo { .. }) && matches!(follow_up.kind, ItemKind::YesNo { .. })
            );
            assert_eq!(follow_up.id, format!("{}_reported", question.id));
            assert_eq!(follow_up.show_if, Some(Condition { item: question.id.clone(), equals: YES.to_owned() }));
            assert_eq!(follow_up.text.exact("sv"), Some("Anmälde du det till polisen?"));
        }
    }

    #[test]
    fn default_scales_weigh_0_2_4_6_and_never_weigh_dont_know() {
        let instrument = default();
        let weights = |name: &str| -> Vec<Option<f64>> {
            instrument.scales()[name].options.iter().map(|option| option.weight).collect()
        };
        for name in ["problem", "worry", "safety", "agree"] {
            assert_eq!(weights(name), [Some(0.0), Some(2.0), Some(4.0), Some(6.0)], "{name}");
        }
        assert_eq!(weights("agree_reversed"), [Some(6.0), Some(4.0), Some(2.0), Some(0.0)]);
        let problem = &instrument.scales()["problem"];
        let labels: Vec<&str> = problem.options.iter().map(|option| option.label.exact("sv").unwrap()).collect();
        assert_eq!(labels, ["Inget problem", "Litet problem", "Ganska stort problem", "Mycket stort problem"]);
        let dont_know = problem.dont_know.as_ref().unwrap();
        assert_eq!((dont_know.code.as_str(), dont_know.label.exact("sv")), ("dont_know", Some("Vet inte")));
        let never_out = instrument.scales()["safety"].dont_know.as_ref().unwrap();
        assert_eq!(
            (never_out.code.as_str(), never_out.label.exact("sv")),
            ("never_out", Some("Går aldrig ut ensam sent"))
        );
        assert_eq!(instrument.weight("littering", "very_big"), Some(6.0));
        assert_eq!(instrument.weight("littering", "none"), Some(0.0));
        assert_eq!(instrument.weight("littering", "dont_know"), None);
        assert_eq!(instrument.weight("unsafe_evening", "never_out"), None);
        assert_eq!(instrument.weight("police_critical", "agree_fully"), Some(6.0));
        assert_eq!(instrument.weight("victim_violence", "yes"), None);
        assert_eq!(instrument.weight("no_such_item", "none"), None);
        // Every scale item of the seven areas can be weighed.
        let area_items = instrument.sections().iter().filter(|section| section.area.is_some()).flat_map(|s| &s.items);
        for item in area_items.filter(|item| matches!(item.kind, ItemKind::Scale { .. })) {
            let scale = instrument.scale_of(item).unwrap();
            assert!(scale.options.iter().all(|option| option.weight.is_some()), "{}", item.id);
            assert!(scale.dont_know.is_some(), "{}", item.id);
        }
    }

    #[test]
    fn instruments_survive_a_round_trip_through_json() {
        for instrument in [default(), sample()] {
            let json = instrument.to_json_pretty().unwrap();
            assert_eq!(Instrument::load(&json), Ok(instrument.clone()));
            assert_eq!(serde_json::from_str::<Instrument>(&json).unwrap(), instrument);
        }
    }

    #[test]
    fn the_example_in_the_module_doc_loads() {
        let source = include_str!("mod.rs");
        let (_, example) = source.split_once("//! ```json\n").unwrap();
        let (example, _) = example.split_once("//! ```").unwrap();
        let json: String = example.lines().map(|line| format!("{}\n", line.trim_start_matches("//!"))).collect();
        let instrument = Instrument::load(&json).unwrap();
        assert_eq!(instrument.items().count(), 3);
    }

    #[test]
    fn deserializing_validates_too() {
        let mut json = sample_json();
        json["sections"][0]["items"][0]["scale"] = json!("nope");
        let error = serde_json::from_str::<Instrument>(&json.to_string()).unwrap_err();
        assert!(error.to_string().starts_with("sections[0].items[0].scale: unknown scale \"nope\""), "{error}");
    }

    #[test]
    fn texts_fall_back_to_the_default_language() {
        let instrument = sample();
        let (sv, en, other) = (instrument.lang("sv"), instrument.lang("en"), instrument.lang("de"));
        assert_eq!((sv.code(), en.code(), other.code()), ("sv", "en", "sv"));
        assert!(sv.is_default() && !en.is_default());
        let victim = instrument.item("victim").unwrap();
        assert_eq!(
            (victim.text.get(sv), victim.text.get(en), victim.text.get(other)),
            ("Utsatt?", "Victim?", "Utsatt?")
        );
        assert_eq!(instrument.item("reported").unwrap().text.get(en), "Anmälde du?");
        assert_eq!(victim.yes_no_labels(sv), Some(("Ja", "Nej")));
        assert_eq!(victim.yes_no_labels(en), Some(("Yes", "No")));
        assert_eq!(instrument.item("age").unwrap().yes_no_labels(sv), None);
        assert_eq!(instrument.section_of("age"), Some(1));
        assert_eq!(
            instrument.choice_codes(instrument.item("littering").unwrap()).unwrap(),
            ["none", "small", "big", "dont_know"]
        );
        assert_eq!(instrument.choice_codes(instrument.item("years").unwrap()), None);
    }

    /// Sets the value at a JSON pointer, adding the last key to its object if it is not there yet.
    fn set(json: &mut Value, pointer: &str, value: Value) {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match json.pointer_mut(parent).unwrap() {
            Value::Object(map) => drop(map.insert(key.to_owned(), value)),
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            _ => panic!("{pointer}"),
        }
    }

    #[test]
    fn broken_instruments_are_refused_at_the_exact_place() {
        // (where in the sample to change, the new value, the path expected, part of the problem expected)
        let one_option = json!([{ "code": "a", "label": { "sv": "A" } }]);
        let cases = [
            ("/sections/0/items/0/scale", json!("x"), "sections[0].items[0].scale", "unknown scale \"x\""),
            ("/sections/1/items/1/id", json!("victim"), "sections[1].items[1].id", "item id \"victim\" is used twice"),
            ("/sections/1/id", json!("first"), "sections[1].id", "the section id \"first\" is used twice"),
            ("/sections/0/items/2/show_if/item", json!("age"), "sections[0].items[2].show_if.item", "comes after"),
            ("/sections/0/items/2/show_if/item", json!("reported"), "sections[0].items[2].show_if.item", "on itself"),
            (
                "/sections/0/items/2/show_if/item",
                json!("ghost"),
                "sections[0].items[2].show_if.item",
                "no item \"ghost",
            ),
            (
                "/sections/0/items/2/show_if/equals",
                json!("maybe"),
                "sections[0].items[2].show_if.equals",
                "\"maybe\" is not an answer to \"victim\", whose answers are yes, no",
            ),
            ("/sections/0/items/4/show_if/equals", json!("train"), "sections[0].items[4].show_if.equals", "bus, walk"),
            (
                "/sections/1/items/3/show_if",
                json!({ "item": "years", "equals": "3" }),
                "sections[1].items[3].show_if.item",
                "\"years\" is a number item",
            ),
            (
                "/sections/1/items/3/show_if",
                json!({ "item": "victim" }),
                "sections[1].items[3].show_if.equals",
                "missing",
            ),
            (
                "/sections/1/items/0/text",
                json!({ "en": "Age?" }),
                "sections[1].items[0].text",
                "no text in the default language \"sv\"",
            ),
            (
                "/sections/1/items/0/text/de",
                json!("Alter?"),
                "sections[1].items[0].text.de",
                "not one of the instrument's languages (sv, en)",
            ),
            ("/sections/1/items/0/text/en", json!(" "), "sections[1].items[0].text.en", "empty text"),
            ("/title", json!("Prov"), "title", "expected texts by language"),
            (
                "/scales/problem/options/1/label",
                json!({ "en": "Small" }),
                "scales.problem.options[1].label",
                "default language",
            ),
            ("/key", json!(""), "key", "use 1 to 64"),
            ("/version", json!(" 1"), "version", "give a version"),
            ("/languages", json!([]), "languages", "at least one language"),
            ("/languages", json!(["sv", "sv"]), "languages[1]", "listed twice"),
            ("/languages", json!(["sv", "Engelska"]), "languages[1]", "not a language code"),
            ("/sections", json!([]), "sections", "at least one section"),
            ("/sections/1/items", json!([]), "sections[1].items", "at least one item"),
            ("/sections/1/id", json!("Andra"), "sections[1].id", "not a valid id"),
            ("/sections/0/area", json!("ute miljö"), "sections[0].area", "not a valid id"),
            ("/sections/1/items/2/id", json!("kommentar!"), "sections[1].items[2].id", "not a valid id"),
            (
                "/sections/1/items/0/options/1/code",
                json!("young"),
                "sections[1].items[0].options[1].code",
                "used twice",
            ),
            (
                "/sections/1/items/0/options/1/code",
                json!("Old"),
                "sections[1].items[0].options[1].code",
                "not a valid id",
            ),
            ("/sections/1/items/0/options", json!([]), "sections[1].items[0].options", "at least one option"),
            ("/scales/problem/options/2/code", json!("none"), "scales.problem.options[2].code", "used twice"),
            ("/scales/problem/dont_know/code", json!("small"), "scales.problem.dont_know.code", "needs its own"),
            ("/scales/problem/options/1/weight", json!(null), "scales.problem.options[1].weight", "every option"),
            ("/scales/problem/options/1/weight", json!("2"), "scales.problem.options[1].weight", "expected a number"),
            ("/scales/problem/options", one_option, "scales.problem.options", "at least two options"),
            ("/scales/Problem", json!(null), "scales.Problem", "expected an object"),
            ("/scales/problem/default", json!(0), "scales.problem.default", "unknown field; a scale has the fields"),
            ("/sections/1/items/1/min", json!(101), "sections[1].items[1].max", "max (100) is less than min (101)"),
            ("/sections/1/items/1/min", json!(1.5), "sections[1].items[1].min", "expected a whole number"),
            ("/sections/1/items/1/max", json!(1e30), "sections[1].items[1].max", "expected a whole number"),
            ("/sections/1/items/2/max_chars", json!(0), "sections[1].items[2].max_chars", "from 1 to 10000"),
            ("/sections/1/items/2/max_chars", json!(10_001), "sections[1].items[2].max_chars", "from 1 to 10000"),
            ("/sections/1/items/2/max_chars", json!(-1), "sections[1].items[2].max_chars", "from 0 up"),
            ("/sections/0/items/3/max", json!(0), "sections[0].items[3].max", "at least 1"),
            ("/sections/0/items/3/max", json!(4), "sections[0].items[3].max", "only 3 options"),
            ("/sections/0/items/1/type", json!("yesno"), "sections[0].items[1].type", "unknown item type"),
            (
                "/sections/1/items/0/type",
                json!("scale"),
                "sections[1].items[0].options",
                "a \"scale\" item has the fields",
            ),
            ("/sections/0/items/1/requried", json!(true), "sections[0].items[1].requried", "unknown field"),
            ("/sections/0/items/1/required", json!("yes"), "sections[0].items[1].required", "expected true or false"),
            ("/sections/0/items/1/text", json!(null), "sections[0].items[1].text", "this field is missing"),
            ("/sections/0/items/1/id", json!(7), "sections[0].items[1].id", "expected a string"),
            ("/sections/0/items", json!({}), "sections[0].items", "expected a list"),
            ("/sections/0/items/1", json!("victim"), "sections[0].items[1]", "expected an object"),
            ("/sectons", json!([]), "sectons", "unknown field; an instrument has the fields"),
        ];
        for (pointer, value, path, problem) in cases {
            let mut json = sample_json();
            set(&mut json, pointer, value);
            let error = refused(&json);
            assert_eq!((error.path.as_str(), error.problem.contains(problem)), (path, true), "{error}");
            assert_eq!(error.to_string(), format!("{}: {}", error.path, error.problem));
        }
        assert_eq!(refused(&json!([])).to_string(), "instrument: expected an object { … }, found a list");
    }

    #[test]
    fn broken_json_is_reported_by_line_and_column() {
        let cases = [
            ("{\n  \"key\": \"x\",\n  \"version\" \"1\"\n}", "line 3, column 13", "expected `:`"),
            ("{\n  \"key\": \"x\",\n}", "line 3, column 1", "trailing comma"),
            ("{ \"key\": \"x\", \"key\": \"y\" }", "line 1, column 19", "the key \"key\" appears twice"),
            ("{ \"key\": \"x\"", "line 1, column 12", "the JSON ends too early"),
            ("", "line 1, column 0", "the JSON ends too early"),
            ("{} {}", "line 1, column 4", "trailing characters"),
            ("{ \"weight\": NaN }", "line 1, column 13", "expected value"),
        ];
        for (json, path, problem) in cases {
            let error = Instrument::load(json).expect_err(json);
            assert_eq!(error.path, path, "{error}");
            assert!(error.problem.contains(problem), "{error}");
            assert!(!error.problem.contains(" at line "), "{error}");
        }
    }

    #[test]
    fn loading_never_panics_on_a_cut_off_file() {
        // Every prefix of the sample (one item of each kind), and of the default file every prefix ending in its
        // first and last 300 bytes and every 61st in between: each load parses the whole prefix, and all prefixes of
        // the 20 kB default file take over half a minute in a debug build while reaching no other code.
        let sample = sample().to_json_pretty().unwrap();
        let default = DEFAULT_INSTRUMENT_JSON.trim_end();
        let sample_cuts = (0..sample.len()).map(|end| (sample.as_str(), end));
        let default_cuts = (0..default.len())
            .filter(|end| *end < 300 || default.len() - end < 300 || end % 61 == 0)
            .map(|end| (default, end));
        for (json, end) in sample_cuts.chain(default_cuts).filter(|(json, end)| json.is_char_boundary(*end)) {
            let error = Instrument::load(&json[..end]).expect_err("a cut-off file loaded");
            assert!(error.path.starts_with("line "), "{error}");
        }
        assert!(Instrument::load(&sample).is_ok() && Instrument::load(default).is_ok());
    }

    #[test]
    fn loading_never_panics_when_any_value_has_the_wrong_shape() {
        fn paths(value: &Value, path: String, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => map.iter().for_each(|(key, value)| paths(value, format!("{path}/{key}"), out)),
                Value::Array(items) => {
                    items.iter().enumerate().for_each(|(index, value)| paths(value, format!("{path}/{index}"), out))
                }
                _ => {}
            }
            out.push(path);
        }
        let original = sample_json();
        let mut all = Vec::new();
        paths(&original, String::new(), &mut all);
        let replacements =
            [json!(null), json!(true), json!(-1), json!(1e300), json!(""), json!("yes"), json!([]), json!({})];
        for path in &all {
            for replacement in &replacements {
                let mut json = original.clone();
                if let Some(value) = json.pointer_mut(path) {
                    *value = replacement.clone();
                }
                let _ = Instrument::load(&json.to_string());
            }
        }
        // Bytes flipped at pseudo-random places (a fixed xorshift, so failures reproduce).
        let text = sample_json().to_string().into_bytes();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..5_000 {
            let mut bytes = text.clone();
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let index = (state % bytes.len() as u64) as usize;
                bytes[index] = (state >> 32) as u8;
            }
            let _ = Instrument::load(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
        let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(Instrument::load(&json).unwrap_err().problem.contains("recursion limit"));
    }
}
