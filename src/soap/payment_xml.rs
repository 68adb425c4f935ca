//! Payload shapes of the Parlay X 2.1 Payment interfaces (ES 202 391-6 V1.2.1), as serde structs.
//!
//! Owns: the request element of every Payment operation and the writers of their responses. Field and
//! element names follow the WSDLs in `wsdl/` exactly; `parlayx-spec.md` §3 lists them.
//!
//! Must not know: whether a charge is allowed, what currency an account has, or how a reservation is
//! stored. Values arrive as the client wrote them (trimmed); checks such as "amount or code must be
//! present" (SVC0007) belong to `scf/payment`.
//!
//! AmountCharging and ReserveAmountCharging are checked against the reference WSDLs; the VolumeCharging
//! and ReserveVolumeCharging shapes are derived from the operation tables of ES 202 391-6 as reproduced
//! in `parlayx-spec.md` §3.3 and §3.5 (no original WSDL for them could be found).

#[cfg(test)]
mod tests;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::xml::{ResponseWriter, decimal, empty_as_none};
use super::{
    AMOUNT_CHARGING_NS, RESERVE_AMOUNT_CHARGING_NS, RESERVE_VOLUME_CHARGING_NS, SoapVersion,
    VOLUME_CHARGING_NS,
};

/// `common:ChargingInformation` (ES 202 391-1 §8.4); children unqualified.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargingInformation {
    /// Billing text shown to the subscriber. Mandatory in the schema; may be empty text.
    #[serde(default)]
    pub description: String,
    /// ISO 4217 currency code, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub currency: Option<String>,
    /// Amount, optional (a `code` may stand for it).
    #[serde(default, deserialize_with = "decimal::optional")]
    pub amount: Option<Decimal>,
    /// Charging code referring to an operator contract, optional.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub code: Option<String>,
}

/// `payment:Property` (name/value pair passed as `parameters` to volume operations); unqualified.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub(crate) struct Property {
    /// Parameter name.
    pub name: String,
    /// Parameter value.
    #[serde(default)]
    pub value: String,
}

/// `amount_charging:chargeAmount`; the same shape is `refundAmount` ([`RefundAmount`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeAmount {
    /// `xsd:anyURI` of the subscriber (`tel:+…`).
    pub end_user_identifier: String,
    /// What to charge.
    pub charge: ChargingInformation,
    /// Application's unique reference for the request (idempotency and disputes).
    pub reference_code: String,
}

/// `amount_charging:refundAmount`.
pub(crate) type RefundAmount = ChargeAmount;

/// `volume_charging:chargeVolume`; the same shape is `refundVolume` ([`RefundVolume`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeVolume {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// `xsd:long` volume, in units the operator's rating knows.
    pub volume: i64,
    /// Billing text shown to the subscriber.
    #[serde(default)]
    pub billing_text: String,
    /// Rating parameters, `[0..unbounded]`.
    #[serde(default, rename = "parameters")]
    pub parameters: Vec<Property>,
    /// Application's unique reference for the request.
    pub reference_code: String,
}

/// `volume_charging:refundVolume`.
pub(crate) type RefundVolume = ChargeVolume;

/// `getAmount` of VolumeCharging and ReserveVolumeCharging: price a volume without charging.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetAmount {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// `xsd:long` volume.
    pub volume: i64,
    /// Rating parameters, `[0..unbounded]`.
    #[serde(default)]
    pub parameters: Vec<Property>,
}

/// `reserve_amount_charging:reserveAmount`; response `result` is the reservation identifier.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReserveAmount {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// What to reserve.
    pub charge: ChargingInformation,
}

/// `reserve_amount_charging:reserveAdditionalAmount`: adds to (or, negative, subtracts from) a
/// reservation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReserveAdditionalAmount {
    /// Identifier returned by `reserveAmount`.
    pub reservation_identifier: String,
    /// The additional amount.
    pub charge: ChargingInformation,
}

/// `reserve_amount_charging:chargeReservation`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeAmountReservation {
    /// Identifier returned by `reserveAmount`.
    pub reservation_identifier: String,
    /// The amount to charge from the reservation.
    pub charge: ChargingInformation,
    /// Application's unique reference for the request.
    pub reference_code: String,
}

