//! Invitation codes and letter numbers, as printed on the letter a sampled resident receives.
//!
//! The code is the resident's only credential, typed by hand from paper, often by someone who is not used to
//! computers. So it is short, grouped (`7KQM-X4TZ-9HRC`), written in an alphabet without look-alikes, and its last
//! character is a check character: a typo is reported as a typo ("a character is mistyped") before the database is
//! asked, and a single typo can never turn one valid code into another, so it never matches somebody else's code.
//!
//! **Alphabet.** The 30 characters `23456789ABCDEFGHJKMNPQRSTVWXYZ`: digits and capital letters without `0`/`O`,
//! `1`/`I`/`L`, which are confused with each other on paper and in many fonts, and without `U`, which is easily
//! taken for `V` when copied by hand (Crockford's base 32 drops it too); that leaves exactly 30. Since neither
//! character of a look-alike pair is in the alphabet, there is nothing to map a typed `O` or `1` to, so
//! [`InvitationCode::parse`] names such a character and its position instead of guessing.
//!
//! **Entropy.** Eleven characters are drawn uniformly from a CSPRNG: 11 × log2(30) ≈ 54 bits, far beyond what an
//! online guesser limited per address and per code can cover (a survey of 1,500 letters leaves a guess a chance of
//! about 1 in 10^13). The twelfth character is the check character and adds no entropy.
//!
//! **Check character.** The Damm algorithm: the characters' values are folded through a *totally anti-symmetric
//! quasigroup* `∗` of order 30 starting from 0, and the check character is chosen so the fold of all twelve ends at
//! 0. Why it catches the errors people make when copying:
//! - a single substitution: every row and column of the operation table is a permutation (a Latin square), so a
//!   different character at any position gives a different interim value, and every later step keeps different
//!   values different; the fold cannot end at 0 twice;
//! - a transposition of two adjacent different characters `a`, `b`: total anti-symmetry means
//!   `(c ∗ a) ∗ b ≠ (c ∗ b) ∗ a` for every interim `c` whenever `a ≠ b`, and the rest follows as above; because the
//!   table's diagonal is 0 (`x ∗ x = 0`), swapping the last random character with the check character is caught as
//!   well.
//!
//! Luhn mod N was rejected: it misses the transposition of the characters with values 0 and N−1 (Luhn's classic
//! `09` ↔ `90`; for N = 30, `2Z` ↔ `Z2`); so was ISO 7064's hybrid MOD 31,30, which also misses some adjacent
//! transpositions. The simple construction of such a quasigroup (`x ∗ y = a·x + y` over a finite field) needs a
//! prime-power order and 30 is not one, but the direct product of two totally anti-symmetric quasigroups is again
//! one: we use `Z3` with `x ∗ y = 2x + y (mod 3)` times the order-10 table Damm published (the one decimal Damm
//! check digits use). The unit tests check all three properties exhaustively over the 30 × 30 × 30 table.
//!
//! **Storage.** The database keeps only a keyed hash ([`CodeHasher`]): a leaked table gives an attacker neither the
//! codes nor, without the server key, a way to test guesses offline. The same key also hashes session and API
//! tokens, under a different domain prefix so the two purposes can never produce equal hashes.
//!
//! **Letter numbers.** A [`LetterNumber`] (`1783-000042`) is printed beside the code. It is not secret: staff use it
//! to record a letter returned undeliverable or a paper form that came back, without ever handling the code.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use rand::CryptoRng;
use sha2::Sha256;

use crate::domain::municipality::MunicipalityCode;

/// The characters codes are written in, in the order of their values 0..30 in the check computation.
pub const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code, the check character included.
pub const CODE_LENGTH: usize = 12;

/// Characters per printed group (`7KQM-X4TZ-9HRC`).
const GROUP_LENGTH: usize = 4;

/// Random characters in a code; the last one is the check character.
const RANDOM_LENGTH: usize = CODE_LENGTH - 1;

const BASE: u64 = ALPHABET.len() as u64;

/// How many different codes there are: 30^11, about 2^54.
pub const RANDOM_CODES: u64 = BASE.pow(RANDOM_LENGTH as u32);

