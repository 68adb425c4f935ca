//! Account Management (ES 202 391-7): balance and credit-expiry queries, direct recharge, voucher
//! recharge, the statement, and the balance types, each behind the optional end-user PIN.
//!
//! Functions are named after the Parlay X operations; bindings call exactly one per request.
//! pxgate keeps one balance per account, of type [`BALANCE_TYPE`] (ES 202 391-7: balance types are
//! operator-defined). Money moves through the store's `move_money` (recharge) and
//! `redeem_voucher` (vouchers), so every credit is in the ledger and a `referenceCode` never credits
//! twice.

mod attempts;
mod pin;
mod voucher;

pub(crate) use attempts::VoucherAttempts;

use super::text::checked_text;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone as _};
use rust_decimal::Decimal;

pub use pin::{MAX_PIN_FAILURES, seal_pin};
pub use voucher::{legacy_voucher_digest, new_voucher_code, voucher_digest};

use super::scope::Relationship;
use super::{Scf, ScfError, internal, limits_for};
use crate::domain::Msisdn;
use crate::domain::clock::from_millis;
use crate::framework::Permit;
use crate::store::vouchers::Redemption;
use crate::store::{Account, EntryKind, LedgerEntry, Movement, StoreError};

/// The one balance type of a pxgate account.
pub const BALANCE_TYPE: &str = "Main";

/// Most `getHistory` entries answered (ES 202 391-7: "the operator may cap the count").
pub const MAX_HISTORY: i64 = 100;

/// Who is asked about: `endUserIdentifier` and `endUserPin` (every Account Management request).
#[derive(Debug, Clone, Default)]
pub struct EndUser {
    /// `endUserIdentifier` as sent (`tel:` URI or national number).
    pub identifier: String,
    /// `endUserPin`, when sent.
    pub pin: Option<String>,
}

/// `balanceUpdate`: a direct recharge.
#[derive(Debug, Clone)]
pub struct BalanceUpdateRequest {
    /// The subscriber.
    pub end_user: EndUser,
    /// The application's idempotency key.
    pub reference_code: String,
    /// Must be [`BALANCE_TYPE`].
    pub balance_type: String,
    /// Added to the balance, in the account's currency.
    pub amount: Decimal,
    /// Days the credit should last; operator policy may overrule it.
    pub period: Option<i64>,
}

/// `voucherUpdate`: a recharge paid by a prepaid voucher.
#[derive(Debug, Clone)]
pub struct VoucherUpdateRequest {
    /// The subscriber.
    pub end_user: EndUser,
    /// The application's idempotency key.
    pub reference_code: String,
    /// The voucher's code.
    pub voucher_identifier: String,
    /// `voucherPin`: pxgate's vouchers have none (the code is the secret); ignored.
    pub voucher_pin: Option<String>,
}

/// `getHistory`.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    /// The subscriber.
    pub end_user: EndUser,
    /// Only entries made at or before this time; now when absent.
    pub date: Option<DateTime<FixedOffset>>,
    /// At most this many (capped at [`MAX_HISTORY`]).
    pub max_entries: Option<i64>,
}

/// `Balance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// The balance type.
    pub balance_type: String,
    /// The amount, in the account's currency.
    pub amount: Decimal,
}

/// `BalanceExpireDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceExpiry {
    /// The balance type.
    pub balance_type: String,
    /// The last moment the credit may be used; `None` when it does not expire.
    pub date: Option<DateTime<FixedOffset>>,
}

/// `DatedTransaction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedTransaction {
    /// When, in the operator's zone.
    pub date: DateTime<FixedOffset>,
    /// What happened, for the subscriber's statement.
    pub details: String,
}

/// The outcome of a recharge.
#[derive(Debug, Clone)]
pub struct Recharged {
    /// The amount credited, minor units.
    pub amount: i64,
    /// Its currency code.
    pub currency: &'static str,
    /// `true` when the reference code had been used for this same request: nothing moved now.
    pub replayed: bool,
}

