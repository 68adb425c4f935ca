//! Short Messaging (ES 202 391-4): `sendSms` validates, encodes and queues one outbox row per
//! (address, part) before it answers with a requestIdentifier; `getSmsDeliveryStatus` reports one
//! DeliveryStatus per address from the parts' states; `getReceivedSms` hands over the messages
//! received for one of the application's numbers. The SMPP dispatcher does the sending.
//!
//! A `receiptRequest` is kept with the message; `soap::binding::sms::notify` sends
//! notifySmsDeliveryReceipt once per address when it is final.
//!
//! Not supported yet, each refused with its documented fault (`docs/faults.md`): `charging`
//! (POL0008), sendSmsLogo / sendSmsRingtone (SVC0281). Must not know: XML, JSON or PDUs.

mod notices;

use std::collections::HashSet;

use super::{Scf, ScfError, internal};
use crate::domain::Msisdn;
use crate::framework::Permit;
use crate::smpp::encoding;
use crate::store::sms::{NewPart, NewSms, PartState, PartStatus};

pub use notices::DueReceipt;

/// `sendSms` (ES 202 391-4 §8.1.1), protocol-neutral.
#[derive(Debug, Clone, Default)]
pub struct SendSmsRequest {
    /// `addresses`: `tel:` URIs (or plain numbers), at least one.
    pub addresses: Vec<String>,
    /// `senderName`: must be one of the agreement's `sms_senders`; the configured default when absent.
    pub sender_name: Option<String>,
    /// `message`.
    pub message: String,
    /// `receiptRequest`: (endpoint, correlator).
    pub receipt_request: Option<(String, String)>,
    /// `charging` present.
    pub charging: bool,
}

/// `sms:DeliveryStatus` (ES 202 391-4 §7.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Accepted by the network (the SMSC), not yet confirmed at the handset.
    DeliveredToNetwork,
    /// The network cannot say.
    DeliveryUncertain,
    /// Not delivered, and it will not be.
    DeliveryImpossible,
    /// Still queued in the gateway or on its way to the SMSC.
    MessageWaiting,
    /// At the handset; for concatenated SMS only when every part is (ES 202 391-4 §7.1.1).
    DeliveredToTerminal,
}

impl DeliveryStatus {
    /// The enumeration value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeliveredToNetwork => "DeliveredToNetwork",
            Self::DeliveryUncertain => "DeliveryUncertain",
            Self::DeliveryImpossible => "DeliveryImpossible",
            Self::MessageWaiting => "MessageWaiting",
            Self::DeliveredToTerminal => "DeliveredToTerminal",
        }
    }

    /// One address's status from its parts: any failed part fails the message, every part
    /// delivered delivers it, any part still in the gateway keeps it waiting.
    fn of(parts: &[PartStatus]) -> Self {
        let any = |s: PartStatus| parts.contains(&s);
        if any(PartStatus::Failed) {
            Self::DeliveryImpossible
        } else if parts.iter().all(|s| *s == PartStatus::Delivered) {
            Self::DeliveredToTerminal
        } else if any(PartStatus::Queued) || any(PartStatus::Sending) {
            Self::MessageWaiting
        } else if any(PartStatus::Uncertain) {
            Self::DeliveryUncertain
        } else {
            Self::DeliveredToNetwork
        }
    }
}

/// `sms:DeliveryInformation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryInformation {
    /// `tel:` URI of the address.
    pub address: String,
    /// Its status.
    pub status: DeliveryStatus,
}

/// `sms:SmsMessage`: a message a handset sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// The text.
    pub message: String,
    /// `tel:` URI of the handset.
    pub sender_address: String,
    /// `tel:` URI of the number it was sent to.
    pub activation_number: String,
    /// When it arrived, ms since the epoch.
    pub received_at_ms: i64,
}

/// Most messages one getReceivedSms returns (the rest stay for the next call).
const MAX_RECEIVED: i64 = 100;

