//! Answers in a compact form for counting: one small number per item of the instrument.
//!
//! Results read every counted response once, so a survey of 100,000 responses must fit in memory and be walked fast:
//! a respondent is a slice of `u32`, one per item, with 0 for "not answered", `k + 1` for the k-th code of a
//! single-choice, scale or yes/no item ("don't know" is the last code of a scale), and a bit mask for the codes
//! chosen in a multiple-choice item. Number and text answers are not results and are not kept.

use crate::domain::instrument::{AnswerValue, Answers, Instrument, ItemKind};

/// What kind of figure an item gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A step of a weighted scale: an index, a distribution, and "don't know" apart.
    Scale,
    /// Yes or no: a share with its interval, and a distribution.
    YesNo,
    /// One of several options: a distribution.
    Single,
    /// Any of several options: a distribution whose percentages may add up to more than 100.
    Multiple,
}

impl Kind {
    /// The name the API shows.
    pub fn name(self) -> &'static str {
        match self {
            Self::Scale => "scale",
            Self::YesNo => "yes_no",
            Self::Single => "single",
            Self::Multiple => "multiple",
        }
    }
}

/// One item that gives results.
#[derive(Debug, Clone)]
pub struct Slot {
    pub id: String,
    /// The section's area, for items in an area (background items have none).
    pub area: Option<String>,
    pub kind: Kind,
    /// The answer codes in the instrument's order ("don't know" last on a scale).
    pub codes: Vec<String>,
    /// For a scale: the index weight of each code, `None` for codes outside the scale ("don't know", "never go
    /// out alone late").
    pub weights: Vec<Option<f64>>,
}

/// The items of an instrument that give results, and how answers to them are encoded.
#[derive(Debug, Clone)]
pub struct Codebook {
    pub slots: Vec<Slot>,
    /// The areas in the order of the instrument's sections.
    pub areas: Vec<String>,
}

/// One counted response, encoded by a [`Codebook`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respondent {
    /// The index of the respondent's municipality in the caller's list.
    pub municipality: usize,
    /// One value per slot (see the module documentation).
    pub values: Box<[u32]>,
}

impl Codebook {
    /// The result-giving items of `instrument`: scale, yes/no, single and multiple choice; number and text items
    /// are left out (free text never appears in results).
    pub fn new(instrument: &Instrument) -> Self {
        let mut slots = Vec::new();
        let mut areas: Vec<String> = Vec::new();
        for section in instrument.sections() {
            if let Some(area) = &section.area
                && !areas.contains(area)
            {
                areas.push(area.clone());
            }
            for item in &section.items {
                let kind = match &item.kind {
                    ItemKind::Scale { .. } => Kind::Scale,
                    ItemKind::YesNo { .. } => Kind::YesNo,
                    ItemKind::Single { .. } => Kind::Single,
                    // A mask of 32 bits holds the options of any multiple-choice item the checks allow.
                    ItemKind::Multiple { options, .. } if options.len() <= 32 => Kind::Multiple,
                    _ => continue,
                };
                let codes: Vec<String> =
                    instrument.choice_codes(item).unwrap_or_default().into_iter().map(str::to_owned).collect();
                let weights = codes.iter().map(|code| instrument.weight(&item.id, code)).collect();
                slots.push(Slot { id: item.id.clone(), area: section.area.clone(), kind, codes, weights });
            }
        }
        Self { slots, areas }
    }

    /// The slot of an item, by id.
    pub fn slot(&self, item_id: &str) -> Option<usize> {
        self.slots.iter().position(|slot| slot.id == item_id)
    }

    /// A response's answers, encoded.
    pub fn encode(&self, municipality: usize, answers: &Answers) -> Respondent {
        let values =
            self.slots.iter().enumerate().map(|(slot, item)| self.value(slot, answers.get(&item.id))).collect();
        Respondent { municipality, values }
    }

    /// The value of one answer (or of none) in a slot.
    pub fn value(&self, slot: usize, answer: Option<&AnswerValue>) -> u32 {
        let codes = &self.slots[slot].codes;
        match answer {
            Some(AnswerValue::Choice(code)) => {
                codes.iter().position(|known| known == code).map_or(0, |index| index as u32 + 1)
            }
            Some(AnswerValue::Choices(chosen)) => codes
                .iter()
                .enumerate()
                .filter(|(_, known)| chosen.contains(known))
                .fold(0, |mask, (index, _)| mask | (1 << index)),
            _ => 0,
        }
    }

    /// The code indices a respondent's value stands for: none, one, or (multiple choice) several.
    pub fn chosen(&self, slot: usize, value: u32) -> impl Iterator<Item = usize> + '_ {
        let multiple = self.slots[slot].kind == Kind::Multiple;
        let count = self.slots[slot].codes.len();
        (0..count).filter(move |&index| if multiple { value & (1 << index) != 0 } else { value == index as u32 + 1 })
    }
}
