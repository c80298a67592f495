//! What became of each sampled person's letter, and the AAPOR class it counts as in response rates.
//!
//! A [`Disposition`] is what we know about one invitation; an [`AaporClass`] is what the AAPOR Standard Definitions
//! make of it (I, P, R, NC, O, UH, UO, NE). Keeping the two apart lets the live dashboard show what actually
//! happened (started and completed counted apart, as users of other tools ask for) while the response-rate formulas
//! only ever see AAPOR classes.
//!
//! Three dispositions are set by the system (`NotReturned`, `Started`, `Completed`); the others come from staff,
//! who import returned letters and phone calls as a CSV file, read with [`read_import`] (its disposition column with
//! [`Disposition::parse_import`]).
//!
//! **Why `Started` is R.** `Started` means the resident logged in with the code and a draft exists but was never
//! submitted. AAPOR counts such a break-off as a partial (P) only when enough of it was answered to be used, and as
//! a refusal or break-off (R) otherwise. We never use an unsubmitted draft in results, so it is never "sufficiently
//! answered" for us: `Started` is R. P comes from *submitted* responses instead: a letter's `Completed` says only
//! that its response came in, and the response itself counts as I, P or R by how much of it applied and was
//! answered (`domain::aapor::classify`; the live rates count that per response). It is not UH: logging in proves
//! the letter reached an eligible person. During
//! fieldwork a started draft may still be finished, so R for `Started` is provisional; reports show the number of
//! `Started` invitations separately until fieldwork closes.
//!
//! The other choices follow the survey-practice reference: nothing came back is UH; returned undeliverable is UO
//! (we do not know whether the person still lives in the municipality); moved out of the municipality and outside
//! the target population are NE; deceased during fieldwork and unable to answer (illness, language) are O.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::domain::codes::{LetterNumber, LetterNumberError};
use crate::domain::text::Text;

/// An AAPOR final disposition class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AaporClass {
    /// I: a complete response.
    Complete,
    /// P: a partial response.
    Partial,
    /// R: a refusal or a break-off.
    Refusal,
    /// NC: eligible, never reached.
    NonContact,
    /// O: other eligible non-response (deceased, unable).
    Other,
    /// UH: unknown eligibility, nothing ever came back.
    UnknownHousehold,
    /// UO: unknown eligibility, other (e.g. returned undeliverable).
    UnknownOther,
    /// NE: not eligible; in no denominator.
    NotEligible,
}

impl AaporClass {
    pub const ALL: [Self; 8] = [
        Self::Complete,
        Self::Partial,
        Self::Refusal,
        Self::NonContact,
        Self::Other,
        Self::UnknownHousehold,
        Self::UnknownOther,
        Self::NotEligible,
    ];

    /// The letter code AAPOR's formulas use.
    pub fn code(self) -> &'static str {
        match self {
            Self::Complete => "I",
            Self::Partial => "P",
            Self::Refusal => "R",
            Self::NonContact => "NC",
            Self::Other => "O",
            Self::UnknownHousehold => "UH",
            Self::UnknownOther => "UO",
            Self::NotEligible => "NE",
        }
    }
}

impl fmt::Display for AaporClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The state of one invitation (one sampled person's letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Nothing has come back yet (set by the system).
    NotReturned,
    /// The resident logged in and a draft exists, not submitted (set by the system).
    Started,
    /// A response was submitted on the web or a paper form keyed in (set by the system).
    Completed,
    /// The letter came back undeliverable.
    Undeliverable,
    /// The person has moved out of the municipality.
    MovedAway,
    /// The person is outside the target population for another reason (e.g. outside the age range).
    NotEligible,
    /// The person declined to take part.
    Refused,
    /// The person died during fieldwork.
    Deceased,
    /// The person cannot answer (illness, language).
    Unable,
}

/// An import value that is not a disposition staff can record; the text is shown to the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the disposition is missing")]
    Empty,
    #[error("\"{value}\" is recorded by the system and cannot be imported")]
    SetBySystem { value: String },
    #[error("\"{value}\" is not a disposition")]
    Unknown { value: String },
}

