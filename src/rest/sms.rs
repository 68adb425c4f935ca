//! The SMS resources of OneAPI (parlayx-spec §5.2): one handler per resource, each decoding its
//! `sms_json` body, asking the framework for a [`Permit`] for the Parlay X operation it is,
//! calling the `scf::sms` function of that operation, and writing the answer.
//!
//! | resource | operation |
//! |---|---|
//! | `POST /smsmessaging/outbound/{senderAddress}/requests` | `sendSms` (with `clientCorrelator`: [`Scf::send_sms_once`]) |
//! | `GET …/requests/{requestId}` and `…/deliveryInfos` | `getSmsDeliveryStatus` |
//! | `GET /smsmessaging/inbound/registrations/{registrationId}/messages` | `getReceivedSms` |
//! | `POST /smsmessaging/inbound/subscriptions` | `startSmsNotification` ([`subscriptions`]) |
//! | `DELETE /smsmessaging/inbound/subscriptions/{subscriptionId}` | `stopSmsNotification` |
//! | `POST /smsmessaging/outbound/{senderAddress}/subscriptions`, `GET …/{subscriptionId}` | `startSmsNotification` ([`receipt_subscriptions`]) |
//! | `DELETE /smsmessaging/outbound/{senderAddress}/subscriptions/{subscriptionId}` | `stopSmsNotification` |
//!
//! Delivery-receipt and inbound-message notifications are written by [`notify`].
//!
//! Must not know: the store, or how errors look on the wire (that is [`super::error`]).

pub(super) mod inbound;
pub(crate) mod notify;
pub(super) mod receipt_subscriptions;
pub(super) mod subscriptions;

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::{RequestError, RestError};
use super::payment_json::ChargingInformation;
use super::sms_json::{
    DeliveryInfo, DeliveryInfoList, DeliveryInfoListResponse, OutboundIn, OutboundOut, OutboundRequest,
    OutboundResponse, ResourceReference,
};
use super::{BASE, Caller, Reply, encode, json};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::sms::{DeliveryInformation, NotifyFormat, SendSmsRequest};
use crate::scf::{Scf, ScfError};

/// The JSON member every send refusal is named under.
const ROOT: &str = "outboundSMSMessageRequest";

