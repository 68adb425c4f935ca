//! The OneAPI Payment JSON shapes (parlayx-spec §5.3): `amountTransaction` and
//! `amountReservationTransaction`, requests and responses. Plain data: no I/O, no rules beyond
//! what the types say (`deny_unknown_fields` everywhere a client writes).
//!
//! Must not know: the framework, the store, or how an amount is checked.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `transactionOperationStatus` of an `amountTransaction` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub(crate) enum AmountStatus {
    /// Charge the amount (Parlay X `chargeAmount`).
    Charged,
    /// Refund the amount (Parlay X `refundAmount`); needs `originalServerReferenceCode`.
    Refunded,
    /// Answer only (202): a fraud rule holds the charge until the subscriber confirms it by SMS;
    /// the same request again answers `Charged`, or POL1022 when the subscriber declined.
    #[serde(skip_deserializing)]
    Pending,
}

/// `transactionOperationStatus` of an `amountReservationTransaction` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub(crate) enum ReservationStatus {
    /// Reserve (on the collection) or reserve more (on a reservation).
    Reserved,
    /// Charge part or all of a reservation.
    Charged,
    /// Release what a reservation still holds.
    Released,
}

/// `chargingInformation` (ES 202 391-1 §8.4 `ChargingInformation`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ChargingInformation {
    /// Billing text shown to the subscriber.
    #[serde(default)]
    pub description: String,
    /// ISO 4217 code; the account's currency when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The amount, a plain decimal (no exponent) with no more decimals than the currency has
    /// (more, even zeros, is SVC0007).
    #[serde(
        default,
        deserialize_with = "super::amount::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Decimal>,
    /// An operator charging code (tariff), used when no amount is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `chargingMetaData`: accepted and echoed, not acted on.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ChargingMetaData {
    /// Merchant the charge is on behalf of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// Purchase category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_category_code: Option<String>,
    /// `Wap`, `Web`, `SMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Tax included, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_amount: Option<String>,
    /// Service identifier.
    #[serde(default, rename = "serviceID", skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Product identifier.
    #[serde(default, rename = "productID", skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

/// `paymentAmount` as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PaymentAmountIn {
    /// What to charge.
    pub charging_information: ChargingInformation,
    /// Optional metadata.
    #[serde(default)]
    pub charging_meta_data: Option<ChargingMetaData>,
}

/// `paymentAmount` as the gateway answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentAmountOut {
    /// The request's charging information, echoed.
    pub charging_information: ChargingInformation,
    /// The request's metadata, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging_meta_data: Option<ChargingMetaData>,
    /// What was charged or refunded (charges and refunds; reservation charges).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub total_amount_charged: Option<Decimal>,
    /// What this call reserved (reservations).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub amount_reserved: Option<Decimal>,
}

/// `POST …/transactions/amount` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AmountTransactionRequest {
    /// The transaction.
    pub amount_transaction: AmountTransactionIn,
}

/// An `amountTransaction` as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AmountTransactionIn {
    /// The subscriber; when present it must equal the `{endUserId}` of the URL.
    #[serde(default)]
    pub end_user_id: Option<String>,
    /// What to charge.
    pub payment_amount: PaymentAmountIn,
    /// The application's unique reference: the idempotency key.
    pub reference_code: String,
    /// `Charged` or `Refunded`.
    pub transaction_operation_status: AmountStatus,
    /// The application's correlator, echoed.
    #[serde(default)]
    pub client_correlator: Option<String>,
    /// The `serverReferenceCode` of the charge a refund gives back (required for `Refunded`).
    #[serde(default)]
    pub original_server_reference_code: Option<String>,
}

impl super::form::FormShape for AmountTransactionRequest {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("endUserId", "amountTransaction.endUserId"),
        (
            "transactionOperationStatus",
            "amountTransaction.transactionOperationStatus",
        ),
        ("referenceCode", "amountTransaction.referenceCode"),
        ("clientCorrelator", "amountTransaction.clientCorrelator"),
        (
            "originalServerReferenceCode",
            "amountTransaction.originalServerReferenceCode",
        ),
        (
            "description",
            "amountTransaction.paymentAmount.chargingInformation.description",
        ),
        (
            "currency",
            "amountTransaction.paymentAmount.chargingInformation.currency",
        ),
        (
            "amount",
            "amountTransaction.paymentAmount.chargingInformation.amount",
        ),
        ("code", "amountTransaction.paymentAmount.chargingInformation.code"),
        (
            "onBehalfOf",
            "amountTransaction.paymentAmount.chargingMetaData.onBehalfOf",
        ),
        (
            "purchaseCategoryCode",
            "amountTransaction.paymentAmount.chargingMetaData.purchaseCategoryCode",
        ),
        (
            "channel",
            "amountTransaction.paymentAmount.chargingMetaData.channel",
        ),
        (
            "taxAmount",
            "amountTransaction.paymentAmount.chargingMetaData.taxAmount",
        ),
        (
            "serviceID",
            "amountTransaction.paymentAmount.chargingMetaData.serviceID",
        ),
        (
            "productID",
            "amountTransaction.paymentAmount.chargingMetaData.productID",
        ),
    ];
}

/// `…/transactions/amount` response body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmountTransactionResponse {
    /// The transaction as recorded.
    pub amount_transaction: AmountTransactionOut,
}

/// An `amountTransaction` as the gateway answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmountTransactionOut {
    /// The subscriber.
    pub end_user_id: String,
    /// Charging information and the amount moved.
    pub payment_amount: PaymentAmountOut,
    /// The application's reference.
    pub reference_code: String,
    /// The gateway's reference: the ledger entry.
    pub server_reference_code: String,
    /// Where the transaction lives.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
    /// `Charged` or `Refunded`.
    pub transaction_operation_status: AmountStatus,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_correlator: Option<String>,
    /// Echoed (refunds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_server_reference_code: Option<String>,
}

/// `POST …/transactions/amountReservation[/{transactionId}]` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReservationRequest {
    /// The reservation transaction.
    pub amount_reservation_transaction: ReservationIn,
}

/// An `amountReservationTransaction` as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReservationIn {
    /// The subscriber; when present it must equal the `{endUserId}` of the URL.
    #[serde(default)]
    pub end_user_id: Option<String>,
    /// What to reserve or charge; required except for `Released`.
    #[serde(default)]
    pub payment_amount: Option<PaymentAmountIn>,
    /// The application's reference; required for `Charged`.
    #[serde(default)]
    pub reference_code: Option<String>,
    /// A positive integer; 1 for the first call. Its order is not enforced.
    pub reference_sequence: i64,
    /// `Reserved`, `Charged` or `Released`.
    pub transaction_operation_status: ReservationStatus,
    /// The application's correlator, echoed.
    #[serde(default)]
    pub client_correlator: Option<String>,
}

/// `…/transactions/amountReservation` response body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReservationResponse {
    /// The reservation as it stands after the call.
    pub amount_reservation_transaction: ReservationOut,
}

/// An `amountReservationTransaction` as the gateway answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReservationOut {
    /// The subscriber, as named in the URL.
    pub end_user_id: String,
    /// The call's charging information and what it reserved or charged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_amount: Option<PaymentAmountOut>,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_code: Option<String>,
    /// Echoed.
    pub reference_sequence: i64,
    /// The reservation identifier (the `{transactionId}` of its URL).
    pub server_reference_code: String,
    /// Where the reservation lives.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
    /// What the call did.
    pub transaction_operation_status: ReservationStatus,
    /// Echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_correlator: Option<String>,
}