impl From<ImportError> for Text {
    fn from(error: ImportError) -> Self {
        let text = match error {
            ImportError::Empty => Text::new("problem.import.empty"),
            ImportError::SetBySystem { value } => Text::new("problem.import.set_by_system").with("value", value),
            ImportError::Unknown { value } => Text::new("problem.import.unknown").with("value", value),
        };
        text.with("accepted", accepted_import_values())
    }
}

/// A stored disposition value that is not one of ours (a corrupt row or a newer schema).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stored disposition \"{0}\"")]
pub struct UnknownDisposition(pub String);

/// The keywords accepted in an import, Swedish and English, after [`normalise_import`].
const IMPORT_KEYWORDS: &[(&str, Disposition)] = &[
    ("undeliverable", Disposition::Undeliverable),
    ("obeställbar", Disposition::Undeliverable),
    ("returnerad", Disposition::Undeliverable),
    ("moved", Disposition::MovedAway),
    ("moved_away", Disposition::MovedAway),
    ("flyttat", Disposition::MovedAway),
    ("not_eligible", Disposition::NotEligible),
    ("ej_behörig", Disposition::NotEligible),
    ("refused", Disposition::Refused),
    ("avböjt", Disposition::Refused),
    ("vägrar", Disposition::Refused),
    ("deceased", Disposition::Deceased),
    ("avliden", Disposition::Deceased),
    ("unable", Disposition::Unable),
    ("kan_inte_svara", Disposition::Unable),
];

fn accepted_import_values() -> String {
    IMPORT_KEYWORDS.iter().map(|(keyword, _)| *keyword).collect::<Vec<_>>().join(", ")
}

/// Lower case (Swedish letters too), outer spaces trimmed, and inner spaces or dashes read as underscores, so that
/// "Ej behörig", "EJ-BEHÖRIG" and "ej_behörig" are the same keyword.
fn normalise_import(text: &str) -> String {
    text.trim().to_lowercase().split([' ', '-', '_']).filter(|word| !word.is_empty()).collect::<Vec<_>>().join("_")
}

impl Disposition {
    pub const ALL: [Self; 9] = [
        Self::NotReturned,
        Self::Started,
        Self::Completed,
        Self::Undeliverable,
        Self::MovedAway,
        Self::NotEligible,
        Self::Refused,
        Self::Deceased,
        Self::Unable,
    ];

    /// The dispositions of letters that still get reminders: neither answered nor ruled out.
    pub const AWAITING: [Self; 2] = [Self::NotReturned, Self::Started];

    /// The class this disposition counts as in response rates (see the module doc for `Started`).
    pub fn aapor_class(self) -> AaporClass {
        match self {
            Self::NotReturned => AaporClass::UnknownHousehold,
            Self::Started => AaporClass::Refusal,
            Self::Completed => AaporClass::Complete,
            Self::Undeliverable => AaporClass::UnknownOther,
            Self::MovedAway | Self::NotEligible => AaporClass::NotEligible,
            Self::Refused => AaporClass::Refusal,
            Self::Deceased | Self::Unable => AaporClass::Other,
        }
    }

    /// Whether staff may record it by import; the others follow from what residents do.
    pub fn is_importable(self) -> bool {
        !matches!(self, Self::NotReturned | Self::Started | Self::Completed)
    }

    /// Reads a value from the disposition column of an import of returned letters: a Swedish or English keyword in
    /// any case, with spaces, dashes or underscores between words.
    pub fn parse_import(text: &str) -> Result<Self, ImportError> {
        let keyword = normalise_import(text);
        if keyword.is_empty() {
            return Err(ImportError::Empty);
        }
        if let Some((_, disposition)) = IMPORT_KEYWORDS.iter().find(|(accepted, _)| *accepted == keyword) {
            return Ok(*disposition);
        }
        match keyword.parse::<Self>() {
            Ok(disposition) if !disposition.is_importable() => {
                Err(ImportError::SetBySystem { value: text.trim().to_owned() })
            }
            _ => Err(ImportError::Unknown { value: text.trim().to_owned() }),
        }
    }

