//! Inbound SMS subscriptions over OneAPI (parlayx-spec §5.2): `POST /inbound/subscriptions` is
//! Parlay X `startSmsNotification` with JSON notifications, `DELETE …/{subscriptionId}` is
//! `stopSmsNotification`.
//!
//! The subscription's identifier (its URL's last segment) is the Parlay X correlator: the
//! `clientCorrelator` when the application gives one, else a generated `sub-…`. The application's
//! `callbackData` is kept beside it and echoed in every notification.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::error::{RequestError, RestError};
use super::super::sms_json::{
    ResourceReference, SubscriptionIn, SubscriptionOut, SubscriptionRequest, SubscriptionResponse,
};
use super::super::{BASE, Caller, Reply, encode, json};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::sms::{NotifyFormat, StartSmsNotification};
use crate::scf::{Scf, ScfError};

const ROOT: &str = "subscription";
/// Longest callbackData kept.
const MAX_CALLBACK_DATA: usize = 1024;

/// Starts pushing the messages of a registration's short code (and keyword) to `notifyURL`.
#[utoipa::path(
    post,
    path = "/oneapi/v1/smsmessaging/inbound/subscriptions",
    tag = "sms",
    request_body = SubscriptionRequest,
    responses(
        (status = 201, description = "Subscribed", body = SubscriptionResponse),
        (status = 400, description = "Invalid input (SVC0002, SVC0008 overlapping criteria)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Refused by a policy", body = RequestError),
        (status = 409, description = "clientCorrelator already used (SVC0005)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn subscribe(State(state): State<Gateway>, request: Request) -> Response {
    let caller = Caller::of(&request);
    let body: SubscriptionRequest = match json::body(request).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    caller
        .serve(&state, Operation::StartSmsNotification, async |permit| {
            start(state.scf(), permit, body.subscription).await
        })
        .await
}

async fn start(scf: &Scf, p: &Permit, s: SubscriptionIn) -> Result<Reply, RestError> {
    let format = s.notification_format.as_deref().unwrap_or("JSON");
    if !format.eq_ignore_ascii_case("JSON") {
        let part = format!("{ROOT}.notificationFormat");
        return Err(ScfError::invalid(part, "only JSON is offered").into());
    }
    let correlator = match &s.client_correlator {
        Some(c) => c.clone(),
        None => generated_key(),
    };
    let callback_data = s.callback_reference.callback_data.clone();
    if callback_data
        .as_ref()
        .is_some_and(|d| d.len() > MAX_CALLBACK_DATA)
    {
        let part = format!("{ROOT}.callbackReference.callbackData");
        return Err(ScfError::invalid(part, format!("at most {MAX_CALLBACK_DATA} bytes")).into());
    }
    let request = StartSmsNotification {
        endpoint: s.callback_reference.notify_url.clone(),
        correlator: correlator.clone(),
        activation_number: s.destination_address.clone(),
        criteria: s.criteria.clone(),
        format: NotifyFormat::Json,
        callback_data: callback_data.filter(|d| !d.is_empty()),
    };
    scf.start_sms_notification(p, &request).await.map_err(json_part)?;
    let url = subscription_url(&correlator);
    let out = SubscriptionOut {
        callback_reference: s.callback_reference,
        destination_address: s.destination_address,
        criteria: s.criteria,
        notification_format: "JSON".to_owned(),
        client_correlator: s.client_correlator,
        resource_url: url.clone(),
    };
    let body = Json(SubscriptionResponse {
        subscription: out,
        resource_reference: ResourceReference {
            resource_url: url.clone(),
        },
    });
    let response = (StatusCode::CREATED, [(header::LOCATION, url)], body).into_response();
    Ok(Reply::plain(response))
}

/// Stops a subscription of this application; 204. Another application's is not found.
#[utoipa::path(
    delete,
    path = "/oneapi/v1/smsmessaging/inbound/subscriptions/{subscriptionId}",
    tag = "sms",
    params(("subscriptionId" = String, Path, description = "The subscription's identifier (URL-encoded)")),
    responses(
        (status = 204, description = "Stopped"),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such subscription of this application", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn unsubscribe(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    caller
        .serve(&state, Operation::StopSmsNotification, async |permit| match state
            .scf()
            .stop_sms_notification(permit, &id)
            .await
        {
            Ok(()) => Ok(Reply::plain(StatusCode::NO_CONTENT.into_response())),
            Err(ScfError::InvalidInput { .. }) => Err(RestError::NotFound),
            Err(e) => Err(e.into()),
        })
        .await
}

fn subscription_url(id: &str) -> String {
    format!("{BASE}/smsmessaging/inbound/subscriptions/{}", encode(id))
}

/// `sub-` and 16 random hex digits.
fn generated_key() -> String {
    format!("sub-{}", crate::crypto::random_hex::<8>())
}

/// The scf names Parlay X message parts; name the JSON members instead.
fn json_part(e: ScfError) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } => {
            let part = match part.as_str() {
                "reference.endpoint" => format!("{ROOT}.callbackReference.notifyURL"),
                "reference.correlator" => format!("{ROOT}.clientCorrelator"),
                "smsServiceActivationNumber" => format!("{ROOT}.destinationAddress"),
                "criteria" => format!("{ROOT}.criteria"),
                _ => part,
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
    fn the_identifier_is_encoded_in_the_url() {
        assert_eq!(
            subscription_url("sub-1#x y"),
            "/oneapi/v1/smsmessaging/inbound/subscriptions/sub-1%23x%20y"
        );
    }
}