impl Scf {
    /// `getBalance`: the balance of the one balance type.
    pub async fn get_balance(&self, permit: &Permit, who: &EndUser) -> Result<Vec<Balance>, ScfError> {
        let (account, _) = self.readable_account(permit, who).await?;
        Ok(vec![Balance {
            balance_type: BALANCE_TYPE.to_owned(),
            amount: account.currency.from_minor(account.balance),
        }])
    }

    /// `getCreditExpiryDate`: the end of the credit's last day, in the operator's zone.
    pub async fn get_credit_expiry_date(
        &self,
        permit: &Permit,
        who: &EndUser,
    ) -> Result<Vec<BalanceExpiry>, ScfError> {
        let (account, _) = self.readable_account(permit, who).await?;
        Ok(vec![BalanceExpiry {
            balance_type: BALANCE_TYPE.to_owned(),
            date: account.credit_expiry.map(|d| self.end_of_day(d)),
        }])
    }

    /// `getBalanceTypes`.
    pub async fn get_balance_types(&self, permit: &Permit, who: &EndUser) -> Result<Vec<String>, ScfError> {
        self.readable_account(permit, who).await?;
        Ok(vec![BALANCE_TYPE.to_owned()])
    }

    /// `balanceUpdate`: credits the account (a top-up, idempotent on `referenceCode`) and, when a
    /// `period` is given and the operator's policy lets it, moves the credit expiry.
    pub async fn balance_update(
        &self,
        permit: &Permit,
        req: &BalanceUpdateRequest,
    ) -> Result<Recharged, ScfError> {
        let account = self.end_user_account(&req.end_user).await?;
        if !req.balance_type.trim().eq_ignore_ascii_case(BALANCE_TYPE) {
            return Err(ScfError::invalid("balanceType", "unknown balance type"));
        }
        let amount = account
            .currency
            .to_positive_minor(req.amount)
            .map_err(|e| ScfError::invalid("amount", e))?;
        let period = match req.period {
            Some(days) if !(1..=36_600).contains(&days) => {
                return Err(ScfError::invalid("period", "must be 1 to 36600 days"));
            }
            other => other.and_then(|d| u32::try_from(d).ok()),
        };
        let movement = Movement {
            msisdn: account.msisdn.clone(),
            kind: EntryKind::Topup,
            amount,
            currency: account.currency,
            actor: permit.actor(),
            reference_code: Some(checked_text("referenceCode", &req.reference_code, true)?),
            description: "balanceUpdate".to_owned(),
            limits: limits_for(permit, EntryKind::Topup, account.currency),
            extend_expiry_days: period.filter(|_| self.settings.account.recharge_extends_expiry),
            screen: None,
        };
        let now = self.now();
        let moved = self
            .store
            .move_money(&movement, &now)
            .await
            .map_err(account_error)?;
        Ok(Recharged {
            amount,
            currency: account.currency.code(),
            replayed: moved.replayed,
        })
    }

    /// `voucherUpdate`: redeems a voucher onto the account, once.
    pub async fn voucher_update(
        &self,
        permit: &Permit,
        req: &VoucherUpdateRequest,
    ) -> Result<Recharged, ScfError> {
        // ES 202 391-7 service policy `VouchersAccepted`.
        if !self.settings.account.vouchers_accepted {
            return Err(ScfError::VouchersNotAccepted);
        }
        let account = self.end_user_account(&req.end_user).await?;
        let identifier = checked_text("voucherIdentifier", &req.voucher_identifier, true)?;
        self.voucher_attempts
            .spend(&permit.actor(), account.msisdn.as_str())
            .map_err(|wait| ScfError::RateExceeded {
                retry_after_secs: wait.as_secs().max(1),
            })?;
        let redemption = Redemption {
            code_sha256: voucher_digest(&self.settings.pepper, &identifier),
            legacy_code_sha256: legacy_voucher_digest(&identifier),
            msisdn: account.msisdn.clone(),
            actor: permit.actor(),
            reference_code: checked_text("referenceCode", &req.reference_code, true)?,
            limits: limits_for(permit, EntryKind::Voucher, account.currency),
        };
        let moved = match self.store.redeem_voucher(&redemption, &self.now()).await {
            Ok(moved) => moved,
            // A voucher in another currency than the account's is not valid for it either.
            Err(StoreError::NotFound | StoreError::Refused(crate::store::Refusal::CurrencyMismatch)) => {
                return Err(ScfError::VoucherInvalid(identifier));
            }
            Err(e) => return Err(account_error(e)),
        };
        Ok(Recharged {
            amount: moved.entry.amount,
            currency: moved.account.currency.code(),
            replayed: moved.replayed,
        })
    }