impl Scf {
    /// `sendSms`: validates, encodes, and queues every part for every address in one
    /// transaction; answers the requestIdentifier.
    pub async fn send_sms(&self, permit: &Permit, req: &SendSmsRequest) -> Result<String, ScfError> {
        let agreement = &permit.app().agreement;
        if req.charging {
            // Not yet: charge and queue must share one transaction (DESIGN.md "SMS path").
            return Err(ScfError::ChargingNotSupported);
        }
        let notify = match &req.receipt_request {
            Some((endpoint, correlator)) => Some(self.receipt_request(permit, endpoint, correlator).await?),
            None => None,
        };
        let addresses = self.sms_addresses(&req.addresses)?;
        if addresses.len() > agreement.max_sms_addresses as usize {
            return Err(ScfError::TooManyAddresses);
        }
        let cfg = self.smpp();
        let sender = match &req.sender_name {
            Some(name) if agreement.sms_senders.iter().any(|s| s == name) => name.clone(),
            Some(name) => return Err(ScfError::SenderNotAllowed(name.clone())),
            None => cfg.default_sender.clone(),
        };
        if req.message.is_empty() {
            return Err(ScfError::invalid("message", "empty"));
        }
        let id = random_hex(16)?;
        let reference = u8::from_str_radix(&id[..2], 16).unwrap_or(0);
        let parts = encoding::encode(&req.message, cfg.max_parts as usize, reference)
            .map_err(|e| ScfError::MessageTooLong(e.max_chars))?;
        let count = i64::try_from(parts.len()).unwrap_or(i64::MAX);
        let mut rows = Vec::with_capacity(parts.len() * addresses.len());
        for address in &addresses {
            for (part_no, part) in (1..).zip(&parts) {
                rows.push(NewPart {
                    address: address.as_str().to_owned(),
                    part_no,
                    part_count: count,
                    data_coding: i64::from(part.data_coding),
                    esm_class: i64::from(part.esm_class),
                    body: part.bytes.clone(),
                });
            }
        }
        let sms = NewSms {
            request_id: id.clone(),
            actor: permit.actor(),
            sender,
            // Receipts are always asked for: getSmsDeliveryStatus needs them too.
            receipt: true,
            notify,
            parts: rows,
        };
        self.store
            .queue_sms(&sms, self.now().at_ms)
            .await
            .map_err(internal)?;
        Ok(id)
    }

    /// A receiptRequest: an http(s) URL on one of the agreement's `callback_hosts`, and a
    /// correlator this application has not used before (ES 202 391-1 SVC0005).
    async fn receipt_request(
        &self,
        permit: &Permit,
        endpoint: &str,
        correlator: &str,
    ) -> Result<(String, String), ScfError> {
        let url = reqwest::Url::parse(endpoint.trim())
            .map_err(|e| ScfError::invalid("receiptRequest.endpoint", e))?;
        let host = url.host_str().unwrap_or_default();
        let allowed = permit.app().agreement.callback_hosts.iter().any(|h| h == host);
        if !matches!(url.scheme(), "http" | "https") || !allowed {
            return Err(ScfError::invalid(
                "receiptRequest.endpoint",
                "not an allowed callback host",
            ));
        }
        if correlator.is_empty() || correlator.len() > 256 {
            return Err(ScfError::invalid(
                "receiptRequest.correlator",
                "1 to 256 characters",
            ));
        }
        let used = self
            .store
            .correlator_used(&permit.actor(), correlator)
            .await
            .map_err(internal)?;
        if used {
            return Err(ScfError::DuplicateCorrelator(correlator.to_owned()));
        }
        Ok((url.to_string(), correlator.to_owned()))
    }

    /// `getSmsDeliveryStatus`: one entry per address of the request, in the order sent.
    pub async fn get_sms_delivery_status(
        &self,
        permit: &Permit,
        request_id: &str,
    ) -> Result<Vec<DeliveryInformation>, ScfError> {
        let unknown = || ScfError::UnknownRequest(request_id.to_owned());
        let (owner, parts) = self
            .store
            .sms_request(request_id)
            .await
            .map_err(internal)?
            .ok_or_else(unknown)?;
        // Another application's request is as unknown as a made-up one.
        if owner != permit.actor() {
            return Err(unknown());
        }
        Ok(per_address(&parts))
    }