    /// The Swedish name, for tables and the audit log.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotReturned => "Inget svar ännu",
            Self::Started => "Påbörjad",
            Self::Completed => "Besvarad",
            Self::Undeliverable => "Obeställbar",
            Self::MovedAway => "Flyttat",
            Self::NotEligible => "Ej i målgruppen",
            Self::Refused => "Avböjt",
            Self::Deceased => "Avliden",
            Self::Unable => "Kan inte svara",
        }
    }

    /// The stable value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotReturned => "not_returned",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Undeliverable => "undeliverable",
            Self::MovedAway => "moved_away",
            Self::NotEligible => "not_eligible",
            Self::Refused => "refused",
            Self::Deceased => "deceased",
            Self::Unable => "unable",
        }
    }
}

impl FromStr for Disposition {
    type Err = UnknownDisposition;

    /// Reads a stored value: exactly what [`Disposition::as_str`] wrote.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|disposition| disposition.as_str() == text)
            .ok_or_else(|| UnknownDisposition(text.to_owned()))
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text of an uploaded CSV file: UTF-8 (with or without a byte-order mark), or else Windows-1252, which is what
/// Swedish Excel writes when it saves "CSV (semikolonavgränsad)".
pub fn spreadsheet_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// One problem in an imported file, by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub line: u64,
    pub reason: Text,
}

/// A line of an import that names a letter and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedLetter {
    pub line: u64,
    pub letter: LetterNumber,
    pub disposition: Disposition,
}

/// Reads an import of returned letters (`letter_number,disposition`, header optional): every line that names a
/// letter, in order, as the letter and its disposition or as the problem with the line. Blank lines are skipped, and
/// so is a header: a first line whose first field has no digit.
pub fn read_import(text: &str) -> Vec<Result<ReturnedLetter, ImportProblem>> {
    let delimiter = import_delimiter(text);
    // One record per line (the format has no quoted line breaks), so every problem names the line a spreadsheet shows.
    text.lines()
        .enumerate()
        .filter_map(|(index, line_text)| read_import_line(index as u64 + 1, line_text, delimiter).transpose())
        .collect()
}

/// Swedish spreadsheets write semicolons; others commas or tabs: the first line decides.
pub(crate) fn import_delimiter(text: &str) -> u8 {
    let first_line = text.lines().next().unwrap_or_default();
    [b';', b'\t', b','].into_iter().find(|d| first_line.as_bytes().contains(d)).unwrap_or(b',')
}

/// The fields of one line of an imported file, each trimmed; `None` for a line with nothing in it.
pub(crate) fn import_fields(line: u64, text: &str, delimiter: u8) -> Result<Option<csv::StringRecord>, ImportProblem> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    match reader.records().next() {
        Some(Ok(record)) if record.iter().all(str::is_empty) => Ok(None),
        Some(Ok(record)) => Ok(Some(record)),
        Some(Err(error)) => {
            Err(ImportProblem { line, reason: Text::new("problem.import.unreadable").with("detail", error) })
        }
        None => Ok(None),
    }
}

