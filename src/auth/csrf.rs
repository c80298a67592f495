//! CSRF protection for everything that changes state with the session cookie: a per-session random token,
//! embedded in every form as `csrf_token` and sent by scripts as the `X-CSRF-Token` header, compared in constant
//! time. Requests authenticated with an API token carry no cookie and need none.

use subtle::ConstantTimeEq;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The header that carries the token for scripts using the session.
pub const HEADER: &str = "x-csrf-token";

/// A new random token for a new session.
pub fn new_token() -> String {
    super::session::new_token()
}

/// Whether `presented` is the session's token.
pub fn matches(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_matches() {
        let token = new_token();
        assert!(matches(&token, &token));
        assert!(!matches(&token, &token[1..]));
        assert!(!matches(&token, ""));
        assert!(!matches("", ""), "an empty expected token never matches");
    }
}
