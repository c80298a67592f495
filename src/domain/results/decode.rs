//! A response's stored answer rows straight into its encoded values, classed complete, partial or break-off.
//!
//! The reference is checking every row against the questionnaire (`Answers::from_rows`), classing the answers
//! (`classify` of the items answered and those that applied) and encoding them (`Codebook::encode`): exact, but it
//! builds a map of strings per response and parses every value. Reading a survey of 100,000 responses that way costs
//! seconds, so a [`Decoder`] built once per questionnaire takes the common rows straight into their slots: a choice
//! row whose code is one of its item's, once per item (once per code for multiple choice), nothing else in it, and a
//! number within its item's bounds. Every other row (free text, items without a slot) still goes through
//! `Answers::from_rows`, and a response with a row it cannot take directly (an unknown code, a second answer, a code
//! with spaces around it, more choices than allowed, a number out of bounds) is decoded the reference way as a whole. So the result is the reference's for any rows; the tests hold
//! the two side by side.
//!
//! A free-text row is read with its text (the checks need it) and counts as an answered item, although no text ever
//! reaches the results.

use std::collections::HashMap;

use super::codebook::{Codebook, Kind, Respondent};
use crate::domain::aapor::{Completeness, classify};
use crate::domain::instrument::{AnswerRow, Answers, Instrument, ItemKind};

/// How one item's rows are read.
enum Read {
    /// Straight into a slot: `multiple` sets a bit per code, otherwise the value is the code's index + 1.
    Direct { slot: usize, multiple: bool },
    /// A whole number from `min` to `max`: answered, kept nowhere. `seen` is its place among the numbers.
    Number { seen: usize, min: i64, max: i64 },
    /// Through the questionnaire's checks.
    Checked,
}

/// Fowler–Noll–Vo hashing of the item ids a decoder looks up for every row: short keys, a handful of them, never
/// chosen by an adversary (they are the questionnaire's), so the default hasher's protection costs time for nothing.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type Items<'a> = HashMap<&'a str, Read, std::hash::BuildHasherDefault<Fnv>>;

/// The condition of an item shown only after a certain answer to another one.
struct Condition<'a> {
    parent: &'a str,
    equals: &'a str,
    /// The parent's slot and the index of `equals` among its codes, when the parent is read directly.
    direct: Option<(usize, Option<u32>)>,
}

