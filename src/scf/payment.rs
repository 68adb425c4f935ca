//! Payment (ES 202 391-6): amount charging, volume charging, and reservations of both, with the
//! paper's account checks (registered, not suspended, not expired, within the monthly limit,
//! enough balance) applied by the store in the same statement that moves the money.
//!
//! Functions are named after the Parlay X operations; bindings call exactly one per request.

pub mod lookup;
mod pricing;
mod requests;

pub use requests::{
    AdjustAmountRequest, AdjustVolumeRequest, AmountRequest, ChargeAmountReservationRequest,
    ChargeVolumeReservationRequest, Charged, ChargingInformation, Property, ReserveAmountRequest,
    ReserveVolumeRequest, VolumeQuery, VolumeRequest,
};

use super::text::checked_text;
use rust_decimal::Decimal;

use super::{Scf, ScfError, internal, limits_for};
use crate::domain::{Currency, Moment, Msisdn};
use crate::framework::Permit;
use crate::store::payment::{NewReservation, Reservation, ReservationAdjust, ReservationCharge};
use crate::store::{EntryKind, Movement, Refusal};

/// An amount resolved against the account or the tariff.
struct Priced {
    msisdn: Msisdn,
    currency: Currency,
    amount: i64,
}

impl Scf {
    /// `chargeAmount`: debits the account after the paper's checks and the agreement's caps.
    pub async fn charge_amount(&self, permit: &Permit, req: &AmountRequest) -> Result<Charged, ScfError> {
        let now = self.now();
        let m = self
            .amount_charge(permit, &req.end_user, &req.charge, &req.reference_code)
            .await?;
        self.apply(m, &now).await
    }

    /// The movement a `chargeAmount` of `charge` to `end_user` would make, priced and checked
    /// against the agreement's per-charge cap; its daily and monthly caps travel in its limits.
    /// Other SCFs that charge (sendSms with `charging`) apply it in their own transaction.
    pub(in crate::scf) async fn amount_charge(
        &self,
        permit: &Permit,
        end_user: &str,
        charge: &ChargingInformation,
        reference_code: &str,
    ) -> Result<Movement, ScfError> {
        let priced = self.price_amount(end_user, charge).await?;
        self.movement(
            permit,
            priced,
            EntryKind::Charge,
            reference_code,
            &charge.description,
        )
    }

    /// `refundAmount`: credits back at most what this application charged the account.
    pub async fn refund_amount(&self, permit: &Permit, req: &AmountRequest) -> Result<Charged, ScfError> {
        let now = self.now();
        let priced = self.price_amount(&req.end_user, &req.charge).await?;
        let m = self.movement(
            permit,
            priced,
            EntryKind::Refund,
            &req.reference_code,
            &req.charge.description,
        )?;
        self.apply(m, &now).await
    }

    /// `chargeVolume`: the tariff turns the volume into money, then as `chargeAmount`.
    pub async fn charge_volume(&self, permit: &Permit, req: &VolumeRequest) -> Result<Charged, ScfError> {
        let now = self.now();
        let priced = self
            .price_volume(&req.end_user, req.volume, &req.parameters)
            .await?;
        let m = self.movement(
            permit,
            priced,
            EntryKind::Charge,
            &req.reference_code,
            &req.billing_text,
        )?;
        self.apply(m, &now).await
    }

    /// `refundVolume`.
    pub async fn refund_volume(&self, permit: &Permit, req: &VolumeRequest) -> Result<Charged, ScfError> {
        let now = self.now();
        let priced = self
            .price_volume(&req.end_user, req.volume, &req.parameters)
            .await?;
        let m = self.movement(
            permit,
            priced,
            EntryKind::Refund,
            &req.reference_code,
            &req.billing_text,
        )?;
        self.apply(m, &now).await
    }

    /// `getAmount`: what a volume would cost this subscriber; nothing moves.
    pub async fn get_amount(&self, _permit: &Permit, req: &VolumeQuery) -> Result<Decimal, ScfError> {
        let priced = self
            .price_volume(&req.end_user, req.volume, &req.parameters)
            .await?;
        Ok(priced.currency.from_minor(priced.amount))
    }

    /// `reserveAmount`: holds money; returns the reservationIdentifier.
    pub async fn reserve_amount(
        &self,
        permit: &Permit,
        req: &ReserveAmountRequest,
    ) -> Result<String, ScfError> {
        let priced = self.price_amount(&req.end_user, &req.charge).await?;
        self.reserve(permit, priced, &req.charge.description).await
    }

