//! `[account]`: the operator's Account Management policies, read by the service functions.

use serde::{Deserialize, Serialize};

/// `[account]`: the operator policies of Account Management (ES 202 391-7).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountConfig {
    /// `balanceUpdate` with a `period` moves the credit expiry that many days past today or the
    /// current expiry, whichever is later; `false`: the operator overrules every period.
    pub recharge_extends_expiry: bool,
    /// The `VouchersAccepted` service policy: `false` refuses every `voucherUpdate` (POL0220).
    pub vouchers_accepted: bool,
    /// `voucherUpdate` attempts one application may make each minute (all accounts together):
    /// voucher codes cannot be guessed at speed.
    pub voucher_attempts_per_minute_per_app: u32,
    /// `voucherUpdate` attempts each minute on one account, whoever makes them.
    pub voucher_attempts_per_minute_per_account: u32,
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self {
            recharge_extends_expiry: true,
            vouchers_accepted: true,
            voucher_attempts_per_minute_per_app: 60,
            voucher_attempts_per_minute_per_account: 5,
        }
    }
}
