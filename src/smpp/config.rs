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
    /// it; then it is final as `uncertain` (DeliveryUncertain). It stands for the SMSC's validity
    /// (`validity_secs`, or the SMSC's default when that is unset) plus its retry time; a receipt
    /// that comes later still replaces it.
    pub receipt_wait_secs: u64,
    /// Sender used when a sendSms names none.
    pub default_sender: String,
    /// `system_type` in the bind (SMPP v3.4 §5.2.2: at most 12 characters); empty by default.
    pub system_type: String,
    /// `interface_version` in the bind: `"3.3"`, `"3.4"` (default) or `"5.0"`.
    pub interface_version: String,
    /// `source_addr_ton` / `source_addr_npi` of every submit_sm. Unset: by the sender, an
    /// alphanumeric one TON 5 NPI 0, a short code (up to 8 digits) TON 0 NPI 1, a longer number
    /// TON 1 (international) NPI 1.
    pub source_ton: Option<u8>,
    /// See `source_ton`.
    pub source_npi: Option<u8>,
    /// `dest_addr_ton` / `dest_addr_npi` of every submit_sm; unset: 1 and 1 (international ISDN:
    /// the gateway's numbers are E.164).
    pub dest_ton: Option<u8>,
    /// See `dest_ton`.
    pub dest_npi: Option<u8>,
    /// `validity_period` of every submit_sm, seconds (relative, SMPP v3.4 §7.1.1); unset: the
    /// SMSC's default.
    pub validity_secs: Option<u64>,
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
            system_type: String::new(),
            interface_version: "3.4".to_owned(),
            source_ton: None,
            source_npi: None,
            dest_ton: None,
            dest_npi: None,
            validity_secs: None,
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
        self.check_smsc_settings(&mut bad);
    }

    /// What the SMSC is told: the bind's fields, addressing, validity.
    fn check_smsc_settings(&self, bad: &mut impl FnMut(&str, &str)) {
        if self.system_type.len() > 12 {
            bad("system_type", "must be at most 12 characters (SMPP v3.4 §5.2.2)");
        }
        if self.interface_version_byte().is_none() {
            bad("interface_version", "must be \"3.3\", \"3.4\" or \"5.0\"");
        }
        for (key, value, max) in [
            ("source_ton", self.source_ton, 6),
            ("dest_ton", self.dest_ton, 6),
            ("source_npi", self.source_npi, 18),
            ("dest_npi", self.dest_npi, 18),
        ] {
            if value.is_some_and(|v| v > max) {
                bad(key, &format!("must be 0 to {max} (SMPP v3.4 §5.2.5, §5.2.6)"));
            }
        }
        if self
            .validity_secs
            .is_some_and(|s| s == 0 || s >= 100 * 365 * 86_400)
        {
            bad("validity_secs", "must be 1 s to 99 years");
        }
        if self.validity_secs.is_some_and(|s| s >= self.receipt_wait_secs) {
            bad(
                "receipt_wait_secs",
                "must be longer than validity_secs (a receipt can come until the validity ends)",
            );
        }
    }

    /// The bind's `interface_version` byte, `None` for an unknown setting.
    pub fn interface_version_byte(&self) -> Option<u8> {
        match self.interface_version.as_str() {
            "3.3" => Some(0x33),
            "3.4" => Some(0x34),
            "5.0" => Some(0x50),
            _ => None,
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
