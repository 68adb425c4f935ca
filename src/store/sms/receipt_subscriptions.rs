//! OneAPI delivery-receipt subscriptions (parlayx-spec §5.2,
//! `/smsmessaging/outbound/{senderAddress}/subscriptions`): an application's standing request to
//! be notified of the delivery of every message it sends from one sender. The subscription is
//! read when a message is queued (one indexed lookup per send); the notifications themselves go
//! through the outbox's notify columns like any receiptRequest.

use async_trait::async_trait;

use crate::store::StoreError;

/// A delivery-receipt subscription, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptSubscription {
    /// The subscription's identifier (its URL's last segment).
    pub id: String,
    /// The application (`app:<id>`).
    pub actor: String,
    /// The agreement's sender, as the outbox records it (`1588`).
    pub sender: String,
    /// Where the notifications go.
    pub endpoint: String,
    /// Echoed in every notification.
    pub callback_data: Option<String>,
    /// The application's key for the subscription, unique per application.
    pub client_correlator: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

/// What recording a subscription did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// Recorded.
    Created,
    /// The application already has a subscription with this clientCorrelator (SVC0005).
    DuplicateClientCorrelator,
    /// The application already has a subscription for this sender (SVC0008).
    SenderTaken,
}

/// Delivery-receipt subscriptions.
#[async_trait]
pub trait ReceiptSubscriptionStore: Send + Sync {
    /// Records a subscription unless the application already has one for the sender or with the
    /// clientCorrelator.
    async fn create_receipt_subscription(
        &self,
        subscription: &ReceiptSubscription,
    ) -> Result<SubscribeOutcome, StoreError>;

    /// The application's subscription with this id.
    async fn receipt_subscription(
        &self,
        actor: &str,
        id: &str,
    ) -> Result<Option<ReceiptSubscription>, StoreError>;

    /// The application's subscription for `sender`, read when a message is queued.
    async fn receipt_subscription_for(
        &self,
        actor: &str,
        sender: &str,
    ) -> Result<Option<ReceiptSubscription>, StoreError>;

    /// Removes the application's subscription with this id; `false` if it had none.
    async fn delete_receipt_subscription(&self, actor: &str, id: &str) -> Result<bool, StoreError>;
}
