//! Credentials as the bindings hand them over, and the checks that do not need the store:
//! WS-Security digests and the `Created` window. A correct token's nonce is then claimed in the
//! store ([`super::replay`]); failed attempts feed [`super::lockout`].
//!
//! OASIS WSS UsernameToken Profile 1.0 §3.1: "Password_Digest = Base64 ( SHA-1 ( nonce + created +
//! password ) )", with the nonce as raw bytes (it travels base64-encoded). The Huawei SDP
//! `RequestSOAPHeader` is read into the same token: `spId` the username, `spPassword` =
//! hex(MD5(spId + password + timeStamp)), and its `timeStamp` both the `Created` and the nonce, so
//! the window, the replay check and the lock-out are the same (docs/guides/huawei-header.md).

use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::store::apps::NonceClaim;

/// How the password in a `UsernameToken` is carried (WSS UsernameToken Profile 1.0 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordType {
    /// `…#PasswordText`, also the meaning of an absent `Type` attribute.
    Text,
    /// `…#PasswordDigest`: Base64(SHA-1(nonce + created + password)).
    Digest,
    /// A Huawei SDP `RequestSOAPHeader`'s `spPassword`: hex(MD5(spId + password + timeStamp)),
    /// with `created` the `timeStamp` (`yyyyMMddHHmmss`, UTC) and the nonce the same text.
    SpMd5,
}

/// The WS-Security UsernameToken of a request, as sent; nothing here has been verified.
#[derive(Clone, PartialEq, Eq)]
pub struct UsernameToken {
    /// `wsse:Username`.
    pub username: String,
    /// `wsse:Password` text: the password itself or its Base64 digest, according to `password_type`.
    pub password: String,
    /// The `Type` attribute of `wsse:Password`.
    pub password_type: PasswordType,
    /// `wsse:Nonce`, Base64-decoded.
    pub nonce: Option<Vec<u8>>,
    /// `wsu:Created`, verbatim (an `xsd:dateTime`); the framework parses and checks freshness.
    pub created: Option<String>,
}

impl std::fmt::Debug for UsernameToken {
    // Never print a credential, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsernameToken")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("password_type", &self.password_type)
            .field("nonce", &self.nonce.as_ref().map(Vec::len))
            .field("created", &self.created)
            .finish()
    }
}

/// What a request presented to identify its application.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing.
    None,
    /// WS-Security UsernameToken (SOAP).
    UsernameToken(UsernameToken),
    /// HTTP Basic (SOAP and REST).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// An OAuth 2.0 bearer token (REST).
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    // Never print a secret, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::UsernameToken(t) => t.fmt(f),
            Self::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

impl Credentials {
    /// Reads an `Authorization` header value (`Basic …` or `Bearer …`).
    pub fn from_authorization(value: &str) -> Self {
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
            return Self::Bearer(rest.trim().to_owned());
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok();
            let text = decoded.and_then(|d| String::from_utf8(d).ok());
            if let Some((username, password)) = text.as_deref().and_then(|t| t.split_once(':')) {
                return Self::Basic {
                    username: username.to_owned(),
                    password: password.to_owned(),
                };
            }
        }
        Self::None
    }

    /// The username presented, if any (for lock-out and logs; never the secret).
    pub fn username(&self) -> Option<&str> {
        match self {
            Self::UsernameToken(t) => Some(&t.username),
            Self::Basic { username, .. } => Some(username),
            Self::None | Self::Bearer(_) => None,
        }
    }
}

/// Why a password check failed (kept apart so logs can say; callers answer all alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordFailure {
    /// The password or digest does not match.
    Mismatch,
    /// A digest without nonce or `Created`, or an unparsable `Created`.
    Incomplete,
    /// `Created` outside the allowed window.
    Stale,
}

