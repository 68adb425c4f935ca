//! Receiving SMS (ES 202 391-4 §8.2, §8.4): routing complete messages to registrations, which
//! registration identifiers an application may name, its startSmsNotification /
//! stopSmsNotification subscriptions, and which received messages are due to be pushed to a
//! subscription's endpoint (notifySmsReception over SOAP, an inbound notification over JSON).
//!
//! Protocol-neutral: the bindings decode and encode; a binding's notifier asks
//! [`Scf::due_sms_receptions`] for its own format, writes each message for its wire and gives it
//! back through [`Scf::hand_over_sms_reception`], which queues the callback and removes the message
//! in one transaction. Must not know: XML, JSON or PDUs.
//!
//! getReceivedSms leases the messages it answers ([`Received`]): they leave the inbox when the
//! binding reports the answer written in full ([`Settle`]), and are answered again otherwise.

use std::sync::Arc;

use super::{NotifyFormat, SmsMessage, callback_endpoint, tel};
use crate::framework::Permit;
use crate::scf::{Scf, ScfError, internal};
use crate::store::Store;
use crate::store::callbacks::NewCallback;
use crate::store::sms::routing::{NewSmsNotification, Registration, StartOutcome};
use crate::store::sms::{InboxLease, ReceivedSms};

/// Messages routed per pass.
const ROUTE_BATCH: i64 = 200;
/// Longest correlator and keyword kept.
const MAX_CORRELATOR: usize = 256;
/// Most messages one getReceivedSms returns (the rest stay for the next call).
const MAX_RECEIVED: i64 = 100;
/// How long a lease holds messages whose answer was never settled (a gateway that stopped while
/// writing it): after that they are answered again.
const LEASE_MS: i64 = 60_000;

/// The messages one getReceivedSms answers, leased in the inbox until [`Settle`] says whether the
/// answer carrying them was written.
pub struct Received {
    /// The messages, oldest first.
    pub messages: Vec<SmsMessage>,
    /// Settles their lease.
    pub settle: Settle,
}

/// Ends a getReceivedSms lease: [`Settle::written`] once the answer was handed over in full, the
/// messages leave the inbox; dropped without it, they are free for the next call.
#[must_use = "dropped, the messages are answered again"]
pub struct Settle(Option<Lease>);

struct Lease {
    store: Arc<dyn Store>,
    id: String,
}

impl Settle {
    /// The answer was `written` in full (`true`), or not.
    pub fn written(mut self, written: bool) {
        if let Some(lease) = self.0.take() {
            lease.end(written);
        }
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        if let Some(lease) = self.0.take() {
            lease.end(false);
        }
    }
}

impl Lease {
    /// Settles in the background: the caller is a response body being polled, or a drop. Without
    /// a runtime (shutting down) the lease runs out by itself.
    fn end(self, delivered: bool) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = self.store.settle_received(&self.id, delivered).await {
                tracing::warn!(error = %e, delivered, "received SMS lease not settled; it runs out by itself");
            }
        });
    }
}

/// `startSmsNotification` (ES 202 391-4 §8.4.1), protocol-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartSmsNotification {
    /// `reference.endpoint`: where the notifications go.
    pub endpoint: String,
    /// `reference.correlator`: echoed in every notification, unique per application.
    pub correlator: String,
    /// `smsServiceActivationNumber`: a short code the application holds a registration for.
    pub activation_number: String,
    /// `criteria`: one of its keywords on that number; `None` or empty for all its messages there.
    pub criteria: Option<String>,
    /// The wire the notifications are written for.
    pub format: NotifyFormat,
    /// OneAPI `callbackData`: echoed in every notification (not an identifier).
    pub callback_data: Option<String>,
}

/// A received message due to a subscription's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSmsReception {
    /// The stored message; give it back to [`Scf::hand_over_sms_reception`].
    pub message_id: i64,
    /// The application (`app:<id>`).
    pub actor: String,
    /// The subscription's correlator.
    pub correlator: String,
    /// The subscription's callbackData, if any.
    pub callback_data: Option<String>,
    /// The subscription's endpoint.
    pub endpoint: String,
    /// What to tell it.
    pub message: SmsMessage,
}