/// Decodes the stored rows of responses to one questionnaire (see the module documentation).
pub struct Decoder<'a> {
    instrument: &'a Instrument,
    codebook: &'a Codebook,
    items: Items<'a>,
    /// Multiple-choice slots read directly that allow at most so many choices.
    limited: Vec<(usize, usize)>,
    /// Slots whose items are read through the checks, encoded from the answers those give.
    checked_slots: Vec<usize>,
    conditions: Vec<Condition<'a>>,
    /// Items always shown.
    unconditional: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder for responses to `instrument`, encoded by `codebook` (made from the same instrument).
    pub fn new(instrument: &'a Instrument, codebook: &'a Codebook) -> Self {
        let mut items = Items::default();
        let mut numbers = 0;
        let mut limited = Vec::new();
        let mut checked_slots = Vec::new();
        for item in instrument.items() {
            let read = match codebook.slot(&item.id) {
                // A code with spaces around it would be read as another code by the checks, which trim.
                Some(slot) if codebook.slots[slot].codes.iter().all(|code| !code.is_empty() && code.trim() == code) => {
                    if let ItemKind::Multiple { max: Some(max), .. } = item.kind {
                        limited.push((slot, max));
                    }
                    Read::Direct { slot, multiple: codebook.slots[slot].kind == Kind::Multiple }
                }
                Some(slot) => {
                    checked_slots.push(slot);
                    Read::Checked
                }
                None => match item.kind {
                    ItemKind::Number { min, max, .. } => {
                        numbers += 1;
                        Read::Number { seen: numbers - 1, min, max }
                    }
                    _ => Read::Checked,
                },
            };
            items.entry(item.id.as_str()).or_insert(read);
        }
        let conditions: Vec<Condition<'a>> = instrument
            .items()
            .filter_map(|item| item.show_if.as_ref())
            .map(|condition| {
                let direct = match items.get(condition.item.as_str()) {
                    Some(Read::Direct { slot, .. }) => {
                        let codes = &codebook.slots[*slot].codes;
                        Some((*slot, codes.iter().position(|code| *code == condition.equals).map(|index| index as u32)))
                    }
                    _ => None,
                };
                Condition { parent: &condition.item, equals: &condition.equals, direct }
            })
            .collect();
        let unconditional = instrument.items().filter(|item| item.show_if.is_none()).count();
        Self { instrument, codebook, items, limited, checked_slots, conditions, unconditional }
    }

    /// One response's rows (in any order), encoded with the index of its municipality; `None` for a break-off.
    pub fn decode(&self, municipality: usize, rows: &[AnswerRow]) -> Option<Respondent> {
        let mut values = vec![0_u32; self.codebook.slots.len()];
        let mut numbers_seen = 0_u64;
        let mut answered = 0;
        let mut checked = Vec::new();
        for row in rows {
            let (slot, multiple) = match self.items.get(row.item_id.as_str()) {
                Some(Read::Direct { slot, multiple }) => (*slot, *multiple),
                Some(Read::Number { seen, min, max }) => {
                    // The checks read a number back from its digits, which i64::MIN's magnitude does not fit.
                    let fits = |n: i64| n != i64::MIN && (*min..=*max).contains(&n);
                    let plain = row.option_code.is_none() && row.text.is_none() && row.number.is_some_and(fits);
                    let seen = 1_u64.checked_shl(*seen as u32).unwrap_or(0);
                    if !plain || seen == 0 || numbers_seen & seen != 0 {
                        return self.by_checks(municipality, rows);
                    }
                    numbers_seen |= seen;
                    answered += 1;
                    continue;
                }
                _ => {
                    checked.push(row.clone());
                    continue;
                }
            };
            let Some(code) = self.code(slot, row) else { return self.by_checks(municipality, rows) };
            let value = &mut values[slot];
            if multiple {
                if *value & (1 << code) != 0 {
                    return self.by_checks(municipality, rows);
                }
                answered += usize::from(*value == 0);
                *value |= 1 << code;
            } else {
                if *value != 0 {
                    return self.by_checks(municipality, rows);
                }
                answered += 1;
                *value = code + 1;
            }
        }
        if self.limited.iter().any(|&(slot, max)| values[slot].count_ones() as usize > max) {
            return self.by_checks(municipality, rows);
        }
        // A row the checks refuse leaves the response without answers, as in the reference: a break-off.
        let others =
            if checked.is_empty() { Answers::default() } else { Answers::from_rows(self.instrument, checked).ok()? };
        answered += others.len();
        for &slot in &self.checked_slots {
            values[slot] = self.codebook.value(slot, others.get(&self.codebook.slots[slot].id));
        }
        let applicable = self.unconditional
            + self.conditions.iter().filter(|condition| applies(condition, &values, &others, self.codebook)).count();
        (classify(answered, applicable) != Completeness::BreakOff)
            .then(|| Respondent { municipality, values: values.into() })
    }

    /// The index of a directly read row's code; `None` when the row is not a plain choice of one of the item's codes.
    fn code(&self, slot: usize, row: &AnswerRow) -> Option<u32> {
        if row.number.is_some() || row.text.is_some() {
            return None;
        }
        let code = row.option_code.as_deref()?;
        self.codebook.slots[slot].codes.iter().position(|known| known == code).map(|index| index as u32)
    }

    /// The reference: every row checked, the answers classed and encoded.
    fn by_checks(&self, municipality: usize, rows: &[AnswerRow]) -> Option<Respondent> {
        reference(self.instrument, self.codebook, municipality, rows)
    }
}

/// Whether a conditional item applied, given the response's values and the answers read through the checks.
fn applies(condition: &Condition<'_>, values: &[u32], others: &Answers, codebook: &Codebook) -> bool {
    match condition.direct {
        Some((_, None)) => false,
        Some((slot, Some(code))) => codebook.chosen(slot, values[slot]).any(|chosen| chosen == code as usize),
        None => others.get(condition.parent).is_some_and(|parent| parent.has(condition.equals)),
    }
}

/// A response decoded the reference way: its rows checked against the questionnaire (any refused row leaves it without
/// answers), classed, and encoded when it counts; `None` for a break-off.
pub fn reference(
    instrument: &Instrument,
    codebook: &Codebook,
    municipality: usize,
    rows: &[AnswerRow],
) -> Option<Respondent> {
    let answers = Answers::from_rows(instrument, rows.to_vec()).unwrap_or_default();
    (classify(answers.len(), instrument.applicable_items(&answers)) != Completeness::BreakOff)
        .then(|| codebook.encode(municipality, &answers))
}

#[cfg(test)]
mod tests;
