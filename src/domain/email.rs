//! Staff e-mail addresses: the sign-in name of an account, compared case-insensitively.

/// A plausible e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("Skriv en e-postadress som namn@exempel.se.")]
pub struct EmailError;

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let text = text.trim().to_lowercase();
        let Some((local, domain)) = text.split_once('@') else { return Err(EmailError) };
        let valid = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
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
    fn implausible_addresses_are_refused() {
        for text in ["", "anna", "anna@", "@polisen.se", "anna@polisen", "an na@polisen.se", "a@b@c.se", "a@.se"] {
            assert_eq!(EmailAddress::parse(text), Err(EmailError), "{text}");
        }
    }
}