/// `releaseReservation` of both reservation interfaces.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReleaseReservation {
    /// Identifier returned by `reserveAmount` / `reserveVolume`.
    pub reservation_identifier: String,
}

/// `reserve_volume_charging:reserveVolume`; response `result` is the reservation identifier.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReserveVolume {
    /// `xsd:anyURI` of the subscriber.
    pub end_user_identifier: String,
    /// `xsd:long` volume.
    pub volume: i64,
    /// Billing text.
    #[serde(default)]
    pub billing_text: String,
    /// Rating parameters, `[0..unbounded]`.
    #[serde(default)]
    pub parameters: Vec<Property>,
}

/// `reserve_volume_charging:reserveAdditionalVolume`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReserveAdditionalVolume {
    /// Identifier returned by `reserveVolume`.
    pub reservation_identifier: String,
    /// `xsd:long` additional volume (may be negative).
    pub volume: i64,
    /// Billing text.
    #[serde(default)]
    pub billing_text: String,
    /// Rating parameters, `[0..unbounded]`.
    #[serde(default)]
    pub parameters: Vec<Property>,
}

/// `reserve_volume_charging:chargeReservation`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeVolumeReservation {
    /// Identifier returned by `reserveVolume`.
    pub reservation_identifier: String,
    /// `xsd:long` volume to charge.
    pub volume: i64,
    /// Billing text.
    #[serde(default)]
    pub billing_text: String,
    /// Application's unique reference for the request.
    pub reference_code: String,
    /// Rating parameters, `[0..unbounded]`.
    #[serde(default)]
    pub parameters: Vec<Property>,
}

/// The four Payment interfaces, for choosing the response namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PaymentInterface {
    /// AmountCharging.
    Amount,
    /// VolumeCharging.
    Volume,
    /// ReserveAmountCharging.
    ReserveAmount,
    /// ReserveVolumeCharging.
    ReserveVolume,
}

impl PaymentInterface {
    /// The interface's local request/response namespace.
    #[must_use]
    pub(crate) const fn namespace(self) -> &'static str {
        match self {
            Self::Amount => AMOUNT_CHARGING_NS,
            Self::Volume => VOLUME_CHARGING_NS,
            Self::ReserveAmount => RESERVE_AMOUNT_CHARGING_NS,
            Self::ReserveVolume => RESERVE_VOLUME_CHARGING_NS,
        }
    }
}

/// A response with no `result` (`chargeAmountResponse`, `releaseReservationResponse`, …); `wrapper`
/// is the operation name followed by `Response`.
#[must_use]
pub(crate) fn empty_response(
    version: SoapVersion,
    interface: PaymentInterface,
    wrapper: &'static str,
) -> Vec<u8> {
    super::xml::empty_response(version, interface.namespace(), wrapper)
}

/// `reserveAmountResponse` / `reserveVolumeResponse`: `result` is the reservation identifier.
#[must_use]
pub(crate) fn reservation_response(
    version: SoapVersion,
    interface: PaymentInterface,
    wrapper: &'static str,
    reservation_identifier: &str,
) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, interface.namespace(), wrapper);
    w.qualified_text("result", reservation_identifier);
    w.finish()
}

/// `getAmountResponse`: `result` is a ChargingInformation, whose children are unqualified.
#[must_use]
pub(crate) fn get_amount_response(
    version: SoapVersion,
    interface: PaymentInterface,
    result: &ChargingInformation,
) -> Vec<u8> {
    let mut w = ResponseWriter::new(version, interface.namespace(), "getAmountResponse");
    w.start_qualified("result");
    w.unqualified_text("description", &result.description);
    if let Some(currency) = &result.currency {
        w.unqualified_text("currency", currency);
    }
    if let Some(amount) = result.amount {
        // Decimal's Display is plain positional notation: a valid xsd:decimal lexical form.
        w.unqualified_text("amount", &amount.to_string());
    }
    if let Some(code) = &result.code {
        w.unqualified_text("code", code);
    }
    w.end_qualified("result");
    w.finish()
}
