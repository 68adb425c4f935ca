//! OAuth 2.0 bearer tokens (RFC 6749 §4.4, RFC 6750): issuing them to applications that pass the
//! same checks as a call, and finding the owner of a presented one (cached, bounded).

use std::net::IpAddr;
use std::time::Instant;

use super::{AuthError, Credentials, Entry, Framework, admit, logged};

/// An issued OAuth 2.0 access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The bearer token; only its digest is stored.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// A bearer token this instance has looked up: its owner, its expiry (ms) and when it was read.
pub(super) struct CachedToken {
    username: String,
    expires_ms: i64,
    fetched: Instant,
}

/// Most bearer tokens remembered per instance; past it, expired and stale ones are dropped first,
/// then all (a token not remembered is read from the store again).
const MAX_CACHED_TOKENS: usize = 100_000;

impl Framework {
    pub(super) async fn token_owner(&self, token: &str) -> Result<String, AuthError> {
        let digest = crate::crypto::hex(&crate::crypto::token_digest(token));
        let now_ms = self.clock.now().timestamp_millis();
        if let Some(t) = self.tokens.get(&digest)
            && t.expires_ms > now_ms
            && t.fetched.elapsed() < self.cache_ttl
        {
            return Ok(t.username.clone());
        }
        let owner = self.store.token_owner(&digest, now_ms).await.map_err(|e| {
            tracing::error!(error = %e, "reading a token failed");
            AuthError::Unavailable
        })?;
        let username = owner.ok_or(AuthError::BadCredentials)?;
        let expires_ms = now_ms + i64::try_from(self.token_ttl.as_millis()).unwrap_or(i64::MAX / 2);
        if self.tokens.len() >= MAX_CACHED_TOKENS {
            self.tokens
                .retain(|_, t| t.expires_ms > now_ms && t.fetched.elapsed() < self.cache_ttl);
            if self.tokens.len() >= MAX_CACHED_TOKENS {
                self.tokens.clear();
            }
        }
        let cached = CachedToken {
            username: username.clone(),
            expires_ms,
            fetched: Instant::now(),
        };
        self.tokens.insert(digest, cached);
        Ok(username)
    }

    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4): checks the client like HTTP Basic (with
    /// the same lock-out), the application like any call (status, agreement validity, source
    /// networks) and its own rate of token requests, then issues a short-lived bearer token.
    pub async fn issue_token(
        &self,
        client_id: &str,
        client_secret: &str,
        peer: IpAddr,
    ) -> Result<IssuedToken, AuthError> {
        let credentials = Credentials::Basic {
            username: client_id.to_owned(),
            password: client_secret.to_owned(),
        };
        let admitted = match self.authenticate(&credentials, peer).await {
            Ok((entry, _)) => self.admit_token_request(&entry, peer).map(|()| entry),
            Err(e) => Err(e),
        };
        let entry = admitted.inspect_err(|e| {
            tracing::info!(user = logged(Some(client_id)), %peer, reason = %e, "access token refused");
        })?;
        let access_token = crate::crypto::generate_token();
        let digest = crate::crypto::hex(&crate::crypto::token_digest(&access_token));
        let expires_ms =
            self.clock.now().timestamp_millis() + i64::try_from(self.token_ttl.as_millis()).unwrap_or(0);
        self.store
            .insert_token(&digest, client_id, expires_ms)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "storing a token failed");
                AuthError::Unavailable
            })?;
        tracing::info!(app = %entry.app.id, user = client_id, "access token issued");
        Ok(IssuedToken {
            access_token,
            expires_in: self.token_ttl.as_secs(),
        })
    }

    /// A token request is admitted like a call ([`admit`], the agreement in force), then counted
    /// against the application's own rate of token requests.
    fn admit_token_request(&self, entry: &Entry, peer: IpAddr) -> Result<(), AuthError> {
        admit(entry, peer)?;
        if entry.app.agreement.check_validity(self.clock.now()).is_err() {
            return Err(AuthError::AgreementNotValid);
        }
        self.token_rate.check_key(&entry.app.id).map_err(|not_until| {
            use governor::clock::Clock as _;
            AuthError::Throttled {
                retry_after: not_until.wait_time_from(governor::clock::DefaultClock::default().now()),
            }
        })
    }
}
