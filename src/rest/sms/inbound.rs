//! Inbound SMS over OneAPI (parlayx-spec §5.2): polling a registration's messages. Each message
//! is returned once and removed, as Parlay X `getReceivedSms` does (ES 202 391-4 §8.2.1).

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::super::error::{RequestError, RestError};
use super::super::sms_json::{InboundList, InboundListResponse, InboundMessage};
use super::super::{BASE, Caller, Reply, encode};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::http::ReportedBody;
use crate::scf::sms::SmsMessage;
use crate::scf::{Scf, ScfError};

/// Takes the messages received for a registration of this application since the last call.
#[utoipa::path(
    get,
    path = "/oneapi/v1/smsmessaging/inbound/registrations/{registrationId}/messages",
    tag = "sms",
    params(("registrationId" = String, Path, description = "The registration (URL-encoded)")),
    responses(
        (status = 200, description = "The messages, each returned once", body = InboundListResponse),
        (status = 400, description = "Not a registration of this application (SVC0002)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn inbound_messages(
    State(state): State<Gateway>,
    Path(registration): Path<String>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    caller
        .serve(&state, Operation::GetReceivedSms, async |permit| {
            take(state.scf(), permit, &registration).await
        })
        .await
}

async fn take(scf: &Scf, p: &Permit, registration: &str) -> Result<Reply, RestError> {
    let received = scf.get_received_sms(p, registration).await.map_err(|e| match e {
        ScfError::InvalidInput { reason, .. } => ScfError::InvalidInput {
            part: "registrationId".to_owned(),
            reason,
        },
        other => other,
    })?;
    let url = format!(
        "{BASE}/smsmessaging/inbound/registrations/{}/messages",
        encode(registration)
    );
    let messages: Vec<InboundMessage> = received.messages.into_iter().map(inbound_message).collect();
    let list = InboundListResponse {
        inbound_sms_message_list: InboundList {
            number_of_messages_in_this_batch: messages.len(),
            inbound_sms_message: messages,
            resource_url: url,
            total_number_of_pending_messages: 0,
        },
    };
    // The messages leave the inbox only once this answer has been handed over in full.
    let settle = received.settle;
    let body = ReportedBody::new(
        serde_json::to_vec(&list).map_err(|e| ScfError::Internal(e.to_string()))?,
        Box::new(move |written| settle.written(written)),
    );
    let response = ([(header::CONTENT_TYPE, "application/json")], Body::new(body));
    Ok(Reply::plain(response.into_response()))
}

/// An `inboundSMSMessage` from the scf's `SmsMessage`.
pub(super) fn inbound_message(m: SmsMessage) -> InboundMessage {
    InboundMessage {
        date_time: chrono::DateTime::from_timestamp_millis(m.received_at_ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        destination_address: m.activation_number,
        message_id: None,
        message: m.message,
        sender_address: m.sender_address,
    }
}
