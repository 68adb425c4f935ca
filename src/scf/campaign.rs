//! Scheduled bulk messages (docs/guides/campaigns.md): one text to many numbers, from a start time,
//! within a daily send window of the operator's time zone, at a rate, never to a number that opted
//! out. The feeder (`Scf::feed_campaigns`, each second from housekeeping) puts a campaign's messages
//! into the outbox only while the outbox holds fewer than `[campaigns] max_backlog` parts, so a
//! transactional message never waits behind more than that many campaign parts: campaign traffic is
//! the outbox's lowest priority without a second queue.
//!
//! The rate is counted on the gateway's clock: a campaign may have sent `rate_per_sec` numbers for
//! each second since the feeder started counting (its `fed_at`, set when it enters its window and
//! cleared outside it, so opening the window never releases a burst).

use serde::{Deserialize, Serialize};

use super::{Scf, ScfError, internal};
use crate::domain::{Moment, Msisdn};
use crate::store::StoreError;
use crate::store::campaigns::{Campaign, CampaignReport, CampaignStatus};

/// Registration ids of the opt-out keywords: `gateway-optout-<n>`.
const OPT_OUT_REGISTRATION: &str = "gateway-optout-";
/// Opt-out replies taken per look.
const BATCH: i64 = 100;
/// The longest catch-up after a pause of the feeder (a slow store, a restart): ten seconds' worth.
const MAX_CATCH_UP_SECS: i64 = 10;

/// `[campaigns]`: the feeder's share of the outbox and the opt-out keywords.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignConfig {
    /// Campaign messages are put into the outbox only while it holds fewer parts than this.
    pub max_backlog: i64,
    /// The short code subscribers text an opt-out keyword to.
    pub short_code: String,
    /// The words that opt a number out of every campaign (first word of the message, any case).
    pub opt_out_keywords: Vec<String>,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        Self {
            max_backlog: 500,
            short_code: "1588".to_owned(),
            opt_out_keywords: vec!["STOP".to_owned(), "거부".to_owned()],
        }
    }
}

impl CampaignConfig {
    /// Adds a line per unusable value to `errors`.
    pub fn check(&self, errors: &mut Vec<String>) {
        if !(1..=100_000).contains(&self.max_backlog) {
            errors.push("campaigns.max_backlog: from 1 to 100000".to_owned());
        }
        let code = self.short_code.trim_start_matches('+');
        if code.is_empty() || code.len() > 20 || !code.bytes().all(|b| b.is_ascii_digit()) {
            errors.push("campaigns.short_code: must be 1 to 20 digits".to_owned());
        }
        for (i, word) in self.opt_out_keywords.iter().enumerate() {
            if word.is_empty() || word.chars().count() > 20 || word.chars().any(char::is_whitespace) {
                errors.push(format!(
                    "campaigns.opt_out_keywords[{i}]: one word of at most 20 characters"
                ));
            }
        }
    }
}

/// A campaign to schedule, validated by the caller (the admin API names each field).
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// What the operator calls it.
    pub name: String,
    /// `source_addr` of its messages.
    pub sender: String,
    /// The text (its length is checked here, against `[smpp] max_parts`).
    pub text: String,
    /// Nothing goes before this, ms since the epoch.
    pub start_at_ms: i64,
    /// The daily window's first hour and the hour it ends (operator's time zone).
    pub window: (u32, u32),
    /// Most numbers per second.
    pub rate_per_sec: u32,
    /// The numbers, E.164.
    pub numbers: Vec<Msisdn>,
    /// Who asks (`operator:<name>`, `app:<id>`).
    pub created_by: String,
    /// An application's `clientCorrelator` and the fingerprint of its request.
    pub client_correlator: Option<(String, String)>,
}

/// The opt-out list as this process knows it: every application send checks its addresses here
/// (a hash look-up, no store read on the SMS path); read again from the store when it changed,
/// checked each second by the feeder, and at once for the opt-outs this process takes.
#[derive(Debug, Default)]
pub(super) struct OptOuts {
    numbers: std::sync::RwLock<std::collections::HashSet<String>>,
    version: std::sync::Mutex<Option<(i64, i64)>>,
}

impl OptOuts {
    fn contains(&self, msisdn: &Msisdn) -> bool {
        let numbers = self
            .numbers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        !numbers.is_empty() && numbers.contains(msisdn.as_str())
    }

    fn insert(&self, msisdn: &Msisdn) {
        let mut numbers = self
            .numbers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        numbers.insert(msisdn.as_str().to_owned());
    }
}

/// Longest campaign name, in characters.
pub const MAX_NAME: usize = 100;

/// Whether a name may be a campaign's: 1 to [`MAX_NAME`] characters, not only blanks.
pub fn name_ok(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= MAX_NAME
}

