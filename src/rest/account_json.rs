//! pxgate's JSON shapes for Account Management (ES 202 391-7) over REST. OneAPI defines no
//! account resource (parlayx-spec §5.1), so these follow the Payment resources' style: one
//! camelCase root object per body, the Parlay X part names, `resourceURL` in answers.
//! Plain data; `deny_unknown_fields` everywhere a client writes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET …/balance` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalanceResponse {
    /// The balances.
    pub account_balance: AccountBalance,
}

/// `getBalance` result.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountBalance {
    /// The subscriber, as named in the URL.
    pub end_user_id: String,
    /// One per balance type (pxgate has one, `Main`).
    pub balances: Vec<BalanceItem>,
    /// Where this resource lives.
    #[serde(rename = "resourceURL")]
    pub resource_url: String,
}

/// `Balance` (ES 202 391-7).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BalanceItem {
    /// The balance type.
    pub balance_type: String,
    /// The amount, in the account's currency.
    #[schema(value_type = f64)]
    pub amount: Decimal,
}

/// `GET …/creditExpiry` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreditExpiryResponse {
    /// The expiry details.
    pub credit_expiry: CreditExpiry,
}

/// `getCreditExpiryDate` result.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreditExpiry {
    /// The subscriber.
    pub end_user_id: String,
    /// One per balance type.
    pub balances: Vec<ExpiryItem>,
}

/// `BalanceExpireDetails`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExpiryItem {
    /// The balance type.
    pub balance_type: String,
    /// The last moment the credit may be used (RFC 3339); absent when it does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// `GET …/history` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountHistoryResponse {
    /// The statement.
    pub account_history: AccountHistory,
}

/// `getHistory` result.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountHistory {
    /// The subscriber.
    pub end_user_id: String,
    /// Most recent first.
    pub transactions: Vec<HistoryItem>,
}

/// `DatedTransaction`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryItem {
    /// When (RFC 3339, operator's zone).
    pub date: String,
    /// What happened.
    pub details: String,
}

/// `GET …/history` query.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct HistoryQuery {
    /// Only entries at or before this RFC 3339 time.
    pub date: Option<String>,
    /// At most this many.
    pub max_entries: Option<i64>,
}

/// `POST …/balanceUpdates` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct BalanceUpdateRequest {
    /// The recharge.
    pub balance_update: BalanceUpdate,
}

/// `balanceUpdate` (ES 202 391-7), as sent and echoed.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct BalanceUpdate {
    /// The application's idempotency key.
    pub reference_code: String,
    /// `Main`.
    pub balance_type: String,
    /// Added to the balance, in the account's currency: a plain decimal (no exponent) with no
    /// more decimals than the currency has.
    #[serde(deserialize_with = "super::amount::required")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    /// Days the credit should last; operator policy may overrule it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
}

/// `POST …/voucherUpdates` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct VoucherUpdateRequest {
    /// The redemption.
    pub voucher_update: VoucherUpdate,
}

/// `voucherUpdate` (ES 202 391-7), as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct VoucherUpdate {
    /// The application's idempotency key.
    pub reference_code: String,
    /// The voucher's code.
    pub voucher_identifier: String,
    /// Ignored: pxgate's vouchers have none.
    #[serde(default)]
    pub voucher_pin: Option<String>,
}

/// Answer of both recharges.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RechargeResponse {
    /// The recharge as recorded.
    pub recharge: Recharge,
}

/// What a recharge credited.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Recharge {
    /// The subscriber.
    pub end_user_id: String,
    /// The application's reference.
    pub reference_code: String,
    /// Credited, in `currency`.
    #[schema(value_type = f64)]
    pub amount_credited: Decimal,
    /// ISO 4217.
    pub currency: String,
}
