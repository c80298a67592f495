//! Sealing a resident's saved draft so that only their code opens it.
//!
//! A draft holds the answers typed so far. Whoever holds a copy of the database must neither read them nor tie them
//! to a letter, so a draft is stored under a key of its own ([`CodeHasher::draft_key`]) and its contents are sealed
//! (XChaCha20-Poly1305) with a key derived from the resident's code ([`CodeHasher::draft_seal`]). Both derivations
//! need the code and the server key and are separated from the letter's stored hash by their own labels, so neither
//! can be computed from anything stored. The sealing key lives only while a request holds the code.
//!
//! [`CodeHasher::draft_key`]: crate::domain::codes::CodeHasher::draft_key
//! [`CodeHasher::draft_seal`]: crate::domain::codes::CodeHasher::draft_seal

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// Bytes of the random nonce stored before each sealed text: 192 bits, so random nonces never repeat in practice.
const NONCE_BYTES: usize = 24;

/// The key that seals one resident's draft. Never stored, never printed.
#[derive(Clone)]
pub struct DraftSeal([u8; 32]);

impl DraftSeal {
    pub fn new(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// Seals `plain`, bound to `context` (the draft's key and survey: a sealed text moved to another row does not
    /// open), as base64 of the nonce followed by the ciphertext.
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let sealed = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad: context.as_bytes() })
            .expect("sealing in memory cannot fail");
        let mut stored = nonce.to_vec();
        stored.extend(sealed);
        BASE64.encode(stored)
    }

    /// The plain text of a sealed text, or `None` when it was sealed with another key or context or was altered.
    pub fn open(&self, context: &str, stored: &str) -> Option<Vec<u8>> {
        let bytes = BASE64.decode(stored).ok()?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        cipher.decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: context.as_bytes() }).ok()
    }
}

impl std::fmt::Debug for DraftSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DraftSeal(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_text_opens_only_with_its_key_and_context() {
        let seal = DraftSeal::new([7; 32]);
        let sealed = seal.seal("draft-a", b"{\"q1\":\"Kvarnbacken\"}");
        assert!(!sealed.contains("Kvarnbacken"));
        assert_eq!(seal.open("draft-a", &sealed).as_deref(), Some(&b"{\"q1\":\"Kvarnbacken\"}"[..]));
        assert_eq!(seal.open("draft-b", &sealed), None, "another row's context");
        assert_eq!(DraftSeal::new([8; 32]).open("draft-a", &sealed), None, "another code's key");
        assert_eq!(seal.open("draft-a", "not base64 ✓"), None);
        assert_eq!(seal.open("draft-a", ""), None);
        let mut altered = BASE64.decode(&sealed).unwrap();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(seal.open("draft-a", &BASE64.encode(altered)), None);
    }

    #[test]
    fn sealing_twice_gives_different_texts() {
        let seal = DraftSeal::new([1; 32]);
        assert_ne!(seal.seal("c", b"same"), seal.seal("c", b"same"));
        assert_eq!(format!("{seal:?}"), "DraftSeal(***)");
    }
}
