//! Service capability functions: the business rules of Payment, Account Management and SMS,
//! protocol-neutral. Bindings (`soap`, `rest`) turn wire input into the typed requests here, call
//! one function with the [`Permit`](crate::framework::Permit) the framework issued, and turn the
//! typed result or [`ScfError`] into wire output. Nothing here sees XML or JSON.

pub mod account;
pub mod campaign;
mod config;
pub mod error;
pub mod fraud;
pub mod monitoring;
pub mod payment;
mod scope;
pub mod sms;
mod text;

use std::sync::Arc;
use std::time::Duration;

pub use campaign::CampaignConfig;
pub use config::AccountConfig;
pub use error::{Exception, ExceptionKind, ScfError};

use crate::domain::{Clock, Currency, Locale, Moment};
use crate::outbox::Outbox;
use crate::store::{EntryKind, Limits, Store, StoreError};

/// Settings of the service functions (`[payment]` in the configuration).
#[derive(Debug, Clone)]
pub struct ScfSettings {
    /// How long a reservation holds money before it is released automatically.
    pub reservation_ttl: Duration,
    /// The longest a reservation lives however often it is renewed.
    pub reservation_max_lifetime: Duration,
    /// `[smpp]`: encoding limits and the default sender for SMS, and the dispatcher's links.
    pub smpp: crate::smpp::SmppConfig,
    /// `[account]`: Account Management policies.
    pub account: AccountConfig,
    /// Keyed digests of PINs and voucher codes.
    pub pepper: crate::crypto::Pepper,
    /// `[fraud]`: the rules of the configuration and the subscriber confirmation.
    pub fraud: fraud::FraudConfig,
    /// `[campaigns]`: the feeder's share of the outbox and the opt-out keywords.
    pub campaigns: CampaignConfig,
}

/// The service capability functions and what they need.
pub struct Scf {
    store: Arc<dyn Store>,
    /// Group commit of the SMS path in front of the outbox.
    outbox: Outbox,
    clock: Arc<dyn Clock>,
    locale: Locale,
    /// The voucher guessing budgets (`[account]`).
    voucher_attempts: account::VoucherAttempts,
    /// Delivery-receipt subscription look-ups of the last second.
    receipt_subscriptions: sms::SubscriptionCache,
    /// The fraud rules in force.
    fraud: fraud::Current,
    /// Whether this process registered the campaigns' opt-out keywords.
    opt_outs_registered: std::sync::atomic::AtomicBool,
    /// The opt-out list, as every application send checks it.
    opt_outs: campaign::OptOuts,
    settings: ScfSettings,
}

impl Scf {
    /// Service functions over a store, a clock and the operator's calendar.
    pub fn new(
        store: Arc<dyn Store>,
        outbox: Outbox,
        clock: Arc<dyn Clock>,
        locale: Locale,
        settings: ScfSettings,
    ) -> Self {
        Self {
            outbox,
            store,
            clock,
            locale,
            voucher_attempts: account::VoucherAttempts::new(
                settings.account.voucher_attempts_per_minute_per_app,
                settings.account.voucher_attempts_per_minute_per_account,
            ),
            receipt_subscriptions: sms::SubscriptionCache::default(),
            fraud: fraud::Current::new(&settings.fraud),
            opt_outs_registered: std::sync::atomic::AtomicBool::new(false),
            opt_outs: campaign::OptOuts::default(),
            settings,
        }
    }

    /// The `[smpp]` settings: encoding limits, the default sender, MO reassembly.
    fn smpp(&self) -> &crate::smpp::SmppConfig {
        &self.settings.smpp
    }

    /// The keyed digests of PINs and voucher codes (the admin API stores them).
    pub fn pepper(&self) -> &crate::crypto::Pepper {
        &self.settings.pepper
    }

    fn now(&self) -> Moment {
        self.locale.moment(self.clock.now())
    }
}

/// The limits `permit`'s agreement sets on a movement of `kind` in `currency`: the one place they
/// are computed, for every debit and hold (direct, reserved, additional reservation, volume, SMS
/// charging) and every credit an application makes; the store enforces all of them in the
/// movement's transaction.
fn limits_for(permit: &crate::framework::Permit, kind: EntryKind, currency: Currency) -> Limits {
    let agreement = &permit.app().agreement;
    let caps = match kind {
        EntryKind::Charge | EntryKind::ReservationCharge | EntryKind::Reserve => agreement.caps(currency),
        EntryKind::Topup | EntryKind::Voucher => agreement.credit_caps(currency),
        EntryKind::Refund | EntryKind::Release | EntryKind::Adjustment => Default::default(),
    };
    Limits {
        per_movement: caps.per_charge,
        actor_daily: caps.daily,
        actor_monthly: caps.monthly,
        refund_within_charges: kind == EntryKind::Refund,
    }
}

/// Store failures that are not business refusals become internal errors (logged once, at the
/// binding). Each call site maps the refusals it expects before falling back to this.
fn internal(e: StoreError) -> ScfError {
    match e {
        StoreError::Refused(r) => ScfError::Refused(r),
        StoreError::ReferenceConflict(code) => ScfError::ReferenceConflict(code),
        other => ScfError::Internal(other.to_string()),
    }
}
