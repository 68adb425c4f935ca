//! `/admin/v1/accounts…`: provisioning subscriber accounts.
//!
//! Input is validated here, every field at once, before the store is called; the store then
//! applies each change in one transaction, so a refused request changes nothing.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

mod import;
pub use import::import;

use super::Operator;
use super::extract::{AdminJson, AdminQuery};
use super::problem::{Fields, Problem};
use super::views::{AccountPage, AccountView, LedgerPage, LedgerView, TopupView};
use crate::admin::AdminState;
use crate::domain::{Currency, Msisdn};
use crate::store::{
    AccountPatch, AccountQuery, AccountStatus, EntryKind, Language, Limits, Movement, NewAccount,
};

/// Largest page the list endpoints return.
const MAX_PAGE: i64 = 500;
/// Page size when none is asked for.
const DEFAULT_PAGE: i64 = 50;
/// Longest reference code or description accepted.
const MAX_TEXT: usize = 256;

/// `Option<Option<T>>` from JSON: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub(super) fn parse_msisdn(state: &AdminState, raw: &str) -> Result<Msisdn, Problem> {
    Msisdn::parse(raw, &state.locale().default_country_code)
        .map_err(|e| Problem::invalid_field("msisdn", e.to_string()))
}

/// Body of `POST /accounts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    msisdn: String,
    currency: Option<String>,
    balance: Option<Decimal>,
    monthly_limit: Option<Decimal>,
    low_balance_threshold: Option<Decimal>,
    credit_expiry: Option<NaiveDate>,
    overdraft_limit: Option<Decimal>,
    notify_receipt: Option<bool>,
    notify_low_balance: Option<bool>,
    language: Option<Language>,
    status: Option<AccountStatus>,
}

impl CreateAccount {
    fn validate(self, state: &AdminState, operator: &Operator) -> Result<NewAccount, Problem> {
        let mut f = Fields::default();
        let new = self.check(state, operator, &mut f, "");
        f.finish()?;
        new.ok_or_else(|| Problem::malformed("invalid input"))
    }

    /// The account to open, or `None` after recording in `f` every field that is wrong, each
    /// named `prefix` + its name.
    fn check(
        self,
        state: &AdminState,
        operator: &Operator,
        f: &mut Fields,
        prefix: &str,
    ) -> Option<NewAccount> {
        let name = |field: &str| format!("{prefix}{field}");
        let cc = &state.locale().default_country_code;
        let msisdn = f.check(&name("msisdn"), Msisdn::parse(&self.msisdn, cc));
        let currency = match &self.currency {
            Some(code) => f.check(&name("currency"), Currency::from_code(code)),
            None => Some(state.default_currency()),
        };
        let status = self.status.unwrap_or(AccountStatus::Active);
        if status == AccountStatus::Closed {
            f.push(&name("status"), "a new account is active or suspended");
        }
        let (mut opening, mut limit, mut threshold, mut overdraft) = (Some(0), None, None, Some(0));
        if let Some(c) = currency {
            let mut amount = |field: &str, v: Option<Decimal>| {
                v.map(|d| f.check(&name(field), c.to_non_negative_minor(d.normalize())))
            };
            opening = amount("balance", self.balance).unwrap_or(Some(0));
            limit = amount("monthly_limit", self.monthly_limit);
            threshold = amount("low_balance_threshold", self.low_balance_threshold);
            overdraft = amount("overdraft_limit", self.overdraft_limit).unwrap_or(Some(0));
        }
        let (Some(msisdn), Some(currency), Some(opening_balance), Some(overdraft_limit)) =
            (msisdn, currency, opening, overdraft)
        else {
            return None;
        };
        Some(NewAccount {
            msisdn,
            currency,
            opening_balance,
            monthly_limit: limit.flatten(),
            low_balance_threshold: threshold.flatten(),
            credit_expiry: self.credit_expiry,
            overdraft_limit,
            notify_receipt: self.notify_receipt.unwrap_or(true),
            notify_low_balance: self.notify_low_balance.unwrap_or(true),
            language: self.language.unwrap_or_default(),
            status,
            actor: operator.actor(),
        })
    }
}

