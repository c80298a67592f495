//! Who asks: the sender residents see on every page of a survey ("Polisen och Hagfors kommun") and the contact
//! they can reach with questions (a phone number, an e-mail address or both). A survey may lack them as a draft;
//! it cannot open without them, since a resident holding a letter must be able to tell who asks and whom to ask.

use crate::domain::email::EmailAddress;
use crate::domain::text::Text;

/// The longest sender, in characters.
pub const MAX_SENDER_CHARS: usize = 200;

/// What a phone number may look like, as the API documents it: an optional `+`, then 5 to 15 digits, single spaces
/// or hyphens between them ("0563-185 00", "+46 563 185 00", "114 14").
pub const PHONE_PATTERN: &str = "^\\+?[0-9]([ -]?[0-9]){4,14}$";

/// What a sender may hold, as the API documents it: no control characters (so one line, no NUL).
pub const SENDER_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// Why a sender was refused (page texts under `problem.sender`).
pub const SENDER_MISSING: Text = Text::new("problem.sender.missing");
const SENDER_TOO_LONG: Text = Text::new("problem.sender.too_long");
const SENDER_CONTROL: Text = Text::new("problem.sender.control");
const PHONE_INVALID: Text = Text::new("problem.sender.phone");
const EMAIL_INVALID: Text = Text::new("problem.sender.email");
/// Why a contact without either was refused.
pub const CONTACT_MISSING: Text = Text::new("problem.sender.contact_missing");

/// The sender of a survey: one line of 1–200 characters, trimmed.
pub fn parse_sender(text: &str) -> Result<String, Text> {
    if text.chars().any(char::is_control) {
        return Err(SENDER_CONTROL);
    }
    if text.chars().count() > MAX_SENDER_CHARS {
        return Err(SENDER_TOO_LONG);
    }
    match text.trim() {
        "" => Err(SENDER_MISSING),
        sender => Ok(sender.to_owned()),
    }
}

/// A phone number residents can call, kept as written (see [`PHONE_PATTERN`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

checked_text!(Phone);

impl Phone {
    /// A number exactly as [`PHONE_PATTERN`] describes it; nothing around it.
    pub fn parse(text: &str) -> Result<Self, Text> {
        let digits = text.strip_prefix('+').unwrap_or(text);
        let mut count = 0;
        let mut previous_was_digit = false;
        for (index, c) in digits.chars().enumerate() {
            match c {
                '0'..='9' => {
                    count += 1;
                    previous_was_digit = true;
                }
                ' ' | '-' if index > 0 && previous_was_digit => previous_was_digit = false,
                _ => return Err(PHONE_INVALID),
            }
        }
        if previous_was_digit && (5..=15).contains(&count) { Ok(Self(text.to_owned())) } else { Err(PHONE_INVALID) }
    }

    /// The number for a `tel:` link: the `+` and the digits.
    pub fn dial(&self) -> String {
        self.0.chars().filter(|c| *c == '+' || c.is_ascii_digit()).collect()
    }
}

/// Where residents can ask about a survey: a phone number, an e-mail address, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub phone: Option<Phone>,
    pub email: Option<EmailAddress>,
}

