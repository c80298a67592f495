//! A staff member's name as other staff see it: optional (the e-mail address stands in for an account without one),
//! one line of at most [`MAX_CHARS`] characters.

/// The longest name taken, in characters.
pub const MAX_CHARS: usize = 100;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("a name is one line of at most 100 characters")]
pub struct DisplayNameError;

impl From<DisplayNameError> for crate::domain::text::Text {
    fn from(_: DisplayNameError) -> Self {
        Self::new("problem.display_name")
    }
}

/// The name trimmed, or why it cannot be one: too long, or with a control character (a line break, a NUL).
pub fn parse(text: &str) -> Result<String, DisplayNameError> {
    let name = text.trim();
    if name.chars().count() > MAX_CHARS || name.chars().any(char::is_control) {
        return Err(DisplayNameError);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_short_line() {
        assert_eq!(parse("  Anna Berg "), Ok("Anna Berg".to_owned()));
        assert_eq!(parse(""), Ok(String::new()), "no name: the e-mail address stands in");
        assert_eq!(parse(&"å".repeat(100)).map(|name| name.chars().count()), Ok(100));
        for text in ["å".repeat(101), "Anna\nBerg".to_owned(), "Anna\0".to_owned(), "x".repeat(1_000_000)] {
            assert_eq!(parse(&text), Err(DisplayNameError));
        }
    }
}
