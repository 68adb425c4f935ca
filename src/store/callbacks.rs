//! Callbacks to applications: one row per notification the gateway owes an application's endpoint,
//! written in the transaction that makes it due, and every attempt to deliver it.
//!
//! Lifecycle: `pending` → (claimed by a sender until `claimed_until`) → `delivered` on a 2xx, or
//! back to `pending` with a later `next_attempt_at`, or `abandoned` once `give_up_at` has passed.
//! A claim that was never reported (a crashed sender) expires and the row is claimed again, so a
//! callback is delivered at least once or abandoned visibly, never lost.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;

use super::StoreError;

/// Where a callback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallbackStatus {
    /// Not delivered yet; tried at `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Its give-up time passed without a 2xx.
    Abandoned,
}

impl CallbackStatus {
    /// The value of the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Abandoned => "abandoned",
        }
    }
}

impl FromStr for CallbackStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Pending, Self::Delivered, Self::Abandoned]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown callback status {s:?}"))
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A callback to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCallback {
    /// The application it is for (`app:<id>`).
    pub actor: String,
    /// What it is, e.g. `notifySmsDeliveryReceipt` (for the operator's eyes and metrics).
    pub kind: String,
    /// The URL it is POSTed to.
    pub endpoint: String,
    /// `Content-Type` of the body.
    pub content_type: String,
    /// `SOAPAction` header (SOAP 1.1), if any.
    pub soap_action: Option<String>,
    /// The request body.
    pub body: Vec<u8>,
    /// After this instant (ms since the epoch) a failed attempt abandons it.
    pub give_up_at_ms: i64,
}

/// What a sender asks for when it claims callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackClaim {
    /// Most rows claimed.
    pub limit: i64,
    /// Most callbacks of one application in flight, these and those claimed before included.
    pub per_actor: i64,
    /// Now, ms since the epoch.
    pub now_ms: i64,
    /// The claim holds until then.
    pub claimed_until_ms: i64,
}

/// A claimed callback: what the sender needs for one attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueCallback {
    /// Row id.
    pub id: i64,
    /// The application it is for (`app:<id>`).
    pub actor: String,
    /// What it is.
    pub kind: String,
    /// The URL.
    pub endpoint: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `SOAPAction`.
    pub soap_action: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// Attempts before this one.
    pub attempts: i64,
    /// Give-up time, ms since the epoch.
    pub give_up_at: i64,
}

/// One delivery attempt, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct CallbackAttempt {
    /// When it started, ms since the epoch.
    pub attempted_at: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// The endpoint's HTTP status, when it answered.
    pub http_status: Option<i64>,
    /// Why it failed (connection refused, timeout, non-2xx), `None` when delivered.
    pub error: Option<String>,
}

/// What the attempt decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered; no more attempts.
    Delivered,
    /// Failed; try again at this instant (ms).
    RetryAt(i64),
    /// Failed after the give-up time; no more attempts.
    Abandoned,
}

/// A callback as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Callback {
    /// Row id.
    pub id: i64,
    /// The application.
    pub actor: String,
    /// What it is.
    pub kind: String,
    /// The URL.
    pub endpoint: String,
    /// Where it is.
    pub status: CallbackStatus,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt (pending only), ms since the epoch.
    pub next_attempt_at: i64,
    /// Give-up time, ms since the epoch.
    pub give_up_at: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Queued at, ms since the epoch.
    pub created_at: i64,
    /// Last change, ms since the epoch.
    pub updated_at: i64,
}

/// A page of callbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackQuery {
    /// Only this application's.
    pub actor: Option<String>,
    /// Only in this state.
    pub status: Option<CallbackStatus>,
    /// Only older than this id (paging, newest first).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// Callbacks and their attempts.
#[async_trait]
pub trait CallbackStore: Send + Sync {
    /// Queues a callback, due at once; answers its id.
    async fn queue_callback(&self, callback: &NewCallback, now_ms: i64) -> Result<i64, StoreError>;

    /// Claims due callbacks, oldest first, within the claim's limits; never one of a suspended
    /// application.
    async fn claim_callbacks(&self, claim: &CallbackClaim) -> Result<Vec<DueCallback>, StoreError>;

    /// Callbacks not yet delivered nor abandoned, by application (`app:<id>`), by application id.
    async fn callback_backlog(&self) -> Result<Vec<(String, i64)>, StoreError>;

    /// Puts off every waiting callback of `actor` until `until_ms` (its circuit is open); answers
    /// how many.
    async fn hold_callbacks(&self, actor: &str, until_ms: i64, now_ms: i64) -> Result<u64, StoreError>;

    /// Records an attempt on callback `id` and what it decided, in one transaction.
    async fn record_attempt(
        &self,
        id: i64,
        attempt: &CallbackAttempt,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError>;

    /// A page of callbacks, newest first.
    async fn callbacks(&self, query: &CallbackQuery) -> Result<Vec<Callback>, StoreError>;

    /// One callback, its body and every attempt, oldest first; `None` when unknown.
    async fn callback(
        &self,
        id: i64,
    ) -> Result<Option<(Callback, Vec<u8>, Vec<CallbackAttempt>)>, StoreError>;

    /// Puts a delivered or abandoned callback back in the queue, due now, with a new give-up
    /// time (the operator's "send it again"). `NotFound` when unknown.
    async fn retry_callback(&self, id: i64, give_up_at_ms: i64, now_ms: i64) -> Result<Callback, StoreError>;
}
