//! Account Management over REST (ES 202 391-7; no OneAPI resource exists, so pxgate's own, in the
//! Payment resources' style): one handler per Parlay X operation under
//! `/oneapi/v1/account/{endUserId}`, each asking the framework for a [`Permit`] for that operation
//! and calling the `scf::account` function of the same name.
//!
//! | resource | operation |
//! |---|---|
//! | `GET …/balance` | `getBalance` |
//! | `GET …/balanceTypes` | `getBalanceTypes` |
//! | `GET …/creditExpiry` | `getCreditExpiryDate` |
//! | `GET …/history?date=&maxEntries=` | `getHistory` |
//! | `POST …/balanceUpdates` | `balanceUpdate` |
//! | `POST …/voucherUpdates` | `voucherUpdate` |
//!
//! The optional `endUserPin` travels in the `X-End-User-Pin` header, never in a URL (URLs end up in
//! logs). Must not know: the store, or how errors look on the wire.

pub(super) mod recharge;

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};

use super::account_json::{
    AccountBalance, AccountBalanceResponse, AccountHistory, AccountHistoryResponse, BalanceItem,
    CreditExpiry, CreditExpiryResponse, ExpiryItem, HistoryItem, HistoryQuery,
};
use super::error::{RequestError, RestError};
use super::{BASE, Caller, Reply, encode};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::account::{EndUser, HistoryRequest};
use crate::scf::{Scf, ScfError};

/// The header carrying `endUserPin`.
const PIN_HEADER: &str = "x-end-user-pin";

/// The subscriber of the URL, with the PIN of the request's header.
fn end_user(identifier: &str, request: &Request) -> EndUser {
    EndUser {
        identifier: identifier.to_owned(),
        pin: request
            .headers()
            .get(PIN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Authorizes `operation`, runs `call` with the permit, counts it once and answers.
async fn serve(
    state: &Gateway,
    caller: Caller,
    operation: Operation,
    call: impl AsyncFnOnce(&Scf, &Permit) -> Result<Reply, RestError>,
) -> Response {
    caller
        .serve(state, operation, async |permit| call(state.scf(), permit).await)
        .await
}

/// The scf names Parlay X message parts; here the PIN is a header and the rest are query members.
fn json_part(e: ScfError) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } if part == "endUserIdentifier" => ScfError::InvalidInput {
            part: "endUserId".to_owned(),
            reason,
        }
        .into(),
        other => other.into(),
    }
}

/// The account's balance of each type.
#[utoipa::path(get, path = "/oneapi/v1/account/{endUserId}/balance", tag = "account",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
           ("X-End-User-Pin" = Option<String>, Header, description = "The subscriber's PIN, when the account has one")),
    responses((status = 200, description = "getBalance", body = AccountBalanceResponse),
              (status = 401, description = "Not authenticated", body = RequestError),
              (status = 403, description = "Refused (POL…)", body = RequestError)),
    security(("basic" = []), ("bearer" = [])))]
pub(super) async fn get_balance(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let who = end_user(&id, &request);
    serve(
        &state,
        Caller::of(&request),
        Operation::GetBalance,
        async |scf, p| {
            let balances = scf.get_balance(p, &who).await.map_err(json_part)?;
            let body = AccountBalanceResponse {
                account_balance: AccountBalance {
                    end_user_id: id.clone(),
                    balances: balances
                        .into_iter()
                        .map(|b| BalanceItem {
                            balance_type: b.balance_type,
                            amount: b.amount,
                        })
                        .collect(),
                    resource_url: format!("{BASE}/account/{}/balance", encode(&id)),
                },
            };
            Ok(Reply::plain(Json(body).into_response()))
        },
    )
    .await
}

/// The balance types of the account.
#[utoipa::path(get, path = "/oneapi/v1/account/{endUserId}/balanceTypes", tag = "account",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
           ("X-End-User-Pin" = Option<String>, Header, description = "The subscriber's PIN")),
    responses((status = 200, description = "getBalanceTypes: `{\"balanceTypes\": [\"Main\"]}`"),
              (status = 403, description = "Refused (POL…)", body = RequestError)),
    security(("basic" = []), ("bearer" = [])))]
pub(super) async fn get_balance_types(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let who = end_user(&id, &request);
    serve(
        &state,
        Caller::of(&request),
        Operation::GetBalanceTypes,
        async |scf, p| {
            let types = scf.get_balance_types(p, &who).await.map_err(json_part)?;
            let body = serde_json::json!({ "balanceTypes": types });
            Ok(Reply::plain(Json(body).into_response()))
        },
    )
    .await
}

/// When the credit of each balance type expires.
#[utoipa::path(get, path = "/oneapi/v1/account/{endUserId}/creditExpiry", tag = "account",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
           ("X-End-User-Pin" = Option<String>, Header, description = "The subscriber's PIN")),
    responses((status = 200, description = "getCreditExpiryDate", body = CreditExpiryResponse),
              (status = 403, description = "Refused (POL…)", body = RequestError)),
    security(("basic" = []), ("bearer" = [])))]
pub(super) async fn get_credit_expiry_date(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let who = end_user(&id, &request);
    serve(
        &state,
        Caller::of(&request),
        Operation::GetCreditExpiryDate,
        async |scf, p| {
            let expiries = scf.get_credit_expiry_date(p, &who).await.map_err(json_part)?;
            let balances = expiries
                .into_iter()
                .map(|e| ExpiryItem {
                    balance_type: e.balance_type,
                    date: e.date.map(|d| d.to_rfc3339()),
                })
                .collect();
            let body = CreditExpiryResponse {
                credit_expiry: CreditExpiry {
                    end_user_id: id.clone(),
                    balances,
                },
            };
            Ok(Reply::plain(Json(body).into_response()))
        },
    )
    .await
}

/// The account's statement, most recent first.
#[utoipa::path(get, path = "/oneapi/v1/account/{endUserId}/history", tag = "account",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
           ("date" = Option<String>, Query, description = "Only entries at or before this RFC 3339 time"),
           ("maxEntries" = Option<i64>, Query, description = "At most this many (capped)"),
           ("X-End-User-Pin" = Option<String>, Header, description = "The subscriber's PIN")),
    responses((status = 200, description = "getHistory", body = AccountHistoryResponse),
              (status = 400, description = "Invalid query (SVC0002)", body = RequestError),
              (status = 403, description = "Refused (POL…)", body = RequestError)),
    security(("basic" = []), ("bearer" = [])))]
pub(super) async fn get_history(
    State(state): State<Gateway>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let who = end_user(&id, &request);
    let query = Query::<HistoryQuery>::try_from_uri(request.uri()).map(|Query(q)| q);
    serve(
        &state,
        Caller::of(&request),
        Operation::GetHistory,
        async |scf, p| {
            let query = query.map_err(|e| ScfError::invalid("query", e.body_text()))?;
            let date = match query.date.as_deref() {
                Some(d) => {
                    Some(chrono::DateTime::parse_from_rfc3339(d).map_err(|e| ScfError::invalid("date", e))?)
                }
                None => None,
            };
            let request = HistoryRequest {
                end_user: who,
                date,
                max_entries: query.max_entries,
            };
            let entries = scf.get_history(p, &request).await.map_err(json_part)?;
            let transactions = entries
                .into_iter()
                .map(|t| HistoryItem {
                    date: t.date.to_rfc3339(),
                    details: t.details,
                })
                .collect();
            let body = AccountHistoryResponse {
                account_history: AccountHistory {
                    end_user_id: id.clone(),
                    transactions,
                },
            };
            Ok(Reply::plain(Json(body).into_response()))
        },
    )
    .await
}
