//! Application secrets at rest: sealed with AES-256-GCM under a key that lives in the
//! configuration (or environment), never in the database; and keyed digests ([`Pepper`]) of the
//! low-entropy secrets the store keeps (PINs, voucher codes).
//!
//! WS-Security `PasswordDigest` needs the plain secret on the gateway side
//! (Base64(SHA-1(nonce + created + password))), so secrets cannot be stored as one-way hashes;
//! sealing them means a copy of the database alone reveals nothing. Each sealed value is bound to
//! its username (AEAD associated data), so it cannot be moved to another credential.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use super::random_bytes;

/// Length of the AES-GCM nonce prefixed to every sealed value.
const NONCE_LEN: usize = 12;

/// Seals and opens application secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

/// The 32 bytes of a base64 (standard or URL-safe) configured key.
fn key_bytes(key: &str) -> Result<Vec<u8>, String> {
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(key.trim()).ok())
        .ok_or_else(|| "is not base64".to_owned())?;
    if bytes.len() != 32 {
        return Err(format!("must decode to 32 bytes, not {}", bytes.len()));
    }
    Ok(bytes)
}

impl SecretBox {
    /// From a base64 (standard or URL-safe) encoding of 32 random bytes.
    pub fn from_base64(key: &str) -> Result<Self, String> {
        let cipher = Aes256Gcm::new_from_slice(&key_bytes(key)?).map_err(|e| e.to_string())?;
        Ok(Self { cipher })
    }

    /// A new random key, base64, for configuration.
    pub fn generate_key() -> String {
        base64::engine::general_purpose::STANDARD.encode(random_bytes::<32>())
    }

    /// Encrypts `secret` for `username`: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, username: &str, secret: &str) -> Vec<u8> {
        let nonce = random_bytes::<NONCE_LEN>();
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: username.as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a short secret cannot fail"));
        [nonce.as_slice(), &sealed].concat()
    }

    /// Decrypts a value sealed for `username`; `None` if it was sealed under another key or for
    /// another username, or was tampered with.
    pub fn open(&self, username: &str, sealed: &[u8]) -> Option<String> {
        if sealed.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::from(<[u8; NONCE_LEN]>::try_from(nonce).ok()?);
        let plain = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: body,
                    aad: username.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

/// Keyed digests of low-entropy secrets kept in the store (end-user PINs, voucher codes): a copy
/// of the database alone cannot be searched for them, since the key is in the configuration.
/// HMAC-SHA-256 (RFC 2104) under a key derived from the configured secret key for this purpose
/// only, so it is never the key that seals application secrets.
#[derive(Clone)]
pub struct Pepper {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pepper(..)")
    }
}

/// What a keyed digest starts with, telling it from the unkeyed SHA-256 of earlier versions.
pub const KEYED_PREFIX: &str = "h1:";

impl Pepper {
    /// From the configured `framework.secret_key`.
    pub fn from_base64(key: &str) -> Result<Self, String> {
        let mut derive =
            <Hmac<Sha256> as hmac::Mac>::new_from_slice(&key_bytes(key)?).map_err(|e| e.to_string())?;
        derive.update(b"pxgate keyed digests v1");
        let derived = derive.finalize().into_bytes();
        let mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&derived).map_err(|e| e.to_string())?;
        Ok(Self { mac })
    }

    /// `h1:` and the lower-case hex HMAC of `purpose` and `parts` (each length-prefixed, so no
    /// two different inputs share a digest).
    pub fn digest(&self, purpose: &str, parts: &[&[u8]]) -> String {
        let mut mac = self.mac.clone();
        for part in std::iter::once(purpose.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        format!("{KEYED_PREFIX}{}", super::hex(&mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_username() {
        let key = SecretBox::generate_key();
        let sealer = SecretBox::from_base64(&key).unwrap();
        let sealed = sealer.seal("shop-1", "s3cret");
        assert!(
            !sealed.windows(6).any(|w| w == b"s3cret"),
            "the secret is not visible in the sealed form"
        );
        assert_eq!(sealer.open("shop-1", &sealed).as_deref(), Some("s3cret"));
        assert_eq!(sealer.open("shop-2", &sealed), None, "bound to its username");
        let other = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        assert_eq!(other.open("shop-1", &sealed), None, "bound to its key");
        assert_eq!(sealer.open("shop-1", &sealed[..10]), None);
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(SecretBox::from_base64("not base64!").is_err());
        assert!(SecretBox::from_base64("AAAA").is_err());
    }
}