/// Draws below this (the largest multiple of [`RANDOM_CODES`] in a u64) map uniformly onto the codes.
const UNBIASED_DRAWS: u64 = u64::MAX / RANDOM_CODES * RANDOM_CODES;
const _: () = assert!(UNBIASED_DRAWS.is_multiple_of(RANDOM_CODES) && u64::MAX - UNBIASED_DRAWS < RANDOM_CODES);

const NOT_IN_ALPHABET: u8 = u8::MAX;

/// Value of each byte in the check computation, or [`NOT_IN_ALPHABET`]; lower case maps like upper case.
const VALUES: [u8; 256] = {
    let mut table = [NOT_IN_ALPHABET; 256];
    let mut value = 0;
    while value < ALPHABET.len() {
        let upper = ALPHABET[value];
        table[upper as usize] = value as u8;
        table[upper.to_ascii_lowercase() as usize] = value as u8;
        value += 1;
    }
    table
};

/// Damm's totally anti-symmetric quasigroup of order 10, with a zero diagonal (the decimal Damm algorithm's table).
const DAMM_10: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// The quasigroup of order 30 as a table, `QUASIGROUP[x][y] = x ∗ y`: a value `v` is the pair (`v / 10` in Z3,
/// `v % 10` in Damm's order 10), and the operation works on each half (`2x + y mod 3` on the first, Damm's table on
/// the second).
const QUASIGROUP: [[u8; 30]; 30] = {
    let mut table = [[0; 30]; 30];
    let mut x = 0;
    while x < 30 {
        let mut y = 0;
        while y < 30 {
            table[x][y] = ((2 * (x / 10) + y / 10) % 3 * 10) as u8 + DAMM_10[x % 10][y % 10];
            y += 1;
        }
        x += 1;
    }
    table
};

fn combine(interim: u8, value: u8) -> u8 {
    QUASIGROUP[usize::from(interim)][usize::from(value)]
}

/// The Damm fold: for random characters it is the check value; over a whole code it is 0 exactly when it checks.
fn fold(values: &[u8]) -> u8 {
    let mut interim = 0;
    for &value in values {
        interim = combine(interim, value);
    }
    interim
}

fn value_of(character: char) -> Option<u8> {
    let value = VALUES[usize::from(u8::try_from(character).ok()?)];
    (value != NOT_IN_ALPHABET).then_some(value)
}

/// Spaces and dashes of any kind may be typed between characters, or left out.
fn is_separator(character: char) -> bool {
    character.is_whitespace() || matches!(character, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// A well-formed invitation code whose check character matches. `Debug` never shows the code, so it cannot leak
/// through a log line; `Display` gives the grouped form for printing on a letter.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InvitationCode(String);

/// Why a typed code was refused. The messages speak to the resident; the UI translates by variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code has 12 characters, but the code typed has {typed}; please compare with the letter")]
    WrongLength { typed: usize },
    #[error(
        "'{character}' (character {position}) is never used in codes, which have no 0, O, 1, I, L or U; \
         please compare with the letter"
    )]
    NotInAlphabet { character: char, position: usize },
    #[error("a character is mistyped; please compare the code with the letter")]
    CheckMismatch,
}

