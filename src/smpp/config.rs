//! `[smpp]`: where the SMSC is and how the gateway talks to it. Plain data; checked with the rest
//! of the configuration before anything binds.

use serde::{Deserialize, Serialize};

/// `[smpp]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmppConfig {
    /// `host:port` of the SMSC.
    pub address: String,
    /// ESME `system_id` (SMPP v5.0 §4.1.1.3: at most 15 characters).
    pub system_id: String,
    /// ESME password (at most 8 characters).
    pub password: String,
    /// Bound transceiver sessions kept open.
    pub sessions: u32,
    /// Outstanding submit_sm per session awaiting their response.
    pub window: u32,
    /// Most submit_sm per second over all sessions of this gateway, each part counted, spaced
    /// evenly (bursts of at most a tenth of a second's worth): what the SMSC's contract allows
    /// the whole node. `None`: no cap beyond the window.
    pub max_submits_per_sec: Option<u32>,
    /// Seconds between enquire_link keep-alives on an idle link.
    pub enquire_link_secs: u64,
    /// Seconds to wait for any response before the PDU (or the link) is given up.
    pub response_timeout_secs: u64,
    /// First reconnect delay, milliseconds; doubles up to `reconnect_max_ms`.
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay, milliseconds: after an SMSC outage, about how long sending takes
    /// to resume once the SMSC is back (a connection attempt is cheap; 30 s cost half a minute).
    pub reconnect_max_ms: u64,
    /// Most concatenated parts of one message (beyond: SVC0280).
    pub max_parts: u32,
    /// Seconds to wait for every part of a concatenated received message; after that it is
    /// routed with the parts that arrived, in order, rather than kept forever.
    pub mo_reassembly_secs: u64,
    /// Seconds after its submit_sm_resp that a part which asked for a delivery receipt waits for
    /// it; then it is final as `uncertain` (DeliveryUncertain). The gateway sends no
    /// validity_period, so this stands for the SMSC's validity plus its retry time; a receipt that
    /// comes later still replaces it.
    pub receipt_wait_secs: u64,
    /// Sender used when a sendSms names none.
    pub default_sender: String,
}

impl Default for SmppConfig {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:2775".to_owned(),
            system_id: "pxgate".to_owned(),
            password: "secret".to_owned(),
            sessions: 1,
            window: 64,
            max_submits_per_sec: None,
            enquire_link_secs: 30,
            response_timeout_secs: 10,
            reconnect_min_ms: 200,
            reconnect_max_ms: 2_000,
            max_parts: 8,
            mo_reassembly_secs: 1800,
            receipt_wait_secs: 172_800,
            default_sender: "pxgate".to_owned(),
        }
    }
}

impl SmppConfig {
    /// Appends every problem, naming its key.
    pub fn check(&self, errors: &mut Vec<String>) {
        let mut bad = |key: &str, why: &str| errors.push(format!("smpp.{key}: {why}"));
        if self.address.trim().is_empty() {
            bad("address", "must be host:port");
        }
        if self.system_id.is_empty() || self.system_id.len() > 15 {
            bad("system_id", "must be 1 to 15 characters (SMPP v5.0 §4.1.1.3)");
        }
        if self.password.len() > 8 {
            bad("password", "must be at most 8 characters (SMPP v5.0 §4.1.1.3)");
        }
        if self.sessions == 0 {
            bad("sessions", "must be at least 1");
        }
        if self.window == 0 {
            bad("window", "must be at least 1");
        }
        if self.max_submits_per_sec == Some(0) {
            bad(
                "max_submits_per_sec",
                "must be at least 1 (leave it out for no cap)",
            );
        }
        if self.enquire_link_secs == 0 || self.response_timeout_secs == 0 {
            bad(
                "enquire_link_secs/response_timeout_secs",
                "must be greater than 0",
            );
        }
        if self.reconnect_min_ms == 0 || self.reconnect_max_ms < self.reconnect_min_ms {
            bad("reconnect_min_ms", "must be > 0 and not above reconnect_max_ms");
        }
        if self.mo_reassembly_secs == 0 {
            bad("mo_reassembly_secs", "must be greater than 0");
        }
        if self.receipt_wait_secs == 0 {
            bad("receipt_wait_secs", "must be greater than 0");
        }
        if !(1..=255).contains(&self.max_parts) {
            bad("max_parts", "must be 1 to 255");
        }
        if self.default_sender.is_empty() || self.default_sender.len() > 20 {
            bad("default_sender", "must be 1 to 20 characters");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::SmppConfig;
    use crate::smpp::dispatcher::next_backoff;

    /// With the default settings, a link whose SMSC was down for 30 s tries again within 2 s of
    /// the SMSC being back (the back-off used to reach 25.6 s: sending resumed 21 s late).
    #[test]
    fn after_an_outage_the_link_is_retried_within_two_seconds() {
        let cfg = SmppConfig::default();
        let max = Duration::from_millis(cfg.reconnect_max_ms);
        let outage = Duration::from_secs(30);
        let (mut at, mut backoff) = (Duration::ZERO, Duration::from_millis(cfg.reconnect_min_ms));
        while at < outage {
            backoff = next_backoff(backoff, max);
            at += backoff;
        }
        assert!(
            at - outage <= Duration::from_secs(2),
            "first attempt after the outage at {at:?}"
        );
        assert!(backoff <= Duration::from_secs(2));
    }
}