/// A contact that was refused, each problem with its part (`phone`, `email`, or none for the contact as a whole).
pub type ContactProblems = Vec<(Option<&'static str>, Text)>;

impl Contact {
    /// A contact from its parts as given (`None`: not given); at least one must be given, each must be valid.
    pub fn parse(phone: Option<&str>, email: Option<&str>) -> Result<Self, ContactProblems> {
        let mut problems = ContactProblems::new();
        let phone =
            phone.and_then(|text| Phone::parse(text).map_err(|reason| problems.push((Some("phone"), reason))).ok());
        let email = email
            .and_then(|text| EmailAddress::parse(text).map_err(|_| problems.push((Some("email"), EMAIL_INVALID))).ok());
        if problems.is_empty() && phone.is_none() && email.is_none() {
            problems.push((None, CONTACT_MISSING));
        }
        if problems.is_empty() { Ok(Self { phone, email }) } else { Err(problems) }
    }

    /// The contact as stored: JSON text, `{"phone": …, "email": …}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "phone": self.phone.as_ref().map(Phone::as_str),
            "email": self.email.as_ref().map(EmailAddress::as_str),
        })
        .to_string()
    }

    /// A contact as stored; `None` when none is stored (or what is stored is no longer valid).
    pub fn stored(json: Option<&str>) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Stored {
            phone: Option<String>,
            email: Option<String>,
        }
        let stored: Stored = serde_json::from_str(json?).ok()?;
        Self::parse(stored.phone.as_deref(), stored.email.as_deref()).ok()
    }
}

/// The service's own organisation and contact (`TRYGGHET_ORGANISATION`, `TRYGGHET_CONTACT_PHONE`,
/// `TRYGGHET_CONTACT_EMAIL`): named on pages that know no survey (an unknown code, the accessibility statement) and
/// on surveys stored before they had a contact of their own. Each may be unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    pub organisation: Option<String>,
    pub contact: Option<Contact>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_one_trimmed_line_of_at_most_200_characters() {
        assert_eq!(parse_sender("  Polisen och Hagfors kommun "), Ok("Polisen och Hagfors kommun".to_owned()));
        assert_eq!(parse_sender(&"å".repeat(200)).map(|s| s.chars().count()), Ok(200));
        assert_eq!(parse_sender("   "), Err(SENDER_MISSING));
        assert_eq!(parse_sender(""), Err(SENDER_MISSING));
        assert_eq!(parse_sender(&"x".repeat(201)), Err(SENDER_TOO_LONG));
        for text in ["Polisen\nHagfors", "Polisen\u{0}", "a\u{7f}", "a\u{85}b"] {
            assert_eq!(parse_sender(text), Err(SENDER_CONTROL), "{text:?}");
        }
    }

    #[test]
    fn phone_numbers_are_digits_with_single_spaces_or_hyphens() {
        for text in ["0563-185 00", "+46 563 185 00", "114 14", "11414", "+46701234567", "08-123 456 78"] {
            let phone = Phone::parse(text).unwrap_or_else(|_| panic!("{text}"));
            assert_eq!(phone.as_str(), text);
        }
        assert_eq!(Phone::parse("+46 563 185 00").unwrap().dial(), "+4656318500");
        for text in [
            "",
            "1234",
            "+",
            "0563  18500",
            "-0563",
            "0563-",
            " 0563 18500",
            "0563 18500 ",
            "+ 46 563",
            "0563/18500",
            "(0563) 18500",
            "1234567890123456",
            "46+563",
            "٠٥٦٣١٨٥٠٠",
        ] {
            assert!(Phone::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_contact_has_a_phone_an_email_or_both() {
        let both = Contact::parse(Some("0563-185 00"), Some("Trygghet@Hagfors.se")).unwrap();
        assert_eq!(both.email.unwrap().as_str(), "trygghet@hagfors.se");
        assert!(Contact::parse(None, Some("trygghet@hagfors.se")).is_ok());
        assert!(Contact::parse(Some("114 14"), None).is_ok());
        assert_eq!(Contact::parse(None, None), Err(vec![(None, CONTACT_MISSING)]));
        let wrong = Contact::parse(Some("ring oss"), Some("trygghet")).unwrap_err();
        assert_eq!(wrong.iter().map(|(part, _)| *part).collect::<Vec<_>>(), [Some("phone"), Some("email")]);
        let phone_only = Contact::parse(Some("114 14"), None).unwrap();
        assert_eq!(Contact::stored(Some(&phone_only.to_json())), Some(phone_only));
        assert_eq!(Contact::stored(None), None);
        assert_eq!(Contact::stored(Some("{}")), None);
    }
}
