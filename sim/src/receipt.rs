//! Delivery outcome planning (delay + outcome per destination prefix, seedable RNG), the
//! injectable clock, and the SMPP delivery receipt text. No I/O, no PDUs.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::config::{OutcomeWeights, ReceiptConfig};

/// Wall clock derived from tokio's clock, so `tokio::time::pause()` also freezes receipt dates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    wall0: DateTime<Utc>,
    inst0: Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Self {
            wall0: Utc::now(),
            inst0: Instant::now(),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.at(Instant::now())
    }

    pub(crate) fn at(&self, instant: Instant) -> DateTime<Utc> {
        let elapsed = instant.saturating_duration_since(self.inst0);
        self.wall0 + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero())
    }
}

/// SplitMix64: tiny, seedable, good enough to pick outcomes reproducibly.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        // 53 random bits → exact f64 mantissa.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Final outcome of an MT message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// stat:DELIVRD
    Delivered,
    /// stat:UNDELIV
    Undeliverable,
    /// stat:EXPIRED
    Expired,
    /// stat:REJECTD
    Rejected,
    /// The receipt is lost; the message never leaves ENROUTE.
    NoReceipt,
}

impl Outcome {
    /// SMPP v3.4 Appendix B: the `stat:` value.
    pub const fn stat(self) -> &'static str {
        match self {
            Self::Delivered => "DELIVRD",
            Self::Undeliverable => "UNDELIV",
            Self::Expired => "EXPIRED",
            Self::Rejected => "REJECTD",
            Self::NoReceipt => "ENROUTE",
        }
    }

    /// SMPP v5.0 §4.7.15 message_state value.
    pub const fn message_state(self) -> u8 {
        match self {
            Self::Delivered => 2,
            Self::Expired => 3,
            Self::Undeliverable => 5,
            Self::Rejected => 8,
            Self::NoReceipt => 1,
        }
    }

    /// The `err:` value (network-specific; these are the simulator's own codes).
    pub const fn err(self) -> u16 {
        match self {
            Self::Delivered | Self::NoReceipt => 0,
            Self::Undeliverable => 1,
            Self::Expired => 2,
            Self::Rejected => 3,
        }
    }

    /// True for outcomes that count as successful delivery (registered_delivery 0x03 filters).
    pub const fn is_success(self) -> bool {
        matches!(self, Self::Delivered)
    }
}

#[derive(Debug)]
struct Rule {
    prefix: String,
    delay: Duration,
    weights: OutcomeWeights,
}

/// Chooses delay and outcome for each destination.
#[derive(Debug)]
pub(crate) struct Planner {
    default: Rule,
    /// Longest prefix first, so the first match is the most specific.
    rules: Vec<Rule>,
    rng: Mutex<Rng>,
}

impl Planner {
    pub(crate) fn new(cfg: &ReceiptConfig, seed: u64) -> Self {
        let default = Rule {
            prefix: String::new(),
            delay: Duration::from_millis(cfg.delay_ms),
            weights: cfg.outcomes,
        };
        let mut rules: Vec<Rule> = cfg
            .rules
            .iter()
            .map(|r| Rule {
                prefix: r.prefix.trim_start_matches('+').to_owned(),
                delay: Duration::from_millis(r.delay_ms.unwrap_or(cfg.delay_ms)),
                weights: r.outcomes.unwrap_or(cfg.outcomes),
            })
            .collect();
        rules.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        Self {
            default,
            rules,
            rng: Mutex::new(Rng::new(seed)),
        }
    }

    /// Delay and outcome for a message to `dest` (normalised msisdn).
    pub(crate) fn plan(&self, dest: &str) -> (Duration, Outcome) {
        let rule = self
            .rules
            .iter()
            .find(|r| dest.starts_with(&r.prefix))
            .unwrap_or(&self.default);
        let w = rule.weights;
        let roll = self.rng.lock().unwrap_or_else(PoisonError::into_inner).next_u64() % w.total().max(1);
        let table = [
            (w.delivered, Outcome::Delivered),
            (w.undeliverable, Outcome::Undeliverable),
            (w.expired, Outcome::Expired),
            (w.rejected, Outcome::Rejected),
            (w.no_receipt, Outcome::NoReceipt),
        ];
        let mut acc = 0u64;
        let outcome = table
            .iter()
            .find(|(weight, _)| {
                acc += u64::from(*weight);
                roll < acc
            })
            .map_or(Outcome::Delivered, |(_, o)| *o);
        (rule.delay, outcome)
    }

    /// A uniform draw for fault injection (shares the seeded stream).
    pub(crate) fn roll(&self) -> f64 {
        self.rng.lock().unwrap_or_else(PoisonError::into_inner).next_f64()
    }
}

/// SMPP v3.4 Appendix B (and v5.0 §4.8.4.17 note): the de-facto receipt text.
/// `text` is the first 20 characters of the message, reduced to printable ASCII so that any
/// ESME can parse the receipt whatever the original encoding.
pub fn receipt_text(
    id: &str,
    submitted: DateTime<Utc>,
    done: DateTime<Utc>,
    outcome: Outcome,
    text: &str,
) -> String {
    let dlvrd = u8::from(outcome.is_success());
    let snippet: String = text
        .chars()
        .take(20)
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '.' })
        .collect();
    format!(
        "id:{id} sub:001 dlvrd:{dlvrd:03} submit date:{} done date:{} stat:{} err:{:03} text:{snippet}",
        submitted.format("%y%m%d%H%M"),
        done.format("%y%m%d%H%M"),
        outcome.stat(),
        outcome.err(),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::PrefixRule;

    #[test]
    fn receipt_text_is_standard() {
        let at = |m| Utc.with_ymd_and_hms(2026, 1, 2, 3, m, 5).unwrap();
        let t = receipt_text(
            "1a2b",
            at(4),
            at(6),
            Outcome::Delivered,
            "Hello world, this is long",
        );
        assert_eq!(
            t,
            "id:1a2b sub:001 dlvrd:001 submit date:2601020304 done date:2601020306 stat:DELIVRD err:000 text:Hello world, this is"
        );
        let t = receipt_text("9", at(4), at(4), Outcome::Undeliverable, "안녕");
        assert!(
            t.ends_with("dlvrd:000 submit date:2601020304 done date:2601020304 stat:UNDELIV err:001 text:.."),
            "{t}"
        );
    }

    #[test]
    fn prefix_rules_and_weights() {
        let cfg = ReceiptConfig {
            delay_ms: 100,
            outcomes: OutcomeWeights::default(),
            rules: vec![
                PrefixRule {
                    prefix: "82".into(),
                    delay_ms: Some(5),
                    outcomes: None,
                },
                PrefixRule {
                    prefix: "+8210".into(),
                    delay_ms: None,
                    outcomes: Some(OutcomeWeights {
                        delivered: 0,
                        rejected: 1,
                        ..OutcomeWeights::default()
                    }),
                },
            ],
        };
        let p = Planner::new(&cfg, 1);
        assert_eq!(p.plan("491"), (Duration::from_millis(100), Outcome::Delivered));
        assert_eq!(p.plan("8231"), (Duration::from_millis(5), Outcome::Delivered));
        assert_eq!(p.plan("821012"), (Duration::from_millis(100), Outcome::Rejected));
    }

    #[test]
    fn seeded_rng_is_reproducible() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert!((0.0..1.0).contains(&a.next_f64()));
    }
}
