//! The SMS outbox: one row per (address, part) of every accepted sendSms, from `queued` to a final
//! state, and the SMSC message ids that tie delivery receipts to rows.
//!
//! Lifecycle of a row: `queued` → (claimed by a dispatcher) `sending` → `submitted` (the SMSC took
//! it and gave a message id) → `delivered` / `failed` / `uncertain` (its receipt, or `uncertain`
//! when the receipt it asked for is overdue; a late receipt still replaces that). A temporary
//! error puts it back to `queued` with a later `next_attempt_at`; a row left `sending` past its
//! `claimed_until` (a crashed or disconnected dispatcher) is claimed again, so nothing accepted is
//! lost (at-least-once toward the SMSC).

pub mod batch;
pub mod receipt_subscriptions;
pub mod routing;

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;

use super::StoreError;

/// State of one part toward one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartStatus {
    /// Waiting for a dispatcher.
    Queued,
    /// Claimed by a dispatcher, not yet acknowledged by the SMSC.
    Sending,
    /// Accepted by the SMSC (submit_sm_resp ESME_ROK).
    Submitted,
    /// The receipt says delivered to the handset.
    Delivered,
    /// Refused by the SMSC, or the receipt says undeliverable, expired or rejected.
    Failed,
    /// The receipt gives no final answer (unknown state), or none came within the receipt wait.
    Uncertain,
}

impl PartStatus {
    /// The value of the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Submitted => "submitted",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Uncertain => "uncertain",
        }
    }
}

impl FromStr for PartStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::Queued,
            Self::Sending,
            Self::Submitted,
            Self::Delivered,
            Self::Failed,
            Self::Uncertain,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown sms status {s:?}"))
    }
}

impl fmt::Display for PartStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One part toward one address, as queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPart {
    /// Destination, E.164 with `+`.
    pub address: String,
    /// 1-based part number.
    pub part_no: i64,
    /// Parts of the message.
    pub part_count: i64,
    /// SMPP `data_coding`.
    pub data_coding: i64,
    /// SMPP `esm_class` (UDHI on concatenated parts).
    pub esm_class: i64,
    /// `short_message`, UDH included.
    pub body: Vec<u8>,
}

/// An accepted sendSms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSms {
    /// The requestIdentifier answered to the application.
    pub request_id: String,
    /// The application (`app:<id>`); only it may ask for the status.
    pub actor: String,
    /// `source_addr`.
    pub sender: String,
    /// Whether a delivery receipt is requested from the SMSC.
    pub receipt: bool,
    /// `receiptRequest`: (endpoint, correlator) for notifySmsDeliveryReceipt.
    pub notify: Option<(String, String)>,
    /// The wire the receipt notification is written for: `soap` or `json` (`notify_format`).
    pub notify_format: &'static str,
    /// A OneAPI `clientCorrelator` and the fingerprint of the request it names, kept with the
    /// message so a retry finds it; `None` when the application gave none.
    pub client_correlator: Option<(String, String)>,
    /// Every (address, part), in sending order.
    pub parts: Vec<NewPart>,
}

/// A claimed row, everything a submit_sm needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    /// Row id (the claim's handle).
    pub id: i64,
    /// The request it belongs to.
    pub request_id: String,
    /// `source_addr`.
    pub sender: String,
    /// Destination, E.164 with `+`.
    pub address: String,
    /// 1-based part number.
    pub part_no: i64,
    /// SMPP `data_coding`.
    pub data_coding: i64,
    /// SMPP `esm_class`.
    pub esm_class: i64,
    /// `short_message`.
    pub body: Vec<u8>,
    /// 1 when a receipt is requested.
    pub receipt: i64,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// An address of a request whose parts are all final and whose application asked to be told.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptNotice {
    /// The request.
    pub request_id: String,
    /// The application that sent it (`app:<id>`).
    pub actor: String,
    /// The address, E.164 with `+`.
    pub address: String,
    /// The application's notification endpoint.
    pub endpoint: String,
    /// The correlator it gave.
    pub correlator: String,
}

