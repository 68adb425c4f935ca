//! `[smpp]`: where the SMSC is and how the gateway talks to it. Plain data; checked with the rest
//! of the configuration before anything binds.

use figment::Figment;
use figment::providers::Serialized;
use figment::value::Dict;
use serde::{Deserialize, Serialize};

/// `[smpp]`: the gateway's SMS settings and its first SMSC link; `[[smpp.links]]` are further
/// links, each written like `[smpp]` and taking every link setting it leaves out from it;
/// `[[smpp.routes]]` say which links carry which messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmppConfig {
    /// The link's name, in metrics, logs and routes.
    pub name: String,
    /// `host:port` of the SMSC.
    pub address: String,
    /// How the link binds: one `transceiver` session, or a `transmitter` and a `receiver`
    /// (`transmitter_receiver`) for SMSCs that want them apart; `sessions` of either.
    pub bind: BindMode,
    /// ESME `system_id` (SMPP v5.0 §4.1.1.3: at most 15 characters).
    pub system_id: String,
    /// ESME password (at most 8 characters).
    pub password: String,
    /// Bound sessions kept open (of each kind when `bind` is `transmitter_receiver`).
    pub sessions: u32,
    /// Outstanding submit_sm per session awaiting their response.
    pub window: u32,
    /// Most submit_sm per second over all sessions of this link, each part counted, spaced
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
    /// `registered_delivery` of a part that asks for a receipt (SMPP v3.4 §5.2.17): 1 (final
    /// receipts, the default) or, for SMSCs that want it, another mask such as 17 (also
    /// intermediate notifications).
    pub registered_delivery: u8,
    /// How the SMSC writes message ids, as Kannel's `msg-id-type`: bit 0 set, submit_sm_resp
    /// ids are hexadecimal (else decimal); bit 1 set, receipt ids are hexadecimal (else
    /// decimal). Unset: both are text, compared without case or leading zeros.
    pub msg_id_type: Option<u8>,
    /// What data_coding 0 means on this SMSC: `gsm` (the GSM 03.38 default alphabet, one septet
    /// per octet; the default), `latin1` (ISO 8859-1) or `ascii` (IA5), as Kannel's
    /// `alt-charset`. Parts are sent and received messages read in it.
    pub dcs0_alphabet: Dcs0Alphabet,
    /// Further SMSC links (`[[smpp.links]]`): each a table of link settings with its own
    /// `name`; what it leaves out is taken from `[smpp]`.
    pub links: Vec<Dict>,
    /// Which links carry which messages (`[[smpp.routes]]`), the first that matches a part
    /// wins; a part no route matches goes over every link, in the order they are written.
    pub routes: Vec<RouteConfig>,
}

/// `[smpp] bind`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindMode {
    /// One session both submits and receives (bind_transceiver).
    Transceiver,
    /// A bind_transmitter session submits, a bind_receiver session receives.
    TransmitterReceiver,
}

/// `[smpp] dcs0_alphabet`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dcs0Alphabet {
    /// GSM 03.38 default alphabet, unpacked.
    Gsm,
    /// ISO 8859-1.
    Latin1,
    /// IA5 (US-ASCII).
    Ascii,
}

/// `[[smpp.routes]]`: the parts this route takes and the links that carry them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteConfig {
    /// Destination prefixes (`+8210`, `8210`: the same); none: every destination.
    pub prefixes: Vec<String>,
    /// Senders, exactly; none: every sender.
    pub senders: Vec<String>,
    /// Link names. Without `weights`, in failover order: the first bound link takes the parts.
    pub links: Vec<String>,
    /// One weight per link: the parts are shared between the bound links by these weights
    /// (a message's parts stay together), and a link that is down leaves its share to the others.
    pub weights: Vec<u32>,
}

/// Keys of `[smpp]` that are the gateway's, not a link's: a `[[smpp.links]]` table may not set them.
const GATEWAY_KEYS: [&str; 6] = [
    "max_parts",
    "mo_reassembly_secs",
    "receipt_wait_secs",
    "default_sender",
    "links",
    "routes",
];

impl Default for SmppConfig {
    fn default() -> Self {
        Self {
            name: "smsc".to_owned(),
            address: "127.0.0.1:2775".to_owned(),
            bind: BindMode::Transceiver,
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
            registered_delivery: 1,
            msg_id_type: None,
            dcs0_alphabet: Dcs0Alphabet::Gsm,
            links: Vec::new(),
            routes: Vec::new(),
        }
    }
}

impl SmppConfig {
    /// Appends every problem, naming its key.
    pub fn check(&self, errors: &mut Vec<String>) {
        let mut bad = |key: &str, why: &str| errors.push(format!("smpp.{key}: {why}"));
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
        match self.link_configs() {
            Ok(links) => {
                for (i, link) in links.iter().enumerate() {
                    let at = if i == 0 {
                        String::new()
                    } else {
                        format!("links[{}].", i - 1)
                    };
                    link.check_link(&mut |key, why| bad(&format!("{at}{key}"), why));
                    if links[..i].iter().any(|l| l.name == link.name) {
                        bad(&format!("{at}name"), "two links have this name");
                    }
                }
                self.check_routes(&links, &mut bad);
            }
            Err(link_errors) => errors.extend(link_errors),
        }
    }