impl InvitationCode {
    /// A fresh code: eleven characters drawn uniformly from `rng`, then the check character.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        // One uniform number below 30^11, written in base 30, is eleven uniform characters. Rejecting the top
        // sliver of u64 (about 0.1 % of draws) makes it exactly uniform, where a plain `% 30^11` would be biased.
        let mut random = loop {
            let draw = rng.next_u64();
            if draw < UNBIASED_DRAWS {
                break draw % RANDOM_CODES;
            }
        };
        let mut values = [0; CODE_LENGTH];
        for value in &mut values[..RANDOM_LENGTH] {
            *value = (random % BASE) as u8;
            random /= BASE;
        }
        values[RANDOM_LENGTH] = fold(&values[..RANDOM_LENGTH]);
        Self::from_values(&values)
    }

    /// Parses a code as a person types it from the letter: any case, with or without spaces and dashes.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let mut values = [0; CODE_LENGTH];
        let mut typed = 0;
        let mut first_stranger = None;
        for character in text.chars() {
            if is_separator(character) {
                continue;
            }
            if typed < CODE_LENGTH {
                match value_of(character) {
                    Some(value) => values[typed] = value,
                    None => {
                        first_stranger.get_or_insert(CodeError::NotInAlphabet { character, position: typed + 1 });
                    }
                }
            }
            typed += 1;
        }
        if typed != CODE_LENGTH {
            return Err(CodeError::WrongLength { typed });
        }
        if let Some(stranger) = first_stranger {
            return Err(stranger);
        }
        if fold(&values) != 0 {
            return Err(CodeError::CheckMismatch);
        }
        Ok(Self::from_values(&values))
    }

    fn from_values(values: &[u8; CODE_LENGTH]) -> Self {
        let mut compact = String::with_capacity(CODE_LENGTH);
        for &value in values {
            compact.push(char::from(ALPHABET[usize::from(value)]));
        }
        Self(compact)
    }

    /// The twelve characters without dashes: the canonical form that is hashed.
    pub fn as_compact(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InvitationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, rest) = self.0.split_at(GROUP_LENGTH);
        let (second, third) = rest.split_at(GROUP_LENGTH);
        write!(f, "{first}-{second}-{third}")
    }
}

impl fmt::Debug for InvitationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvitationCode(***)")
    }
}

/// Domain prefix of invitation-code hashes; `v1` names this scheme so a future one can live beside it.
const CODE_PURPOSE: &[u8] = b"trygghet:invitation-code:v1:";

/// Domain prefix of session and API token hashes. Neither prefix is a prefix of the other, so no code and token can
/// ever give the same HMAC input.
const TOKEN_PURPOSE: &[u8] = b"trygghet:token:v1:";

/// Domain prefix of the key a resident's draft is stored under: not the letter's hash, so that the two never join.
const DRAFT_KEY_PURPOSE: &[u8] = b"trygghet:draft-key:v1:";

/// Domain prefix of the key that seals a resident's draft; never stored.
const DRAFT_SEAL_PURPOSE: &[u8] = b"trygghet:draft-seal:v1:";
/// Domain prefix of the pass a browser that opened a code keeps for it, so that its later pages skip code entry's
/// pacing; never stored.
const ENTRY_PASS_PURPOSE: &[u8] = b"trygghet:entry-pass:v1:";
/// Labels for a request's key (a batch of letters found again by a retry) and the seal of what it answered.
const REQUEST_KEY_PURPOSE: &[u8] = b"trygghet:request-key:v1:";
const REQUEST_SEAL_PURPOSE: &[u8] = b"trygghet:request-seal:v1:";

/// Keyed hashing (HMAC-SHA256) of invitation codes and tokens, which are stored only in this form.
#[derive(Clone)]
pub struct CodeHasher(Hmac<Sha256>);

/// The key given to [`CodeHasher::new`] is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the hashing key is {bytes} bytes long; it must be at least {} bytes", CodeHasher::MIN_KEY_BYTES)]
pub struct KeyError {
    pub bytes: usize,
}

impl CodeHasher {
    /// The shortest key accepted: 256 bits, as much as SHA-256 can use.
    pub const MIN_KEY_BYTES: usize = 32;

    pub fn new(key: &[u8]) -> Result<Self, KeyError> {
        let refused = KeyError { bytes: key.len() };
        if key.len() < Self::MIN_KEY_BYTES {
            return Err(refused);
        }
        Hmac::new_from_slice(key).map(Self).map_err(|_| refused)
    }

    /// The stored form of an invitation code: lowercase hex of the HMAC over its compact form.
    pub fn hash(&self, code: &InvitationCode) -> String {
        self.keyed(CODE_PURPOSE, code.as_compact().as_bytes())
    }

    /// The stored form of a session or API token: lowercase hex of the HMAC over its bytes.
    pub fn hash_token(&self, token: &[u8]) -> String {
        self.keyed(TOKEN_PURPOSE, token)
    }

    /// The key a resident's draft is stored under: derived from the code like its hash but under another label, so
    /// it cannot be computed from the stored hash (nor the hash from it) and the draft joins no letter.
    pub fn draft_key(&self, code: &InvitationCode) -> String {
        self.keyed(DRAFT_KEY_PURPOSE, code.as_compact().as_bytes())
    }