/// Whether a daily window's hours are hours (0 to 23).
pub fn window_ok(window: (u32, u32)) -> bool {
    window.0 <= 23 && window.1 <= 23
}

/// Whether `hour` is within the window `from..to` (wrapping midnight when `to <= from`).
fn in_window(from: u32, to: u32, hour: u32) -> bool {
    if from < to {
        (from..to).contains(&hour)
    } else {
        hour >= from || hour < to
    }
}

impl Scf {
    fn campaign_config(&self) -> &CampaignConfig {
        &self.settings.campaigns
    }

    /// Schedules an operator's campaign; it and how many distinct numbers it has.
    /// `MessageTooLong` when the text needs more than `[smpp] max_parts` parts.
    pub async fn create_campaign(&self, new: NewCampaign) -> Result<(Campaign, i64), ScfError> {
        self.schedule(new, None).await
    }

    /// Records a campaign, with its creator's unfinished campaigns' rates within `rate_budget`
    /// (else `CampaignLimit`); a `clientCorrelator` its creator used before is
    /// `DuplicateClientCorrelator`.
    async fn schedule(
        &self,
        new: NewCampaign,
        rate_budget: Option<u32>,
    ) -> Result<(Campaign, i64), ScfError> {
        let max_parts = self.smpp().max_parts as usize;
        crate::smpp::encoding::encode(&new.text, max_parts, 0)
            .map_err(|e| ScfError::MessageTooLong(e.max_chars))?;
        let now = self.now();
        let campaign = Campaign {
            id: crate::crypto::random_hex::<8>(),
            name: new.name,
            sender: new.sender,
            text: new.text,
            status: CampaignStatus::Scheduled,
            start_at_ms: new.start_at_ms,
            window_from: new.window.0,
            window_to: new.window.1,
            rate_per_sec: new.rate_per_sec,
            fed_at_ms: None,
            created_by: new.created_by,
            created_at_ms: now.at_ms,
            client_correlator: new.client_correlator,
        };
        let numbers = self
            .store
            .create_campaign(&campaign, &new.numbers, rate_budget)
            .await
            .map_err(|e| match e {
                StoreError::AlreadyExists => ScfError::DuplicateClientCorrelator(
                    campaign.client_correlator.clone().unwrap_or_default().0,
                ),
                StoreError::CampaignRateBudget { in_use, budget } => ScfError::CampaignLimit(format!(
                    "ratePerSecond: the unfinished campaigns already send {in_use} of the {budget} numbers per second allowed"
                )),
                other => internal(other),
            })?;
        self.register_opt_out_keywords().await;
        Ok((campaign, numbers))
    }

    /// Registers the opt-out keywords on the short code, once per process, from the first
    /// campaign on (until then the short code's keywords stay the operator's).
    async fn register_opt_out_keywords(&self) {
        if self
            .opt_outs_registered
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let cfg = self.campaign_config().clone();
        for (i, word) in cfg.opt_out_keywords.iter().enumerate() {
            let id = format!("{OPT_OUT_REGISTRATION}{i}");
            self.register_gateway_keyword(&id, &cfg.short_code, word).await;
        }
    }

    /// A campaign and its report.
    pub async fn campaign(&self, id: &str) -> Result<Option<(Campaign, CampaignReport)>, ScfError> {
        let Some(c) = self.store.campaign(id).await.map_err(internal)? else {
            return Ok(None);
        };
        let report = self.store.campaign_report(id).await.map_err(internal)?;
        Ok(Some((c, report)))
    }

    /// Pauses, resumes or cancels a campaign; `false` when its state does not allow it.
    pub async fn set_campaign_status(&self, id: &str, to: CampaignStatus) -> Result<bool, ScfError> {
        let from: &[CampaignStatus] = match to {
            CampaignStatus::Paused => &[CampaignStatus::Scheduled],
            CampaignStatus::Scheduled => &[CampaignStatus::Paused],
            CampaignStatus::Cancelled => &[CampaignStatus::Scheduled, CampaignStatus::Paused],
            CampaignStatus::Done => &[],
        };
        self.store
            .set_campaign_status(id, from, to, self.now().at_ms)
            .await
            .map_err(internal)
    }

    /// One step of the feeder: opt-out replies taken and the opt-out list read again if it
    /// changed, then each due campaign in its window fed its allowance, while the outbox has room.
    pub async fn feed_campaigns(&self) -> Result<usize, ScfError> {
        self.take_opt_outs().await?;
        self.refresh_opt_outs().await?;
        let now = self.now();
        let due = self.store.due_campaigns(now.at_ms).await.map_err(internal)?;
        if !due.is_empty() {
            self.register_opt_out_keywords().await;
        }
        let mut fed = 0;
        for c in due {
            fed += self.feed(&c, &now).await?;
        }
        Ok(fed)
    }

