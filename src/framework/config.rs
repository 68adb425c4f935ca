//! `[framework]`: what the framework needs to know, checked with the rest of the configuration.

use serde::{Deserialize, Serialize};

/// `[framework]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrameworkConfig {
    /// Base64 of 32 random bytes: the AES-256-GCM key that seals application secrets in the
    /// database. Required; best given as `PXGATE_FRAMEWORK__SECRET_KEY` (`pxgate gen-key`).
    pub secret_key: Option<String>,
    /// How far a WS-Security `Created` may be from the gateway's clock, seconds.
    pub created_window_secs: u64,
    /// Lifetime of OAuth 2.0 access tokens, seconds.
    pub token_ttl_secs: u64,
    /// Requests per second for operations no agreement rate covers.
    pub default_rate_per_second: u32,
    /// Burst for operations no agreement rate covers.
    pub default_burst: u32,
    /// Failed authentications allowed each minute for one username from one source address (an
    /// IPv6 /64); the next is refused until the minute ends.
    pub auth_failures_per_minute: u32,
    /// Failed authentications allowed each minute from one source address, whatever the username.
    pub auth_address_failures_per_minute: u32,
    /// OAuth 2.0 access tokens an application may request each minute.
    pub token_requests_per_minute: u32,
    /// How long an instance trusts what it read about an application, seconds. Changes made
    /// through this instance apply at once; changes made through others within this time.
    pub cache_ttl_secs: u64,
}

impl Default for FrameworkConfig {
    fn default() -> Self {
        Self {
            secret_key: None,
            created_window_secs: 300,
            token_ttl_secs: 3600,
            default_rate_per_second: 100,
            default_burst: 200,
            auth_failures_per_minute: 10,
            auth_address_failures_per_minute: 100,
            token_requests_per_minute: 60,
            cache_ttl_secs: 5,
        }
    }
}

impl FrameworkConfig {
    /// Adds a line per unusable value to `errors`; `placeholder` tells a value copied from the
    /// example configuration without replacing it.
    pub fn check(&self, errors: &mut Vec<String>, placeholder: impl Fn(&str) -> bool) {
        match &self.secret_key {
            None => errors.push(
                "framework.secret_key: required (base64 of 32 random bytes; `pxgate gen-key` makes one)"
                    .to_owned(),
            ),
            Some(key) if placeholder(key) => errors.push(
                "framework.secret_key: still the example's placeholder; `pxgate gen-key` makes a key"
                    .to_owned(),
            ),
            Some(key) => {
                if let Err(e) = crate::crypto::SecretBox::from_base64(key) {
                    errors.push(format!("framework.secret_key: {e}"));
                }
            }
        }
        for (key, value) in [
            ("created_window_secs", self.created_window_secs),
            ("token_ttl_secs", self.token_ttl_secs),
            ("default_rate_per_second", u64::from(self.default_rate_per_second)),
            ("default_burst", u64::from(self.default_burst)),
            (
                "auth_failures_per_minute",
                u64::from(self.auth_failures_per_minute),
            ),
            (
                "auth_address_failures_per_minute",
                u64::from(self.auth_address_failures_per_minute),
            ),
            (
                "token_requests_per_minute",
                u64::from(self.token_requests_per_minute),
            ),
        ] {
            if value == 0 {
                errors.push(format!("framework.{key}: must be greater than 0"));
            }
        }
    }
}
