//! A send that may be retried: OneAPI `clientCorrelator` (parlayx-spec §5.2). The first request
//! with a correlator is queued with it (in the transaction that queues the message); a retry with
//! the same correlator and the same content is answered with the first requestIdentifier and
//! queues nothing; the same correlator with other content is SVC0005 (parlayx-spec §5.4: 409).
//!
//! Also which wire a delivery-receipt notification is written for ([`NotifyFormat`]), kept with
//! the message so each binding's notifier takes only its own.

use super::{DeliveryInformation, DeliveryStatus, SendSmsRequest};
use crate::domain::Msisdn;
use crate::framework::Permit;
use crate::scf::{Scf, ScfError, internal};

/// The wire a delivery-receipt notification is written for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NotifyFormat {
    /// Parlay X notifySmsDeliveryReceipt (SOAP).
    #[default]
    Soap,
    /// OneAPI deliveryInfoNotification (JSON).
    Json,
    /// Kannel's delivery report: a `GET` of the request's `dlr-url` (`compat::kannel`).
    Kannel,
    /// Jasmin's level-2 delivery report to the request's `dlr-url` (`compat::jasmin`).
    Jasmin,
}

impl NotifyFormat {
    /// The value of the `notify_format` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Soap => "soap",
            Self::Json => "json",
            Self::Kannel => "kannel",
            Self::Jasmin => "jasmin",
        }
    }
}

/// An accepted send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The requestIdentifier.
    pub request_id: String,
    /// True when this was a retry answered with the first request: nothing was queued now.
    pub replayed: bool,
    /// The status of every address: MessageWaiting for a request queued now (read from the
    /// store only for a retry, whose first request may have gone further).
    pub delivery: Vec<DeliveryInformation>,
}

impl Sent {
    fn queued(request_id: String, addresses: &[Msisdn]) -> Self {
        let delivery = addresses
            .iter()
            .map(|a| DeliveryInformation {
                address: format!("tel:{}", a.as_str()),
                status: DeliveryStatus::MessageWaiting,
            })
            .collect();
        Self {
            request_id,
            replayed: false,
            delivery,
        }
    }
}

/// Longest clientCorrelator kept.
const MAX_CORRELATOR: usize = 256;

impl Scf {
    /// `sendSms` that may carry a `clientCorrelator`: every rule of [`Scf::send_sms`], plus the
    /// retry rule above. Without a correlator it is `send_sms`.
    pub async fn send_sms_once(&self, permit: &Permit, req: &SendSmsRequest) -> Result<Sent, ScfError> {
        let Some(key) = req.client_correlator.as_deref() else {
            let (request_id, addresses) = self.send_sms_to(permit, req).await?;
            return Ok(Sent::queued(request_id, &addresses));
        };
        if key.is_empty() || key.len() > MAX_CORRELATOR {
            return Err(ScfError::invalid("clientCorrelator", "1 to 256 characters"));
        }
        let print = fingerprint(req);
        if let Some(first) = self.first_send(permit, key, &print).await? {
            return Ok(first);
        }
        match self.send_sms_to(permit, req).await {
            Ok((request_id, addresses)) => Ok(Sent::queued(request_id, &addresses)),
            // A concurrent retry queued it first: answer as a retry of that one.
            Err(ScfError::DuplicateClientCorrelator(_)) => self
                .first_send(permit, key, &print)
                .await?
                .ok_or_else(|| ScfError::DuplicateClientCorrelator(key.to_owned())),
            Err(e) => Err(e),
        }
    }

    /// The first send with `key`, when it had the same content; SVC0005 when it had another.
    async fn first_send(&self, permit: &Permit, key: &str, print: &str) -> Result<Option<Sent>, ScfError> {
        let found = self
            .store
            .sms_client_correlator(&permit.actor(), key)
            .await
            .map_err(internal)?;
        match found {
            None => Ok(None),
            Some((kept, request_id)) if kept == print => {
                let delivery = self.get_sms_delivery_status(permit, &request_id).await?;
                Ok(Some(Sent {
                    request_id,
                    replayed: true,
                    delivery,
                }))
            }
            Some(_) => Err(ScfError::DuplicateClientCorrelator(key.to_owned())),
        }
    }
}

/// What makes two sends "the same request": every field the application chose.
pub(super) fn fingerprint(req: &SendSmsRequest) -> String {
    let charging = req.charging.as_ref().map(|c| {
        (
            c.description.as_str(),
            c.currency.as_deref(),
            c.amount.map(|a| a.normalize().to_string()),
            c.code.as_deref(),
        )
    });
    let canonical = serde_json::json!([
        req.addresses,
        req.sender_name,
        req.message,
        req.receipt_request,
        charging,
        req.notify_format.as_str(),
    ]);
    crate::crypto::hex(&crate::crypto::sha256(canonical.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_covers_every_chosen_field() {
        let base = SendSmsRequest {
            addresses: vec!["tel:+821012345678".to_owned()],
            message: "hi".to_owned(),
            ..SendSmsRequest::default()
        };
        let other_text = SendSmsRequest {
            message: "ho".to_owned(),
            ..base.clone()
        };
        let other_format = SendSmsRequest {
            notify_format: NotifyFormat::Json,
            ..base.clone()
        };
        // The correlator itself is the key, not part of the content.
        let same = SendSmsRequest {
            client_correlator: Some("c".to_owned()),
            ..base.clone()
        };
        assert_eq!(fingerprint(&base), fingerprint(&same));
        assert_ne!(fingerprint(&base), fingerprint(&other_text));
        assert_ne!(fingerprint(&base), fingerprint(&other_format));
    }
}
