//! `/admin/v1/vouchers` and `/admin/v1/accounts/{msisdn}/pin`: what the operator provisions for
//! Account Management (ES 202 391-7 `voucherUpdate` and `endUserPin`).
//!
//! Vouchers are issued in batches; their codes are in the answer to the `POST` and nowhere else
//! (the store keeps only digests). A PIN is set or cleared per account; clearing (or setting) it
//! also ends a lock-out after too many wrong PINs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Operator;
use super::extract::{AdminJson, AdminQuery};
use super::problem::{Fields, Problem};
use crate::admin::AdminState;
use crate::domain::{Currency, Msisdn};
use crate::scf::account::{new_voucher_code, seal_pin, voucher_digest};
use crate::store::vouchers::{NewVoucher, Voucher, VoucherStatus};

/// Most vouchers issued by one request.
const MAX_BATCH: u32 = 1000;
/// Largest page of the listing.
const MAX_PAGE: i64 = 500;
/// Shortest and longest PIN accepted.
const PIN_LENGTH: std::ops::RangeInclusive<usize> = 4..=12;

/// Body of `POST /vouchers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateVouchers {
    count: u32,
    value: Decimal,
    currency: Option<String>,
    expires_on: NaiveDate,
    batch: Option<String>,
}

/// One voucher as the admin API shows it.
#[derive(Debug, Serialize)]
pub struct VoucherView {
    serial: i64,
    batch: String,
    value: Decimal,
    currency: &'static str,
    expires_on: NaiveDate,
    status: VoucherStatus,
    used_by: Option<String>,
    used_at_ms: Option<i64>,
    /// Only in the answer to the `POST` that issued it.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
}

impl VoucherView {
    fn new(v: &Voucher, code: Option<String>) -> Self {
        Self {
            serial: v.serial,
            batch: v.batch.clone(),
            value: v.currency.from_minor(v.value),
            currency: v.currency.code(),
            expires_on: v.expires_on,
            status: v.status,
            used_by: v.used_by.as_ref().map(|m| m.as_str().to_owned()),
            used_at_ms: v.used_at_ms,
            code,
        }
    }
}

/// `POST /vouchers`: issues `count` vouchers of one value; answers their codes, once.
pub async fn create(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(body): AdminJson<CreateVouchers>,
) -> Result<Response, Problem> {
    let now = state.now();
    let mut f = Fields::default();
    if !(1..=MAX_BATCH).contains(&body.count) {
        f.push("count", format!("must be 1 to {MAX_BATCH}"));
    }
    let currency = match body.currency.as_deref() {
        Some(code) => f.check("currency", Currency::from_code(code)),
        None => Some(state.default_currency()),
    };
    let value = currency.and_then(|c| f.check("value", c.to_positive_minor(body.value.normalize())));
    if body.expires_on < now.today {
        f.push("expires_on", "must not be in the past");
    }
    f.finish()?;
    let (Some(currency), Some(value)) = (currency, value) else {
        return Err(Problem::invalid_field("value", "invalid"));
    };
    let batch = body
        .batch
        .unwrap_or_else(|| format!("{}-{}", operator.name, now.at_ms));
    let codes: Vec<String> = (0..body.count).map(|_| new_voucher_code()).collect();
    let new: Vec<NewVoucher> = codes
        .iter()
        .map(|code| NewVoucher {
            code_sha256: voucher_digest(state.scf().pepper(), code),
            batch: batch.clone(),
            currency,
            value,
            expires_on: body.expires_on,
        })
        .collect();
    let issued = state.store().create_vouchers(&new, &now).await?;
    tracing::info!(operator = %operator.name, batch = %batch, count = issued.len(), "vouchers issued");
    let views: Vec<VoucherView> = issued
        .iter()
        .zip(codes)
        .map(|(v, code)| VoucherView::new(v, Some(code)))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "vouchers": views })),
    )
        .into_response())
}

/// Query of `GET /vouchers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListVouchers {
    status: Option<VoucherStatus>,
    after: Option<i64>,
    limit: Option<i64>,
}

/// `GET /vouchers?status=unused|used|expired&after=&limit=`: vouchers by serial, without codes.
pub async fn list(
    State(state): State<AdminState>,
    AdminQuery(q): AdminQuery<ListVouchers>,
) -> Result<Json<serde_json::Value>, Problem> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::invalid_field(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    let now = state.now();
    let list = state
        .store()
        .vouchers(q.status, q.after.unwrap_or(0), limit, &now)
        .await?;
    let next_after = (list.len() as i64 == limit)
        .then(|| list.last().map(|v| v.serial))
        .flatten();
    let views: Vec<VoucherView> = list.iter().map(|v| VoucherView::new(v, None)).collect();
    Ok(Json(
        serde_json::json!({ "vouchers": views, "next_after": next_after }),
    ))
}

/// Body of `PUT /accounts/{msisdn}/pin`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPin {
    pin: String,
}

fn parse_msisdn(state: &AdminState, raw: &str) -> Result<Msisdn, Problem> {
    Msisdn::parse(raw, &state.locale().default_country_code)
        .map_err(|e| Problem::invalid_field("msisdn", e.to_string()))
}

/// `PUT /accounts/{msisdn}/pin`: sets the end-user PIN (digits) and clears any lock-out.
pub async fn set_pin(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(raw): Path<String>,
    AdminJson(body): AdminJson<SetPin>,
) -> Result<StatusCode, Problem> {
    let msisdn = parse_msisdn(&state, &raw)?;
    let pin = body.pin.trim();
    if !PIN_LENGTH.contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(Problem::invalid_field("pin", "must be 4 to 12 digits"));
    }
    let (salt, digest) = seal_pin(state.scf().pepper(), pin);
    state
        .store()
        .set_pin(&msisdn, &salt, &digest, &state.now())
        .await?;
    tracing::info!(operator = %operator.name, msisdn = %msisdn, "end-user PIN set");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /accounts/{msisdn}/pin`: removes the PIN, and with it any lock-out.
pub async fn clear_pin(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(raw): Path<String>,
) -> Result<StatusCode, Problem> {
    let msisdn = parse_msisdn(&state, &raw)?;
    state.store().clear_pin(&msisdn).await?;
    tracing::info!(operator = %operator.name, msisdn = %msisdn, "end-user PIN cleared");
    Ok(StatusCode::NO_CONTENT)
}