/// A part's state, for getSmsDeliveryStatus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartState {
    /// Destination, E.164 with `+`.
    pub address: String,
    /// 1-based part number.
    pub part_no: i64,
    /// Where it is.
    pub status: PartStatus,
    /// When it got there, milliseconds since the epoch: for a final state, when its receipt (or
    /// its failure, or the end of the receipt wait) was recorded.
    pub updated_at_ms: i64,
}

/// A part in a listing of what was sent to a number or by an application, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPart {
    /// The request it belongs to.
    pub request_id: String,
    /// The application that sent it (`app:<id>`) or the gateway's own sender (`alerts`, …).
    pub actor: String,
    /// The part and where it is.
    pub part: PartState,
    /// When it was accepted, milliseconds since the epoch.
    pub created_at_ms: i64,
}

/// How far back, in parts, a listing by application looks (the newest parts of the outbox).
pub const SENT_BY_ACTOR_WINDOW: i64 = 100_000;

/// Which sent parts a listing holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentTo {
    /// Those sent to this number (E.164 with `+`).
    Address(String),
    /// Those sent by this actor (`app:<id>`), among the newest [`SENT_BY_ACTOR_WINDOW`] parts.
    Actor(String),
}

/// One mobile-originated part, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMo {
    /// The short code or number it was sent to (digits, no `+`).
    pub destination: String,
    /// The handset, as the SMSC gave it.
    pub sender: String,
    /// This part's decoded text.
    pub message: String,
    /// Shared by the parts of one concatenated message; `None` for a single message.
    pub concat_key: Option<String>,
    /// 1-based part number.
    pub part_no: i64,
    /// Parts of the message.
    pub part_count: i64,
    /// ms since the epoch.
    pub received_at_ms: i64,
}

/// A whole received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    /// Where it was sent.
    pub destination: String,
    /// Who sent it.
    pub sender: String,
    /// The text, parts joined.
    pub message: String,
    /// When its first part arrived, ms since the epoch.
    pub received_at_ms: i64,
}

/// A hold on received messages while the answer that carries them is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLease {
    /// Names the lease for [`SmsStore::settle_received`].
    pub id: String,
    /// Now, ms since the epoch: leases that ran out before it no longer hold.
    pub now_ms: i64,
    /// When this lease runs out (a gateway that died before settling it).
    pub until_ms: i64,
}

/// The outbox of every sendSms.
#[async_trait]
pub trait SmsStore: Send + Sync {
    /// Queues every part in one transaction; due at once.
    async fn queue_sms(&self, sms: &NewSms, now_ms: i64) -> Result<(), StoreError>;

    /// Applies every charge (each under the same rules as
    /// [`move_money`](super::AccountStore::move_money)) and queues every part, all in one
    /// transaction: a refused charge leaves every account and the outbox as they were.
    async fn queue_charged_sms(
        &self,
        sms: &NewSms,
        charges: &[super::Movement],
        now: &crate::domain::Moment,
    ) -> Result<(), StoreError>;

    /// Claims up to `claim.limit` due rows (queued and due, or `sending` past their claim) from
    /// id `claim.from_id` on, until `claim.claimed_until`, in id order; each claim counts an
    /// attempt.
    async fn claim_sms(&self, claim: batch::SmsClaim, now_ms: i64) -> Result<Vec<OutboxRow>, StoreError>;

    /// Where claims may start: the lowest id of a row still in the gateway (`queued` or
    /// `sending`, due or not), or past the newest row when there is none. Rows only leave that
    /// set, and new rows get higher ids, so the floor only rises (on PostgreSQL, a transaction
    /// that commits after a younger one can add a row below it; see `scf::outbox`).
    async fn pending_floor(&self) -> Result<i64, StoreError>;

    /// Parts still to go to the SMSC (queued or being sent), and when the oldest was queued (ms
    /// since the epoch): the outbox backlog operators watch.
    async fn outbox_backlog(&self) -> Result<(i64, Option<i64>), StoreError>;

    /// The SMSC accepted row `id` as `smsc_id` (normalized; `raw` as received). A receipt that
    /// came before this is applied now.
    async fn mark_submitted(&self, id: i64, smsc_id: &str, raw: &str, now_ms: i64) -> Result<(), StoreError>;

