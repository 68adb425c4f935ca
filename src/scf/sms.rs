//! Short Messaging (ES 202 391-4): `sendSms` validates, encodes and queues one outbox row per
//! (address, part) before it answers with a requestIdentifier; `getSmsDeliveryStatus` reports one
//! DeliveryStatus per address from the parts' states; `getReceivedSms` hands over the messages
//! received for one of the application's numbers. The SMPP dispatcher does the sending.
//!
//! A `receiptRequest` is kept with the message; `soap::binding::sms::notify` sends
//! notifySmsDeliveryReceipt once per address when it is final.
//! Without one, the application's OneAPI delivery-receipt subscription for the sender, if any,
//! is kept instead (`receipt_subscriptions`).
//!
//! A `charging` charges every address through the Payment SCF's `chargeAmount` rules (pricing,
//! the agreement's caps, the account checks), in the transaction that queues the message: a
//! refused charge queues nothing and moves no money (ES 202 391-4 §8.1.1). Only applications
//! whose agreement also grants chargeAmount may charge; others get POL0008.
//!
//! Not offered, refused with its documented fault (`docs/faults.md`): sendSmsLogo /
//! sendSmsRingtone (SVC0281). Must not know: XML, JSON or PDUs.

mod idempotency;
mod notices;
mod receipt_subscriptions;
mod reception;
mod status;

use std::collections::HashSet;

use super::payment::ChargingInformation;
use super::{Scf, ScfError, internal};
use crate::domain::Msisdn;
use crate::framework::{Operation, Permit};
use crate::smpp::encoding;
use crate::store::Movement;
use crate::store::sms::{NewPart, NewSms};

pub use idempotency::{NotifyFormat, Sent};
pub use notices::DueReceipt;
pub(super) use receipt_subscriptions::SubscriptionCache;
pub use receipt_subscriptions::{ReceiptSubscriptionInfo, StartReceiptSubscription};
pub use reception::{DueSmsReception, Received, Settle, StartSmsNotification};
use status::per_address;
pub use status::{DeliveryInformation, DeliveryStatus};

/// `sendSms` (ES 202 391-4 §8.1.1), protocol-neutral.
#[derive(Debug, Clone, Default)]
pub struct SendSmsRequest {
    /// `addresses`: `tel:` URIs (or plain numbers), at least one.
    pub addresses: Vec<String>,
    /// `senderName`: must be one of the agreement's `sms_senders`; the first of them when absent.
    pub sender_name: Option<String>,
    /// `message`.
    pub message: String,
    /// `receiptRequest`: (endpoint, correlator).
    pub receipt_request: Option<(String, String)>,
    /// `charging`: what each address is charged for the message.
    pub charging: Option<ChargingInformation>,
    /// The wire the receipt notification is written for. With [`NotifyFormat::Json`] the
    /// receiptRequest's correlator is OneAPI `callbackData`: optional and not required unique.
    pub notify_format: NotifyFormat,
    /// OneAPI `clientCorrelator`; see [`Scf::send_sms_once`].
    pub client_correlator: Option<String>,
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

impl Scf {
    /// `sendSms`: validates, encodes, and queues every part for every address in one
    /// transaction, with the charge of every address when `charging` is given; answers the
    /// requestIdentifier.
    pub async fn send_sms(&self, permit: &Permit, req: &SendSmsRequest) -> Result<String, ScfError> {
        Ok(self.send_sms_to(permit, req).await?.0)
    }

    /// [`send_sms`](Self::send_sms), also answering the addresses it queued (normalized, each
    /// once, in request order).
    pub(super) async fn send_sms_to(
        &self,
        permit: &Permit,
        req: &SendSmsRequest,
    ) -> Result<(String, Vec<Msisdn>), ScfError> {
        let agreement = &permit.app().agreement;
        if req.charging.is_some()
            && agreement
                .check(Operation::ChargeAmount, self.clock.now())
                .is_err()
        {
            // Charging is chargeAmount on the recipient's account: it needs the same grant.
            return Err(ScfError::ChargingNotSupported);
        }
        let notify = match &req.receipt_request {
            Some((endpoint, correlator)) => Some(
                self.receipt_request(permit, endpoint, correlator, req.notify_format)
                    .await?,
            ),
            None => None,
        };
        let addresses = self.sms_addresses(&req.addresses)?;
        if addresses.len() > agreement.max_sms_addresses as usize {
            return Err(ScfError::TooManyAddresses);
        }
        // A number that texted an opt-out keyword gets no application's messages.
        if let Some(out) = self.opted_out(&addresses) {
            return Err(ScfError::PrivacyRefused(out.tel_uri()));
        }
        let cfg = self.smpp();
        let sender = agreed_sender(permit, req.sender_name.as_deref())?;
        if req.message.is_empty() {
            return Err(ScfError::invalid("message", "empty"));
        }
        let id = crate::crypto::random_hex::<16>();
        let reference = u8::from_str_radix(&id[..2], 16).unwrap_or(0);
        let parts = encoding::encode(&req.message, cfg.max_parts as usize, reference)
            .map_err(|e| ScfError::MessageTooLong(e.max_chars))?;
        // Without its own receiptRequest, the application's subscription for the sender applies.
        let (notify, notify_format) = self
            .receipt_notify(permit, &sender, notify, req.notify_format)
            .await?;
        let sms = NewSms {
            request_id: id.clone(),
            actor: permit.actor(),
            sender,
            // Receipts are always asked for: getSmsDeliveryStatus needs them too.
            receipt: true,
            notify,
            notify_format: notify_format.as_str(),
            client_correlator: req
                .client_correlator
                .clone()
                .map(|c| (c, idempotency::fingerprint(req))),
            parts: outbox_rows(&addresses, &parts),
        };
        self.queue_sms(permit, req, &sms, &addresses).await?;
        Ok((id, addresses))
    }

