//! Answers: what a resident (or staff keying in a paper form) submitted, checked against the instrument.
//!
//! A form delivers strings: one per field, several for checkboxes ([`RawAnswers`]). They become [`Answers`] only
//! through [`Instrument::validate_section`] or [`Instrument::validate_all`], so stored answers always fit their
//! instrument. An empty field means the question was skipped, which is allowed unless the item is `required`.
//!
//! **Hidden items are dropped.** An item whose condition is false, given the answers so far, is neither validated
//! nor kept, even if the browser sent a value (a follow-up answered before its parent was changed to "no"). Results
//! then never count answers to questions the resident, in the end, was not asked. When a section is answered again,
//! [`Instrument::replace_section`] also drops later answers whose condition no longer holds.
//!
//! **Messages for residents.** Problems are an enum, not text, so the page can word them in the resident's language
//! ([`AnswerProblem::text`]); the texts are short and say what to do, for residents aged 16 to 85.
//!
//! **Stored as one row per value** ([`AnswerRow`]): a multiple-choice answer is one row per chosen option, by code,
//! never by label. A response keeps its rows together in its own database row (see `db::models::response`).
//! [`Answers::from_rows`] reads rows back and checks them against the instrument.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Instrument, Item, ItemKind, Section};
use crate::domain::text::Text;

/// The values a form submitted: item id → values (an HTML form gives one value per field, several for checkboxes).
pub type RawAnswers = BTreeMap<String, Vec<String>>;

/// A valid answer to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AnswerValue {
    /// The code chosen for a scale, single-choice or yes/no item ("don't know" included).
    Choice(String),
    /// The codes chosen for a multiple-choice item, never empty, in the item's option order.
    Choices(Vec<String>),
    Number(i64),
    /// Trimmed, with line breaks as `\n`.
    Text(String),
}

/// Valid answers by item id; hidden and skipped items are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, AnswerValue>);

/// One stored value: exactly one of `option_code`, `number` and `text` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AnswerRow {
    pub item_id: String,
    /// The row's place among its item's rows: 0, or 0, 1, … for the options of a multiple-choice answer.
    pub position: i32,
    pub option_code: Option<String>,
    pub number: Option<i64>,
    pub text: Option<String>,
}

/// Why an answer to one item was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: {problem:?}")]
pub struct AnswerError {
    pub item: String,
    pub problem: AnswerProblem,
}

/// What is wrong with an answer; [`AnswerProblem::message`] words it for the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    /// A required item that is shown was left empty.
    Required,
    /// A value that is not one of the item's codes (or a checkbox sent twice).
    NotAnOption,
    /// Several values for an item that takes one.
    SeveralAnswers,
    /// More options chosen than the item allows.
    TooMany {
        max: usize,
    },
    /// Not a whole number written in digits.
    NotANumber,
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// More characters than the item allows.
    TooLong {
        max: usize,
    },
    /// Control characters other than line breaks and tabs.
    BadCharacters,
    /// An option that rules out the others ("Nej, ingen sådan plats") chosen together with another.
    ExclusiveWithOthers,
    /// A follow-up answered although the answer to its question says it does not apply (without JavaScript both
    /// are on the page): never dropped silently, the resident decides which answer holds.
    NotAsked,
}

/// A stored answer that does not fit the instrument (rows read with the wrong instrument version, or damaged data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored answer to \"{item}\": {problem}")]
pub struct RowError {
    pub item: String,
    pub problem: RowProblem,
}

/// What is wrong with stored rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    #[error("the instrument has no such item")]
    UnknownItem,
    #[error("the row holds the wrong kind of value for this item")]
    WrongKind,
    #[error("the value is not a valid answer to this item")]
    NotAnAnswer,
}

impl AnswerValue {
    /// Whether the answer is `code` or, for a multiple-choice answer, includes it.
    pub fn has(&self, code: &str) -> bool {
        match self {
            Self::Choice(chosen) => chosen == code,
            Self::Choices(chosen) => chosen.iter().any(|chosen| chosen == code),
            Self::Number(_) | Self::Text(_) => false,
        }
    }
}

impl Answers {
    /// No answers.
    pub const NONE: Self = Self(BTreeMap::new());