impl Scf {
    /// Routes the messages whose parts have all arrived (or, for a concatenated message, that
    /// waited `[smpp] mo_reassembly_secs` for the rest) to their registrations; a message no
    /// registration takes is kept for the operator (`GET /admin/v1/sms/unrouted`), logged once
    /// and counted. Answers how many were routed.
    pub async fn route_received_sms(&self) -> Result<usize, ScfError> {
        let waited = i64::try_from(self.smpp().mo_reassembly_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let incomplete_before = self.now().at_ms.saturating_sub(waited);
        let routed = self
            .store
            .route_received(ROUTE_BATCH, incomplete_before)
            .await
            .map_err(internal)?;
        for m in &routed {
            let outcome = if m.registration_id.is_some() {
                "routed"
            } else {
                tracing::warn!(
                    destination = %m.destination,
                    message_id = m.message_id,
                    "a received SMS matches no registration; kept for the operator"
                );
                "unrouted"
            };
            metrics::counter!("pxgate_sms_received_total", "outcome" => outcome).increment(1);
        }
        Ok(routed.len())
    }

    /// The registration `raw` names when it is one of this application's (else SVC0002 naming
    /// registrationIdentifier: another application's is as unknown as a made-up one).
    pub(super) async fn own_registration(&self, permit: &Permit, raw: &str) -> Result<String, ScfError> {
        let id = raw.trim();
        let registration = if id.is_empty() {
            None
        } else {
            self.store.registration(id).await.map_err(internal)?
        };
        match registration {
            Some(r) if r.app_id.as_deref() == Some(permit.app().id.as_str()) => Ok(r.id),
            _ => Err(ScfError::invalid(
                "registrationIdentifier",
                "not a registration of this application",
            )),
        }
    }

    /// `getReceivedSms`: the messages routed to `registration` (one of this application's
    /// registrations) since the last call, except those a startSmsNotification pushes; each is
    /// returned once (ES 202 391-4 §8.2.1): leased until the answer is settled.
    pub async fn get_received_sms(&self, permit: &Permit, registration: &str) -> Result<Received, ScfError> {
        let id = self.own_registration(permit, registration).await?;
        self.route_received_sms().await?;
        let lease = self.inbox_lease();
        let taken = self
            .store
            .lease_received(&id, MAX_RECEIVED, &lease)
            .await
            .map_err(internal)?;
        let settle = Settle((!taken.is_empty()).then(|| Lease {
            store: self.store.clone(),
            id: lease.id,
        }));
        Ok(Received {
            messages: taken.into_iter().map(sms_message).collect(),
            settle,
        })
    }

    fn inbox_lease(&self) -> InboxLease {
        let now_ms = self.now().at_ms;
        InboxLease {
            id: crate::crypto::random_hex::<16>(),
            now_ms,
            until_ms: now_ms + LEASE_MS,
        }
    }

    /// Creates the gateway's own registration `id` (no application) of `keyword` on `short_code`
    /// unless it is there; a keyword another registration holds is logged, and its messages go
    /// there.
    pub(in crate::scf) async fn register_gateway_keyword(&self, id: &str, short_code: &str, keyword: &str) {
        use crate::store::sms::routing::{Registration, RegistrationConflict};
        let registration = Registration {
            id: id.to_owned(),
            app_id: None,
            short_code: short_code.trim_start_matches('+').to_owned(),
            keyword: keyword.to_uppercase(),
            created_at_ms: self.now().at_ms,
        };
        match self.store.create_registration(&registration).await {
            Ok(Ok(()) | Err(RegistrationConflict::IdTaken)) => {}
            Ok(Err(RegistrationConflict::NumberTaken(other))) => tracing::error!(
                registration = %other, keyword = %registration.keyword,
                "a keyword the gateway answers itself belongs to another registration"
            ),
            Err(e) => {
                tracing::warn!(error = %e, keyword = %registration.keyword, "a gateway keyword could not be registered")
            }
        }
    }

    /// Removes and answers up to `limit` messages routed to a registration the gateway handles
    /// itself (no application); SVC0002 for an application's or unknown registration.
    pub async fn take_gateway_sms(
        &self,
        registration_id: &str,
        limit: i64,
    ) -> Result<Vec<ReceivedSms>, ScfError> {
        let registration = self.store.registration(registration_id).await.map_err(internal)?;
        if registration.is_none_or(|r| r.app_id.is_some()) {
            return Err(ScfError::invalid(
                "registrationIdentifier",
                "not a gateway registration",
            ));
        }
        self.route_received_sms().await?;
        let lease = self.inbox_lease();
        let taken = self
            .store
            .lease_received(registration_id, limit, &lease)
            .await
            .map_err(internal)?;
        if !taken.is_empty() {
            self.store
                .settle_received(&lease.id, true)
                .await
                .map_err(internal)?;
        }
        Ok(taken)
    }

    /// `startSmsNotification`: from now on the messages routed to this application's
    /// registrations for the number (and keyword criteria) are pushed to the endpoint instead of
    /// kept for getReceivedSms.
    pub async fn start_sms_notification(
        &self,
        permit: &Permit,
        req: &StartSmsNotification,
    ) -> Result<(), ScfError> {
        let endpoint = callback_endpoint(permit, &req.endpoint, "reference.endpoint")?;
        if req.correlator.trim().is_empty() || req.correlator.len() > MAX_CORRELATOR {
            return Err(ScfError::invalid("reference.correlator", "1 to 256 characters"));
        }
        let (number, criteria) = self.subscribable(permit, req).await?;
        let new = NewSmsNotification {
            actor: permit.actor(),
            correlator: req.correlator.clone(),
            endpoint: endpoint.to_string(),
            activation_number: number,
            criteria,
            format: req.format.as_str().to_owned(),
            callback_data: req.callback_data.clone(),
        };
        let outcome = self
            .store
            .start_sms_notification(&new, self.now().at_ms)
            .await
            .map_err(internal)?;
        match outcome {
            StartOutcome::Started => Ok(()),
            StartOutcome::DuplicateCorrelator => {
                Err(ScfError::DuplicateNotificationCorrelator(req.correlator.clone()))
            }
            StartOutcome::Overlapping => Err(ScfError::OverlappingCriteria),
        }
    }

    /// The (short code, uppercase criteria) of a subscription request: the number must be one
    /// the application holds a registration for, the criteria one of its keywords there.
    async fn subscribable(
        &self,
        permit: &Permit,
        req: &StartSmsNotification,
    ) -> Result<(String, String), ScfError> {
        let number = short_code(&req.activation_number)
            .ok_or_else(|| ScfError::invalid("smsServiceActivationNumber", "not a short code"))?;
        let held: Vec<Registration> = self
            .store
            .registrations(Some(&permit.app().id))
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|r| r.short_code == number)
            .collect();
        if held.is_empty() {
            return Err(ScfError::invalid(
                "smsServiceActivationNumber",
                "no registration of this application",
            ));
        }
        let criteria = req.criteria.as_deref().unwrap_or_default().trim().to_uppercase();
        if !criteria.is_empty() && !held.iter().any(|r| r.keyword == criteria) {
            return Err(ScfError::invalid(
                "criteria",
                "not a keyword of this application's registrations",
            ));
        }
        Ok((number, criteria))
    }

