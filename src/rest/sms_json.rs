//! The OneAPI SMS JSON shapes (parlayx-spec §5.2): `outboundSMSMessageRequest`,
//! `deliveryInfoList`, `deliveryInfoNotification`, `inboundSMSMessageList`, requests and
//! responses. Plain data: no I/O, no rules beyond what the types say (`deny_unknown_fields`
//! everywhere a client writes).
//!
//! Must not know: the framework, the store, or how a message is checked.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::payment_json::ChargingInformation;

/// `address`: a list of `tel:` URIs, or (as some operators accept) a single one.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum Addresses {
    /// `["tel:+…", …]`
    Many(Vec<String>),
    /// `"tel:+…"`
    One(String),
}

impl Addresses {
    /// Every address, in order.
    pub(crate) fn into_vec(self) -> Vec<String> {
        match self {
            Self::Many(all) => all,
            Self::One(one) => vec![one],
        }
    }
}

/// `outboundSMSTextMessage`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TextMessage {
    /// The text.
    pub message: String,
}

/// `receiptRequest` / `callbackReference`: where notifications go.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CallbackReference {
    /// The application's endpoint (an http(s) URL on one of the agreement's callback hosts).
    #[serde(rename = "notifyURL")]
    pub notify_url: String,
    /// Echoed in every notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
}

/// `POST …/outbound/{senderAddress}/requests` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OutboundRequest {
    /// The message to send.
    #[serde(rename = "outboundSMSMessageRequest")]
    pub outbound_sms_message_request: OutboundIn,
}

impl super::form::FormShape for OutboundRequest {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("address", "outboundSMSMessageRequest.address[]"),
        ("senderAddress", "outboundSMSMessageRequest.senderAddress"),
        ("senderName", "outboundSMSMessageRequest.senderName"),
        (
            "message",
            "outboundSMSMessageRequest.outboundSMSTextMessage.message",
        ),
        ("clientCorrelator", "outboundSMSMessageRequest.clientCorrelator"),
        ("notifyURL", "outboundSMSMessageRequest.receiptRequest.notifyURL"),
        (
            "callbackData",
            "outboundSMSMessageRequest.receiptRequest.callbackData",
        ),
    ];
}

/// An `outboundSMSMessageRequest` as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OutboundIn {
    /// Recipients, `tel:` URIs.
    pub address: Addresses,
    /// The sender; must equal the `{senderAddress}` of the URL.
    pub sender_address: String,
    /// An alphanumeric sender to show instead; must be one of the agreement's senders.
    #[serde(default)]
    pub sender_name: Option<String>,
    /// The text.
    #[serde(rename = "outboundSMSTextMessage")]
    pub outbound_sms_text_message: TextMessage,
    /// The application's idempotency key: a retry with the same key and content is answered
    /// with the first request.
    #[serde(default)]
    pub client_correlator: Option<String>,
    /// Where a `deliveryInfoNotification` goes for each address once it is final.
    #[serde(default)]
    pub receipt_request: Option<CallbackReference>,
    /// What each recipient is charged for the message.
    #[serde(default)]
    pub charging: Option<ChargingInformation>,
}

/// The answer about one send request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutboundResponse {
    /// The request as accepted, with where it lives and its delivery state.
    #[serde(rename = "outboundSMSMessageRequest")]
    pub outbound_sms_message_request: OutboundOut,
    /// Where the request lives (GSMA OneAPI v1 shape).
    pub resource_reference: ResourceReference,
}

/// An `outboundSMSMessageRequest` as the gateway answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutboundOut {
    /// Recipients.
    pub address: Vec<String>,
    /// The sender.
    pub sender_address: String,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// Echoed on the answer to a send; absent when the request is read back (the gateway keeps
    /// only the encoded parts).
    #[serde(rename = "outboundSMSTextMessage", skip_serializing_if = "Option::is_none")]
    pub outbound_sms_text_message: Option<TextMessage>,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_correlator: Option<String>,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_request: Option<CallbackReference>,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging: Option<ChargingInformation>,
    /// Where the request lives.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
    /// Each address and its state.
    pub delivery_info_list: DeliveryInfoList,
}

