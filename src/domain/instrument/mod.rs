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
mod check;
mod model;
mod read;
mod spreadsheet;
#[cfg(test)]
pub(crate) mod tests;

pub use answers::{AnswerError, AnswerProblem, AnswerRow, AnswerValue, Answers, RawAnswers, RowError, RowProblem};
pub use model::{
    Choice, Condition, Instrument, InstrumentError, Item, ItemKind, Lang, NO, Scale, ScaleOption, Section, Texts, YES,
};
pub use read::{DEFAULT_INSTRUMENT_JSON, default_instrument};
pub use spreadsheet::{from_xlsx, to_xlsx};
