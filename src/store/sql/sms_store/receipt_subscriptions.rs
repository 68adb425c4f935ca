//! [`ReceiptSubscriptionStore`](crate::store::sms::receipt_subscriptions::ReceiptSubscriptionStore)
//! on [`SqlStore`].

use crate::store::StoreError;
use crate::store::sms::receipt_subscriptions::{
    ReceiptSubscription, ReceiptSubscriptionStore, SubscribeOutcome,
};

use std::sync::LazyLock;

use crate::store::sql::{SqlStore, db};

/// The columns every read answers, in [`ReceiptSubscription`](crate::store::sms::receipt_subscriptions::ReceiptSubscription) order.
pub(crate) const COLUMNS: &str = "id, actor, sender, endpoint, callback_data, client_correlator, created_at";

pub(crate) static INSERT: LazyLock<String> = LazyLock::new(|| {
    [
        "INSERT INTO sms_receipt_subscriptions (",
        COLUMNS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
    ]
    .concat()
});

pub(crate) static BY_ID: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        COLUMNS,
        " FROM sms_receipt_subscriptions WHERE actor = $1 AND id = $2",
    ]
    .concat()
});

/// Served by the `UNIQUE (actor, sender)` index: the lookup every send makes.
pub(crate) static BY_SENDER: LazyLock<String> = LazyLock::new(|| {
    [
        "SELECT ",
        COLUMNS,
        " FROM sms_receipt_subscriptions WHERE actor = $1 AND sender = $2",
    ]
    .concat()
});

pub(crate) const SENDER_TAKEN: &str =
    "SELECT COUNT(*) FROM sms_receipt_subscriptions WHERE actor = $1 AND sender = $2";

pub(crate) const CORRELATOR_TAKEN: &str =
    "SELECT COUNT(*) FROM sms_receipt_subscriptions WHERE actor = $1 AND client_correlator = $2";

pub(crate) const DELETE: &str = "DELETE FROM sms_receipt_subscriptions WHERE actor = $1 AND id = $2";

#[async_trait::async_trait]
impl ReceiptSubscriptionStore for SqlStore {
    async fn create_receipt_subscription(
        &self,
        s: &ReceiptSubscription,
    ) -> Result<SubscribeOutcome, StoreError> {
        use crate::store::sql::sms_store::receipt_subscriptions as q;
        let mut tx = self.begin_write().await?;
        if let Some(key) = &s.client_correlator {
            let taken: i64 = db::query_scalar(q::CORRELATOR_TAKEN)
                .bind(&s.actor)
                .bind(key)
                .fetch_one(&mut tx)
                .await?;
            if taken > 0 {
                return Ok(SubscribeOutcome::DuplicateClientCorrelator);
            }
        }
        let taken: i64 = db::query_scalar(q::SENDER_TAKEN)
            .bind(&s.actor)
            .bind(&s.sender)
            .fetch_one(&mut tx)
            .await?;
        if taken > 0 {
            return Ok(SubscribeOutcome::SenderTaken);
        }
        let inserted = db::query(&q::INSERT)
            .bind(&s.id)
            .bind(&s.actor)
            .bind(&s.sender)
            .bind(&s.endpoint)
            .bind(s.callback_data.as_deref())
            .bind(s.client_correlator.as_deref())
            .bind(s.created_at)
            .execute(&mut tx)
            .await;
        match inserted {
            Ok(_) => {}
            // A concurrent subscription of the same application got there first.
            Err(e) if crate::store::sql::is_unique_violation(&e) => {
                return Ok(SubscribeOutcome::SenderTaken);
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(SubscribeOutcome::Created)
    }

    async fn receipt_subscription(
        &self,
        actor: &str,
        id: &str,
    ) -> Result<Option<ReceiptSubscription>, StoreError> {
        Ok(
            db::query_as(&crate::store::sql::sms_store::receipt_subscriptions::BY_ID)
                .bind(actor)
                .bind(id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn receipt_subscription_for(
        &self,
        actor: &str,
        sender: &str,
    ) -> Result<Option<ReceiptSubscription>, StoreError> {
        Ok(
            db::query_as(&crate::store::sql::sms_store::receipt_subscriptions::BY_SENDER)
                .bind(actor)
                .bind(sender)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    async fn delete_receipt_subscription(&self, actor: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = db::query(crate::store::sql::sms_store::receipt_subscriptions::DELETE)
            .bind(actor)
            .bind(id)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed > 0)
    }
}
