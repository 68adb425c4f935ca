//! Credentials as the bindings hand them over, and the checks that do not need the store:
//! WS-Security digests, the `Created` window, nonce replay, and failed-attempt lock-out.
//!
//! OASIS WSS UsernameToken Profile 1.0 §3.1: "Password_Digest = Base64 ( SHA-1 ( nonce + created +
//! password ) )", with the nonce as raw bytes (it travels base64-encoded).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use dashmap::DashMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How the password in a `UsernameToken` is carried (WSS UsernameToken Profile 1.0 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordType {
    /// `…#PasswordText`, also the meaning of an absent `Type` attribute.
    Text,
    /// `…#PasswordDigest`: Base64(SHA-1(nonce + created + password)).
    Digest,
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
    /// The nonce was seen before within the window.
    Replayed,
}

/// Checks a UsernameToken against the plain secret.
pub fn check_username_token(
    token: &UsernameToken,
    secret: &str,
    now: DateTime<Utc>,
    window: Duration,
    nonces: &NonceCache,
) -> Result<(), PasswordFailure> {
    let created = match &token.created {
        Some(c) => Some(DateTime::parse_from_rfc3339(c.trim()).map_err(|_| PasswordFailure::Incomplete)?),
        None if token.password_type == PasswordType::Digest => return Err(PasswordFailure::Incomplete),
        None => None,
    };
    if let Some(created) = created {
        let skew = (now - created.with_timezone(&Utc))
            .abs()
            .to_std()
            .unwrap_or(Duration::MAX);
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
    };
    if !matches {
        return Err(PasswordFailure::Mismatch);
    }
    // Only a correct token may use up its nonce, so nobody can block a nonce by guessing. It is
    // remembered while a replay could still pass the window check: until `Created` + window, or
    // (a text password with a nonce and no `Created`) twice the window from now.
    if let Some(nonce) = &token.nonce {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 4);
        let now_ms = now.timestamp_millis();
        let expires_ms = match created {
            Some(created) => created.timestamp_millis().saturating_add(window_ms),
            None => now_ms.saturating_add(window_ms.saturating_mul(2)),
        };
        if !nonces.first_use(&token.username, nonce, now_ms, expires_ms) {
            return Err(PasswordFailure::Replayed);
        }
    }
    Ok(())
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

/// Nonces seen within the `Created` window, per username. A nonce is accepted once.
///
/// At thousands of requests a second the cache holds millions of nonces, so an entry is small: the
/// first 128 bits of SHA-256 over the username and the nonce (a collision among even 10^9 live
/// entries has a chance below 10^-20, and nobody can aim for one without breaking SHA-256), and
/// the instant after which a replay would be refused as stale anyway.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: DashMap<[u8; 16], i64>,
    inserts: AtomicU64,
}