    /// `reserveVolume`.
    pub async fn reserve_volume(
        &self,
        permit: &Permit,
        req: &ReserveVolumeRequest,
    ) -> Result<String, ScfError> {
        let priced = self
            .price_volume(&req.end_user, req.volume, &req.parameters)
            .await?;
        self.reserve(permit, priced, &req.billing_text).await
    }

    /// `reserveAdditionalAmount`: holds more, or (negative amount) less; renews the expiry.
    pub async fn reserve_additional_amount(
        &self,
        permit: &Permit,
        req: &AdjustAmountRequest,
    ) -> Result<(), ScfError> {
        let r = self.open_reservation(permit, &req.reservation_id).await?;
        let delta = signed_amount(&req.charge, r.currency)?;
        self.adjust(permit, &r, delta).await
    }

    /// `reserveAdditionalVolume`.
    pub async fn reserve_additional_volume(
        &self,
        permit: &Permit,
        req: &AdjustVolumeRequest,
    ) -> Result<(), ScfError> {
        let r = self.open_reservation(permit, &req.reservation_id).await?;
        check_signed_volume(req.volume)?;
        let unit = self.tariff_price(&req.parameters, r.currency).await?;
        let delta = req
            .volume
            .checked_mul(unit)
            .filter(|d| d.unsigned_abs() <= crate::domain::money::MAX_MINOR.unsigned_abs())
            .ok_or_else(|| ScfError::invalid("volume", "too large"))?;
        self.adjust(permit, &r, delta).await
    }

    /// `chargeReservation` (ReserveAmountCharging): charges part or all of what is held.
    pub async fn charge_amount_reservation(
        &self,
        permit: &Permit,
        req: &ChargeAmountReservationRequest,
    ) -> Result<Charged, ScfError> {
        let r = self.open_reservation(permit, &req.reservation_id).await?;
        let amount = positive_amount(&req.charge, r.currency)?;
        let text = &req.charge.description;
        self.charge_held(
            permit,
            &req.reservation_id,
            amount,
            r.currency,
            &req.reference_code,
            text,
        )
        .await
    }

    /// `chargeReservation` (ReserveVolumeCharging).
    pub async fn charge_volume_reservation(
        &self,
        permit: &Permit,
        req: &ChargeVolumeReservationRequest,
    ) -> Result<Charged, ScfError> {
        let r = self.open_reservation(permit, &req.reservation_id).await?;
        check_volume(req.volume)?;
        let unit = self.tariff_price(&req.parameters, r.currency).await?;
        let amount = req
            .volume
            .checked_mul(unit)
            .ok_or_else(|| ScfError::invalid("volume", "too large"))?;
        let text = &req.billing_text;
        self.charge_held(
            permit,
            &req.reservation_id,
            amount,
            r.currency,
            &req.reference_code,
            text,
        )
        .await
    }

    /// `releaseReservation` (both reserve interfaces): returns what is still held.
    pub async fn release_reservation(&self, permit: &Permit, reservation_id: &str) -> Result<(), ScfError> {
        let now = self.now();
        self.store
            .release_reservation(reservation_id, &permit.actor(), &now)
            .await
            .map_err(|e| reservation_error(e, reservation_id))?;
        Ok(())
    }

    /// Releases reservations whose time ran out (called periodically by the server).
    pub async fn expire_reservations(&self) -> Result<u64, ScfError> {
        self.store
            .expire_reservations(&self.now())
            .await
            .map_err(internal)
    }
}

use pricing::{check_signed_volume, check_volume, positive_amount, reservation_error, signed_amount};

impl Scf {
    fn movement(
        &self,
        permit: &Permit,
        priced: Priced,
        kind: EntryKind,
        reference_code: &str,
        description: &str,
    ) -> Result<Movement, ScfError> {
        let reference = checked_text("referenceCode", reference_code, true)?;
        let description = checked_text("description", description, false)?;
        let limits = limits_for(permit, kind, priced.currency);
        // Refused before any store work; the store checks it again in the movement's transaction.
        if limits.over_per_movement(priced.amount) {
            return Err(ScfError::Refused(Refusal::PerChargeLimit));
        }
        Ok(Movement {
            msisdn: priced.msisdn,
            kind,
            amount: priced.amount,
            currency: priced.currency,
            actor: permit.actor(),
            reference_code: Some(reference),
            description,
            limits,
            extend_expiry_days: None,
            screen: if kind == EntryKind::Charge {
                self.screen()
            } else {
                None
            },
        })
    }