    /// `stopSmsNotification`: ends the subscription with this correlator (SVC0002 naming
    /// correlator when the application has none). Messages routed afterwards are kept for
    /// getReceivedSms again.
    pub async fn stop_sms_notification(&self, permit: &Permit, correlator: &str) -> Result<(), ScfError> {
        let stopped = self
            .store
            .stop_sms_notification(&permit.actor(), correlator)
            .await
            .map_err(internal)?;
        if stopped {
            Ok(())
        } else {
            Err(ScfError::invalid(
                "correlator",
                "no notification with this correlator",
            ))
        }
    }

    /// Up to `limit` received messages due to a subscription of `format`, routing what arrived
    /// first.
    pub async fn due_sms_receptions(
        &self,
        format: NotifyFormat,
        limit: i64,
    ) -> Result<Vec<DueSmsReception>, ScfError> {
        self.route_received_sms().await?;
        let due = self
            .store
            .due_receptions(format.as_str(), limit)
            .await
            .map_err(internal)?;
        Ok(due
            .into_iter()
            .map(|d| DueSmsReception {
                message_id: d.message_id,
                actor: d.actor,
                correlator: d.correlator,
                callback_data: d.callback_data,
                endpoint: d.endpoint,
                message: sms_message(d.sms),
            })
            .collect())
    }

    /// Queues `callback`, the wire form of `reception`, and removes the message from the inbox,
    /// in one transaction; `false` when getReceivedSms took it first (nothing queued).
    pub async fn hand_over_sms_reception(
        &self,
        reception: &DueSmsReception,
        callback: &NewCallback,
    ) -> Result<bool, ScfError> {
        self.store
            .hand_over_reception(reception.message_id, callback, self.now().at_ms)
            .await
            .map_err(internal)
    }
}

/// A stored message as `sms:SmsMessage` values.
fn sms_message(m: ReceivedSms) -> SmsMessage {
    SmsMessage {
        message: m.message,
        sender_address: tel(&m.sender),
        activation_number: tel(&m.destination),
        received_at_ms: m.received_at_ms,
    }
}

/// The digits of a short code given as `tel:1588`, `short:1588`, `+1588` or `1588`.
fn short_code(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s
        .strip_prefix("tel:")
        .or_else(|| s.strip_prefix("short:"))
        .unwrap_or(s)
        .trim_start_matches('+');
    let ok = !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_numbers_are_short_code_digits() {
        assert_eq!(short_code("tel:1588").as_deref(), Some("1588"));
        assert_eq!(short_code(" short:1588 ").as_deref(), Some("1588"));
        assert_eq!(short_code("1588").as_deref(), Some("1588"));
        assert_eq!(short_code("tel:15-88"), None);
        assert_eq!(short_code(""), None);
    }
}