impl NonceCache {
    /// Records the nonce until `expires_ms`; `false` if it was already used and has not expired.
    pub fn first_use(&self, username: &str, nonce: &[u8], now_ms: i64, expires_ms: i64) -> bool {
        if self.inserts.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.seen.retain(|_, exp| *exp > now_ms);
        }
        match self.seen.entry(nonce_key(username, nonce)) {
            dashmap::Entry::Occupied(mut e) if *e.get() <= now_ms => {
                e.insert(expires_ms);
                true
            }
            dashmap::Entry::Occupied(_) => false,
            dashmap::Entry::Vacant(v) => {
                v.insert(expires_ms);
                true
            }
        }
    }

    /// Nonces remembered now (expired ones are dropped every 4,096 inserts).
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// SHA-256 of the username's length, the username and the nonce, first 16 bytes.
fn nonce_key(username: &str, nonce: &[u8]) -> [u8; 16] {
    let mut sha = Sha256::new();
    sha.update((username.len() as u64).to_le_bytes());
    sha.update(username.as_bytes());
    sha.update(nonce);
    let digest = sha.finalize();
    let mut key = [0; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// Failed authentication attempts per source address and per username; past the allowance the
/// key is locked out until the allowance refills, so passwords cannot be guessed at line rate.
pub struct FailureLimiter {
    attempts: DefaultKeyedRateLimiter<String>,
    locked: DashMap<String, Instant>,
}

impl FailureLimiter {
    /// `per_minute` failures per key and minute (bursting to the same number).
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self {
            attempts: RateLimiter::keyed(Quota::per_minute(per_minute)),
            locked: DashMap::new(),
        }
    }

    fn keys(peer: IpAddr, username: Option<&str>) -> Vec<String> {
        let mut keys = vec![format!("ip:{peer}")];
        if let Some(u) = username {
            keys.push(format!("user:{u}"));
        }
        keys
    }

    /// `Err(wait)` while the address or the username is locked out.
    pub fn check(&self, peer: IpAddr, username: Option<&str>) -> Result<(), Duration> {
        let now = Instant::now();
        for key in Self::keys(peer, username) {
            if let Some(until) = self.locked.get(&key).map(|u| *u) {
                if until > now {
                    return Err(until - now);
                }
                self.locked.remove(&key);
            }
        }
        Ok(())
    }

    /// Counts one failure against the address and the username.
    pub fn failed(&self, peer: IpAddr, username: Option<&str>) {
        let clock = governor::clock::DefaultClock::default();
        for key in Self::keys(peer, username) {
            if let Err(not_until) = self.attempts.check_key(&key) {
                use governor::clock::Clock as _;
                let wait = not_until.wait_time_from(clock.now());
                self.locked.insert(key, Instant::now() + wait);
            }
        }
        if self.locked.len() > 10_000 {
            let now = Instant::now();
            self.locked.retain(|_, until| *until > now);
            self.attempts.retain_recent();
        }
    }
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
        let nonces = NonceCache::default();
        let ok = digest_token("pw", b"nonce-1", "2026-11-24T09:58:00Z");
        assert_eq!(check_username_token(&ok, "pw", now, window, &nonces), Ok(()));
        assert_eq!(
            check_username_token(&ok, "pw", now, window, &nonces),
            Err(PasswordFailure::Replayed)
        );
        let wrong = digest_token("guess", b"nonce-2", "2026-11-24T09:58:00Z");
        assert_eq!(
            check_username_token(&wrong, "pw", now, window, &nonces),
            Err(PasswordFailure::Mismatch)
        );
        let stale = digest_token("pw", b"nonce-3", "2026-11-24T09:54:59Z");
        assert_eq!(
            check_username_token(&stale, "pw", now, window, &nonces),
            Err(PasswordFailure::Stale)
        );
        let future = digest_token("pw", b"nonce-4", "2026-11-24T10:05:01Z");
        assert_eq!(
            check_username_token(&future, "pw", now, window, &nonces),
            Err(PasswordFailure::Stale)
        );
        let mut bare = digest_token("pw", b"nonce-5", "2026-11-24T09:58:00Z");
        bare.created = None;
        assert_eq!(
            check_username_token(&bare, "pw", now, window, &nonces),
            Err(PasswordFailure::Incomplete)
        );
    }

    #[test]
    fn a_nonce_is_remembered_while_its_token_is_fresh_and_per_user() {
        let window = Duration::from_secs(300);
        let nonces = NonceCache::default();
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        let token = digest_token("pw", b"nonce-1", "2026-11-24T09:58:00Z");
        let check = |now: &str| check_username_token(&token, "pw", at(now), window, &nonces);
        assert_eq!(check("2026-11-24T10:00:00Z"), Ok(()));
        assert_eq!(check("2026-11-24T10:02:59Z"), Err(PasswordFailure::Replayed));
        // Past Created + window the token is stale, and the nonce need not be kept.
        assert_eq!(check("2026-11-24T10:03:01Z"), Err(PasswordFailure::Stale));
        assert_eq!(nonces.len(), 1);
        // The same nonce from another user is another nonce.
        let mut other = digest_token("pw", b"nonce-1", "2026-11-24T09:58:00Z");
        other.username = "news".into();
        assert_eq!(
            check_username_token(&other, "pw", at("2026-11-24T10:00:00Z"), window, &nonces),
            Ok(())
        );
        assert_ne!(nonce_key("ab", b"c"), nonce_key("a", b"bc"));
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
        let nonces = NonceCache::default();
        let w = Duration::from_secs(300);
        assert_eq!(check_username_token(&token("pw"), "pw", now, w, &nonces), Ok(()));
        assert_eq!(
            check_username_token(&token("pw "), "pw", now, w, &nonces),
            Err(PasswordFailure::Mismatch)
        );
        assert_eq!(
            check_username_token(&token(""), "pw", now, w, &nonces),
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

    #[test]
    fn repeated_failures_lock_out_the_address_and_the_username() {
        let limiter = FailureLimiter::new(NonZeroU32::new(3).unwrap());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(a, Some("shop")).is_ok());
            limiter.failed(a, Some("shop"));
        }
        assert!(
            limiter.check(a, Some("shop")).is_ok(),
            "the allowance is three failures"
        );
        limiter.failed(a, Some("shop"));
        assert!(limiter.check(a, Some("other")).is_err(), "the address is locked");
        assert!(
            limiter.check(b, Some("shop")).is_err(),
            "the username is locked from anywhere"
        );
        assert!(limiter.check(b, Some("news")).is_ok());
    }
}
