//! Staff e-mail addresses: the sign-in name of an account, compared case-insensitively.

/// A plausible e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address")]
pub struct EmailError;

impl From<EmailError> for crate::domain::text::Text {
    fn from(_: EmailError) -> Self {
        Self::new("problem.email")
    }
}

impl EmailAddress {
    /// An address as RFC 5321 and 5322 define it (a dot-atom or quoted local part, so no `<`, `>`, spaces or control
    /// characters outside quotes), with a domain of at least two labels, no bracketed IP address and no display name.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let text = text.trim().to_lowercase();
        let options = email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            ..email_address::Options::default()
        };
        let valid = text.len() <= 254
            && !text.chars().any(char::is_control)
            && email_address::EmailAddress::parse_with_options(&text, options).is_ok();
        if valid { Ok(Self(text)) } else { Err(EmailError) }
    }
}

checked_text!(EmailAddress);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(EmailAddress::parse("  Anna.Berg@Polisen.SE ").unwrap().as_str(), "anna.berg@polisen.se");
    }

    #[test]
    fn real_addresses_are_taken() {
        for text in ["anna.berg@polisen.se", "a+trygghet@hagfors.se", "o'brien@kommun.se", "åsa@sunne.se"] {
            assert!(EmailAddress::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn implausible_addresses_are_refused() {
        for text in [
            "",
            "anna",
            "anna@",
            "@polisen.se",
            "anna@polisen",
            "an na@polisen.se",
            "a@b@c.se",
            "a@.se",
            "<script>@x.se",
            "Anna <anna@polisen.se>",
            "anna@[127.0.0.1]",
            "anna\u{0}@polisen.se",
            ".anna@polisen.se",
        ] {
            assert_eq!(EmailAddress::parse(text), Err(EmailError), "{text}");
        }
    }
}