/// `resourceReference`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceReference {
    /// The resource created.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
}

/// `GET …/requests/{requestId}/deliveryInfos` response body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryInfoListResponse {
    /// Each address and its state.
    pub delivery_info_list: DeliveryInfoList,
}

/// `deliveryInfoList`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryInfoList {
    /// One per address, in the order sent.
    pub delivery_info: Vec<DeliveryInfo>,
    /// Where the list lives.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
}

/// `deliveryInfo`: one address and its Parlay X DeliveryStatus.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryInfo {
    /// `tel:` URI.
    pub address: String,
    /// `DeliveredToTerminal`, `DeliveryImpossible`, `MessageWaiting`, …
    pub delivery_status: String,
}

/// The body POSTed to a `receiptRequest.notifyURL`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryInfoNotificationBody {
    /// The notification.
    pub delivery_info_notification: DeliveryInfoNotification,
}

/// `deliveryInfoNotification`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryInfoNotification {
    /// The request's `receiptRequest.callbackData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    /// The address and its final state.
    pub delivery_info: DeliveryInfo,
}

/// `GET /inbound/registrations/{registrationId}/messages` response body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundListResponse {
    /// The messages taken.
    #[serde(rename = "inboundSMSMessageList")]
    pub inbound_sms_message_list: InboundList,
}

/// `inboundSMSMessageList`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundList {
    /// The messages, oldest first; each is returned once.
    #[serde(rename = "inboundSMSMessage")]
    pub inbound_sms_message: Vec<InboundMessage>,
    /// How many are in this batch.
    pub number_of_messages_in_this_batch: usize,
    /// Where the list lives.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
    /// Messages still waiting after this batch: not counted by the gateway, always 0 (call
    /// again until a batch is empty).
    pub total_number_of_pending_messages: usize,
}

/// `inboundSMSMessage`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundMessage {
    /// When it arrived, RFC 3339.
    pub date_time: String,
    /// The number it was sent to, `tel:` URI.
    pub destination_address: String,
    /// The gateway's identifier for the message, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The text.
    pub message: String,
    /// The handset, `tel:` URI.
    pub sender_address: String,
}

/// `POST /inbound/subscriptions` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SubscriptionRequest {
    /// The subscription.
    pub subscription: SubscriptionIn,
}

/// An inbound `subscription` as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SubscriptionIn {
    /// Where `inboundSMSMessageNotification`s go, and the callbackData they echo.
    pub callback_reference: CallbackReference,
    /// The short code (`tel:1588`) the application holds a registration for.
    pub destination_address: String,
    /// One of its keywords there; absent for all its messages on the number.
    #[serde(default)]
    pub criteria: Option<String>,
    /// Only `JSON` is offered.
    #[serde(default)]
    pub notification_format: Option<String>,
    /// The application's key for the subscription; it becomes the subscription's identifier
    /// (unique per application: reusing it is SVC0005).
    #[serde(default)]
    pub client_correlator: Option<String>,
}

/// The answer to a subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionResponse {
    /// The subscription as created.
    pub subscription: SubscriptionOut,
    /// Where it lives (GSMA OneAPI v1 shape).
    pub resource_reference: ResourceReference,
}

/// An inbound `subscription` as the gateway answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionOut {
    /// Echoed.
    pub callback_reference: CallbackReference,
    /// Echoed.
    pub destination_address: String,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria: Option<String>,
    /// `JSON`.
    pub notification_format: String,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_correlator: Option<String>,
    /// Where the subscription lives (DELETE it to stop).
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
}

/// The body POSTed to a subscription's `notifyURL`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundNotificationBody {
    /// The notification.
    #[serde(rename = "inboundSMSMessageNotification")]
    pub inbound_sms_message_notification: InboundNotification,
}

/// `inboundSMSMessageNotification`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InboundNotification {
    /// The subscription's `callbackReference.callbackData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    /// The message.
    #[serde(rename = "inboundSMSMessage")]
    pub inbound_sms_message: InboundMessage,
}
