//! Delivery-receipt subscriptions (OneAPI `/smsmessaging/outbound/{senderAddress}/subscriptions`,
//! parlayx-spec §5.2): while an application holds one for a sender, every message it sends from
//! that sender without its own receiptRequest is queued with the subscription's endpoint and
//! callbackData, in the JSON format, so each address's `deliveryInfoNotification` takes the
//! durable path of a per-message receiptRequest ([`Scf::receipt_notify`]). The look-up per
//! (application, sender) is kept for [`KEEP`]: through this gateway a started or stopped
//! subscription applies from the next send (it clears what was kept); through another gateway on
//! the same database, at most [`KEEP`] later.
//!
//! Rules: the sender is one of the agreement's `sms_senders` (POL0001), the endpoint passes
//! [`callback_endpoint`], a clientCorrelator is unique per application (SVC0005), one
//! subscription per (application, sender) (SVC0008), and another application's subscription is as
//! unknown as a made-up one. Must not know: JSON or XML.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{NotifyFormat, agreed_sender, callback_endpoint};
use crate::crypto::random_hex;
use crate::framework::Permit;
use crate::scf::{Scf, ScfError, internal};
use crate::store::sms::receipt_subscriptions::{ReceiptSubscription, SubscribeOutcome};

/// Longest callbackData or clientCorrelator kept.
const MAX_TEXT: usize = 256;

/// How long a subscription look-up is kept (see the module's documentation).
const KEEP: Duration = Duration::from_secs(1);

/// Where a subscription sends notifications: endpoint and callbackData.
type Target = Option<(String, String)>;

/// The subscription look-ups of the last [`KEEP`], by (application, sender). Its size is bounded by
/// the agreements' senders: a sender is checked against the agreement before it is looked up.
#[derive(Debug, Default)]
pub(in crate::scf) struct SubscriptionCache(Mutex<Kept>);

#[derive(Debug, Default)]
struct Kept {
    /// Counts the changes through this gateway: a look-up that raced one is not kept.
    epoch: u64,
    targets: HashMap<(String, String), (Instant, Target)>,
}

impl SubscriptionCache {
    /// What was kept, or the epoch to [`put`](Self::put) a fresh look-up with.
    fn get(&self, actor: &str, sender: &str) -> Result<Target, u64> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match kept.targets.get(&(actor.to_owned(), sender.to_owned())) {
            Some((at, target)) if at.elapsed() < KEEP => Ok(target.clone()),
            _ => Err(kept.epoch),
        }
    }

    /// Keeps a look-up made at `epoch`, unless a subscription changed since.
    fn put(&self, actor: &str, sender: &str, target: Target, epoch: u64) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.epoch == epoch {
            let key = (actor.to_owned(), sender.to_owned());
            kept.targets.insert(key, (Instant::now(), target));
        }
    }

    /// Forgets every look-up of `actor`: one of its subscriptions changed.
    fn forget(&self, actor: &str) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.epoch += 1;
        kept.targets.retain(|(a, _), _| a != actor);
    }
}

/// A delivery-receipt subscription to create, protocol-neutral.
#[derive(Debug, Clone, Default)]
pub struct StartReceiptSubscription {
    /// The sender the application sends from (an agreement's sender, `tel:` prefix allowed).
    pub sender: String,
    /// Where notifications go.
    pub endpoint: String,
    /// Echoed in every notification.
    pub callback_data: Option<String>,
    /// The application's key, unique per application.
    pub client_correlator: Option<String>,
}

/// A subscription of the calling application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSubscriptionInfo {
    /// Its identifier.
    pub id: String,
    /// The agreement's sender it covers (`1588`).
    pub sender: String,
    /// Where notifications go.
    pub endpoint: String,
    /// Echoed in every notification.
    pub callback_data: Option<String>,
    /// The application's key, if it gave one.
    pub client_correlator: Option<String>,
}

impl From<ReceiptSubscription> for ReceiptSubscriptionInfo {
    fn from(s: ReceiptSubscription) -> Self {
        Self {
            id: s.id,
            sender: s.sender,
            endpoint: s.endpoint,
            callback_data: s.callback_data,
            client_correlator: s.client_correlator,
        }
    }
}