/// Checks a UsernameToken against the plain secret. A correct token with a nonce answers the
/// claim its nonce must win before the call is admitted ([`super::replay`]).
pub fn check_username_token(
    token: &UsernameToken,
    secret: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<Option<NonceClaim>, PasswordFailure> {
    let created = match (&token.created, token.password_type) {
        (Some(c), PasswordType::SpMd5) => Some(sp_timestamp(c).ok_or(PasswordFailure::Incomplete)?),
        (Some(c), _) => Some(
            DateTime::parse_from_rfc3339(c.trim())
                .map_err(|_| PasswordFailure::Incomplete)?
                .with_timezone(&Utc),
        ),
        (None, PasswordType::Digest | PasswordType::SpMd5) => return Err(PasswordFailure::Incomplete),
        (None, PasswordType::Text) => None,
    };
    if let Some(created) = created {
        let skew = (now - created).abs().to_std().unwrap_or(Duration::MAX);
        if skew > window {
            return Err(PasswordFailure::Stale);
        }
    }
    let matches = match token.password_type {
        PasswordType::Text => equal(token.password.as_bytes(), secret.as_bytes()),
        PasswordType::Digest => {
            let nonce = token.nonce.as_deref().ok_or(PasswordFailure::Incomplete)?;
            let created = token.created.as_deref().unwrap_or_default();
            equal(
                token.password.trim().as_bytes(),
                password_digest(nonce, created, secret).as_bytes(),
            )
        }
        PasswordType::SpMd5 => {
            let timestamp = token.created.as_deref().unwrap_or_default();
            equal(
                token.password.trim().to_ascii_lowercase().as_bytes(),
                sp_password(&token.username, secret, timestamp).as_bytes(),
            )
        }
    };
    if !matches {
        return Err(PasswordFailure::Mismatch);
    }
    // Only a correct token may use up its nonce, so nobody can block a nonce by guessing. It is
    // remembered while a replay could still pass the window check: until `Created` + window, or
    // (a text password with a nonce and no `Created`) twice the window from now.
    Ok(token.nonce.as_deref().map(|nonce| {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 4);
        let expires_ms = match created {
            Some(created) => created.timestamp_millis().saturating_add(window_ms),
            None => now.timestamp_millis().saturating_add(window_ms.saturating_mul(2)),
        };
        NonceClaim {
            key: nonce_key(&token.username, nonce),
            expires_ms,
        }
    }))
}

