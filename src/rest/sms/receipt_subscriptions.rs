//! Delivery-receipt subscriptions over OneAPI (parlayx-spec §5.2):
//! `POST /smsmessaging/outbound/{senderAddress}/subscriptions` starts one for a sender,
//! `GET …/subscriptions/{subscriptionId}` reads it back, `DELETE` ends it (204). While it is held,
//! every message the application sends from that sender without its own `receiptRequest` (over
//! REST or SOAP) gets a `deliveryInfoNotification` per address with the subscription's
//! `callbackData` (`scf::sms::receipt_subscriptions`; written by [`super::notify`]).
//!
//! Authorized as `SmsNotificationManager.startSmsNotification` (create, read) and
//! `stopSmsNotification` (delete): the interface Parlay X places notification subscriptions in.
//! Identifiers are generated (`dr-…`); `clientCorrelator` is the application's own key, unique per
//! application. `filterCriteria` is refused (SVC0002 naming it): the gateway gives it no meaning.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::error::{RequestError, RestError};
use super::super::sms_json::CallbackReference;
use super::super::{BASE, Caller, Reply, encode, json};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::sms::{ReceiptSubscriptionInfo, StartReceiptSubscription};
use crate::scf::{Scf, ScfError};

/// The JSON member every refusal is named under.
const ROOT: &str = "deliveryReceiptSubscription";

/// `POST …/outbound/{senderAddress}/subscriptions` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReceiptSubscriptionRequest {
    /// The subscription to create.
    pub(crate) delivery_receipt_subscription: ReceiptSubscriptionIn,
}

/// A `deliveryReceiptSubscription` as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReceiptSubscriptionIn {
    /// Where each `deliveryInfoNotification` goes, and the `callbackData` it carries.
    pub(crate) callback_reference: CallbackReference,
    /// Not offered: a request carrying it is refused (SVC0002) rather than served unfiltered.
    #[serde(default)]
    pub(crate) filter_criteria: Option<String>,
    /// The application's key for the subscription, unique per application (SVC0005).
    #[serde(default)]
    pub(crate) client_correlator: Option<String>,
}

/// The answer about one subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReceiptSubscriptionResponse {
    /// The subscription, with where it lives.
    pub(crate) delivery_receipt_subscription: ReceiptSubscriptionOut,
}

/// A `deliveryReceiptSubscription` as the gateway answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReceiptSubscriptionOut {
    /// Where notifications go.
    pub(crate) callback_reference: CallbackReference,
    /// The application's key, if it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_correlator: Option<String>,
    /// Where the subscription lives.
    #[serde(rename = "resourceURL")]
    pub(crate) resource_url: String,
}

