//! The typed requests and results of Payment, as the bindings build and read them.

use rust_decimal::Decimal;

use crate::domain::Currency;

/// `common:ChargingInformation`: what to charge (ES 202 391-1 §8.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChargingInformation {
    /// Billing text shown to the subscriber.
    pub description: String,
    /// ISO 4217 code; the account's currency when absent.
    pub currency: Option<String>,
    /// The amount; when absent, `code` names a tariff.
    pub amount: Option<Decimal>,
    /// A charging code (a tariff of the operator) used when no amount is given.
    pub code: Option<String>,
}

/// `payment:Property`: a name/value parameter of volume charging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Parameter name (`tariff` selects the tariff).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// `chargeAmount` / `refundAmount`.
#[derive(Debug, Clone)]
pub struct AmountRequest {
    /// `endUserIdentifier` as sent (`tel:` URI or national number).
    pub end_user: String,
    /// `charge`.
    pub charge: ChargingInformation,
    /// `referenceCode`: the application's idempotency key.
    pub reference_code: String,
}

/// `chargeVolume` / `refundVolume`.
#[derive(Debug, Clone)]
pub struct VolumeRequest {
    /// `endUserIdentifier`.
    pub end_user: String,
    /// `volume`, in the tariff's units.
    pub volume: i64,
    /// `billingText`.
    pub billing_text: String,
    /// `parameters`.
    pub parameters: Vec<Property>,
    /// `referenceCode`.
    pub reference_code: String,
}

/// `getAmount` (VolumeCharging and ReserveVolumeCharging).
#[derive(Debug, Clone)]
pub struct VolumeQuery {
    /// `endUserIdentifier`.
    pub end_user: String,
    /// `volume`.
    pub volume: i64,
    /// `parameters`.
    pub parameters: Vec<Property>,
}

/// `reserveAmount`.
#[derive(Debug, Clone)]
pub struct ReserveAmountRequest {
    /// `endUserIdentifier`.
    pub end_user: String,
    /// `charge`.
    pub charge: ChargingInformation,
}

/// `reserveAdditionalAmount` (a negative amount reserves less).
#[derive(Debug, Clone)]
pub struct AdjustAmountRequest {
    /// `reservationIdentifier`.
    pub reservation_id: String,
    /// `charge`.
    pub charge: ChargingInformation,
}

/// `chargeReservation` of ReserveAmountCharging.
#[derive(Debug, Clone)]
pub struct ChargeAmountReservationRequest {
    /// `reservationIdentifier`.
    pub reservation_id: String,
    /// `charge`.
    pub charge: ChargingInformation,
    /// `referenceCode`.
    pub reference_code: String,
}

/// `reserveVolume`.
#[derive(Debug, Clone)]
pub struct ReserveVolumeRequest {
    /// `endUserIdentifier`.
    pub end_user: String,
    /// `volume`.
    pub volume: i64,
    /// `billingText`.
    pub billing_text: String,
    /// `parameters`.
    pub parameters: Vec<Property>,
}

/// `reserveAdditionalVolume` (a negative volume reserves less).
#[derive(Debug, Clone)]
pub struct AdjustVolumeRequest {
    /// `reservationIdentifier`.
    pub reservation_id: String,
    /// `volume`.
    pub volume: i64,
    /// `billingText`.
    pub billing_text: String,
    /// `parameters`.
    pub parameters: Vec<Property>,
}

/// `chargeReservation` of ReserveVolumeCharging.
#[derive(Debug, Clone)]
pub struct ChargeVolumeReservationRequest {
    /// `reservationIdentifier`.
    pub reservation_id: String,
    /// `volume`.
    pub volume: i64,
    /// `billingText`.
    pub billing_text: String,
    /// `referenceCode`.
    pub reference_code: String,
    /// `parameters`.
    pub parameters: Vec<Property>,
}

/// The outcome of a charge or refund.
#[derive(Debug, Clone)]
pub struct Charged {
    /// The amount moved.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// The balance right after.
    pub balance: Decimal,
    /// The ledger entry (the server's reference for the transaction).
    pub entry_id: i64,
    /// `true` when the reference code had been used for this same request: nothing moved now.
    pub replayed: bool,
}
