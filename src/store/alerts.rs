//! What the subscriber alerts and the account-monitoring extension keep: the ledger cursor of the
//! alert task, the refused charges to unregistered numbers (and when each number was last told),
//! the expiry dates already reminded, the suspensions already announced, the applications'
//! account monitors and the operator's monitoring grants.
//!
//! Exactly once: the alert task decides from reads, then hands everything it decided to
//! [`AlertStore::commit_alerts`], which re-checks every decision (compare-and-set) while holding
//! the cursor row, queues the SMS parts and callbacks and advances the cursor in one transaction.
//! When another gateway instance got there first, nothing is written and the task reads again.

use async_trait::async_trait;
use chrono::NaiveDate;

use super::callbacks::NewCallback;
use super::sms::NewSms;
use super::{Account, StoreError};

/// A ledger row with what the alert task needs of its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEntry {
    /// Ledger id.
    pub id: i64,
    /// The account.
    pub account: Account,
    /// `charge`, `refund`, … (`EntryKind::as_str`).
    pub kind: String,
    /// Signed change of the balance (a charge is negative).
    pub amount: i64,
    /// The balance right after.
    pub balance_after: i64,
    /// Who moved the money (`app:<id>` for an application).
    pub actor: String,
    /// When, ms since the epoch.
    pub created_at_ms: i64,
}

/// A number that an application tried to charge without an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnregisteredAttempt {
    /// E.164 with `+`.
    pub msisdn: String,
    /// The latest refused attempt, ms since the epoch.
    pub last_attempt_at_ms: i64,
    /// When the number was last told, ms since the epoch.
    pub last_sent_at_ms: Option<i64>,
}

/// A decision the commit re-checks before it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertMark {
    /// The pending attempts of a number are handled; `sent` when it was told now.
    Unregistered {
        /// E.164 with `+`.
        msisdn: String,
        /// Whether an SMS went out now (starts a new rate-limit window).
        sent: bool,
        /// When the number was last told, as the decision read it.
        last_sent_at_ms: Option<i64>,
    },
    /// The account was reminded of this expiry date.
    ExpiryReminded {
        /// Account id.
        account_id: i64,
        /// The date reminded of.
        expiry: NaiveDate,
    },
    /// The account was told it is suspended.
    Suspended {
        /// Account id.
        account_id: i64,
    },
    /// The account is no longer suspended (told when it is active again).
    Resumed {
        /// Account id.
        account_id: i64,
    },
}

/// Everything one alert transaction writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertBatch {
    /// Advance the ledger cursor from `.0` (as read) to `.1`.
    pub cursor: Option<(i64, i64)>,
    /// Decisions to re-check and record.
    pub marks: Vec<AlertMark>,
    /// SMS to queue.
    pub sms: Vec<NewSms>,
    /// Alerts that go by push where their number has a device topic, else as their SMS.
    pub push: Vec<super::push::PushCandidate>,
    /// Callbacks to queue.
    pub callbacks: Vec<NewCallback>,
}

/// What the criteria of a monitor are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorCriteria {
    /// Every charge.
    Charged,
    /// A charge that takes the balance below this amount (minor units).
    BelowThreshold(i64),
}

/// An application's account monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// The application (`app:<id>`).
    pub actor: String,
    /// Its correlator, unique per application.
    pub correlator: String,
    /// The account's number, E.164 with `+`.
    pub msisdn: String,
    /// What it is told about.
    pub criteria: MonitorCriteria,
    /// Where the notifications go.
    pub endpoint: String,
    /// `interfaceName` of the reference.
    pub interface_name: String,
    /// When it was started, ms since the epoch (charges before it are not notified); set by
    /// [`AlertStore::add_monitor`].
    pub since_ms: i64,
}

/// The alert task's and the monitoring extension's store.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// The ledger cursor. Migration 0009 starts it; should its row be missing, it is started at
    /// the newest ledger row (history is not replayed) with the accounts already suspended
    /// recorded as announced.
    async fn alert_cursor(&self, now_ms: i64) -> Result<i64, StoreError>;

    /// Ledger rows with ids above `after_id`, in id order, at most `limit`.
    async fn alert_entries(&self, after_id: i64, limit: i64) -> Result<Vec<AlertEntry>, StoreError>;

    /// What the account charged (net of refunds) from `since_ms` up to ledger row `up_to_id`.
    async fn spent_between(&self, account_id: i64, since_ms: i64, up_to_id: i64) -> Result<i64, StoreError>;

    /// Records a charge refused for a number without an account (one small upsert).
    async fn note_unregistered(&self, msisdn: &str, now_ms: i64) -> Result<(), StoreError>;

    /// Numbers with refused attempts not yet handled, at most `limit`.
    async fn pending_unregistered(&self, limit: i64) -> Result<Vec<UnregisteredAttempt>, StoreError>;

    /// Active accounts whose credit expires between `from` and `until` (inclusive) and that
    /// were not reminded of that date yet.
    async fn expiring_unreminded(
        &self,
        from: NaiveDate,
        until: NaiveDate,
        limit: i64,
    ) -> Result<Vec<Account>, StoreError>;

    /// Suspended accounts not yet told, and accounts told but no longer suspended.
    async fn status_changes(&self, limit: i64) -> Result<(Vec<Account>, Vec<Account>), StoreError>;

    /// Re-checks every mark and the cursor under the cursor's lock, then writes the batch in one
    /// transaction. `false` (nothing written) when another instance decided first.
    async fn commit_alerts(&self, batch: &AlertBatch, now_ms: i64) -> Result<bool, StoreError>;

    /// Adds a monitor; [`StoreError::AlreadyExists`] when the application used the correlator.
    async fn add_monitor(&self, monitor: &Monitor, now_ms: i64) -> Result<(), StoreError>;

    /// Removes the application's monitor; `false` when it had none with that correlator.
    async fn remove_monitor(&self, actor: &str, correlator: &str) -> Result<bool, StoreError>;

    /// The monitors of active applications on a number.
    async fn monitors_of(&self, msisdn: &str) -> Result<Vec<Monitor>, StoreError>;

    /// Whether the actor moved money on the number's account: a charge, reservation charge or
    /// credit of its own (holds and releases move none, so they do not count).
    async fn moved_money_on(&self, actor: &str, msisdn: &str) -> Result<bool, StoreError>;

    /// Lets application `app_id` monitor the number.
    async fn grant_monitoring(&self, app_id: &str, msisdn: &str, now_ms: i64) -> Result<(), StoreError>;

    /// Withdraws a grant; `false` when there was none.
    async fn revoke_monitoring(&self, app_id: &str, msisdn: &str) -> Result<bool, StoreError>;

    /// Whether the operator let `app_id` monitor the number.
    async fn monitoring_granted(&self, app_id: &str, msisdn: &str) -> Result<bool, StoreError>;
}
