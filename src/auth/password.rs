//! Passwords: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1, the crate's defaults), hashed and
//! verified off the async workers because one hash takes tens of milliseconds of CPU.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// The shortest password accepted: long enough to resist guessing once hashes leak.
pub const MIN_CHARS: usize = 12;
/// The longest: passphrases are welcome, but an unbounded input would let anyone make the server hash megabytes.
pub const MAX_CHARS: usize = 256;

/// A password that meets the rules, kept secret in memory.
pub struct Password(SecretString);

/// Why a new password was refused (shown to the person choosing it).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password has fewer than {MIN_CHARS} characters")]
    TooShort,
    #[error("the password has more than {MAX_CHARS} characters")]
    TooLong,
}

impl From<PasswordError> for crate::domain::text::Text {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::TooShort => Self::new("problem.password.too_short").with("min", MIN_CHARS),
            PasswordError::TooLong => Self::new("problem.password.too_long").with("max", MAX_CHARS),
        }
    }
}

impl Password {
    /// Checks a newly chosen password against the rules.
    pub fn parse(text: &str) -> Result<Self, PasswordError> {
        let chars = text.chars().count();
        if chars < MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(SecretString::from(text.to_owned())))
        }
    }

    /// The argon2id hash in PHC string format. CPU-heavy: call from a blocking task.
    pub fn hash(&self) -> Result<String, argon2::password_hash::Error> {
        Ok(Argon2::default().hash_password(self.0.expose_secret().as_bytes())?.to_string())
    }
}

/// Whether `candidate` matches the stored PHC `hash`. CPU-heavy: call from a blocking task. A malformed hash
/// never matches.
pub fn verify(candidate: &str, hash: &str) -> bool {
    candidate.len() <= MAX_CHARS * 4 && Argon2::default().verify_password(candidate.as_bytes(), hash).is_ok()
}

/// A hash of a random password, verified against when the account does not exist, so that a sign-in for an
/// unknown address takes as long as one for a known address.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let random = uuid::Uuid::new_v4().to_string();
        Password::parse(&random).ok().and_then(|password| password.hash().ok()).unwrap_or_default()
    })
}

/// Runs CPU-heavy work (hashing) on the blocking pool, inside the caller's tracing span.
pub async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work)).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = Password::parse("correct horse battery staple").unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify("correct horse battery staple", &hash));
        assert!(!verify("correct horse battery stapl", &hash));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let password = Password::parse("same password twice").unwrap();
        assert_ne!(password.hash().unwrap(), password.hash().unwrap());
    }

    #[test]
    fn length_rules_count_characters_not_bytes() {
        assert_eq!(Password::parse("elva tecken").err(), Some(PasswordError::TooShort));
        assert!(Password::parse("åäöåäöåäöåäö").is_ok(), "12 characters, 24 bytes");
        assert!(Password::parse(&"x".repeat(MAX_CHARS)).is_ok());
        assert_eq!(Password::parse(&"x".repeat(MAX_CHARS + 1)).err(), Some(PasswordError::TooLong));
    }
}
