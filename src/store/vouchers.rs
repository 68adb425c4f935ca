//! What the store keeps for Account Management (ES 202 391-7) beyond the account and its ledger:
//! prepaid vouchers (`voucherUpdate`) and the end-user PIN (`endUserPin`) with its lock-out count.
//!
//! Voucher codes and PINs are secrets: the store holds only their SHA-256 digests (a PIN's over a
//! per-account random salt). Hashing, comparing and generating them is the caller's business.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{LedgerEntry, Moved, StoreError};
use crate::domain::{Currency, Moment, Msisdn};

/// Where a voucher is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoucherStatus {
    /// Not used yet, still valid.
    Unused,
    /// Credited to an account.
    Used,
    /// Not used, and its last valid day has passed (derived, never stored).
    Expired,
}

impl VoucherStatus {
    /// The name used in the `status` column and the admin API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unused => "unused",
            Self::Used => "used",
            Self::Expired => "expired",
        }
    }
}

impl FromStr for VoucherStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unused" => Ok(Self::Unused),
            "used" => Ok(Self::Used),
            "expired" => Ok(Self::Expired),
            other => Err(format!("unknown voucher status {other:?}")),
        }
    }
}

impl fmt::Display for VoucherStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A voucher as the store keeps it (without its code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// Store-assigned serial number: names the voucher in listings and statements.
    pub serial: i64,
    /// The batch it was issued in.
    pub batch: String,
    /// Currency of its value.
    pub currency: Currency,
    /// Value, minor units.
    pub value: i64,
    /// Last day it may be used (operator zone).
    pub expires_on: NaiveDate,
    /// Unused, used, or (unused and past `expires_on`) expired.
    pub status: VoucherStatus,
    /// The account it was credited to, when used.
    pub used_by: Option<Msisdn>,
    /// When it was used, ms since the epoch.
    pub used_at_ms: Option<i64>,
    /// When it was issued, ms since the epoch.
    pub created_at_ms: i64,
}

/// A voucher about to be issued.
#[derive(Debug, Clone)]
pub struct NewVoucher {
    /// SHA-256 (lower-case hex) of the code given to the buyer.
    pub code_sha256: String,
    /// Batch label.
    pub batch: String,
    /// Currency of its value.
    pub currency: Currency,
    /// Value, minor units (positive).
    pub value: i64,
    /// Last day it may be used.
    pub expires_on: NaiveDate,
}

/// A redemption: which voucher, for whom, on whose behalf.
#[derive(Debug, Clone)]
pub struct Redemption {
    /// The keyed digest of the code the subscriber presented.
    pub code_sha256: String,
    /// Its unkeyed SHA-256, under which vouchers of earlier versions are kept.
    pub legacy_code_sha256: String,
    /// The account to credit.
    pub msisdn: Msisdn,
    /// The application asking (`app:<id>`).
    pub actor: String,
    /// Its idempotency key: a retry answers the first outcome and never redeems twice.
    pub reference_code: String,
    /// The application's credit limits, checked in the redemption's transaction.
    pub limits: super::Limits,
}

/// The PIN an operator set on an account, and its lock-out count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRecord {
    /// Random salt, hex.
    pub salt: String,
    /// SHA-256 over the salt and the PIN, hex.
    pub pin_sha256: String,
    /// Wrong PINs in a row (attempts not yet judged included).
    pub failures: i64,
}

/// Vouchers and end-user PINs.
#[async_trait]
pub trait AccountExtrasStore: Send + Sync {
    /// Issues a batch of vouchers in one transaction; returns them with their serials, in order.
    async fn create_vouchers(&self, batch: &[NewVoucher], now: &Moment) -> Result<Vec<Voucher>, StoreError>;

    /// Vouchers in serial order, optionally only those in one status, after a serial, at most `limit`.
    async fn vouchers(
        &self,
        status: Option<VoucherStatus>,
        after_serial: i64,
        limit: i64,
        now: &Moment,
    ) -> Result<Vec<Voucher>, StoreError>;

    /// Marks an unused, unexpired voucher used and credits its value to the account, in one
    /// transaction (so a voucher can pay only once, whatever runs concurrently). A retry of the same
    /// `(actor, reference_code)` answers the first credit. [`StoreError::NotFound`] when no usable
    /// voucher has this code; [`StoreError::Refused`] when the account refuses the credit (then the
    /// voucher stays unused).
    async fn redeem_voucher(&self, redemption: &Redemption, now: &Moment) -> Result<Moved, StoreError>;

    /// The PIN set on an account, if any.
    async fn pin(&self, msisdn: &Msisdn) -> Result<Option<PinRecord>, StoreError>;

    /// Sets (or replaces) an account's PIN and clears its lock-out; [`StoreError::NotFound`] for an
    /// unknown account.
    async fn set_pin(
        &self,
        msisdn: &Msisdn,
        salt: &str,
        pin_sha256: &str,
        now: &Moment,
    ) -> Result<(), StoreError>;

    /// Removes an account's PIN (and so its lock-out); [`StoreError::NotFound`] for an unknown account.
    async fn clear_pin(&self, msisdn: &Msisdn) -> Result<(), StoreError>;

    /// Counts one PIN attempt before it is judged, unless `max_failures` are already counted:
    /// returns the record to judge against, or `None` when the account is locked out (or has no PIN).
    /// Claiming first means concurrent guesses cannot exceed the limit.
    async fn claim_pin_attempt(
        &self,
        msisdn: &Msisdn,
        max_failures: i64,
        now: &Moment,
    ) -> Result<Option<PinRecord>, StoreError>;

    /// The claimed attempt was right: the run of wrong PINs is over.
    async fn reset_pin_failures(&self, msisdn: &Msisdn, now: &Moment) -> Result<(), StoreError>;

    /// The account's statement (`getHistory`): ledger rows that changed the balance, made at or
    /// before `until_ms`, newest first, at most `limit`; with `actor`, only that actor's rows.
    async fn history(
        &self,
        msisdn: &Msisdn,
        actor: Option<&str>,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError>;
}