/// `POST /accounts`
pub async fn create(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(body): AdminJson<CreateAccount>,
) -> Result<Response, Problem> {
    let new = body.validate(&state, &operator)?;
    let now = state.now();
    let account = state.store().create_account(&new, &now).await?;
    tracing::info!(operator = %operator.name, msisdn = %account.msisdn, "account created");
    let location = format!("/admin/v1/accounts/{}", account.msisdn);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(AccountView::new(&account, &now)),
    )
        .into_response())
}

/// `GET /accounts/{msisdn}`
pub async fn show(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
) -> Result<Json<AccountView>, Problem> {
    let msisdn = parse_msisdn(&state, &raw)?;
    let account = state
        .store()
        .account(&msisdn)
        .await?
        .ok_or_else(|| Problem::not_found("no account for this number"))?;
    Ok(Json(AccountView::new(&account, &state.now())))
}

/// Query of `GET /accounts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<AccountStatus>,
    limit: Option<i64>,
    after: Option<i64>,
}

fn page_size(limit: Option<i64>) -> Result<i64, Problem> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        n @ 1..=MAX_PAGE => Ok(n),
        _ => Err(Problem::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        )),
    }
}

/// `GET /accounts?status=&limit=&after=`
pub async fn list(
    State(state): State<AdminState>,
    AdminQuery(q): AdminQuery<ListQuery>,
) -> Result<Json<AccountPage>, Problem> {
    let limit = page_size(q.limit)?;
    let query = AccountQuery {
        status: q.status,
        after_id: q.after.unwrap_or(0),
        limit,
    };
    let accounts = state.store().list_accounts(&query).await?;
    let now = state.now();
    let next_after = if accounts.len() as i64 == limit {
        accounts.last().map(|a| a.id)
    } else {
        None
    };
    Ok(Json(AccountPage {
        accounts: accounts.iter().map(|a| AccountView::new(a, &now)).collect(),
        next_after,
    }))
}

/// Body of `PATCH /accounts/{msisdn}`: absent fields stay, `null` clears a nullable one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    #[serde(default, deserialize_with = "nullable")]
    monthly_limit: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    low_balance_threshold: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "nullable")]
    credit_expiry: Option<Option<NaiveDate>>,
    notify_receipt: Option<bool>,
    notify_low_balance: Option<bool>,
    language: Option<Language>,
}

impl UpdateAccount {
    fn validate(self, currency: Currency) -> Result<AccountPatch, Problem> {
        let mut f = Fields::default();
        let mut amount = |field: &str, v: Option<Option<Decimal>>| {
            v.map(|inner| inner.and_then(|d| f.check(field, currency.to_non_negative_minor(d.normalize()))))
        };
        let patch = AccountPatch {
            monthly_limit: amount("monthly_limit", self.monthly_limit),
            low_balance_threshold: amount("low_balance_threshold", self.low_balance_threshold),
            credit_expiry: self.credit_expiry,
            overdraft_limit: None,
            notify_receipt: self.notify_receipt,
            notify_low_balance: self.notify_low_balance,
            language: self.language,
        };
        f.finish()?;
        Ok(patch)
    }
}

/// `PATCH /accounts/{msisdn}`
pub async fn update(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(raw): Path<String>,
    AdminJson(body): AdminJson<UpdateAccount>,
) -> Result<Json<AccountView>, Problem> {
    let msisdn = parse_msisdn(&state, &raw)?;
    let store = state.store();
    let account = store
        .account(&msisdn)
        .await?
        .ok_or_else(|| Problem::not_found("no account for this number"))?;
    let patch = body.validate(account.currency)?;
    let now = state.now();
    let updated = store.update_account(&msisdn, &patch, &now).await?;
    tracing::info!(operator = %operator.name, %msisdn, "account updated");
    Ok(Json(AccountView::new(&updated, &now)))
}

async fn set_status(
    state: &AdminState,
    operator: &Operator,
    raw: &str,
    to: AccountStatus,
) -> Result<Json<AccountView>, Problem> {
    let msisdn = parse_msisdn(state, raw)?;
    let now = state.now();
    let account = state.store().set_status(&msisdn, to, &now).await?;
    tracing::info!(operator = %operator.name, %msisdn, status = %to, "account status set");
    Ok(Json(AccountView::new(&account, &now)))
}