impl Scf {
    /// Records a delivery-receipt subscription; answers it with its identifier.
    pub async fn start_receipt_subscription(
        &self,
        permit: &Permit,
        req: &StartReceiptSubscription,
    ) -> Result<ReceiptSubscriptionInfo, ScfError> {
        let sender = agreed_sender(permit, Some(&sender_name(&req.sender)))?;
        let endpoint = callback_endpoint(permit, &req.endpoint, "callbackReference.notifyURL")?;
        if req.callback_data.as_ref().is_some_and(|d| d.len() > MAX_TEXT) {
            return Err(ScfError::invalid(
                "callbackReference.callbackData",
                "at most 256 characters",
            ));
        }
        let bad_key = |k: &String| k.is_empty() || k.len() > MAX_TEXT;
        if req.client_correlator.as_ref().is_some_and(bad_key) {
            return Err(ScfError::invalid("clientCorrelator", "1 to 256 characters"));
        }
        let subscription = ReceiptSubscription {
            id: format!("dr-{}", random_hex::<8>()),
            actor: permit.actor(),
            sender,
            endpoint: endpoint.to_string(),
            callback_data: req.callback_data.clone().filter(|d| !d.is_empty()),
            client_correlator: req.client_correlator.clone(),
            created_at: self.now().at_ms,
        };
        let outcome = self
            .store
            .create_receipt_subscription(&subscription)
            .await
            .map_err(internal)?;
        self.receipt_subscriptions.forget(&subscription.actor);
        match outcome {
            SubscribeOutcome::Created => Ok(subscription.into()),
            SubscribeOutcome::DuplicateClientCorrelator => Err(ScfError::DuplicateClientCorrelator(
                req.client_correlator.clone().unwrap_or_default(),
            )),
            SubscribeOutcome::SenderTaken => Err(ScfError::OverlappingCriteria),
        }
    }

    /// The application's subscription `id`; `None` when it has none with this id.
    pub async fn receipt_subscription(
        &self,
        permit: &Permit,
        id: &str,
    ) -> Result<Option<ReceiptSubscriptionInfo>, ScfError> {
        let found = self
            .store
            .receipt_subscription(&permit.actor(), id)
            .await
            .map_err(internal)?;
        Ok(found.map(Into::into))
    }

    /// Removes the application's subscription `id`; `false` when it had none with this id.
    pub async fn stop_receipt_subscription(&self, permit: &Permit, id: &str) -> Result<bool, ScfError> {
        let actor = permit.actor();
        let stopped = self
            .store
            .delete_receipt_subscription(&actor, id)
            .await
            .map_err(internal)?;
        self.receipt_subscriptions.forget(&actor);
        Ok(stopped)
    }

    /// Where a message's delivery notifications go: its own receiptRequest (`requested`, in the
    /// request's format) when it has one, else the application's subscription for `sender`
    /// (JSON, correlator = callbackData), else nowhere.
    pub(super) async fn receipt_notify(
        &self,
        permit: &Permit,
        sender: &str,
        requested: Option<(String, String)>,
        format: NotifyFormat,
    ) -> Result<(Option<(String, String)>, NotifyFormat), ScfError> {
        if requested.is_some() {
            return Ok((requested, format));
        }
        let actor = permit.actor();
        let target = match self.receipt_subscriptions.get(&actor, sender) {
            Ok(kept) => kept,
            Err(epoch) => {
                let found = self
                    .store
                    .receipt_subscription_for(&actor, sender)
                    .await
                    .map_err(internal)?
                    .map(|s| (s.endpoint, s.callback_data.unwrap_or_default()));
                self.receipt_subscriptions
                    .put(&actor, sender, found.clone(), epoch);
                found
            }
        };
        Ok(match target {
            Some(target) => (Some(target), NotifyFormat::Json),
            None => (None, format),
        })
    }
}

/// The agreement's sender a `tel:` URI names: `tel:1588` → `1588`.
fn sender_name(address: &str) -> String {
    address.trim().trim_start_matches("tel:").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_look_up_that_raced_a_change_is_not_kept() {
        let cache = SubscriptionCache::default();
        let target = Some(("http://app/dr".to_owned(), String::new()));
        let Err(epoch) = cache.get("app:shop", "1588") else {
            panic!("nothing kept yet");
        };
        cache.put("app:shop", "1588", None, epoch);
        assert_eq!(cache.get("app:shop", "1588"), Ok(None));
        // Read before a subscription started, written after: dropped, so the next send looks again.
        let Err(stale) = cache.get("app:quiz", "1588") else {
            panic!("nothing kept for quiz");
        };
        cache.forget("app:shop");
        cache.put("app:quiz", "1588", None, stale);
        assert!(cache.get("app:quiz", "1588").is_err());
        assert!(cache.get("app:shop", "1588").is_err(), "forgotten");
        let Err(fresh) = cache.get("app:shop", "1588") else {
            panic!("forgotten");
        };
        cache.put("app:shop", "1588", target.clone(), fresh);
        assert_eq!(cache.get("app:shop", "1588"), Ok(target));
    }

    #[test]
    fn a_tel_uri_names_the_agreed_sender() {
        assert_eq!(sender_name("tel:1588"), "1588");
        assert_eq!(sender_name(" PXSHOP "), "PXSHOP");
    }
}
