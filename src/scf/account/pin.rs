//! The end-user PIN of Account Management (ES 202 391-7: every request may carry `endUserPin`;
//! SVC0250 "End user authentication failed." when it does not authenticate the subscriber).
//!
//! A PIN matters only once the operator has set one on the account. It is kept as a keyed digest
//! (HMAC-SHA-256 under a key derived from the configured secret key, [`Pepper`]) over a
//! per-account random salt and the PIN, compared in constant time: four to twelve digits are few
//! enough that an unkeyed hash in a copied database would be searched in minutes. PINs set by
//! earlier versions (plain SHA-256) still match until the operator sets them again. Five wrong PINs in a row lock the
//! account's Account Management out until the operator sets or clears the PIN. Each attempt is
//! counted before it is judged (and the count cleared when it was right), so concurrent guesses
//! cannot get past the limit.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::crypto::{KEYED_PREFIX, Pepper, hex, random_hex};
use crate::domain::Msisdn;
use crate::scf::{Scf, ScfError, internal};
use crate::store::vouchers::PinRecord;

/// Wrong PINs in a row after which every request for the account is refused.
pub const MAX_PIN_FAILURES: i64 = 5;

/// A new salt and the keyed digest of `pin` under it, for the store.
pub fn seal_pin(pepper: &Pepper, pin: &str) -> (String, String) {
    let salt = random_hex::<16>();
    let digest = pepper.digest("pin", &[salt.as_bytes(), pin.as_bytes()]);
    (salt, digest)
}

/// The unkeyed digest of earlier versions.
fn legacy_digest(salt: &str, pin: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(b":");
    hasher.update(pin.as_bytes());
    hex(&hasher.finalize())
}

fn matches(pepper: &Pepper, record: &PinRecord, pin: &str) -> bool {
    let presented = if record.pin_sha256.starts_with(KEYED_PREFIX) {
        pepper.digest("pin", &[record.salt.as_bytes(), pin.as_bytes()])
    } else {
        legacy_digest(&record.salt, pin)
    };
    bool::from(presented.as_bytes().ct_eq(record.pin_sha256.as_bytes()))
}

impl Scf {
    /// Checks `endUserPin` against the account's PIN, if it has one.
    pub(super) async fn check_pin(&self, msisdn: &Msisdn, pin: Option<&str>) -> Result<(), ScfError> {
        let Some(record) = self.store.pin(msisdn).await.map_err(internal)? else {
            // No PIN set by the operator: the application's agreement is the only check.
            return Ok(());
        };
        let pin = pin.map(str::trim).filter(|p| !p.is_empty());
        let (Some(pin), true) = (pin, record.failures < MAX_PIN_FAILURES) else {
            return Err(ScfError::EndUserAuthentication);
        };
        let now = self.now();
        let claimed = self
            .store
            .claim_pin_attempt(msisdn, MAX_PIN_FAILURES, &now)
            .await
            .map_err(internal)?;
        let Some(claimed) = claimed else {
            return Err(ScfError::EndUserAuthentication);
        };
        if !matches(&self.settings.pepper, &claimed, pin) {
            tracing::info!(msisdn = %msisdn, failures = claimed.failures, "wrong end-user PIN");
            return Err(ScfError::EndUserAuthentication);
        }
        self.store
            .reset_pin_failures(msisdn, &now)
            .await
            .map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pepper(key: &str) -> Pepper {
        Pepper::from_base64(key).unwrap()
    }

    #[test]
    fn a_sealed_pin_matches_only_itself_and_only_under_its_key() {
        let key = pepper("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        let (salt, digest) = seal_pin(&key, "1234");
        assert!(digest.starts_with(KEYED_PREFIX), "{digest}");
        let record = PinRecord {
            salt: salt.clone(),
            pin_sha256: digest.clone(),
            failures: 0,
        };
        assert!(matches(&key, &record, "1234"));
        assert!(!matches(&key, &record, "1235"));
        assert!(!matches(&key, &record, ""));
        let other_key = pepper("HxwdHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=");
        assert!(!matches(&other_key, &record, "1234"), "the digest is keyed");
        let (other_salt, other) = seal_pin(&key, "1234");
        assert_ne!((salt, digest), (other_salt, other), "salted per account");
    }

    #[test]
    fn a_pin_set_before_keyed_digests_still_matches() {
        let key = pepper("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        let record = PinRecord {
            salt: "00ff".to_owned(),
            pin_sha256: legacy_digest("00ff", "4321"),
            failures: 0,
        };
        assert!(matches(&key, &record, "4321") && !matches(&key, &record, "4322"));
    }
}