    /// `getReceivedSms`: the messages received for `registration` (one of the agreement's
    /// `sms_senders`) since the last call; each is returned once (ES 202 391-4 §8.2.1).
    pub async fn get_received_sms(
        &self,
        permit: &Permit,
        registration: &str,
    ) -> Result<Vec<SmsMessage>, ScfError> {
        let number = registration
            .trim()
            .trim_start_matches("tel:")
            .trim_start_matches('+');
        let own = permit
            .app()
            .agreement
            .sms_senders
            .iter()
            .any(|s| s.trim_start_matches('+') == number);
        if number.is_empty() || !own {
            return Err(ScfError::invalid(
                "registrationIdentifier",
                "not a number of this application",
            ));
        }
        let taken = self
            .store
            .take_received(number, MAX_RECEIVED)
            .await
            .map_err(internal)?;
        Ok(taken
            .into_iter()
            .map(|m| SmsMessage {
                message: m.message,
                sender_address: tel(&m.sender),
                activation_number: tel(&m.destination),
                received_at_ms: m.received_at_ms,
            })
            .collect())
    }

    /// Every address as E.164, duplicates dropped (first one kept). None valid: SVC0004; some
    /// invalid: SVC0002 naming the first (ES 202 391-1 §10).
    fn sms_addresses(&self, raw: &[String]) -> Result<Vec<Msisdn>, ScfError> {
        let parsed: Vec<_> = raw
            .iter()
            .map(|a| Msisdn::parse(a, &self.locale.default_country_code))
            .collect();
        if parsed.iter().all(Result::is_err) {
            return Err(ScfError::NoValidAddresses);
        }
        if let Some(i) = parsed.iter().position(Result::is_err) {
            return Err(ScfError::invalid(
                format!("addresses[{i}]"),
                "not an E.164 number",
            ));
        }
        let mut seen = HashSet::new();
        Ok(parsed
            .into_iter()
            .flatten()
            .filter(|m| seen.insert(m.as_str().to_owned()))
            .collect())
    }
}

fn per_address(parts: &[PartState]) -> Vec<DeliveryInformation> {
    let mut order: Vec<&str> = Vec::new();
    for p in parts {
        if !order.contains(&p.address.as_str()) {
            order.push(&p.address);
        }
    }
    order
        .into_iter()
        .map(|address| {
            let states: Vec<PartStatus> = parts
                .iter()
                .filter(|p| p.address == address)
                .map(|p| p.status)
                .collect();
            DeliveryInformation {
                address: format!("tel:{address}"),
                status: DeliveryStatus::of(&states),
            }
        })
        .collect()
}

/// A `tel:` URI: international numbers (more than 8 digits) get their `+`, short codes do not.
fn tel(number: &str) -> String {
    let digits = number.trim_start_matches('+');
    if digits.len() > 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("tel:+{digits}")
    } else {
        format!("tel:{digits}")
    }
}

/// `n` random bytes as lowercase hex: request identifiers are unguessable.
fn random_hex(n: usize) -> Result<String, ScfError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| ScfError::Internal(format!("no OS randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartStatus::*;

    #[test]
    fn an_address_is_delivered_only_when_every_part_is() {
        assert_eq!(
            DeliveryStatus::of(&[Delivered, Delivered]),
            DeliveryStatus::DeliveredToTerminal
        );
        assert_eq!(
            DeliveryStatus::of(&[Delivered, Submitted]),
            DeliveryStatus::DeliveredToNetwork
        );
        assert_eq!(
            DeliveryStatus::of(&[Delivered, Failed]),
            DeliveryStatus::DeliveryImpossible
        );
        assert_eq!(
            DeliveryStatus::of(&[Queued, Submitted]),
            DeliveryStatus::MessageWaiting
        );
        assert_eq!(
            DeliveryStatus::of(&[Uncertain, Delivered]),
            DeliveryStatus::DeliveryUncertain
        );
    }
}