    /// Puts row `id` back in the queue after a temporary error.
    async fn requeue_sms(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Row `id` failed for good.
    async fn fail_sms(&self, id: i64, error: &str, now_ms: i64) -> Result<(), StoreError>;

    /// A receipt for the normalized `smsc_id`; when no row has that id yet it is kept until
    /// [`mark_submitted`](Self::mark_submitted) meets it. Answers the rows updated.
    async fn apply_receipt(&self, smsc_id: &str, status: PartStatus, now_ms: i64) -> Result<u64, StoreError>;

    /// Applies kept receipts whose message id has since been recorded (closes the window where,
    /// on PostgreSQL, a receipt and its submit_sm_resp are stored concurrently and each misses
    /// the other). Answers the receipts applied.
    async fn reconcile_receipts(&self, now_ms: i64) -> Result<u64, StoreError>;

    /// Parts that asked for a receipt, were accepted by the SMSC at or before
    /// `submitted_before_ms` and still have none become `uncertain`, a final state
    /// (DeliveryUncertain): an SMSC that lost or never sends a receipt would otherwise leave them
    /// and their notification waiting forever. A receipt that comes later still replaces it.
    /// Answers the parts moved.
    async fn give_up_receipts(&self, submitted_before_ms: i64, now_ms: i64) -> Result<u64, StoreError>;

    /// Keeps one mobile-originated part, unrouted until its whole message is there
    /// ([`routing::SmsRoutingStore::route_received`]).
    async fn store_mo(&self, mo: &NewMo) -> Result<(), StoreError>;

    /// Leases and answers the oldest `limit` whole messages routed to registration
    /// `registration_id` (an application's, or the gateway's own) that no lease holds at
    /// `lease.now_ms`, except those an active subscription pushes to its endpoint. They stay in the
    /// inbox, out of every other answer and push, until [`settle_received`](Self::settle_received)
    /// or `lease.until_ms` (ES 202 391-4 §8.2.1: each message is returned once).
    async fn lease_received(
        &self,
        registration_id: &str,
        limit: i64,
        lease: &InboxLease,
    ) -> Result<Vec<ReceivedSms>, StoreError>;

    /// Ends lease `lease_id`: its messages leave the inbox when they were `delivered`, and are
    /// free for the next call otherwise.
    async fn settle_received(&self, lease_id: &str, delivered: bool) -> Result<(), StoreError>;

    /// Addresses due a notifySmsDeliveryReceipt: none of their parts still on the way, not yet
    /// notified, not waiting for a retry (ES 202 391-4: once per address, final states only).
    /// Only notices written for `format` (`soap` or `json`).
    async fn due_receipt_notices(
        &self,
        format: &str,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<ReceiptNotice>, StoreError>;

    /// The (fingerprint, requestIdentifier) this application's `client_correlator` names, if any.
    async fn sms_client_correlator(
        &self,
        actor: &str,
        client_correlator: &str,
    ) -> Result<Option<(String, String)>, StoreError>;

    /// Hands the notice for (request, address) over to the callback queue: queues `callback` and
    /// marks the notice done, in one transaction (so it is neither lost nor queued twice). Without
    /// a callback (the application asked not to hear of this outcome), only marks it done.
    async fn hand_over_receipt_notice(
        &self,
        request_id: &str,
        address: &str,
        callback: Option<&super::callbacks::NewCallback>,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Whether this application already used `correlator` (SVC0005).
    async fn correlator_used(&self, actor: &str, correlator: &str) -> Result<bool, StoreError>;

    /// The owner and the parts of a request; `None` when unknown.
    async fn sms_request(&self, request_id: &str) -> Result<Option<(String, Vec<PartState>)>, StoreError>;

    /// The latest `limit` parts sent to a number, or by an application among the newest
    /// [`SENT_BY_ACTOR_WINDOW`] parts, newest first.
    async fn sms_sent(&self, to: &SentTo, limit: i64) -> Result<Vec<SentPart>, StoreError>;
}
