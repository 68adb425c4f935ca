//! What the store keeps for Payment beyond plain charges: reservations (money held on an account
//! for one application until it is charged or released) and the tariff of volume charging.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;

use super::{Limits, Moved, StoreError};
use crate::domain::{Currency, Moment, Msisdn};

/// Lifecycle of a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationStatus {
    /// Holding money; may be charged, adjusted or released.
    Open,
    /// Released by its application; what was left went back to the balance.
    Released,
    /// Released by the gateway when its time ran out.
    Expired,
}

impl ReservationStatus {
    /// The value kept in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Released => "released",
            Self::Expired => "expired",
        }
    }
}

impl FromStr for ReservationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Self::Open),
            "released" => Ok(Self::Released),
            "expired" => Ok(Self::Expired),
            other => Err(format!("unknown reservation status {other:?}")),
        }
    }
}

impl fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Money held on an account for one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The reservationIdentifier given to the application.
    pub id: String,
    /// Whose account.
    pub msisdn: Msisdn,
    /// The application that made it (`app:<id>`); only it may use it.
    pub actor: String,
    /// Currency of the account.
    pub currency: Currency,
    /// Still held, minor units.
    pub held: i64,
    /// Charged from it so far, minor units.
    pub charged: i64,
    /// Lifecycle state.
    pub status: ReservationStatus,
    /// Statement text.
    pub description: String,
    /// When it is released automatically, ms since the epoch.
    pub expires_at_ms: i64,
    /// When it was made, ms since the epoch.
    pub created_at_ms: i64,
}

/// A request to hold money.
#[derive(Debug, Clone)]
pub struct NewReservation {
    /// Identifier to give it (unguessable).
    pub id: String,
    /// Whose account.
    pub msisdn: Msisdn,
    /// Which application.
    pub actor: String,
    /// How much, minor units (positive).
    pub amount: i64,
    /// Must be the account's currency.
    pub currency: Currency,
    /// Statement text.
    pub description: String,
    /// When it is released automatically, ms since the epoch.
    pub expires_at_ms: i64,
    /// The application's limits; `per_movement` bounds the whole reservation.
    pub limits: Limits,
    /// The fraud rules to run on the hold, as for [`super::Movement::screen`].
    pub screen: Option<std::sync::Arc<crate::fraud::Rules>>,
}

/// A request to hold more or less on a reservation.
#[derive(Debug, Clone)]
pub struct ReservationAdjust {
    /// The reservation.
    pub id: String,
    /// The application (must be its owner).
    pub actor: String,
    /// Minor units to hold more (positive) or less (negative).
    pub delta: i64,
    /// The new expiry, ms since the epoch.
    pub expires_at_ms: i64,
    /// The application's limits, as for [`NewReservation::limits`].
    pub limits: Limits,
    /// The fraud rules to run on holding more, as for [`super::Movement::screen`].
    pub screen: Option<std::sync::Arc<crate::fraud::Rules>>,
}

/// A request to charge (part of) a reservation.
#[derive(Debug, Clone)]
pub struct ReservationCharge {
    /// The reservation.
    pub id: String,
    /// The application charging (must be its owner).
    pub actor: String,
    /// How much, minor units (positive, at most what is held).
    pub amount: i64,
    /// Idempotency key, as for plain charges.
    pub reference_code: Option<String>,
    /// Statement text.
    pub description: String,
    /// The application's limits; `per_movement` bounds what the reservation charged in all.
    pub limits: Limits,
}

/// A price of volume charging (or of a charging code, with volume 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tariff {
    /// The code applications name.
    pub code: String,
    /// Currency of the price.
    pub currency: Currency,
    /// Price of one unit, minor units.
    pub unit_price: i64,
    /// What it is for.
    pub description: String,
}

/// Reservations and tariffs.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Holds money on an account, under the same rules as a charge (registered, active, not
    /// expired, within the monthly limit counting what is already held, enough available balance).
    async fn reserve(&self, new: &NewReservation, now: &Moment) -> Result<Reservation, StoreError>;

    /// Holds more (`delta > 0`, under the charge rules and within `limits.per_movement` for
    /// everything the reservation held and charged together) or less (`delta < 0`), and sets the
    /// expiry to `expires_at_ms`.
    async fn adjust_reservation(
        &self,
        adjust: &ReservationAdjust,
        now: &Moment,
    ) -> Result<Reservation, StoreError>;

    /// Charges part or all of what is held; the rest stays held. Idempotent on the reference code.
    async fn charge_reservation(
        &self,
        charge: &ReservationCharge,
        now: &Moment,
    ) -> Result<(Reservation, Moved), StoreError>;

    /// Gives back what is still held and closes the reservation; returns how much was released.
    async fn release_reservation(
        &self,
        id: &str,
        actor: &str,
        now: &Moment,
    ) -> Result<(Reservation, i64), StoreError>;

    /// Releases every open reservation whose time has run out; returns how many.
    async fn expire_reservations(&self, now: &Moment) -> Result<u64, StoreError>;

    /// One reservation, whoever owns it.
    async fn reservation(&self, id: &str) -> Result<Option<Reservation>, StoreError>;

    /// The tariff for a code.
    async fn tariff(&self, code: &str) -> Result<Option<Tariff>, StoreError>;

    /// Creates or replaces a tariff.
    async fn put_tariff(&self, tariff: &Tariff, now_ms: i64) -> Result<(), StoreError>;

    /// Every tariff, by code.
    async fn tariffs(&self) -> Result<Vec<Tariff>, StoreError>;

    /// Removes a tariff; [`StoreError::NotFound`] if there is none.
    async fn delete_tariff(&self, code: &str) -> Result<(), StoreError>;
}