/// SHA-256 of the username's length, the username and the nonce, first 16 bytes: small enough
/// for millions of live nonces (a collision among even 10^9 of them has a chance below 10^-20,
/// and nobody can aim for one without breaking SHA-256).
pub fn nonce_key(username: &str, nonce: &[u8]) -> [u8; 16] {
    let mut sha = Sha256::new();
    sha.update((username.len() as u64).to_le_bytes());
    sha.update(username.as_bytes());
    sha.update(nonce);
    let digest = sha.finalize();
    let mut key = [0; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// A Huawei `timeStamp`, `yyyyMMddHHmmss` in UTC.
fn sp_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

/// Huawei SDP `spPassword`: lowercase hex of MD5(spId + password + timeStamp).
pub fn sp_password(sp_id: &str, password: &str, timestamp: &str) -> String {
    use md5::Digest as _;
    let mut md5 = md5::Md5::new();
    md5.update(sp_id.as_bytes());
    md5.update(password.as_bytes());
    md5.update(timestamp.as_bytes());
    hex::encode(md5.finalize())
}

/// Base64(SHA-1(nonce + created + password)).
pub fn password_digest(nonce: &[u8], created: &str, password: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(nonce);
    sha.update(created.as_bytes());
    sha.update(password.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// Constant-time equality of two byte strings.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_token(secret: &str, nonce: &[u8], created: &str) -> UsernameToken {
        UsernameToken {
            username: "shop".into(),
            password: password_digest(nonce, created, secret),
            password_type: PasswordType::Digest,
            nonce: Some(nonce.to_vec()),
            created: Some(created.into()),
        }
    }

    #[test]
    fn digest_matches_the_profile_example_shape_and_checks() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let window = Duration::from_secs(300);
        let ok = digest_token("pw", b"nonce-1", "2026-11-24T09:58:00Z");
        let claim = check_username_token(&ok, "pw", now, window).unwrap().unwrap();
        assert_eq!(claim.key, nonce_key("shop", b"nonce-1"));
        // Remembered while a replay would pass the window check: until Created + window.
        let until = DateTime::parse_from_rfc3339("2026-11-24T10:03:00Z").unwrap();
        assert_eq!(claim.expires_ms, until.timestamp_millis());
        let wrong = digest_token("guess", b"nonce-2", "2026-11-24T09:58:00Z");
        assert_eq!(
            check_username_token(&wrong, "pw", now, window),
            Err(PasswordFailure::Mismatch)
        );
        let stale = digest_token("pw", b"nonce-3", "2026-11-24T09:54:59Z");
        assert_eq!(
            check_username_token(&stale, "pw", now, window),
            Err(PasswordFailure::Stale)
        );
        let future = digest_token("pw", b"nonce-4", "2026-11-24T10:05:01Z");
        assert_eq!(
            check_username_token(&future, "pw", now, window),
            Err(PasswordFailure::Stale)
        );
        let mut bare = digest_token("pw", b"nonce-5", "2026-11-24T09:58:00Z");
        bare.created = None;
        assert_eq!(
            check_username_token(&bare, "pw", now, window),
            Err(PasswordFailure::Incomplete)
        );
    }

    #[test]
    fn nonce_keys_are_per_user_and_unambiguous() {
        assert_ne!(nonce_key("shop", b"n"), nonce_key("news", b"n"));
        assert_ne!(nonce_key("ab", b"c"), nonce_key("a", b"bc"));
    }

    fn sp_token(sp_id: &str, password: &str, timestamp: &str) -> UsernameToken {
        UsernameToken {
            username: sp_id.to_owned(),
            password: password.to_owned(),
            password_type: PasswordType::SpMd5,
            nonce: Some(timestamp.as_bytes().to_vec()),
            created: Some(timestamp.to_owned()),
        }
    }

    /// spPassword = MD5(spId + password + timeStamp) in hex, either case; the timestamp is UTC, in
    /// the same window as `Created`, and the nonce claimed (a header is accepted once).
    #[test]
    fn huawei_headers_check_like_digests() {
        assert_eq!(
            sp_password("000201", "Huawei123", "20100731064245"),
            "445c5f72cc64fb50c00e8a570fe40f6a",
            "the digest any MD5 gives"
        );
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let window = Duration::from_secs(300);
        let ts = "20261124095830";
        let upper = sp_password("shop", "pw", ts).to_uppercase();
        let claim = check_username_token(&sp_token("shop", &upper, ts), "pw", now, window)
            .unwrap()
            .unwrap();
        assert_eq!(claim.key, nonce_key("shop", ts.as_bytes()));
        let wrong = sp_password("shop", "guess", ts);
        assert_eq!(
            check_username_token(&sp_token("shop", &wrong, ts), "pw", now, window),
            Err(PasswordFailure::Mismatch)
        );
        let old = "20261124095459";
        let stale = sp_password("shop", "pw", old);
        assert_eq!(
            check_username_token(&sp_token("shop", &stale, old), "pw", now, window),
            Err(PasswordFailure::Stale)
        );
        for bad in ["2026-11-24T09:58:30Z", "2026112409583", "20261324095830"] {
            let token = sp_token("shop", &sp_password("shop", "pw", bad), bad);
            assert_eq!(
                check_username_token(&token, "pw", now, window),
                Err(PasswordFailure::Incomplete),
                "{bad}"
            );
        }
    }

    #[test]
    fn text_passwords_compare_exactly() {
        let now = Utc::now();
        let token = |pw: &str| UsernameToken {
            username: "shop".into(),
            password: pw.into(),
            password_type: PasswordType::Text,
            nonce: None,
            created: None,
        };
        let w = Duration::from_secs(300);
        assert_eq!(check_username_token(&token("pw"), "pw", now, w), Ok(None));
        assert_eq!(
            check_username_token(&token("pw "), "pw", now, w),
            Err(PasswordFailure::Mismatch)
        );
        assert_eq!(
            check_username_token(&token(""), "pw", now, w),
            Err(PasswordFailure::Mismatch)
        );
    }

    #[test]
    fn authorization_headers_parse() {
        assert_eq!(
            Credentials::from_authorization("Basic c2hvcDpwdzpwdw=="),
            Credentials::Basic {
                username: "shop".into(),
                password: "pw:pw".into()
            }
        );
        assert_eq!(
            Credentials::from_authorization("Bearer abc"),
            Credentials::Bearer("abc".into())
        );
        assert_eq!(Credentials::from_authorization("Basic !!"), Credentials::None);
        assert_eq!(Credentials::from_authorization("Digest x"), Credentials::None);
    }
}
