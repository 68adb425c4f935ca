//! Turning what a request says (amount, charging code, volume and tariff) into minor units of the
//! right currency, refusing anything inexact (ES 202 391-1 §5.2.1: charging information that is
//! not acceptable is SVC0007).

use rust_decimal::Decimal;

use super::{ChargingInformation, Priced, Property, internal};
use crate::domain::{Currency, Msisdn, money::MAX_MINOR};
use crate::scf::{Scf, ScfError};
use crate::store::{Refusal, StoreError};

/// The tariff used when a volume request names none.
const DEFAULT_TARIFF: &str = "default";

impl Scf {
    /// Resolves `charge` for an account: an explicit amount (in the given or the account's
    /// currency), or the price of a charging code.
    pub(super) async fn price_amount(
        &self,
        end_user: &str,
        charge: &ChargingInformation,
    ) -> Result<Priced, ScfError> {
        let msisdn = self.parse_end_user(end_user)?;
        match (
            &charge.amount,
            charge.code.as_deref().filter(|c| !c.trim().is_empty()),
        ) {
            (Some(amount), _) => {
                let currency = match charge.currency.as_deref() {
                    Some(code) => {
                        Currency::from_code(code).map_err(|e| ScfError::InvalidCharging(e.to_string()))?
                    }
                    None => self.account_currency(&msisdn).await?,
                };
                let amount = currency
                    .to_positive_minor(*amount)
                    .map_err(|e| ScfError::InvalidCharging(e.to_string()))?;
                Ok(Priced {
                    msisdn,
                    currency,
                    amount,
                })
            }
            (None, Some(code)) => {
                let tariff = self.store.tariff(code).await.map_err(internal)?;
                let tariff = tariff
                    .ok_or_else(|| ScfError::InvalidCharging(format!("unknown charging code {code:?}")))?;
                if charge
                    .currency
                    .as_deref()
                    .is_some_and(|c| c != tariff.currency.code())
                {
                    return Err(ScfError::InvalidCharging(
                        "currency differs from the charging code's".to_owned(),
                    ));
                }
                Ok(Priced {
                    msisdn,
                    currency: tariff.currency,
                    amount: tariff.unit_price,
                })
            }
            (None, None) => Err(ScfError::InvalidCharging("neither amount nor code".to_owned())),
        }
    }

    /// Resolves a volume through the tariff named by the `tariff` parameter (or `default`).
    pub(super) async fn price_volume(
        &self,
        end_user: &str,
        volume: i64,
        parameters: &[Property],
    ) -> Result<Priced, ScfError> {
        check_volume(volume)?;
        let msisdn = self.parse_end_user(end_user)?;
        let code = tariff_code(parameters);
        let tariff = self.store.tariff(code).await.map_err(internal)?;
        let tariff = tariff.ok_or_else(|| ScfError::InvalidCharging(format!("no tariff {code:?}")))?;
        let amount = volume
            .checked_mul(tariff.unit_price)
            .filter(|a| *a <= MAX_MINOR)
            .ok_or_else(|| ScfError::invalid("volume", "too large"))?;
        Ok(Priced {
            msisdn,
            currency: tariff.currency,
            amount,
        })
    }

    /// The unit price of the tariff the parameters name, which must be in `currency`.
    pub(super) async fn tariff_price(
        &self,
        parameters: &[Property],
        currency: Currency,
    ) -> Result<i64, ScfError> {
        let code = tariff_code(parameters);
        let tariff = self.store.tariff(code).await.map_err(internal)?;
        let tariff = tariff.ok_or_else(|| ScfError::InvalidCharging(format!("no tariff {code:?}")))?;
        if tariff.currency != currency {
            return Err(ScfError::InvalidCharging(
                "the tariff's currency differs from the reservation's".to_owned(),
            ));
        }
        Ok(tariff.unit_price)
    }

    async fn account_currency(&self, msisdn: &Msisdn) -> Result<Currency, ScfError> {
        let account = self.store.account(msisdn).await.map_err(internal)?;
        if account.is_none() {
            // The subscriber alerts tell the number it is not registered (rate-limited).
            self.note_unregistered_charge(msisdn, &self.now()).await;
        }
        account
            .map(|a| a.currency)
            .ok_or(ScfError::Refused(Refusal::Unregistered))
    }
}

fn tariff_code(parameters: &[Property]) -> &str {
    parameters
        .iter()
        .find(|p| p.name == "tariff")
        .map_or(DEFAULT_TARIFF, |p| p.value.as_str())
}

/// Volumes are whole positive units.
pub(super) fn check_volume(volume: i64) -> Result<(), ScfError> {
    if volume > 0 {
        Ok(())
    } else {
        Err(ScfError::invalid("volume", "must be greater than zero"))
    }
}

/// The change of a volume reservation: whole units, not zero, either sign (negative reserves
/// less), and no larger than any amount the store can keep.
pub(super) fn check_signed_volume(volume: i64) -> Result<(), ScfError> {
    match volume {
        0 => Err(ScfError::invalid("volume", "must not be zero")),
        v if v.unsigned_abs() > MAX_MINOR.unsigned_abs() => Err(ScfError::invalid("volume", "too large")),
        _ => Ok(()),
    }
}

/// The amount of a charge against a reservation: explicit, positive, in the reservation's currency.
pub(super) fn positive_amount(charge: &ChargingInformation, currency: Currency) -> Result<i64, ScfError> {
    let amount = reservation_amount(charge, currency)?;
    currency
        .to_positive_minor(amount)
        .map_err(|e| ScfError::InvalidCharging(e.to_string()))
}

/// The change of a reservation: explicit, not zero, either sign.
pub(super) fn signed_amount(charge: &ChargingInformation, currency: Currency) -> Result<i64, ScfError> {
    let amount = reservation_amount(charge, currency)?;
    match currency
        .to_minor(amount)
        .map_err(|e| ScfError::InvalidCharging(e.to_string()))?
    {
        0 => Err(ScfError::InvalidCharging(
            "the amount must not be zero".to_owned(),
        )),
        minor => Ok(minor),
    }
}

fn reservation_amount(charge: &ChargingInformation, currency: Currency) -> Result<Decimal, ScfError> {
    if charge.currency.as_deref().is_some_and(|c| c != currency.code()) {
        return Err(ScfError::InvalidCharging(format!(
            "the reservation is in {currency}"
        )));
    }
    charge
        .amount
        .ok_or_else(|| ScfError::InvalidCharging("an amount is required".to_owned()))
}

/// Reservation store errors as the application sees them: unknown and foreign look alike.
pub(super) fn reservation_error(e: StoreError, id: &str) -> ScfError {
    match e {
        StoreError::ReservationNotFound => ScfError::UnknownReservation(id.to_owned()),
        StoreError::ReservationClosed(why) => ScfError::ReservationClosed(id.to_owned(), why),
        other => internal(other),
    }
}
