//! The rows of `accounts` and `ledger` as the database returns them, and their conversion to the
//! store's model (from sqlx's rows and from the money rounds' [`DirectRow`]s).

use std::str::FromStr;

use chrono::NaiveDate;

use super::db::DirectRow;
use crate::domain::{Currency, Msisdn};
use crate::store::StoreError;
use crate::store::model::{Account, AccountStatus, EntryKind, Language, LedgerEntry};

/// A row of `accounts` as the database returns it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    msisdn: String,
    status: String,
    currency: String,
    balance: i64,
    reserved: i64,
    overdraft_limit: i64,
    monthly_limit: Option<i64>,
    month_key: String,
    month_spent: i64,
    low_balance_threshold: Option<i64>,
    credit_expiry: Option<String>,
    notify_receipt: bool,
    notify_low_balance: bool,
    language: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("account {}: {what}", r.id));
        Ok(Self {
            id: r.id,
            status: AccountStatus::from_str(&r.status).map_err(corrupt)?,
            currency: Currency::from_code(&r.currency).map_err(|e| corrupt(e.to_string()))?,
            credit_expiry: r
                .credit_expiry
                .as_deref()
                .map(parse_date)
                .transpose()
                .map_err(corrupt)?,
            language: Language::from_str(&r.language).map_err(corrupt)?,
            msisdn: Msisdn::from_stored(r.msisdn),
            balance: r.balance,
            reserved: r.reserved,
            overdraft_limit: r.overdraft_limit,
            monthly_limit: r.monthly_limit,
            month: r.month_key,
            month_spent: r.month_spent,
            low_balance_threshold: r.low_balance_threshold,
            notify_receipt: r.notify_receipt,
            notify_low_balance: r.notify_low_balance,
            created_at_ms: r.created_at,
            updated_at_ms: r.updated_at,
        })
    }
}

impl DirectRow for AccountRow {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            msisdn: row.get("msisdn")?,
            status: row.get("status")?,
            currency: row.get("currency")?,
            balance: row.get("balance")?,
            reserved: row.get("reserved")?,
            overdraft_limit: row.get("overdraft_limit")?,
            monthly_limit: row.get("monthly_limit")?,
            month_key: row.get("month_key")?,
            month_spent: row.get("month_spent")?,
            low_balance_threshold: row.get("low_balance_threshold")?,
            credit_expiry: row.get("credit_expiry")?,
            notify_receipt: row.get("notify_receipt")?,
            notify_low_balance: row.get("notify_low_balance")?,
            language: row.get("language")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// A ledger row joined with its account's number.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct LedgerRow {
    id: i64,
    msisdn: String,
    kind: String,
    amount: i64,
    reserved_delta: i64,
    balance_after: i64,
    actor: String,
    reference_code: Option<String>,
    description: String,
    created_at: i64,
}

impl DirectRow for LedgerRow {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            msisdn: row.get("msisdn")?,
            kind: row.get("kind")?,
            amount: row.get("amount")?,
            reserved_delta: row.get("reserved_delta")?,
            balance_after: row.get("balance_after")?,
            actor: row.get("actor")?,
            reference_code: row.get("reference_code")?,
            description: row.get("description")?,
            created_at: row.get("created_at")?,
        })
    }
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = StoreError;
    fn try_from(r: LedgerRow) -> Result<Self, StoreError> {
        Ok(Self {
            kind: EntryKind::from_str(&r.kind)
                .map_err(|e| StoreError::Corrupt(format!("ledger {}: {e}", r.id)))?,
            id: r.id,
            msisdn: Msisdn::from_stored(r.msisdn),
            amount: r.amount,
            reserved_delta: r.reserved_delta,
            balance_after: r.balance_after,
            actor: r.actor,
            reference_code: r.reference_code,
            description: r.description,
            created_at_ms: r.created_at,
        })
    }
}

pub(in crate::store::sql) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("bad date {s:?}: {e}"))
}

impl DirectRow for crate::store::sms::OutboxRow {
    fn from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            request_id: row.get("request_id")?,
            sender: row.get("sender")?,
            address: row.get("address")?,
            part_no: row.get("part_no")?,
            data_coding: row.get("data_coding")?,
            esm_class: row.get("esm_class")?,
            body: row.get("body")?,
            receipt: row.get("receipt")?,
            attempts: row.get("attempts")?,
        })
    }
}