    /// The key that seals a resident's draft (see [`crate::domain::draft_seal`]); it needs the code, so it is never
    /// stored.
    pub fn draft_seal(&self, code: &InvitationCode) -> crate::domain::draft_seal::DraftSeal {
        crate::domain::draft_seal::DraftSeal::new(self.mac(DRAFT_SEAL_PURPOSE, code.as_compact().as_bytes()))
    }

    /// The pass for `code` a browser keeps once the code has opened a survey: only someone who had the code can
    /// show it, so its pages are no guesses (see [`crate::domain::code_entry`]).
    pub fn entry_pass(&self, code: &InvitationCode) -> String {
        self.keyed(ENTRY_PASS_PURPOSE, code.as_compact().as_bytes())
    }

    /// The stored form of a request's key (an `Idempotency-Key`, a form's one-time key), scoped by the caller.
    pub fn request_key(&self, scoped_key: &[u8]) -> String {
        self.keyed(REQUEST_KEY_PURPOSE, scoped_key)
    }

    /// The key that seals what a request answered, for its retries; it needs the request's key, so it is never
    /// stored.
    pub fn request_seal(&self, scoped_key: &[u8]) -> crate::domain::draft_seal::DraftSeal {
        crate::domain::draft_seal::DraftSeal::new(self.mac(REQUEST_SEAL_PURPOSE, scoped_key))
    }

    fn keyed(&self, purpose: &[u8], message: &[u8]) -> String {
        // Into a buffer rather than `hex::encode`, which builds its string a character at a time: a resident's every
        // request hashes its code two or three times.
        let mac = self.mac(purpose, message);
        let mut hex = [0; 64];
        match hex::encode_to_slice(mac, &mut hex) {
            Ok(()) => String::from_utf8_lossy(&hex).into_owned(),
            // Never: 32 bytes fill the 64 digits exactly.
            Err(_) => hex::encode(mac),
        }
    }

    fn mac(&self, purpose: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(purpose);
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for CodeHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeHasher(***)")
    }
}

/// The public number of one letter: the municipality code and the letter's serial in that municipality's sample,
/// printed as `1783-000042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LetterNumber {
    municipality: MunicipalityCode,
    serial: u32,
}

/// Why a letter number was refused; the text is shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LetterNumberError {
    #[error("a letter number is the municipality code, a hyphen and six digits, e.g. 1783-000042")]
    Format,
    #[error("a letter's serial number runs from 1 to 999999, not {0}")]
    SerialOutOfRange(u32),
}

impl From<LetterNumberError> for crate::domain::text::Text {
    fn from(error: LetterNumberError) -> Self {
        use crate::domain::text::Text;
        match error {
            LetterNumberError::Format => Text::new("problem.letter_number.format"),
            LetterNumberError::SerialOutOfRange(serial) => {
                Text::new("problem.letter_number.serial").with("serial", serial)
            }
        }
    }
}

impl LetterNumber {
    /// The largest serial that fits in six digits.
    pub const MAX_SERIAL: u32 = 999_999;

    pub fn new(municipality: &MunicipalityCode, serial: u32) -> Result<Self, LetterNumberError> {
        if (1..=Self::MAX_SERIAL).contains(&serial) {
            Ok(Self { municipality: municipality.clone(), serial })
        } else {
            Err(LetterNumberError::SerialOutOfRange(serial))
        }
    }

    /// Parses the printed form `1783-000042`: exactly four digits, a dash and six digits.
    pub fn parse(text: &str) -> Result<Self, LetterNumberError> {
        let (municipality, serial) = text.trim().split_once('-').ok_or(LetterNumberError::Format)?;
        if serial.len() != 6 || !serial.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LetterNumberError::Format);
        }
        // `MunicipalityCode::parse` trims, which would let "1783 -000042" through; the printed form has no spaces.
        if municipality.trim() != municipality {
            return Err(LetterNumberError::Format);
        }
        let municipality = MunicipalityCode::parse(municipality).map_err(|_| LetterNumberError::Format)?;
        let serial = serial.parse().map_err(|_| LetterNumberError::Format)?;
        Self::new(&municipality, serial)
    }

    pub fn municipality(&self) -> &MunicipalityCode {
        &self.municipality
    }

    pub fn serial(&self) -> u32 {
        self.serial
    }
}

