//! Device cookies (OWASP's defence against lock-out by strangers): a browser that once signed in to an account
//! carries a cookie signed with the service's key and bound to that account. Sign-ins presenting it are counted on
//! the device, not on the account, so a stranger's failures, which lock the account against unknown clients, never
//! lock out its owner's known browsers. A device that fails too often itself is treated as unknown until its count
//! ends.
//!
//! The cookie is `nonce.signature`; the signature is the service's keyed hash of the account key and the nonce, so
//! it cannot be forged or moved to another account, and the database keeps nothing about it but failure counts.

use crate::domain::codes::CodeHasher;

/// A new device cookie's value for the account with `account_key`.
pub fn issue(hasher: &CodeHasher, account_key: &str) -> String {
    let nonce = super::session::new_token();
    let signature = sign(hasher, account_key, &nonce);
    format!("{nonce}.{signature}")
}

/// The device's nonce, when `value` is a device cookie this service issued for `account_key`.
pub fn verify(hasher: &CodeHasher, account_key: &str, value: &str) -> Option<String> {
    let (nonce, signature) = value.split_once('.')?;
    if nonce.is_empty() || nonce.len() > 64 {
        return None;
    }
    super::csrf::matches(&sign(hasher, account_key, nonce), signature).then(|| nonce.to_owned())
}

/// The signature of `nonce` for `account_key` (NUL-separated: neither a token nor a key holds one).
fn sign(hasher: &CodeHasher, account_key: &str, nonce: &str) -> String {
    hasher.hash_token(format!("device\0{account_key}\0{nonce}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(byte: u8) -> CodeHasher {
        CodeHasher::new(&[byte; 32]).unwrap()
    }

    #[test]
    fn a_device_cookie_holds_only_for_its_account_and_key() {
        let cookie = issue(&hasher(1), "account:a");
        let nonce = verify(&hasher(1), "account:a", &cookie).expect("valid for its account");
        assert!(cookie.starts_with(&nonce));
        assert_eq!(verify(&hasher(1), "account:b", &cookie), None, "another account");
        assert_eq!(verify(&hasher(2), "account:a", &cookie), None, "another service key");
    }

    #[test]
    fn forged_or_broken_cookies_are_unknown_devices() {
        let cookie = issue(&hasher(1), "account:a");
        let (nonce, _) = cookie.split_once('.').unwrap();
        for forged in ["", ".", "x", &format!("{nonce}."), &format!("{nonce}.00"), &format!("other{}", &cookie[5..])] {
            assert_eq!(verify(&hasher(1), "account:a", forged), None, "{forged}");
        }
    }
}
