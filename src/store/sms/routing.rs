//! Where received SMS go: registrations (short code + first-word keyword → application, or the
//! gateway itself), the routing of complete messages to them, and the applications'
//! startSmsNotification subscriptions (ES 202 391-4 §8.4) that push routed messages to an endpoint.
//!
//! A received part is stored unrouted ([`SmsStore::store_mo`](super::SmsStore::store_mo)); once
//! every part of its message is there, [`SmsRoutingStore::route_received`] routes the whole
//! message: keyword registration of the short code first, else its catch-all, else none (kept,
//! visible to the operator). Routed messages are then taken by
//! [`SmsStore::lease_received`](super::SmsStore::lease_received) or handed over to a subscription's
//! endpoint by [`SmsRoutingStore::hand_over_reception`], never both.

use async_trait::async_trait;

use super::ReceivedSms;
use crate::store::StoreError;
use crate::store::callbacks::NewCallback;

/// A registration, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Registration {
    /// The registrationIdentifier applications name in getReceivedSms.
    pub id: String,
    /// The application; `None` when the gateway's own consumers take the messages.
    pub app_id: Option<String>,
    /// The short code (digits).
    pub short_code: String,
    /// The first word it takes, uppercase; empty for every message no keyword takes.
    pub keyword: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
}

/// Why a registration was not created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationConflict {
    /// Another registration has this id.
    IdTaken,
    /// Registration `0` already takes this (short code, keyword).
    NumberTaken(String),
}

/// A message routed by [`SmsRoutingStore::route_received`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutedSms {
    /// Id of its first stored row; identifies the message from now on.
    pub message_id: i64,
    /// The short code it was sent to.
    pub destination: String,
    /// The registration it went to; `None` when nothing matched.
    pub registration_id: Option<String>,
}

/// A startSmsNotification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSmsNotification {
    /// The application (`app:<id>`).
    pub actor: String,
    /// Its correlator, unique per application.
    pub correlator: String,
    /// Where the notifications go.
    pub endpoint: String,
    /// The short code (digits).
    pub activation_number: String,
    /// Keyword criteria, uppercase; empty for every message to the number.
    pub criteria: String,
    /// `soap` (notifySmsReception) or `json` (OneAPI inbound notification).
    pub format: String,
    /// OneAPI `callbackData`, echoed in every notification.
    pub callback_data: Option<String>,
}

/// What recording a subscription did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOutcome {
    /// Recorded.
    Started,
    /// The application already has a subscription with this correlator (SVC0005).
    DuplicateCorrelator,
    /// The application already has a subscription for this number whose criteria overlap (SVC0008).
    Overlapping,
}

/// A routed message an active subscription wants pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReception {
    /// The message ([`RoutedSms::message_id`]).
    pub message_id: i64,
    /// The application (`app:<id>`).
    pub actor: String,
    /// The subscription's correlator.
    pub correlator: String,
    /// The subscription's callbackData, if any.
    pub callback_data: Option<String>,
    /// The subscription's endpoint.
    pub endpoint: String,
    /// The message, parts joined.
    pub sms: ReceivedSms,
}

/// Registrations, routing and subscriptions.
#[async_trait]
pub trait SmsRoutingStore: Send + Sync {
    /// Creates a registration, or says which existing one is in the way.
    async fn create_registration(
        &self,
        registration: &Registration,
    ) -> Result<Result<(), RegistrationConflict>, StoreError>;

    /// The registration with this id.
    async fn registration(&self, id: &str) -> Result<Option<Registration>, StoreError>;

    /// Every registration (of one application when `app_id` is given), by short code and keyword.
    async fn registrations(&self, app_id: Option<&str>) -> Result<Vec<Registration>, StoreError>;

    /// Removes a registration ([`StoreError::NotFound`] if absent); messages routed to it and not
    /// yet taken become unrouted (kept for the operator).
    async fn delete_registration(&self, id: &str) -> Result<(), StoreError>;

    /// Routes up to `limit` messages whose parts have all arrived, and concatenated messages whose
    /// first stored part arrived before `incomplete_before_ms` with the parts they have (in part
    /// order); answers what it routed.
    async fn route_received(
        &self,
        limit: i64,
        incomplete_before_ms: i64,
    ) -> Result<Vec<RoutedSms>, StoreError>;

    /// How many complete messages no registration took, and the oldest `limit` of them.
    async fn unrouted(&self, limit: i64) -> Result<(i64, Vec<ReceivedSms>), StoreError>;

    /// Records a subscription unless its correlator is taken or its criteria overlap one of the
    /// application's subscriptions for the same number (empty criteria overlap everything).
    async fn start_sms_notification(
        &self,
        new: &NewSmsNotification,
        now_ms: i64,
    ) -> Result<StartOutcome, StoreError>;

    /// Removes the application's subscription with this correlator; `false` if it had none.
    async fn stop_sms_notification(&self, actor: &str, correlator: &str) -> Result<bool, StoreError>;

    /// Up to `limit` routed messages that a subscription of `format` wants pushed, oldest first.
    async fn due_receptions(&self, format: &str, limit: i64) -> Result<Vec<DueReception>, StoreError>;

    /// Removes message `message_id` from the inbox and queues `callback`, in one transaction;
    /// `false` (nothing queued) if the message was already taken.
    async fn hand_over_reception(
        &self,
        message_id: i64,
        callback: &NewCallback,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}