/// `POST /accounts/{msisdn}/suspend`
pub async fn suspend(
    State(s): State<AdminState>,
    Extension(o): Extension<Operator>,
    Path(m): Path<String>,
) -> Result<Json<AccountView>, Problem> {
    set_status(&s, &o, &m, AccountStatus::Suspended).await
}

/// `POST /accounts/{msisdn}/resume`
pub async fn resume(
    State(s): State<AdminState>,
    Extension(o): Extension<Operator>,
    Path(m): Path<String>,
) -> Result<Json<AccountView>, Problem> {
    set_status(&s, &o, &m, AccountStatus::Active).await
}

/// `POST /accounts/{msisdn}/close`
pub async fn close(
    State(s): State<AdminState>,
    Extension(o): Extension<Operator>,
    Path(m): Path<String>,
) -> Result<Json<AccountView>, Problem> {
    set_status(&s, &o, &m, AccountStatus::Closed).await
}

/// Body of `POST /accounts/{msisdn}/topups`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topup {
    amount: Decimal,
    reference_code: String,
    currency: Option<String>,
    description: Option<String>,
}

impl Topup {
    fn validate(self, msisdn: Msisdn, currency: Currency, operator: &Operator) -> Result<Movement, Problem> {
        let mut f = Fields::default();
        if self
            .currency
            .as_deref()
            .is_some_and(|code| code != currency.code())
        {
            f.push("currency", format!("the account is in {currency}"));
        }
        let amount = f.check("amount", currency.to_positive_minor(self.amount.normalize()));
        let reference = self.reference_code.trim().to_owned();
        if reference.is_empty() || reference.len() > MAX_TEXT {
            f.push("reference_code", format!("must be 1 to {MAX_TEXT} characters"));
        }
        let description = self.description.unwrap_or_else(|| "top-up".to_owned());
        if description.len() > MAX_TEXT {
            f.push("description", format!("must be at most {MAX_TEXT} characters"));
        }
        f.finish()?;
        Ok(Movement {
            msisdn,
            kind: EntryKind::Topup,
            amount: amount.unwrap_or_default(),
            currency,
            actor: operator.actor(),
            reference_code: Some(reference),
            description,
            limits: Limits::default(),
            extend_expiry_days: None,
            screen: None,
        })
    }
}

/// `POST /accounts/{msisdn}/topups`: 201 when money moved, 200 when the reference code had
/// already been used for this same top-up.
pub async fn topup(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(raw): Path<String>,
    AdminJson(body): AdminJson<Topup>,
) -> Result<Response, Problem> {
    let msisdn = parse_msisdn(&state, &raw)?;
    let store = state.store();
    let account = store
        .account(&msisdn)
        .await?
        .ok_or_else(|| Problem::not_found("no account for this number"))?;
    let movement = body.validate(msisdn, account.currency, &operator)?;
    let now = state.now();
    let moved = store.move_money(&movement, &now).await?;
    tracing::info!(operator = %operator.name, msisdn = %movement.msisdn, amount = movement.amount, replayed = moved.replayed, "top-up");
    let status = if moved.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let view = TopupView {
        entry: LedgerView::new(&moved.entry, moved.account.currency),
        account: AccountView::new(&moved.account, &now),
        replayed: moved.replayed,
    };
    Ok((status, Json(view)).into_response())
}

/// Query of `GET /accounts/{msisdn}/ledger`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    limit: Option<i64>,
    before: Option<i64>,
}

/// `GET /accounts/{msisdn}/ledger?limit=&before=`: newest first.
pub async fn ledger(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
    AdminQuery(q): AdminQuery<LedgerQuery>,
) -> Result<Json<LedgerPage>, Problem> {
    let msisdn = parse_msisdn(&state, &raw)?;
    let limit = page_size(q.limit)?;
    let store = state.store();
    let account = store
        .account(&msisdn)
        .await?
        .ok_or_else(|| Problem::not_found("no account for this number"))?;
    let entries = store.ledger(&msisdn, q.before, limit).await?;
    let next_before = if entries.len() as i64 == limit {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Json(LedgerPage {
        msisdn: msisdn.to_string(),
        entries: entries
            .iter()
            .map(|e| LedgerView::new(e, account.currency))
            .collect(),
        next_before,
    }))
}