    pub fn get(&self, item_id: &str) -> Option<&AnswerValue> {
        self.0.get(item_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &AnswerValue)> {
        self.0.iter().map(|(item, value)| (item.as_str(), value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `newer`'s answers, replacing answers to the same items. To answer a section again, use
    /// [`Instrument::replace_section`], which also forgets the section's answers that were cleared.
    pub fn merge(&mut self, newer: Answers) {
        self.0.extend(newer.0);
    }

    /// The rows to store: one per answered item, one per chosen option for a multiple-choice item.
    pub fn rows(&self) -> Vec<AnswerRow> {
        let row = |item_id: &str| AnswerRow {
            item_id: item_id.to_owned(),
            position: 0,
            option_code: None,
            number: None,
            text: None,
        };
        let mut rows = Vec::new();
        for (item_id, value) in &self.0 {
            match value {
                AnswerValue::Choice(code) => rows.push(AnswerRow { option_code: Some(code.clone()), ..row(item_id) }),
                AnswerValue::Choices(codes) => rows.extend(codes.iter().zip(0..).map(|(code, position)| AnswerRow {
                    position,
                    option_code: Some(code.clone()),
                    ..row(item_id)
                })),
                AnswerValue::Number(number) => rows.push(AnswerRow { number: Some(*number), ..row(item_id) }),
                AnswerValue::Text(text) => rows.push(AnswerRow { text: Some(text.clone()), ..row(item_id) }),
            }
        }
        rows
    }

    /// Reads stored rows back, checking each against the instrument they were answered on.
    pub fn from_rows(instrument: &Instrument, rows: impl IntoIterator<Item = AnswerRow>) -> Result<Self, RowError> {
        let mut by_item: BTreeMap<String, Vec<AnswerRow>> = BTreeMap::new();
        for row in rows {
            by_item.entry(row.item_id.clone()).or_default().push(row);
        }
        let mut answers = BTreeMap::new();
        for (item_id, rows) in by_item {
            let refuse = |problem| RowError { item: item_id.clone(), problem };
            let item = instrument.item(&item_id).ok_or_else(|| refuse(RowProblem::UnknownItem))?;
            let values = rows
                .into_iter()
                .map(|row| match (&item.kind, row) {
                    (
                        ItemKind::Number { .. },
                        AnswerRow { option_code: None, number: Some(number), text: None, .. },
                    ) => Ok(number.to_string()),
                    (ItemKind::Text { .. }, AnswerRow { option_code: None, number: None, text: Some(text), .. }) => {
                        Ok(text)
                    }
                    (
                        ItemKind::Scale { .. }
                        | ItemKind::Single { .. }
                        | ItemKind::Multiple { .. }
                        | ItemKind::YesNo { .. },
                        AnswerRow { option_code: Some(code), number: None, text: None, .. },
                    ) => Ok(code),
                    _ => Err(refuse(RowProblem::WrongKind)),
                })
                .collect::<Result<Vec<_>, _>>()?;
            match instrument.parse_value(item, &values) {
                Ok(Some(value)) => answers.insert(item_id, value),
                _ => return Err(refuse(RowProblem::NotAnAnswer)),
            };
        }
        Ok(Self(answers))
    }

    /// The answers as form values, to fill in a form again.
    pub fn to_raw(&self) -> RawAnswers {
        let values = |value: &AnswerValue| match value {
            AnswerValue::Choice(code) => vec![code.clone()],
            AnswerValue::Choices(codes) => codes.clone(),
            AnswerValue::Number(number) => vec![number.to_string()],
            AnswerValue::Text(text) => vec![text.clone()],
        };
        self.0.iter().map(|(item, value)| (item.clone(), values(value))).collect()
    }
}

impl AnswerProblem {
    /// The message shown beside the question (page texts under `problem.answer`), for the page to word in the
    /// resident's language.
    pub fn text(&self) -> Text {
        match *self {
            Self::Required => Text::new("problem.answer.required"),
            Self::NotAnOption => Text::new("problem.answer.not_an_option"),
            Self::SeveralAnswers => Text::new("problem.answer.several_answers"),
            Self::TooMany { max: 1 } => Text::new("problem.answer.too_many_one"),
            Self::TooMany { max } => Text::new("problem.answer.too_many").with_number("max", max),
            Self::NotANumber => Text::new("problem.answer.not_a_number"),
            Self::OutOfRange { min, max } => {
                Text::new("problem.answer.out_of_range").with_number("min", min).with_number("max", max)
            }
            Self::TooLong { max } => Text::new("problem.answer.too_long").with_number("max", max),
            Self::BadCharacters => Text::new("problem.answer.bad_characters"),
            Self::ExclusiveWithOthers => Text::new("problem.answer.exclusive_with_others"),
            Self::NotAsked => Text::new("problem.answer.not_asked"),
        }
    }
}

impl Instrument {
    /// Validates the answers to one section (one page of the web form). `earlier` holds the answers to earlier
    /// sections, which conditions may refer to. Only this section's answers are returned; values for other items
    /// are ignored. A section index past the end has no items, so nothing is accepted: check it before.
    pub fn validate_section(
        &self,
        section_index: usize,
        raw: &RawAnswers,
        earlier: &Answers,
    ) -> Result<Answers, Vec<AnswerError>> {
        let sections = self.sections.get(section_index).map(std::slice::from_ref).unwrap_or_default();
        self.validate_sections(sections, raw, earlier, Required::Checked)
    }

    /// Validates a whole questionnaire at once, as staff keying in a paper form do; all problems are returned.
    pub fn validate_all(&self, raw: &RawAnswers) -> Result<Answers, Vec<AnswerError>> {
        self.validate_sections(&self.sections, raw, &Answers::default(), Required::Checked)
    }

    /// Checks a resident's saved answers (a draft) against the whole questionnaire as [`Self::validate_all`] does,
    /// except that a required question left empty is no error: the pages not reached yet are empty, and each page's
    /// required questions are checked when it is saved. So every error names an answer that is there and does not
    /// fit.
    pub fn validate_saved(&self, raw: &RawAnswers) -> Result<Answers, Vec<AnswerError>> {
        self.validate_sections(&self.sections, raw, &Answers::default(), Required::NotChecked)
    }

    /// Stores a section's new answers in `answers`: the section's previous answers are forgotten, and so are later
    /// answers whose condition no longer holds.
    pub fn replace_section(&self, answers: &mut Answers, section_index: usize, section_answers: Answers) {
        if let Some(section) = self.sections.get(section_index) {
            for item in &section.items {
                answers.0.remove(&item.id);
            }
        }
        answers.merge(section_answers);
        self.drop_hidden(answers);
    }

    /// How many questions applied to a resident with these answers: every item whose condition (if any) holds. The
    /// share of them answered decides whether a response is complete, partial or a break-off.
    pub fn applicable_items(&self, answers: &Answers) -> usize {
        self.items()
            .filter(|item| {
                item.show_if.as_ref().is_none_or(|condition| {
                    answers.get(&condition.item).is_some_and(|parent| parent.has(&condition.equals))
                })
            })
            .count()
    }

    /// Removes answers to items that are hidden given the other answers.
    pub fn drop_hidden(&self, answers: &mut Answers) {
        for item in self.items() {
            if let Some(condition) = &item.show_if
                && !answers.get(&condition.item).is_some_and(|parent| parent.has(&condition.equals))
            {
                answers.0.remove(&item.id);
            }
        }
    }

    fn validate_sections(
        &self,
        sections: &[Section],
        raw: &RawAnswers,
        earlier: &Answers,
        required: Required,
    ) -> Result<Answers, Vec<AnswerError>> {
        let items = || sections.iter().flat_map(|section| &section.items);
        // Few items have a condition, so their parent is looked for among the sections' items only for those.
        let in_scope = |id: &str| items().any(|item| item.id == id);
        let mut answers = Answers::default();
        let mut errors = Vec::new();
        for item in items() {
            let values = raw.get(&item.id).map_or(&[][..], Vec::as_slice);
            if let Some(condition) = &item.show_if {
                let so_far = if in_scope(&condition.item) { &answers } else { earlier };
                match so_far.get(&condition.item) {
                    Some(parent) if parent.has(&condition.equals) => {}
                    // The question it follows was answered otherwise, yet this one was answered too.
                    Some(_) if values.iter().any(|value| !value.trim().is_empty()) => {
                        errors.push(AnswerError { item: item.id.clone(), problem: AnswerProblem::NotAsked });
                        continue;
                    }
                    _ => continue,
                }
            }
            match self.parse_value(item, values) {
                Ok(Some(value)) if rules_out_another(item, &value) => {
                    errors.push(AnswerError { item: item.id.clone(), problem: AnswerProblem::ExclusiveWithOthers })
                }
                Ok(Some(value)) => {
                    answers.0.insert(item.id.clone(), value);
                }
                Ok(None) if item.required && required == Required::Checked => {
                    errors.push(AnswerError { item: item.id.clone(), problem: AnswerProblem::Required })
                }
                Ok(None) => {}
                Err(problem) => errors.push(AnswerError { item: item.id.clone(), problem }),
            }
        }
        if errors.is_empty() { Ok(answers) } else { Err(errors) }
    }

    /// One item's answer from its form values: `None` when it was left empty.
    fn parse_value(&self, item: &Item, values: &[String]) -> Result<Option<AnswerValue>, AnswerProblem> {
        if let ItemKind::Text { max_chars } = item.kind {
            let texts: Vec<String> =
                values.iter().map(|value| normalise_text(value)).filter(|t| !t.is_empty()).collect();
            return match texts.as_slice() {
                [] => Ok(None),
                [text] => check_text(text, max_chars).map(|()| Some(AnswerValue::Text(text.clone()))),
                _ => Err(AnswerProblem::SeveralAnswers),
            };
        }
        let given: Vec<&str> = values.iter().map(|value| value.trim()).filter(|value| !value.is_empty()).collect();
        if given.is_empty() {
            return Ok(None);
        }
        if let ItemKind::Multiple { options, max } = &item.kind {
            let mut chosen = BTreeSet::new();
            for value in given {
                let index = options.iter().position(|option| option.code == value).ok_or(AnswerProblem::NotAnOption)?;
                if !chosen.insert(index) {
                    return Err(AnswerProblem::NotAnOption);
                }
            }
            if let Some(max) = *max
                && chosen.len() > max
            {
                return Err(AnswerProblem::TooMany { max });
            }
            let codes = options.iter().enumerate().filter(|(index, _)| chosen.contains(index));
            return Ok(Some(AnswerValue::Choices(codes.map(|(_, option)| option.code.clone()).collect())));
        }
        let [value] = given.as_slice() else {
            return Err(AnswerProblem::SeveralAnswers);
        };
        if let ItemKind::Number { min, max, .. } = item.kind {
            return parse_integer(value, min, max).map(|number| Some(AnswerValue::Number(number)));
        }
        if self.is_choice(item, value) {
            Ok(Some(AnswerValue::Choice((*value).to_owned())))
        } else {
            Err(AnswerProblem::NotAnOption)
        }
    }
}

/// Whether a required question left empty is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Required {
    Checked,
    NotChecked,
}

/// Whether a multiple-choice answer holds an option that rules out the others together with another. Checked on
/// what residents and staff send, not on stored rows (which were checked when they were sent).
fn rules_out_another(item: &Item, value: &AnswerValue) -> bool {
    match (&item.kind, value) {
        (ItemKind::Multiple { options, .. }, AnswerValue::Choices(codes)) if codes.len() > 1 => {
            options.iter().any(|option| option.exclusive && codes.contains(&option.code))
        }
        _ => false,
    }
}

/// Line breaks as `\n` (browsers send a textarea's as `\r\n`), surrounding white space removed.
fn normalise_text(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").trim().to_owned()
}

fn check_text(text: &str, max_chars: usize) -> Result<(), AnswerProblem> {
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AnswerProblem::BadCharacters);
    }
    if text.chars().count() > max_chars {
        return Err(AnswerProblem::TooLong { max: max_chars });
    }
    Ok(())
}

/// A whole number in digits, optionally negative. Arabic-Indic, Persian and full-width digits count as digits,
/// since residents may answer with such a keyboard; decimals, spaces inside and units do not.
fn parse_integer(text: &str, min: i64, max: i64) -> Result<i64, AnswerProblem> {
    let (negative, unsigned) = match text.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = unsigned.chars().map(ascii_digit).collect::<Option<String>>().ok_or(AnswerProblem::NotANumber)?;
    if digits.is_empty() {
        return Err(AnswerProblem::NotANumber);
    }
    let out_of_range = AnswerProblem::OutOfRange { min, max };
    let magnitude: i64 = digits.parse().map_err(|_| out_of_range)?;
    let number = if negative { -magnitude } else { magnitude };
    if (min..=max).contains(&number) { Ok(number) } else { Err(out_of_range) }
}

fn ascii_digit(c: char) -> Option<char> {
    let zero = match c {
        '0'..='9' => return Some(c),
        '\u{660}'..='\u{669}' => 0x660,
        '\u{6f0}'..='\u{6f9}' => 0x6f0,
        '\u{ff10}'..='\u{ff19}' => 0xff10,
        _ => return None,
    };
    char::from_digit(u32::from(c) - zero, 10)
}

#[cfg(test)]
mod tests;