    async fn apply(&self, m: Movement, now: &Moment) -> Result<Charged, ScfError> {
        let confirms = m.screen.as_ref().is_some_and(|rules| rules.may_confirm(m.amount));
        if confirms && let Some(charged) = self.confirmed_outcome(&m).await? {
            return Ok(charged);
        }
        let moved = self.store.move_money(&m, now).await.map_err(internal);
        match moved {
            Err(ScfError::Refused(Refusal::Fraud {
                confirm: true,
                decision,
                ..
            })) if m.kind == EntryKind::Charge => {
                return Err(self.hold_for_confirmation(&m, decision, now).await);
            }
            // A charge confirmed by its subscriber is in the ledger as the hold's charge.
            Err(ScfError::ReferenceConflict(_)) if m.kind == EntryKind::Charge => {
                if let Some(charged) = self.confirmed_outcome(&m).await? {
                    return Ok(charged);
                }
            }
            _ => {}
        }
        if m.kind.is_debit() && matches!(moved, Err(ScfError::Refused(crate::store::Refusal::Unregistered))) {
            // The subscriber alerts tell the number it is not registered (rate-limited).
            self.note_unregistered_charge(&m.msisdn, now).await;
        }
        let moved = moved?;
        Ok(Charged {
            amount: m.currency.from_minor(m.amount),
            currency: m.currency,
            balance: m.currency.from_minor(moved.account.balance),
            entry_id: moved.entry.id,
            replayed: moved.replayed,
        })
    }

    async fn reserve(&self, permit: &Permit, priced: Priced, description: &str) -> Result<String, ScfError> {
        let now = self.now();
        let description = checked_text("description", description, false)?;
        let new = NewReservation {
            id: new_reservation_id(),
            msisdn: priced.msisdn,
            actor: permit.actor(),
            amount: priced.amount,
            currency: priced.currency,
            description,
            expires_at_ms: self.expiry(&now, now.at_ms),
            limits: limits_for(permit, EntryKind::Reserve, priced.currency),
            screen: self.screen(),
        };
        let r = self.store.reserve(&new, &now).await.map_err(internal)?;
        Ok(r.id)
    }

    async fn adjust(&self, permit: &Permit, r: &Reservation, delta: i64) -> Result<(), ScfError> {
        let now = self.now();
        let adjust = ReservationAdjust {
            id: r.id.clone(),
            actor: permit.actor(),
            delta,
            expires_at_ms: self.expiry(&now, r.created_at_ms),
            limits: limits_for(permit, EntryKind::Reserve, r.currency),
            screen: self.screen(),
        };
        self.store
            .adjust_reservation(&adjust, &now)
            .await
            .map_err(|e| reservation_error(e, &r.id))?;
        Ok(())
    }

    async fn charge_held(
        &self,
        permit: &Permit,
        id: &str,
        amount: i64,
        currency: Currency,
        reference_code: &str,
        description: &str,
    ) -> Result<Charged, ScfError> {
        let now = self.now();
        let charge = ReservationCharge {
            id: id.to_owned(),
            actor: permit.actor(),
            amount,
            reference_code: Some(checked_text("referenceCode", reference_code, true)?),
            description: checked_text("description", description, false)?,
            limits: limits_for(permit, EntryKind::ReservationCharge, currency),
        };
        let (_, moved) = self
            .store
            .charge_reservation(&charge, &now)
            .await
            .map_err(|e| reservation_error(e, id))?;
        Ok(Charged {
            amount: currency.from_minor(amount),
            currency,
            balance: currency.from_minor(moved.account.balance),
            entry_id: moved.entry.id,
            replayed: moved.replayed,
        })
    }

    /// The caller's open reservation, or the fault for an unknown/foreign/finished one.
    async fn open_reservation(&self, permit: &Permit, id: &str) -> Result<Reservation, ScfError> {
        let found = self.store.reservation(id).await.map_err(internal)?;
        found
            .filter(|r| r.actor == permit.actor())
            .ok_or_else(|| ScfError::UnknownReservation(id.to_owned()))
    }

    /// When a reservation made at `created_at_ms` is released if nothing renews it: the TTL from
    /// now, but never past its maximum lifetime, so renewing cannot freeze a balance for ever.
    fn expiry(&self, now: &Moment, created_at_ms: i64) -> i64 {
        let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
        let renewed = now.at_ms.saturating_add(ms(self.settings.reservation_ttl));
        renewed.min(created_at_ms.saturating_add(ms(self.settings.reservation_max_lifetime)))
    }

    fn parse_end_user(&self, raw: &str) -> Result<Msisdn, ScfError> {
        Msisdn::parse(raw, &self.locale.default_country_code)
            .map_err(|e| ScfError::invalid("endUserIdentifier", e))
    }
}

/// An unguessable reservation identifier.
fn new_reservation_id() -> String {
    crate::crypto::random_hex::<16>()
}
