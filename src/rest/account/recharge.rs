//! Recharges over REST: `POST …/balanceUpdates` (`balanceUpdate`) and `POST …/voucherUpdates`
//! (`voucherUpdate`). Both are idempotent on `referenceCode` like the Payment resources: 201 for a
//! recharge made now, 200 with the first outcome for a retry.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::super::account_json::{BalanceUpdateRequest, Recharge, RechargeResponse, VoucherUpdateRequest};
use super::super::error::{RequestError, RestError};
use super::super::{Caller, Reply, json};
use super::{end_user, serve};
use crate::domain::Currency;
use crate::framework::Operation;
use crate::gateway::Gateway;
use crate::scf::ScfError;
use crate::scf::account::{self as scf, Recharged};

/// Credits the account directly.
#[utoipa::path(post, path = "/oneapi/v1/account/{endUserId}/balanceUpdates", tag = "account",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
           ("X-End-User-Pin" = Option<String>, Header, description = "The subscriber's PIN")),
    request_body = BalanceUpdateRequest,
    responses((status = 201, description = "Credited", body = RechargeResponse),
              (status = 200, description = "A retry: the first outcome", body = RechargeResponse),
              (status = 400, description = "Invalid input (SVC0002)", body = RequestError),
              (status = 403, description = "Refused (POL…)", body = RequestError)),
    security(("basic" = []), ("bearer" = [])))]
pub(in crate::rest) async fn balance_update(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let who = end_user(&id, &request);
    let caller = Caller::of(&request);
    let decoded = json::body::<BalanceUpdateRequest>(request).await;
    let update = match decoded {
        Ok(body) => body.balance_update,
        Err(e) => return e.into_response(),
    };
    serve(&state, caller, Operation::BalanceUpdate, async |scf, p| {
        let request = scf::BalanceUpdateRequest {
            end_user: who,
            reference_code: update.reference_code.clone(),
            balance_type: update.balance_type,
            amount: update.amount,
            period: update.period,
        };
        let done = scf
            .balance_update(p, &request)
            .await
            .map_err(|e| part(e, "balanceUpdate"))?;
        answer(&id, update.reference_code, &done)
    })
    .await
}

/// Redeems a voucher onto the account.
#[utoipa::path(post, path = "/oneapi/v1/account/{endUserId}/voucherUpdates", tag = "account",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
           ("X-End-User-Pin" = Option<String>, Header, description = "The subscriber's PIN")),
    request_body = VoucherUpdateRequest,
    responses((status = 201, description = "Redeemed", body = RechargeResponse),
              (status = 200, description = "A retry: the first outcome", body = RechargeResponse),
              (status = 400, description = "Invalid input or voucher (SVC0002, SVC0251)", body = RequestError),
              (status = 403, description = "Refused (POL0220 …)", body = RequestError)),
    security(("basic" = []), ("bearer" = [])))]
pub(in crate::rest) async fn voucher_update(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let who = end_user(&id, &request);
    let caller = Caller::of(&request);
    let decoded = json::body::<VoucherUpdateRequest>(request).await;
    let update = match decoded {
        Ok(body) => body.voucher_update,
        Err(e) => return e.into_response(),
    };
    serve(&state, caller, Operation::VoucherUpdate, async |scf, p| {
        let request = scf::VoucherUpdateRequest {
            end_user: who,
            reference_code: update.reference_code.clone(),
            voucher_identifier: update.voucher_identifier,
            voucher_pin: update.voucher_pin,
        };
        let done = scf
            .voucher_update(p, &request)
            .await
            .map_err(|e| part(e, "voucherUpdate"))?;
        answer(&id, update.reference_code, &done)
    })
    .await
}

/// 201 with the recharge, or 200 when it was a retry.
fn answer(id: &str, reference_code: String, done: &Recharged) -> Result<Reply, RestError> {
    let currency = Currency::from_code(done.currency).map_err(|e| ScfError::Internal(e.to_string()))?;
    let body = RechargeResponse {
        recharge: Recharge {
            end_user_id: id.to_owned(),
            reference_code,
            amount_credited: currency.from_minor(done.amount),
            currency: done.currency.to_owned(),
        },
    };
    let status = if done.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(Reply::plain((status, Json(body)).into_response()))
}

/// Names the JSON member for the scf's Parlay X part names.
fn part(e: ScfError, root: &str) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } => {
            let part = match part.as_str() {
                "endUserIdentifier" => "endUserId".to_owned(),
                "endUserPin" => "X-End-User-Pin".to_owned(),
                other => format!("{root}.{other}"),
            };
            ScfError::InvalidInput { part, reason }.into()
        }
        other => other.into(),
    }
}
