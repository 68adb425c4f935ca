//! Scheduled bulk messages (docs/guides/campaigns.md): a campaign's numbers, what the feeder sent
//! of them, and the opt-out list every campaign honours.

use std::str::FromStr;

use async_trait::async_trait;

use super::StoreError;
use super::sms::NewSms;
use crate::domain::Msisdn;

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Sends from its start time, within its window (or waits for them).
    Scheduled,
    /// Stopped by an operator; resumes where it stopped.
    Paused,
    /// Stopped for good; its waiting numbers are never sent.
    Cancelled,
    /// Every number was sent or skipped.
    Done,
}

impl CampaignStatus {
    /// The value kept in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Done => "done",
        }
    }
}

impl FromStr for CampaignStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Scheduled, Self::Paused, Self::Cancelled, Self::Done]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown campaign status {s:?}"))
    }
}

/// A campaign as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Identifier.
    pub id: String,
    /// What the operator calls it.
    pub name: String,
    /// `source_addr` of its messages.
    pub sender: String,
    /// The text.
    pub text: String,
    /// Where it stands.
    pub status: CampaignStatus,
    /// Nothing goes before this, ms since the epoch.
    pub start_at_ms: i64,
    /// The first hour of the daily send window (operator's time zone).
    pub window_from: u32,
    /// The hour the window ends (exclusive; the window may wrap midnight).
    pub window_to: u32,
    /// Most numbers sent per second.
    pub rate_per_sec: u32,
    /// The clock time the feeder last counted its allowance from, while in the window.
    pub fed_at_ms: Option<i64>,
    /// Who made it (`operator:<name>`, or `app:<id>` for an application's).
    pub created_by: String,
    /// The application's `clientCorrelator` (unique per creator) and its request's fingerprint.
    pub client_correlator: Option<(String, String)>,
    /// When.
    pub created_at_ms: i64,
}

impl Campaign {
    /// Whether the feeder is sending it now: scheduled, and counting its allowance (started, in
    /// its window, its creator allowed to send).
    pub fn sending(&self) -> bool {
        self.status == CampaignStatus::Scheduled && self.fed_at_ms.is_some()
    }
}

/// A campaign's numbers by state, and its messages by outbox state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignReport {
    /// Numbers not sent yet.
    pub pending: i64,
    /// Numbers sent (queued in the outbox).
    pub sent: i64,
    /// Numbers skipped because they opted out.
    pub opted_out: i64,
    /// The sent messages' parts by outbox state (`queued`, `submitted`, `delivered`, `failed`, …).
    pub parts: Vec<(String, i64)>,
}

/// Campaigns and the opt-out list.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Records a campaign and its numbers (each once) in one transaction; how many numbers.
    /// With `rate_budget`, the rates of its creator's unfinished (scheduled or paused) campaigns,
    /// this one included, must not add up to more, else [`StoreError::CampaignRateBudget`];
    /// checked under a lock per creator, so concurrent creations cannot both pass.
    /// `AlreadyExists` when its creator used its `client_correlator` before.
    async fn create_campaign(
        &self,
        c: &Campaign,
        numbers: &[Msisdn],
        rate_budget: Option<u32>,
    ) -> Result<i64, StoreError>;

    /// Every campaign, newest first; only `created_by`'s when given.
    async fn campaigns(&self, created_by: Option<&str>) -> Result<Vec<Campaign>, StoreError>;

    /// The campaign `created_by` made with `client_correlator`.
    async fn campaign_by_correlator(
        &self,
        created_by: &str,
        client_correlator: &str,
    ) -> Result<Option<Campaign>, StoreError>;

    /// One campaign.
    async fn campaign(&self, id: &str) -> Result<Option<Campaign>, StoreError>;

    /// Its numbers by state and its parts by outbox state.
    async fn campaign_report(&self, id: &str) -> Result<CampaignReport, StoreError>;

    /// Moves a campaign to `to` if it is in one of `from`; `false` when it was not.
    async fn set_campaign_status(
        &self,
        id: &str,
        from: &[CampaignStatus],
        to: CampaignStatus,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Scheduled campaigns whose start time has come.
    async fn due_campaigns(&self, now_ms: i64) -> Result<Vec<Campaign>, StoreError>;

    /// Sets (or clears) where the feeder counts a campaign's allowance from.
    async fn set_campaign_fed_at(&self, id: &str, fed_at_ms: Option<i64>) -> Result<(), StoreError>;

    /// Up to `limit` waiting numbers, oldest first; the opted-out ones among the waiting are
    /// marked skipped first.
    async fn next_recipients(&self, id: &str, limit: i64, now_ms: i64) -> Result<Vec<Msisdn>, StoreError>;

    /// Queues `messages` (one per number) and marks their numbers sent, with the new `fed_at`,
    /// in one transaction; a campaign with no number left waiting becomes done.
    async fn feed_campaign(
        &self,
        id: &str,
        messages: &[NewSms],
        fed_at_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Adds a number to the opt-out list (again: kept as it was).
    async fn opt_out(&self, msisdn: &Msisdn, keyword: &str, now_ms: i64) -> Result<(), StoreError>;

    /// Whether a number opted out.
    async fn opted_out(&self, msisdn: &Msisdn) -> Result<bool, StoreError>;

    /// How many numbers are on the opt-out list and when the newest was added: it changed when
    /// this did.
    async fn opt_out_version(&self) -> Result<(i64, i64), StoreError>;

    /// The opt-out list, newest first: number, keyword, when (ms since the epoch).
    async fn opt_outs(&self, limit: i64) -> Result<Vec<(Msisdn, String, i64)>, StoreError>;

    /// Takes a number off the opt-out list (an operator acting on the subscriber's request);
    /// `false` when it was not on it.
    async fn remove_opt_out(&self, msisdn: &Msisdn) -> Result<bool, StoreError>;
}