/// Sends a text message to up to the agreement's `max_sms_addresses` recipients. 201 with the
/// request; 200 with the first request when `clientCorrelator` was used before with the same
/// content.
#[utoipa::path(
    post,
    path = "/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests",
    tag = "sms",
    params(("senderAddress" = String, Path, description = "The sender, e.g. `tel:1588` (URL-encoded)")),
    request_body = OutboundRequest,
    responses(
        (status = 201, description = "Queued", body = OutboundResponse),
        (status = 200, description = "A retry: the first request, nothing queued now", body = OutboundResponse),
        (status = 400, description = "Invalid input (SVC0002, SVC0004, SVC0280)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Refused by a policy (POL0001 sender, POL0003 addresses, POL…)", body = RequestError),
        (status = 409, description = "clientCorrelator used for another request (SVC0005)", body = RequestError),
        (status = 429, description = "Request rate exceeded (POL1100)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn send_sms(
    State(state): State<Gateway>,
    Path(sender): Path<String>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    let body: OutboundRequest = match json::body_or_form(request).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let message = body.outbound_sms_message_request;
    caller
        .serve(&state, Operation::SendSms, async |p| {
            send(state.scf(), p, &sender, message).await
        })
        .await
}

/// `sendSms` and the `outboundSMSMessageRequest` that answers it.
async fn send(scf: &Scf, p: &Permit, sender: &str, m: OutboundIn) -> Result<Reply, RestError> {
    if m.sender_address != sender {
        let part = format!("{ROOT}.senderAddress");
        return Err(ScfError::invalid(part, "differs from the senderAddress of the URL").into());
    }
    let request = SendSmsRequest {
        addresses: m.address.clone().into_vec(),
        // An alphanumeric senderName replaces the number; either must be an agreed sender.
        sender_name: Some(m.sender_name.clone().unwrap_or_else(|| number(sender))),
        message: m.outbound_sms_text_message.message.clone(),
        receipt_request: m
            .receipt_request
            .as_ref()
            .map(|r| (r.notify_url.clone(), r.callback_data.clone().unwrap_or_default())),
        charging: m.charging.as_ref().map(charging),
        notify_format: NotifyFormat::Json,
        client_correlator: m.client_correlator.clone(),
    };
    let sent = scf.send_sms_once(p, &request).await.map_err(json_part)?;
    let mut body = outbound(sender, &sent.request_id, sent.delivery);
    // The request as the application sent it, beside what the gateway made of it.
    let out = &mut body.outbound_sms_message_request;
    out.sender_name = m.sender_name;
    out.outbound_sms_text_message = Some(m.outbound_sms_text_message);
    out.client_correlator = m.client_correlator;
    out.receipt_request = m.receipt_request;
    out.charging = m.charging;
    // A retried request is answered with the first one (200); a new one is created (201).
    let code = if sent.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let url = body.resource_reference.resource_url.clone();
    Ok(Reply::plain(
        (code, [(header::LOCATION, url)], Json(body)).into_response(),
    ))
}

/// The `outboundSMSMessageRequest` resource of request `id` from `sender`: its recipients, their
/// states and its URL, without the fields only the creating request carries.
fn outbound(sender: &str, id: &str, status: Vec<DeliveryInformation>) -> OutboundResponse {
    let url = request_url(sender, id);
    OutboundResponse {
        outbound_sms_message_request: OutboundOut {
            address: status.iter().map(|d| d.address.clone()).collect(),
            sender_address: sender.to_owned(),
            sender_name: None,
            outbound_sms_text_message: None,
            client_correlator: None,
            receipt_request: None,
            charging: None,
            resource_url: url.clone(),
            delivery_info_list: info_list(&url, status),
        },
        resource_reference: ResourceReference { resource_url: url },
    }
}

/// Reads back a send request of this application: its recipients and their states.
#[utoipa::path(
    get,
    path = "/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests/{requestId}",
    tag = "sms",
    params(
        ("senderAddress" = String, Path, description = "The sender (URL-encoded)"),
        ("requestId" = String, Path, description = "The request's identifier"),
    ),
    responses(
        (status = 200, description = "The request", body = OutboundResponse),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such request of this application", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn get_request(
    State(state): State<Gateway>,
    Path((sender, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    caller
        .serve(&state, Operation::GetSmsDeliveryStatus, async |permit| {
            let status = delivery_status(state.scf(), permit, &id).await?;
            Ok(Reply::plain(Json(outbound(&sender, &id, status)).into_response()))
        })
        .await
}

/// The state of each recipient of a send request of this application (Parlay X
/// `getSmsDeliveryStatus`).
#[utoipa::path(
    get,
    path = "/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests/{requestId}/deliveryInfos",
    tag = "sms",
    params(
        ("senderAddress" = String, Path, description = "The sender (URL-encoded)"),
        ("requestId" = String, Path, description = "The request's identifier"),
    ),
    responses(
        (status = 200, description = "One deliveryInfo per address", body = DeliveryInfoListResponse),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such request of this application", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn delivery_infos(
    State(state): State<Gateway>,
    Path((sender, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    caller
        .serve(&state, Operation::GetSmsDeliveryStatus, async |permit| {
            let status = delivery_status(state.scf(), permit, &id).await?;
            let list = info_list(&request_url(&sender, &id), status);
            let body = Json(DeliveryInfoListResponse {
                delivery_info_list: list,
            });
            Ok(Reply::plain(body.into_response()))
        })
        .await
}

/// `getSmsDeliveryStatus`; a request that is not this application's is no resource at all.
async fn delivery_status(scf: &Scf, p: &Permit, id: &str) -> Result<Vec<DeliveryInformation>, RestError> {
    match scf.get_sms_delivery_status(p, id).await {
        Err(ScfError::UnknownRequest(_)) => Err(RestError::NotFound),
        other => other.map_err(json_part),
    }
}

fn info_list(request_url: &str, status: Vec<DeliveryInformation>) -> DeliveryInfoList {
    DeliveryInfoList {
        delivery_info: status
            .into_iter()
            .map(|d| DeliveryInfo {
                address: d.address,
                delivery_status: d.status.as_str().to_owned(),
            })
            .collect(),
        resource_url: format!("{request_url}/deliveryInfos"),
    }
}

/// `/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests/{requestId}`, URL-encoded.
fn request_url(sender: &str, id: &str) -> String {
    format!(
        "{BASE}/smsmessaging/outbound/{}/requests/{}",
        encode(sender),
        encode(id)
    )
}

/// The agreement's sender a `tel:` URI names: `tel:1588` → `1588`.
pub(super) fn number(address: &str) -> String {
    address.trim().trim_start_matches("tel:").to_owned()
}

/// The scf's charging information from the wire's.
fn charging(c: &ChargingInformation) -> crate::scf::payment::ChargingInformation {
    crate::scf::payment::ChargingInformation {
        description: c.description.clone(),
        currency: c.currency.clone(),
        amount: c.amount,
        code: c.code.clone(),
    }
}

/// The scf names message parts as Parlay X does; name the JSON members instead.
fn json_part(e: ScfError) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } => {
            let part = if let Some(i) = part.strip_prefix("addresses") {
                format!("{ROOT}.address{i}")
            } else {
                match part.as_str() {
                    "message" => format!("{ROOT}.outboundSMSTextMessage.message"),
                    "receiptRequest.endpoint" => format!("{ROOT}.receiptRequest.notifyURL"),
                    "receiptRequest.callbackData" | "clientCorrelator" => format!("{ROOT}.{part}"),
                    p if p.starts_with("charge") => format!("{ROOT}.charging"),
                    _ => part,
                }
            };
            ScfError::InvalidInput { part, reason }.into()
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_parts_name_the_json() {
        assert_eq!(
            request_url("tel:1588", "ab12"),
            "/oneapi/v1/smsmessaging/outbound/tel%3A1588/requests/ab12"
        );
        assert_eq!(number("tel:1588"), "1588");
        let renamed = |part: &str| match json_part(ScfError::invalid(part, "x")) {
            RestError::Scf(ScfError::InvalidInput { part, .. }) => part,
            other => panic!("{other:?}"),
        };
        assert_eq!(renamed("addresses[1]"), "outboundSMSMessageRequest.address[1]");
        assert_eq!(
            renamed("receiptRequest.endpoint"),
            "outboundSMSMessageRequest.receiptRequest.notifyURL"
        );
        assert_eq!(renamed("other"), "other");
    }
}