/// One line of an import; `None` for a blank line or the header.
fn read_import_line(line: u64, text: &str, delimiter: u8) -> Result<Option<ReturnedLetter>, ImportProblem> {
    let problem = |reason: Text| ImportProblem { line, reason };
    let Some(record) = import_fields(line, text, delimiter)? else { return Ok(None) };
    let first = record.get(0).unwrap_or_default();
    if line == 1 && !first.chars().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let letter = LetterNumber::parse(first).map_err(|error| {
        let text = match error {
            LetterNumberError::Format => Text::new("problem.import.letter_format"),
            LetterNumberError::SerialOutOfRange(serial) => {
                Text::new("problem.import.letter_serial").with("serial", serial)
            }
        };
        problem(text.with("text", first))
    })?;
    let disposition =
        Disposition::parse_import(record.get(1).unwrap_or_default()).map_err(|error| problem(error.into()))?;
    Ok(Some(ReturnedLetter { line, letter, disposition }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_class_has_its_aapor_code() {
        let codes: Vec<&str> = AaporClass::ALL.iter().map(|class| class.code()).collect();
        assert_eq!(codes, ["I", "P", "R", "NC", "O", "UH", "UO", "NE"]);
        assert_eq!(AaporClass::UnknownOther.to_string(), "UO");
    }

    #[test]
    fn every_disposition_maps_to_its_aapor_class() {
        use AaporClass as A;
        use Disposition as D;
        let expected = [
            (D::NotReturned, A::UnknownHousehold),
            (D::Started, A::Refusal),
            (D::Completed, A::Complete),
            (D::Undeliverable, A::UnknownOther),
            (D::MovedAway, A::NotEligible),
            (D::NotEligible, A::NotEligible),
            (D::Refused, A::Refusal),
            (D::Deceased, A::Other),
            (D::Unable, A::Other),
        ];
        assert_eq!(expected.map(|(disposition, _)| disposition), Disposition::ALL);
        for (disposition, class) in expected {
            assert_eq!(disposition.aapor_class(), class, "{disposition}");
        }
    }

    #[test]
    fn this_system_never_assigns_partial_or_non_contact() {
        let classes: HashSet<AaporClass> = Disposition::ALL.iter().map(|d| d.aapor_class()).collect();
        assert!(!classes.contains(&AaporClass::Partial));
        assert!(!classes.contains(&AaporClass::NonContact));
    }

    #[test]
    fn every_disposition_round_trips_through_its_stored_value() {
        let stored: HashSet<&str> = Disposition::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(stored.len(), Disposition::ALL.len());
        for disposition in Disposition::ALL {
            let value = disposition.as_str();
            assert_eq!(value.parse::<Disposition>(), Ok(disposition));
            assert_eq!(disposition.to_string(), value);
            assert!(value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{value}");
        }
    }

    #[test]
    fn a_stored_value_is_read_exactly() {
        for value in ["", "Completed", " completed", "moved", "obeställbar", "not-returned"] {
            assert_eq!(value.parse::<Disposition>(), Err(UnknownDisposition(value.to_owned())), "{value}");
        }
    }

    /// Each disposition staff may import, with its keywords and other spellings of some of them (case, spaces,
    /// dashes).
    const SPELLINGS: [(Disposition, &[&str], &[&str]); 6] = [
        (
            Disposition::Undeliverable,
            &["undeliverable", "obeställbar", "returnerad"],
            &["  Obeställbar ", "OBESTÄLLBAR"],
        ),
        (Disposition::MovedAway, &["moved", "moved_away", "flyttat"], &["Moved away"]),
        (Disposition::NotEligible, &["not_eligible", "ej_behörig"], &["Ej behörig", "EJ-BEHÖRIG", "Not Eligible"]),
        (Disposition::Refused, &["refused", "avböjt", "vägrar"], &["VÄGRAR"]),
        (Disposition::Deceased, &["deceased", "avliden"], &["\tAvliden\r"]),
        (Disposition::Unable, &["unable", "kan_inte_svara"], &["kan inte  svara", "Kan-Inte-Svara"]),
    ];

    fn assert_imported_as(texts: &[&str], disposition: Disposition) {
        for text in texts {
            assert_eq!(Disposition::parse_import(text), Ok(disposition), "{text}");
        }
    }

    #[test]
    fn every_import_keyword_maps_to_its_disposition() {
        for (disposition, keywords, _) in SPELLINGS {
            assert_imported_as(keywords, disposition);
        }
        assert_eq!(IMPORT_KEYWORDS.len(), 15, "a new keyword needs its place in SPELLINGS");
    }

    #[test]
    fn every_importable_disposition_has_a_keyword_and_its_stored_value_imports() {
        for disposition in Disposition::ALL.into_iter().filter(|d| d.is_importable()) {
            assert_eq!(Disposition::parse_import(disposition.as_str()), Ok(disposition));
        }
        assert!(IMPORT_KEYWORDS.iter().all(|(_, disposition)| disposition.is_importable()));
    }

    #[test]
    fn import_keywords_forgive_case_spaces_and_dashes() {
        for (disposition, _, spellings) in SPELLINGS {
            assert_imported_as(spellings, disposition);
        }
    }

    #[test]
    fn system_dispositions_cannot_be_imported() {
        for text in ["completed", "Started", "not_returned", "Not returned"] {
            assert_eq!(
                Disposition::parse_import(text),
                Err(ImportError::SetBySystem { value: text.to_owned() }),
                "{text}"
            );
        }
        for disposition in [Disposition::NotReturned, Disposition::Started, Disposition::Completed] {
            assert!(!disposition.is_importable());
        }
    }

    #[test]
    fn an_unknown_import_value_is_refused_with_the_accepted_values() {
        assert_eq!(Disposition::parse_import(""), Err(ImportError::Empty));
        assert_eq!(Disposition::parse_import("  - "), Err(ImportError::Empty));
        for text in ["dead", "obestallbar", "refused!", "1", "flyttad ut"] {
            assert_eq!(Disposition::parse_import(text), Err(ImportError::Unknown { value: text.to_owned() }), "{text}");
        }
        let message = Text::from(Disposition::parse_import(" dead ").unwrap_err()).swedish();
        assert_eq!(
            message,
            "”dead” är inget utfall; skriv ett av: undeliverable, obeställbar, returnerad, moved, moved_away, \
             flyttat, not_eligible, ej_behörig, refused, avböjt, vägrar, deceased, avliden, unable, kan_inte_svara"
        );
        assert!(Text::from(ImportError::Empty).swedish().contains("avliden"));
        assert!(
            Text::from(ImportError::SetBySystem { value: "completed".to_owned() })
                .swedish()
                .contains("registreras av systemet")
        );
    }

    fn letters_and_problems(text: &str) -> (Vec<ReturnedLetter>, Vec<ImportProblem>) {
        let (letters, problems): (Vec<_>, Vec<_>) = read_import(text).into_iter().partition(Result::is_ok);
        (letters.into_iter().map(Result::unwrap).collect(), problems.into_iter().map(Result::unwrap_err).collect())
    }

    fn returned(line: u64, letter: &str, disposition: Disposition) -> ReturnedLetter {
        ReturnedLetter { line, letter: LetterNumber::parse(letter).unwrap(), disposition }
    }

    #[test]
    fn an_import_skips_its_header_and_blank_lines_and_counts_lines_as_a_spreadsheet_does() {
        let (letters, problems) = letters_and_problems(
            "Brevnummer;Utfall\r\n1783-000001;Obeställbar\r\n\r\n ; \r\n1783-000002 ; flyttat\r\n",
        );
        assert_eq!(
            letters,
            [
                returned(2, "1783-000001", Disposition::Undeliverable),
                returned(5, "1783-000002", Disposition::MovedAway)
            ]
        );
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn an_import_takes_its_delimiter_from_the_first_line() {
        for (text, expected) in [
            ("1783-000001,avliden\n1783-000002,refused\n", 2),
            ("1783-000001\tavliden\n1783-000002\trefused\n", 2),
            // The first line decides for the whole file: the second line is one field, not a letter.
            ("1783-000001;avliden\n1783-000002,refused\n", 1),
        ] {
            let (letters, _) = letters_and_problems(text);
            assert_eq!(letters.len(), expected, "{text:?}");
        }
    }

    #[test]
    fn an_import_reports_each_bad_line_with_its_number() {
        let (letters, problems) =
            letters_and_problems("1783-000001;obeställbar\n1783-0003;avböjt\n1783-000004;vet ej\n1783-000005\n");
        assert_eq!(letters.len(), 1);
        let lines: Vec<u64> = problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(problems[0].reason.swedish().starts_with("”1783-0003” är inget brevnummer"), "{problems:?}");
        assert!(problems[1].reason.swedish().contains("”vet ej” är inget utfall"), "{problems:?}");
        assert!(problems[2].reason.swedish().starts_with("Utfallet saknas"), "{problems:?}");
    }

    #[test]
    fn only_the_first_line_can_be_a_header() {
        let (letters, problems) = letters_and_problems("1783-000001;avliden\nbrevnummer;utfall\n");
        assert_eq!(letters.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
    }

    #[test]
    fn spreadsheet_text_is_utf8_without_its_byte_order_mark_or_else_windows_1252() {
        assert_eq!(spreadsheet_text("\u{feff}1783-000001;obeställbar".as_bytes()), "1783-000001;obeställbar");
        assert_eq!(spreadsheet_text(b"1783-000001;obest\xe4llbar;avb\xf6jt"), "1783-000001;obeställbar;avböjt");
    }
}