    /// `getHistory`: balance changes, most recent first; only the caller's own unless the
    /// operator granted it the account.
    pub async fn get_history(
        &self,
        permit: &Permit,
        req: &HistoryRequest,
    ) -> Result<Vec<DatedTransaction>, ScfError> {
        let (account, relationship) = self.readable_account(permit, &req.end_user).await?;
        let actor = permit.actor();
        let only = (relationship != Relationship::Granted).then_some(actor.as_str());
        let limit = match req.max_entries {
            Some(n) if n < 1 => return Err(ScfError::invalid("maxEntries", "must be at least 1")),
            Some(n) => n.min(MAX_HISTORY),
            None => MAX_HISTORY,
        };
        let until = req.date.map_or(self.now().at_ms, |d| d.timestamp_millis());
        let entries = self
            .store
            .history(&account.msisdn, only, until, limit)
            .await
            .map_err(internal)?;
        Ok(entries.iter().map(|e| self.transaction(&account, e)).collect())
    }
}

impl Scf {
    /// The account of a read (balance, expiry, statement): only one the application is related
    /// to (POL0002 otherwise, checked before the PIN so no PIN can be probed without one), after
    /// the PIN check.
    async fn readable_account(
        &self,
        permit: &Permit,
        who: &EndUser,
    ) -> Result<(Account, Relationship), ScfError> {
        let msisdn = Msisdn::parse(&who.identifier, &self.locale.default_country_code)
            .map_err(|e| ScfError::invalid("endUserIdentifier", e))?;
        let relationship = self.relationship(permit, &msisdn).await?;
        Ok((self.end_user_account(who).await?, relationship))
    }

    /// The account of a request's end user, after the PIN check.
    async fn end_user_account(&self, who: &EndUser) -> Result<Account, ScfError> {
        let msisdn = Msisdn::parse(&who.identifier, &self.locale.default_country_code)
            .map_err(|e| ScfError::invalid("endUserIdentifier", e))?;
        let account = self
            .store
            .account(&msisdn)
            .await
            .map_err(internal)?
            .ok_or(ScfError::AccountUnregistered)?;
        self.check_pin(&msisdn, who.pin.as_deref()).await?;
        Ok(account)
    }

    /// The last moment of a day in the operator's zone.
    fn end_of_day(&self, day: NaiveDate) -> DateTime<FixedOffset> {
        let last = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
        let zone = self.locale.time_zone;
        zone.from_local_datetime(&last)
            .earliest()
            .unwrap_or_else(|| zone.from_utc_datetime(&last))
            .fixed_offset()
    }

    /// A ledger entry as the subscriber's statement line.
    fn transaction(&self, account: &Account, e: &LedgerEntry) -> DatedTransaction {
        let currency = account.currency;
        let what = match e.kind {
            EntryKind::Topup => "recharge",
            EntryKind::Voucher => "voucher recharge",
            EntryKind::Charge | EntryKind::ReservationCharge => "charge",
            EntryKind::Refund => "refund",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Reserve | EntryKind::Release => "reservation",
        };
        let mut details = format!(
            "{what} {} {code}, balance {} {code}",
            currency.from_minor(e.amount),
            currency.from_minor(e.balance_after),
            code = currency.code()
        );
        if !e.description.is_empty() {
            details.push_str(": ");
            details.push_str(&e.description);
        }
        DatedTransaction {
            date: from_millis(e.created_at_ms)
                .with_timezone(&self.locale.time_zone)
                .fixed_offset(),
            details,
        }
    }
}

/// Store failures of Account Management: an unknown number has its own exception here.
fn account_error(e: StoreError) -> ScfError {
    match e {
        StoreError::NotFound | StoreError::Refused(crate::store::Refusal::Unregistered) => {
            ScfError::AccountUnregistered
        }
        other => internal(other),
    }
}