impl fmt::Display for LetterNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.municipality, self.serial)
    }
}

/// One handed-out letter, for the mail house: its number, its code and the link with the code. Shown once, never
/// stored in this form (the code is kept only as a keyed hash).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct IssuedLetter {
    pub letter_number: String,
    pub code: String,
    pub link: String,
    pub municipality_code: String,
    pub municipality: String,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::LazyLock;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// 100,000 codes from a seeded CSPRNG, shared by the tests that need many (generated once, deterministic).
    static MANY: LazyLock<Vec<InvitationCode>> = LazyLock::new(|| {
        let mut rng = StdRng::seed_from_u64(0x7279_6767_6865_7421);
        (0..100_000).map(|_| InvitationCode::generate(&mut rng)).collect()
    });

    fn values(code: &InvitationCode) -> [u8; CODE_LENGTH] {
        let mut values = [0; CODE_LENGTH];
        for (value, character) in values.iter_mut().zip(code.as_compact().chars()) {
            *value = value_of(character).unwrap();
        }
        values
    }

    fn text(values: &[u8]) -> String {
        values.iter().map(|&value| char::from(ALPHABET[usize::from(value)])).collect()
    }

    fn hasher(key_byte: u8) -> CodeHasher {
        CodeHasher::new(&[key_byte; 32]).unwrap()
    }

    #[test]
    fn the_alphabet_has_thirty_distinct_characters_and_no_look_alikes() {
        assert_eq!(ALPHABET.iter().collect::<HashSet<_>>().len(), 30);
        for forbidden in b"0O1ILU" {
            assert!(!ALPHABET.contains(forbidden), "{}", char::from(*forbidden));
        }
        assert!(ALPHABET.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
    }

    #[test]
    fn eleven_random_characters_carry_about_54_bits() {
        assert_eq!(RANDOM_CODES, 30u64.pow(11));
        assert!((RANDOM_CODES as f64).log2() > 53.9);
    }

    #[test]
    fn the_check_operation_is_a_totally_anti_symmetric_quasigroup_with_zero_diagonal() {
        let all = 0..30u8;
        for x in all.clone() {
            let row: HashSet<u8> = all.clone().map(|y| combine(x, y)).collect();
            let column: HashSet<u8> = all.clone().map(|y| combine(y, x)).collect();
            assert_eq!(row, all.clone().collect(), "row {x} is a permutation");
            assert_eq!(column, all.clone().collect(), "column {x} is a permutation");
            assert_eq!(combine(x, x), 0, "diagonal at {x}");
        }
        for c in all.clone() {
            for x in all.clone() {
                for y in all.clone().filter(|&y| y != x) {
                    assert_ne!(combine(combine(c, x), y), combine(combine(c, y), x), "c={c} x={x} y={y}");
                }
            }
        }
    }

    #[test]
    fn a_generated_code_is_twelve_characters_of_the_alphabet_printed_in_three_groups() {
        let code = InvitationCode::generate(&mut rand::rng());
        let printed = code.to_string();
        assert_eq!(printed.len(), 14);
        assert_eq!(printed.split('-').map(str::len).collect::<Vec<_>>(), [4, 4, 4]);
        assert_eq!(printed.replace('-', ""), code.as_compact());
        assert_eq!(code.as_compact().len(), CODE_LENGTH);
        assert!(code.as_compact().bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        assert_eq!(fold(&values(&code)), 0);
    }

    #[test]
    fn a_known_code_has_a_fixed_check_character_and_prints_grouped() {
        // Computed independently (Python) from the same tables; pins the check algorithm of printed letters.
        assert_eq!(text(&[fold(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]), "J");
        let code = InvitationCode::parse("23456789ABCJ").unwrap();
        assert_eq!(code.to_string(), "2345-6789-ABCJ");
        assert_eq!(code.as_compact(), "23456789ABCJ");
    }

    #[test]
    fn a_hundred_thousand_generated_codes_are_distinct_and_parse_back_to_themselves() {
        let distinct: HashSet<&str> = MANY.iter().map(InvitationCode::as_compact).collect();
        assert_eq!(distinct.len(), MANY.len());
        for code in MANY.iter() {
            assert_eq!(InvitationCode::parse(&code.to_string()).as_ref(), Ok(code));
        }
    }

    #[test]
    fn every_position_is_close_to_uniform_over_the_alphabet() {
        // 100,000 draws over 30 characters: 3,333 expected per character, standard deviation about 57. The bounds
        // are about six standard deviations, and the chi-square (29 degrees of freedom, mean 29) must stay below 80.
        let expected = MANY.len() as f64 / 30.0;
        let mut counts = [[0u32; 30]; CODE_LENGTH];
        for code in MANY.iter() {
            for (position, value) in values(code).into_iter().enumerate() {
                counts[position][usize::from(value)] += 1;
            }
        }
        for (position, counts) in counts.iter().enumerate() {
            let chi_square: f64 = counts.iter().map(|&n| (f64::from(n) - expected).powi(2) / expected).sum();
            assert!(counts.iter().all(|&n| (3_000..=3_670).contains(&n)), "position {position}: {counts:?}");
            assert!(chi_square < 80.0, "position {position}: chi-square {chi_square}");
        }
    }

    /// How a typo changed a code's values, for the failure message.
    enum Typo {
        Substituted { position: usize, other: u8 },
        Swapped { position: usize },
    }

    impl fmt::Display for Typo {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::Substituted { position, other } => write!(f, "with {other} at {position}"),
                Self::Swapped { position } => write!(f, "swapped at {position}"),
            }
        }
    }

    /// Every single substitution in `good` and every transposition of two adjacent, different values.
    fn typos(good: [u8; CODE_LENGTH]) -> Vec<(Typo, [u8; CODE_LENGTH])> {
        let mut typos = Vec::new();
        for position in 0..CODE_LENGTH {
            for other in (0..30).filter(|&other| other != good[position]) {
                let mut typo = good;
                typo[position] = other;
                typos.push((Typo::Substituted { position, other }, typo));
            }
        }
        for position in (0..CODE_LENGTH - 1).filter(|&position| good[position] != good[position + 1]) {
            let mut typo = good;
            typo.swap(position, position + 1);
            typos.push((Typo::Swapped { position }, typo));
        }
        typos
    }

    #[test]
    fn every_single_substitution_and_adjacent_transposition_is_detected() {
        for code in &MANY[..1_000] {
            for (typo, values) in typos(values(code)) {
                assert_ne!(fold(&values), 0, "{code} {typo}");
            }
        }
    }

    #[test]
    fn a_typo_in_a_typed_code_is_reported_as_a_mistyped_character() {
        for code in &MANY[..200] {
            for (typo, values) in typos(values(code)) {
                assert_eq!(InvitationCode::parse(&text(&values)), Err(CodeError::CheckMismatch), "{code} {typo}");
            }
        }
    }

    #[test]
    fn parsing_forgives_case_spaces_and_dashes() {
        let code = MANY[0].clone();
        let compact = code.as_compact().to_owned();
        let grouped = code.to_string();
        let spaced = format!("{} {} {}", &compact[..4], &compact[4..8], &compact[8..]);
        for typed in [
            grouped.clone(),
            grouped.to_lowercase(),
            compact.clone(),
            compact.to_lowercase(),
            spaced.clone(),
            format!("  {spaced}\n"),
            format!("{} - {}-{}", &compact[..4], &compact[4..8], &compact[8..]),
            format!("{}\u{2013}{}\u{00a0}{}", &compact[..4], &compact[4..8], &compact[8..]),
            compact.chars().flat_map(|c| [c, ' ']).collect(),
            format!("{}{}", &compact[..6].to_lowercase(), &compact[6..]),
        ] {
            assert_eq!(InvitationCode::parse(&typed), Ok(code.clone()), "{typed:?}");
        }
    }

    #[test]
    fn a_wrong_number_of_characters_says_how_many_were_typed() {
        let compact = MANY[0].as_compact();
        assert_eq!(InvitationCode::parse(""), Err(CodeError::WrongLength { typed: 0 }));
        assert_eq!(InvitationCode::parse(" - - "), Err(CodeError::WrongLength { typed: 0 }));
        assert_eq!(InvitationCode::parse(&compact[..11]), Err(CodeError::WrongLength { typed: 11 }));
        assert_eq!(InvitationCode::parse(&format!("{compact}2")), Err(CodeError::WrongLength { typed: 13 }));
        assert_eq!(InvitationCode::parse(&"A".repeat(1000)), Err(CodeError::WrongLength { typed: 1000 }));
        assert_eq!(
            CodeError::WrongLength { typed: 11 }.to_string(),
            "a code has 12 characters, but the code typed has 11; please compare with the letter"
        );
    }

    #[test]
    fn a_character_outside_the_alphabet_is_named_with_its_position() {
        let compact = MANY[0].as_compact();
        for (typed, position) in [('O', 1), ('o', 2), ('0', 5), ('1', 9), ('I', 10), ('i', 11), ('L', 12), ('l', 3)] {
            let mut chars: Vec<char> = compact.chars().collect();
            chars[position - 1] = typed;
            let text: String = chars.into_iter().collect();
            assert_eq!(
                InvitationCode::parse(&text),
                Err(CodeError::NotInAlphabet { character: typed, position }),
                "{text}"
            );
        }
        // Positions count the characters of the code, not the dashes; other characters are named as typed.
        let with_u = format!("{}-{}-{}U", &compact[..4], &compact[4..8], &compact[8..11]);
        assert_eq!(InvitationCode::parse(&with_u), Err(CodeError::NotInAlphabet { character: 'U', position: 12 }));
        let with_ring = format!("Å{}", &compact[1..]);
        assert_eq!(InvitationCode::parse(&with_ring), Err(CodeError::NotInAlphabet { character: 'Å', position: 1 }));
        let with_full_width = format!("{}Ａ", &compact[..11]);
        let refused = InvitationCode::parse(&with_full_width);
        assert_eq!(refused, Err(CodeError::NotInAlphabet { character: 'Ａ', position: 12 }));
        assert_eq!(
            CodeError::NotInAlphabet { character: 'O', position: 5 }.to_string(),
            "'O' (character 5) is never used in codes, which have no 0, O, 1, I, L or U; please compare with the letter"
        );
        assert_eq!(
            CodeError::CheckMismatch.to_string(),
            "a character is mistyped; please compare the code with the letter"
        );
    }

    #[test]
    fn debug_output_never_shows_the_code() {
        let code = &MANY[0];
        assert_eq!(format!("{code:?}"), "InvitationCode(***)");
        assert!(!format!("{:?}", hasher(7)).contains('7'));
    }

    #[test]
    fn hashing_is_deterministic_per_key_and_differs_across_keys() {
        let code = &MANY[0];
        let hash = hasher(1).hash(code);
        assert_eq!(hash, hasher(1).hash(code));
        assert_eq!(hash, hasher(1).hash(&InvitationCode::parse(&code.to_string().to_lowercase()).unwrap()));
        assert_ne!(hash, hasher(2).hash(code));
        assert_ne!(hash, hasher(1).hash(&MANY[1]));
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{hash}");
    }

    #[test]
    fn the_hash_scheme_is_pinned_because_stored_hashes_depend_on_it() {
        // HMAC-SHA256(key = 32 bytes of 0x01, "trygghet:invitation-code:v1:" + "23456789ABCJ"), computed with
        // Python's hmac module. If this changes, every stored code stops matching.
        let code = InvitationCode::parse("2345-6789-ABCJ").unwrap();
        assert_eq!(hasher(1).hash(&code), "71c6f433432e8f5e4a97598bdc04331127b969a9a5b8152cf5ae143ef56566e6");
    }

    #[test]
    fn a_draft_key_is_neither_the_letter_hash_nor_computable_from_it() {
        let hasher = hasher(4);
        let code = &MANY[0];
        let (hash, draft_key) = (hasher.hash(code), hasher.draft_key(code));
        assert_ne!(hash, draft_key);
        assert_eq!(draft_key, hasher.draft_key(code), "the resident finds their draft again");
        let pass = hasher.entry_pass(code);
        assert!(pass != hash && pass != draft_key && pass != hasher.entry_pass(&MANY[1]));
        assert_ne!(draft_key, hasher.draft_key(&MANY[1]));
        // Nor is it any keyed hash of the stored hash.
        assert_ne!(draft_key, hasher.hash_token(hash.as_bytes()));
        let seal = hasher.draft_seal(code);
        let sealed = seal.seal("c", b"answers");
        assert_eq!(hasher.draft_seal(code).open("c", &sealed).as_deref(), Some(&b"answers"[..]));
        assert_eq!(hasher.draft_seal(&MANY[1]).open("c", &sealed), None);
    }

    #[test]
    fn codes_and_tokens_never_share_a_hash_under_one_key() {
        let hasher = hasher(3);
        for code in &MANY[..1_000] {
            let as_code = hasher.hash(code);
            assert_ne!(as_code, hasher.hash_token(code.as_compact().as_bytes()));
            let with_code_prefix = [b"invitation-code:v1:".as_slice(), code.as_compact().as_bytes()].concat();
            assert_ne!(as_code, hasher.hash_token(&with_code_prefix));
        }
        assert!(!CODE_PURPOSE.starts_with(TOKEN_PURPOSE) && !TOKEN_PURPOSE.starts_with(CODE_PURPOSE));
        assert_eq!(hasher.hash_token(b"token"), hasher.hash_token(b"token"));
        assert_ne!(hasher.hash_token(b"token"), hasher.hash_token(b"token2"));
    }

    #[test]
    fn a_hash_never_contains_the_code() {
        let hasher = hasher(4);
        for code in &MANY[..1_000] {
            let hash = hasher.hash(code);
            let compact = code.as_compact();
            assert!(!hash.contains(compact) && !hash.contains(&compact.to_lowercase()));
            assert!(!hash.contains(&code.to_string()) && !hash.contains(&code.to_string().to_lowercase()));
        }
    }

    #[test]
    fn a_short_hashing_key_is_refused() {
        assert_eq!(CodeHasher::new(&[0; 31]).err(), Some(KeyError { bytes: 31 }));
        assert_eq!(CodeHasher::new(b"").err(), Some(KeyError { bytes: 0 }));
        assert!(CodeHasher::new(&[0; 32]).is_ok());
        assert!(CodeHasher::new(&[0; 100]).is_ok());
    }

    #[test]
    fn a_letter_number_is_the_municipality_and_a_six_digit_serial() {
        let hagfors = MunicipalityCode::parse("1783").unwrap();
        let number = LetterNumber::new(&hagfors, 42).unwrap();
        assert_eq!(number.to_string(), "1783-000042");
        assert_eq!(number.municipality(), &hagfors);
        assert_eq!(number.serial(), 42);
        assert_eq!(LetterNumber::parse("1783-000042"), Ok(number.clone()));
        assert_eq!(LetterNumber::parse(" 1783-000042\n"), Ok(number));
        let last = LetterNumber::new(&hagfors, 999_999).unwrap();
        assert_eq!(LetterNumber::parse(&last.to_string()), Ok(last));
        assert_eq!(LetterNumber::new(&hagfors, 1).unwrap().to_string(), "1783-000001");
    }

    #[test]
    fn a_serial_outside_one_to_999999_is_refused() {
        let hagfors = MunicipalityCode::parse("1783").unwrap();
        assert_eq!(LetterNumber::new(&hagfors, 0), Err(LetterNumberError::SerialOutOfRange(0)));
        assert_eq!(LetterNumber::new(&hagfors, 1_000_000), Err(LetterNumberError::SerialOutOfRange(1_000_000)));
        assert_eq!(LetterNumber::parse("1783-000000"), Err(LetterNumberError::SerialOutOfRange(0)));
    }

    #[test]
    fn a_malformed_letter_number_is_refused() {
        for text in [
            "",
            "1783",
            "1783-",
            "-000042",
            "178-000042",
            "17833-000042",
            "1783-42",
            "1783-0000042",
            "1783000042",
            "1783 000042",
            "1783 -000042",
            "1783- 000042",
            "1783-00004a",
            "1783-+00042",
            "17a3-000042",
            "1783-000042-1",
            "1783–000042",
        ] {
            assert_eq!(LetterNumber::parse(text), Err(LetterNumberError::Format), "{text}");
        }
    }
}