    /// Feeds one campaign; how many numbers it sent. Outside its window, or while its creator
    /// may not send it, it waits without counting an allowance.
    async fn feed(&self, c: &Campaign, now: &Moment) -> Result<usize, ScfError> {
        if !in_window(c.window_from, c.window_to, now.hour) || !self.creator_may_send(c).await? {
            if c.fed_at_ms.is_some() {
                self.store
                    .set_campaign_fed_at(&c.id, None)
                    .await
                    .map_err(internal)?;
            }
            return Ok(0);
        }
        let rate = i64::from(c.rate_per_sec.max(1));
        let earliest = now.at_ms - MAX_CATCH_UP_SECS * 1000;
        let Some(fed_at) = c.fed_at_ms.filter(|at| *at >= earliest) else {
            // Entering the window (or back after a long stop): count from now, send nothing yet.
            self.store
                .set_campaign_fed_at(&c.id, Some(now.at_ms))
                .await
                .map_err(internal)?;
            return Ok(0);
        };
        let allowance = (now.at_ms - fed_at) * rate / 1000;
        let (backlog, _) = self.store.outbox_backlog().await.map_err(internal)?;
        let room = self.campaign_config().max_backlog - backlog;
        let limit = allowance.min(room);
        if limit <= 0 {
            return Ok(0);
        }
        let numbers = self
            .store
            .next_recipients(&c.id, limit, now.at_ms)
            .await
            .map_err(internal)?;
        let max_parts = self.smpp().max_parts as usize;
        // An application's campaign messages are that application's, as its sendSms ones are
        // (the console's per-application parts, settlement); an operator's are the campaign's.
        let actor = if crate::domain::actor::app_id(&c.created_by).is_some() {
            c.created_by.clone()
        } else {
            format!("campaign:{}", c.id)
        };
        let messages: Vec<_> = numbers
            .iter()
            .filter_map(|n| crate::smpp::gateway_sms(&actor, &c.sender, n.as_str(), &c.text, max_parts).ok())
            .collect();
        // The allowance spent: what was sent, at the rate (the rest stays for the next step).
        let sent = i64::try_from(messages.len()).unwrap_or(i64::MAX);
        let fed_to = fed_at + sent * 1000 / rate;
        self.store
            .feed_campaign(&c.id, &messages, fed_to, now.at_ms)
            .await
            .map_err(internal)?;
        metrics::counter!("pxgate_campaign_messages_total").increment(messages.len() as u64);
        Ok(messages.len())
    }

    /// The first of `addresses` that opted out, if any: an application's send is refused for it.
    pub(in crate::scf) fn opted_out<'a>(&self, addresses: &'a [Msisdn]) -> Option<&'a Msisdn> {
        addresses.iter().find(|a| self.opt_outs.contains(a))
    }

    /// Reads the opt-out list again when it changed (another instance took an opt-out, or an
    /// operator removed one).
    async fn refresh_opt_outs(&self) -> Result<(), ScfError> {
        let version = self.store.opt_out_version().await.map_err(internal)?;
        if *self
            .opt_outs
            .version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            == Some(version)
        {
            return Ok(());
        }
        let list = self.store.opt_outs(version.0.max(1)).await.map_err(internal)?;
        let numbers = list.into_iter().map(|(m, _, _)| m.as_str().to_owned()).collect();
        *self
            .opt_outs
            .numbers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = numbers;
        *self
            .opt_outs
            .version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(version);
        Ok(())
    }

    /// Takes the opt-out replies received since the last look.
    async fn take_opt_outs(&self) -> Result<(), ScfError> {
        let cfg = self.campaign_config();
        for (i, word) in cfg.opt_out_keywords.iter().enumerate() {
            let id = format!("{OPT_OUT_REGISTRATION}{i}");
            let replies = match self.take_gateway_sms(&id, BATCH).await {
                Ok(replies) => replies,
                Err(ScfError::InvalidInput { .. }) => continue,
                Err(e) => return Err(e),
            };
            for reply in replies {
                let cc = &self.locale.default_country_code;
                let Ok(msisdn) = Msisdn::parse(&reply.sender, cc) else {
                    continue;
                };
                self.store
                    .opt_out(&msisdn, word, self.now().at_ms)
                    .await
                    .map_err(internal)?;
                self.opt_outs.insert(&msisdn);
                tracing::info!(keyword = %word, "a number opted out of campaigns");
            }
        }
        Ok(())
    }
}

mod apps;

pub use apps::{CampaignRequest, Scheduled};

#[cfg(test)]
mod tests {
    use super::in_window;

    #[test]
    fn windows_may_wrap_midnight() {
        assert!(in_window(9, 21, 9) && in_window(9, 21, 20) && !in_window(9, 21, 21));
        assert!(in_window(22, 6, 23) && in_window(22, 6, 0) && !in_window(22, 6, 6));
    }
}