    /// Every link: `[smpp]` itself, then each `[[smpp.links]]` table over it (without the links
    /// and routes). Errors name the table and key.
    pub fn link_configs(&self) -> Result<Vec<Self>, Vec<String>> {
        let first = Self {
            links: Vec::new(),
            routes: Vec::new(),
            ..self.clone()
        };
        let mut links = vec![first.clone()];
        let mut errors = Vec::new();
        for (i, table) in self.links.iter().enumerate() {
            let at = format!("smpp.links[{i}]");
            for key in GATEWAY_KEYS.iter().filter(|k| table.contains_key(**k)) {
                errors.push(format!(
                    "{at}.{key}: set in [smpp] only (it is the gateway's, not a link's)"
                ));
            }
            if !table.contains_key("name") {
                errors.push(format!("{at}.name: every further link needs its own name"));
            }
            let merged = Figment::from(Serialized::defaults(&first)).merge(Serialized::defaults(table));
            match merged.extract::<Self>() {
                Ok(link) => links.push(link),
                Err(e) => errors.extend(e.into_iter().map(|e| {
                    let key = e.path.join(".");
                    format!("{at}.{key}: {}", e.kind)
                })),
            }
        }
        if errors.is_empty() { Ok(links) } else { Err(errors) }
    }

    fn check_routes(&self, links: &[Self], bad: &mut impl FnMut(&str, &str)) {
        for (i, route) in self.routes.iter().enumerate() {
            let at = format!("routes[{i}]");
            if route.links.is_empty() {
                bad(&format!("{at}.links"), "must name at least one link");
            }
            for name in &route.links {
                if !links.iter().any(|l| &l.name == name) {
                    bad(&format!("{at}.links"), &format!("no link is named {name:?}"));
                }
            }
            if !route.weights.is_empty()
                && (route.weights.len() != route.links.len() || route.weights.contains(&0))
            {
                bad(
                    &format!("{at}.weights"),
                    "must be one weight of at least 1 per link, or none",
                );
            }
            for prefix in &route.prefixes {
                let digits = prefix.strip_prefix('+').unwrap_or(prefix);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    bad(
                        &format!("{at}.prefixes"),
                        &format!("{prefix:?} is not a number prefix"),
                    );
                }
            }
        }
    }

    /// One link's settings.
    fn check_link(&self, bad: &mut impl FnMut(&str, &str)) {
        if self.name.is_empty()
            || self.name.len() > 32
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            bad("name", "must be 1 to 32 letters, digits, '-' or '_'");
        }
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
        self.check_smsc_settings(bad);
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
        if self.msg_id_type.is_some_and(|t| t > 3) {
            bad(
                "msg_id_type",
                "must be 0 to 3 (bit 0: submit_sm_resp ids in hex; bit 1: receipt ids in hex)",
            );
        }
        if self.registered_delivery & 0x03 == 0 {
            bad(
                "registered_delivery",
                "must ask for a delivery receipt (bits 0-1 of SMPP v3.4 §5.2.17 not 0)",
            );
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

    use super::{BindMode, SmppConfig};
    use crate::config::{Config, ConfigError};

    fn problems(text: &str) -> String {
        match Config::from_toml(text) {
            Err(ConfigError::Invalid(e) | ConfigError::Syntax(e)) => e.join("\n"),
            other => panic!("accepted: {other:?}"),
        }
    }

    const SECRET: &str = "[store]\nurl = \"sqlite://x.db\"\n[framework]\nsecret_key = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n";

    /// A further link takes what it leaves out from `[smpp]`; routes name links.
    #[test]
    fn links_inherit_from_smpp_and_routes_name_them() {
        let text = format!(
            "{SECRET}[smpp]\nname = \"kt\"\nsystem_id = \"shop\"\nwindow = 16\n\
             [[smpp.links]]\nname = \"lgu\"\naddress = \"10.0.0.2:2775\"\nbind = \"transmitter_receiver\"\nmsg_id_type = 1\n\
             [[smpp.routes]]\nprefixes = [\"+8210\"]\nlinks = [\"kt\", \"lgu\"]\nweights = [3, 1]\n"
        );
        let config = Config::from_toml(&text).unwrap();
        let links = config.smpp.link_configs().unwrap();
        assert_eq!(links.len(), 2);
        let lgu = &links[1];
        assert_eq!(
            (lgu.name.as_str(), lgu.address.as_str()),
            ("lgu", "10.0.0.2:2775")
        );
        assert_eq!(
            (lgu.system_id.as_str(), lgu.window),
            ("shop", 16),
            "taken from [smpp]"
        );
        assert_eq!(
            (lgu.bind, lgu.msg_id_type),
            (BindMode::TransmitterReceiver, Some(1))
        );
        assert_eq!(links[0].bind, BindMode::Transceiver);
    }

    #[test]
    fn bad_links_and_routes_are_named() {
        let text = format!(
            "{SECRET}[[smpp.links]]\naddress = \"x:1\"\nmax_parts = 3\nwindow = \"many\"\n\
             [[smpp.links]]\nname = \"smsc\"\n\
             [[smpp.routes]]\nprefixes = [\"+82a\"]\nlinks = [\"nowhere\"]\nweights = [1, 2]\n"
        );
        let joined = problems(&text);
        for key in [
            "smpp.links[0].max_parts: set in [smpp] only",
            "smpp.links[0].name: every further link needs its own name",
            "smpp.links[0].window",
        ] {
            assert!(joined.contains(key), "{key}: {joined}");
        }
        let text = format!(
            "{SECRET}[[smpp.links]]\nname = \"smsc\"\n\
             [[smpp.routes]]\nprefixes = [\"+82a\"]\nlinks = [\"nowhere\"]\nweights = [1, 2]\n"
        );
        let joined = problems(&text);
        for key in [
            "smpp.links[0].name: two links have this name",
            "smpp.routes[0].links: no link is named \"nowhere\"",
            "smpp.routes[0].weights",
            "smpp.routes[0].prefixes",
        ] {
            assert!(joined.contains(key), "{key}: {joined}");
        }
    }
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