/// Starts notifying the delivery of every message sent from `senderAddress` without a
/// receiptRequest.
#[utoipa::path(
    post,
    path = "/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions",
    tag = "sms",
    params(("senderAddress" = String, Path, description = "The sender, e.g. `tel:1588` (URL-encoded)")),
    request_body = ReceiptSubscriptionRequest,
    responses(
        (status = 201, description = "Subscribed", body = ReceiptSubscriptionResponse),
        (status = 400, description = "Invalid input (SVC0002), or the sender already has a subscription (SVC0008)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Not one of the agreement's senders (POL0001)", body = RequestError),
        (status = 409, description = "clientCorrelator already used (SVC0005)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn subscribe(
    State(state): State<Gateway>,
    Path(sender): Path<String>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    let body: ReceiptSubscriptionRequest = match json::body(request).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    caller
        .serve(&state, Operation::StartSmsNotification, async |permit| {
            start(state.scf(), permit, &sender, body.delivery_receipt_subscription).await
        })
        .await
}

async fn start(scf: &Scf, p: &Permit, sender: &str, s: ReceiptSubscriptionIn) -> Result<Reply, RestError> {
    if s.filter_criteria.is_some() {
        let part = format!("{ROOT}.filterCriteria");
        return Err(ScfError::invalid(
            part,
            "not offered: a subscription covers every message of its sender",
        )
        .into());
    }
    let request = StartReceiptSubscription {
        sender: sender.to_owned(),
        endpoint: s.callback_reference.notify_url.clone(),
        callback_data: s.callback_reference.callback_data.clone(),
        client_correlator: s.client_correlator.clone(),
    };
    let started = scf
        .start_receipt_subscription(p, &request)
        .await
        .map_err(json_part)?;
    let body = response(sender, started);
    let url = body.delivery_receipt_subscription.resource_url.clone();
    let response = (StatusCode::CREATED, [(header::LOCATION, url)], Json(body)).into_response();
    Ok(Reply::plain(response))
}

/// Reads back a subscription of this application.
#[utoipa::path(
    get,
    path = "/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions/{subscriptionId}",
    tag = "sms",
    params(
        ("senderAddress" = String, Path, description = "The sender (URL-encoded)"),
        ("subscriptionId" = String, Path, description = "The subscription's identifier"),
    ),
    responses(
        (status = 200, description = "The subscription", body = ReceiptSubscriptionResponse),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such subscription of this application for this sender", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn get_subscription(
    State(state): State<Gateway>,
    Path((sender, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    caller
        .serve(&state, Operation::StartSmsNotification, async |permit| {
            let found = own(state.scf(), permit, &sender, &id).await?;
            Ok(Reply::plain(Json(response(&sender, found)).into_response()))
        })
        .await
}

/// Ends a subscription of this application; 204. Another application's is not found.
#[utoipa::path(
    delete,
    path = "/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions/{subscriptionId}",
    tag = "sms",
    params(
        ("senderAddress" = String, Path, description = "The sender (URL-encoded)"),
        ("subscriptionId" = String, Path, description = "The subscription's identifier"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such subscription of this application for this sender", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn unsubscribe(
    State(state): State<Gateway>,
    Path((sender, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    caller
        .serve(&state, Operation::StopSmsNotification, async |permit| {
            own(state.scf(), permit, &sender, &id).await?;
            if !state.scf().stop_receipt_subscription(permit, &id).await? {
                // Ended meanwhile by another request.
                return Err(RestError::NotFound);
            }
            Ok(Reply::plain(StatusCode::NO_CONTENT.into_response()))
        })
        .await
}

/// The application's subscription `id` for the sender of the URL; anything else is no resource.
async fn own(scf: &Scf, p: &Permit, sender: &str, id: &str) -> Result<ReceiptSubscriptionInfo, RestError> {
    match scf.receipt_subscription(p, id).await? {
        Some(s) if s.sender == sender.trim().trim_start_matches("tel:") => Ok(s),
        _ => Err(RestError::NotFound),
    }
}

fn response(sender: &str, s: ReceiptSubscriptionInfo) -> ReceiptSubscriptionResponse {
    ReceiptSubscriptionResponse {
        delivery_receipt_subscription: ReceiptSubscriptionOut {
            callback_reference: CallbackReference {
                notify_url: s.endpoint,
                callback_data: s.callback_data,
            },
            client_correlator: s.client_correlator,
            resource_url: subscription_url(sender, &s.id),
        },
    }
}

/// `/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions/{subscriptionId}`, URL-encoded.
fn subscription_url(sender: &str, id: &str) -> String {
    format!(
        "{BASE}/smsmessaging/outbound/{}/subscriptions/{}",
        encode(sender),
        encode(id)
    )
}

/// The scf names the parts under the subscription; name them from the JSON root.
fn json_part(e: ScfError) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } => ScfError::InvalidInput {
            part: format!("{ROOT}.{part}"),
            reason,
        }
        .into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_sender_and_id() {
        assert_eq!(
            subscription_url("tel:1588", "dr-ab"),
            "/oneapi/v1/smsmessaging/outbound/tel%3A1588/subscriptions/dr-ab"
        );
        let renamed = match json_part(ScfError::invalid("callbackReference.notifyURL", "x")) {
            RestError::Scf(ScfError::InvalidInput { part, .. }) => part,
            other => panic!("{other:?}"),
        };
        assert_eq!(renamed, "deliveryReceiptSubscription.callbackReference.notifyURL");
    }
}
