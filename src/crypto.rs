//! Cryptographic primitives every layer shares: hex, digests, random bytes and tokens, and the
//! secrets kept at rest ([`SecretBox`], [`Pepper`]). The only place in the crate that reads the
//! operating system's random source or writes hex.
//!
//! A leaf: it knows nothing of applications, accounts, HTTP or the store.

mod secrets;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

pub use secrets::{KEYED_PREFIX, Pepper, SecretBox};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The 32 bytes of a 64-digit hex string (either case), or `None`.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0_u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The SHA-256 of a bearer or operator token, as the store and the configuration keep it.
pub fn token_digest(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

/// Random bytes from the operating system.
///
/// One policy for every caller: without the OS random source no identifier, token or secret can be
/// made safely and there is nothing to fall back to, so this panics. A request handler's panic
/// costs that request a 500 (the router's panic layer); on Linux `getrandom(2)` does not fail once
/// the pool is initialized.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("no OS randomness: {e}"));
    bytes
}

/// `N` random bytes as `2 × N` lower-case hex digits (identifiers).
pub fn random_hex<const N: usize>() -> String {
    hex(&random_bytes::<N>())
}

/// A fresh 256-bit token, URL-safe base64 without padding (operator and bearer tokens).
pub fn generate_token() -> String {
    not_an_option(random_bytes::<32>)
}

/// A new application secret: 24 random bytes, URL-safe base64 (32 characters).
pub fn generate_secret() -> String {
    not_an_option(random_bytes::<24>)
}

/// `draw()`'s bytes as URL-safe base64, drawn again while the text would start with `-`: such a
/// secret, given to a command (`micropay --password "$SECRET"`), is read as an option. Drawing
/// again keeps every other text equally likely.
fn not_an_option<const N: usize>(draw: fn() -> [u8; N]) -> String {
    loop {
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(draw());
        if !text.starts_with('-') {
            return text;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_32_bytes() {
        let digest = token_digest("password");
        let text = hex(&digest);
        assert_eq!(
            text,
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
        assert_eq!(parse_hex32(&text), Some(digest));
        assert_eq!(parse_hex32(&text.to_uppercase()), Some(digest));
        assert_eq!(parse_hex32(&text[2..]), None);
        assert_eq!(parse_hex32(&format!("{}zz", &text[2..])), None);
    }

    #[test]
    fn random_identifiers_have_their_length_and_differ() {
        assert_eq!(random_hex::<16>().len(), 32);
        assert_ne!(random_hex::<16>(), random_hex::<16>());
        assert_eq!(generate_token().len(), 43);
        assert_eq!(generate_secret().len(), 32);
    }

    #[test]
    fn no_secret_or_token_starts_like_an_option() {
        for _ in 0..10_000 {
            assert!(!generate_secret().starts_with('-'));
            assert!(!generate_token().starts_with('-'));
        }
    }
}
