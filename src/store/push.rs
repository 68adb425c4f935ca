//! Subscriber notices over MQTT push (docs/guides/push.md): each account may have a device topic;
//! an alert for it is kept as a notice, published to the topic, and either confirmed by the device
//! on the gateway's ack topic or, past its deadline, sent as the SMS it would have been. The two
//! transitions out of waiting are conditional updates, so a notice ends by exactly one channel.

use std::str::FromStr;

use async_trait::async_trait;

use super::StoreError;
use super::sms::NewSms;
use crate::domain::Msisdn;

/// An alert that goes by push when its number has a device topic, else as its SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushCandidate {
    /// Identifier of the notice (unguessable; the device echoes it to confirm).
    pub id: String,
    /// The number.
    pub msisdn: Msisdn,
    /// Which alert (`receipt`, `low_balance`, …).
    pub kind: &'static str,
    /// The text.
    pub text: String,
    /// When an unconfirmed notice falls back to SMS, ms since the epoch.
    pub deadline_ms: i64,
    /// The SMS it is otherwise, and on fallback.
    pub sms: NewSms,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Waiting to be published.
    Queued,
    /// Published to the device topic; waiting for the device.
    Published,
    /// The device confirmed it: delivered by push.
    Confirmed,
    /// Not confirmed in time: sent as SMS instead.
    Fallback,
}

impl NoticeStatus {
    /// The value kept in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Published => "published",
            Self::Confirmed => "confirmed",
            Self::Fallback => "fallback",
        }
    }
}

impl FromStr for NoticeStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Queued, Self::Published, Self::Confirmed, Self::Fallback]
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| format!("unknown notice status {s:?}"))
    }
}

/// A notice as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushNotice {
    /// Its identifier.
    pub id: String,
    /// The number.
    pub msisdn: Msisdn,
    /// The device topic it goes to.
    pub topic: String,
    /// Which alert.
    pub kind: String,
    /// The text.
    pub text: String,
    /// The SMS sender on fallback.
    pub sender: String,
    /// Where it stands.
    pub status: NoticeStatus,
    /// When an unconfirmed one falls back to SMS, ms since the epoch.
    pub deadline_ms: i64,
    /// When it was made.
    pub created_at_ms: i64,
    /// When its status last changed.
    pub updated_at_ms: i64,
}

/// Device topics and push notices.
#[async_trait]
pub trait PushStore: Send + Sync {
    /// Sets (or, with `None`, removes) the device topic of a number with an account;
    /// [`StoreError::NotFound`] when it has none.
    async fn set_push_topic(
        &self,
        msisdn: &Msisdn,
        topic: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// The number's device topic, if it has one.
    async fn push_topic(&self, msisdn: &Msisdn) -> Result<Option<String>, StoreError>;

    /// Takes up to `limit` queued notices to publish (oldest first), marking them published.
    async fn claim_push(&self, limit: i64, now_ms: i64) -> Result<Vec<PushNotice>, StoreError>;

    /// The device confirmed notice `id`: `true` when this ended it (it was still waiting).
    async fn confirm_push(&self, id: &str, now_ms: i64) -> Result<bool, StoreError>;

    /// Waiting notices past their deadline, oldest first.
    async fn overdue_push(&self, now_ms: i64, limit: i64) -> Result<Vec<PushNotice>, StoreError>;

    /// Ends waiting notice `id` by SMS: marks it and queues `sms` in one transaction; `false`
    /// (nothing queued) when the device confirmed it first.
    async fn fall_back_push(&self, id: &str, sms: &NewSms, now_ms: i64) -> Result<bool, StoreError>;

    /// The number's newest notices.
    async fn push_notices(&self, msisdn: &Msisdn, limit: i64) -> Result<Vec<PushNotice>, StoreError>;
}