    /// Queues an accepted message; with `charging`, together with the charge of every address.
    async fn queue_sms(
        &self,
        permit: &Permit,
        req: &SendSmsRequest,
        sms: &NewSms,
        addresses: &[Msisdn],
    ) -> Result<(), ScfError> {
        match &req.charging {
            None => self.outbox.queue(sms, self.now().at_ms).await,
            Some(charge) => {
                let now = self.now();
                let charges = self
                    .sms_charges(permit, charge, addresses, &sms.request_id)
                    .await?;
                self.store.queue_charged_sms(sms, &charges, &now).await
            }
        }
        .map_err(|e| match e {
            crate::store::StoreError::AlreadyExists => {
                ScfError::DuplicateClientCorrelator(req.client_correlator.clone().unwrap_or_default())
            }
            other => internal(other),
        })
    }

    /// One chargeAmount movement per address, priced and capped by the Payment SCF. The
    /// reference code `sms:<requestIdentifier>:<address>` is unique per application, so each
    /// address of each message is charged once.
    async fn sms_charges(
        &self,
        permit: &Permit,
        charge: &ChargingInformation,
        addresses: &[Msisdn],
        request_id: &str,
    ) -> Result<Vec<Movement>, ScfError> {
        let mut charges = Vec::with_capacity(addresses.len());
        for address in addresses {
            let reference = format!("sms:{request_id}:{}", address.as_str());
            charges.push(
                self.amount_charge(permit, address.as_str(), charge, &reference)
                    .await?,
            );
        }
        Ok(charges)
    }

    /// A receiptRequest: an http(s) URL on one of the agreement's `callback_hosts`, and a
    /// correlator this application has not used before (ES 202 391-1 SVC0005).
    async fn receipt_request(
        &self,
        permit: &Permit,
        endpoint: &str,
        correlator: &str,
        format: NotifyFormat,
    ) -> Result<(String, String), ScfError> {
        if matches!(format, NotifyFormat::Kannel | NotifyFormat::Jasmin) {
            // Kannel's and Jasmin's dlr-url (Kannel's a template, its escapes filled in per
            // report); the correlator is the binding's own data.
            let url = callback_endpoint(permit, endpoint, "dlr-url")?;
            return Ok((url.to_string(), correlator.to_owned()));
        }
        let url = callback_endpoint(permit, endpoint, "receiptRequest.endpoint")?;
        if format == NotifyFormat::Json {
            // OneAPI callbackData: opaque to the gateway, echoed in every notification.
            if correlator.len() > 256 {
                return Err(ScfError::invalid(
                    "receiptRequest.callbackData",
                    "at most 256 characters",
                ));
            }
            return Ok((url.to_string(), correlator.to_owned()));
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

    /// Every address as E.164, duplicates dropped (first one kept). None valid: SVC0004; some
    /// invalid: SVC0002 naming the first (ES 202 391-1 §10).
    pub(super) fn sms_addresses(&self, raw: &[String]) -> Result<Vec<Msisdn>, ScfError> {
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

/// The sender a message goes out from: `name` when it is one of the agreement's `sms_senders`;
/// without a name, the agreement's first sender. Anything else is POL0001: an application never
/// sends from a name the operator did not give it (not even the gateway's own).
pub(super) fn agreed_sender(permit: &Permit, name: Option<&str>) -> Result<String, ScfError> {
    let senders = &permit.app().agreement.sms_senders;
    match name {
        Some(name) if senders.iter().any(|s| s == name) => Ok(name.to_owned()),
        Some(name) => Err(ScfError::SenderNotAllowed(name.to_owned())),
        None => senders
            .first()
            .cloned()
            .ok_or_else(|| ScfError::SenderNotAllowed(String::new())),
    }
}

/// An application's notification endpoint: an http(s) URL on one of its agreement's
/// `callback_hosts` (host and port), and, when the host is an address, one the agreement lets
/// callbacks reach (else SVC0002 naming `field`). Every callback endpoint an application gives
/// (receiptRequest, startSmsNotification reference, startAccountNotification) is checked here;
/// the sender checks again, against the agreement of the day and the addresses a name resolves to.
pub(crate) fn callback_endpoint(permit: &Permit, endpoint: &str, field: &str) -> Result<url::Url, ScfError> {
    let url = url::Url::parse(endpoint.trim()).map_err(|e| ScfError::invalid(field, e))?;
    let agreement = &permit.app().agreement;
    if !agreement.allows_callback(&url) {
        return Err(ScfError::invalid(field, "not an allowed callback host and port"));
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        _ => None,
    };
    if literal.is_some_and(|ip| !agreement.may_reach(ip)) {
        return Err(ScfError::invalid(
            field,
            "an internal address outside the agreement's callback_networks",
        ));
    }
    Ok(url)
}

/// Every part for every address, in sending order.
fn outbox_rows(addresses: &[Msisdn], parts: &[encoding::Part]) -> Vec<NewPart> {
    let count = i64::try_from(parts.len()).unwrap_or(i64::MAX);
    let mut rows = Vec::with_capacity(parts.len() * addresses.len());
    for address in addresses {
        for (part_no, part) in (1..).zip(parts) {
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
    rows
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
