//! The Payment resources of OneAPI (parlayx-spec §5.3): one handler per resource, each decoding
//! its `payment_json` body, asking the framework for a [`Permit`] for the Parlay X operation the
//! `transactionOperationStatus` names, calling the `scf::payment` function of that operation, and
//! writing the answer.
//!
//! | resource | status | operation |
//! |---|---|---|
//! | `POST …/transactions/amount` | `Charged` / `Refunded` | `chargeAmount` / `refundAmount` |
//! | `POST …/transactions/amountReservation` | `Reserved` | `reserveAmount` |
//! | `POST …/amountReservation/{transactionId}` | `Reserved` / `Charged` / `Released` | `reserveAdditionalAmount` / `chargeReservation` / `releaseReservation` |
//!
//! Must not know: the store, or how errors look on the wire (that is [`super::error`]).

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::{RequestError, RestError};
use super::payment_json::{
    AmountStatus, AmountTransactionIn, AmountTransactionOut, AmountTransactionRequest,
    AmountTransactionResponse, ChargingInformation, PaymentAmountOut,
};
use super::{Caller, Reply, json, resource_url};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::payment as scf;
use crate::scf::{Scf, ScfError};
use crate::store::EntryKind;

pub(super) mod reservation;

/// Charges (`Charged`) or refunds (`Refunded`) an amount. 201 with the transaction; 200 with the
/// first outcome when `referenceCode` was used before for the same request.
#[utoipa::path(
    post,
    path = "/oneapi/v1/payment/{endUserId}/transactions/amount",
    tag = "payment",
    params(("endUserId" = String, Path, description = "The subscriber, e.g. `tel:+821012345678` (URL-encoded)")),
    request_body = AmountTransactionRequest,
    responses(
        (status = 201, description = "Charged or refunded", body = AmountTransactionResponse),
        (status = 200, description = "A retry: the first outcome, nothing moved now", body = AmountTransactionResponse),
        (status = 400, description = "Invalid input (SVC0002, SVC0007)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Refused by a policy (POL…)", body = RequestError),
        (status = 429, description = "Request rate exceeded (POL1100)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn amount_transaction(
    State(state): State<Gateway>,
    Path(end_user): Path<String>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    let body: AmountTransactionRequest = match json::body_or_form(request).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let tx = body.amount_transaction;
    let operation = match tx.transaction_operation_status {
        // `Pending` is never read from a request (`skip_deserializing`).
        AmountStatus::Charged | AmountStatus::Pending => Operation::ChargeAmount,
        AmountStatus::Refunded => Operation::RefundAmount,
    };
    caller
        .serve(&state, operation, async |permit| {
            charge_or_refund(state.scf(), permit, &end_user, tx).await
        })
        .await
}

/// `chargeAmount` or `refundAmount`, and the `amountTransaction` that answers it.
async fn charge_or_refund(
    scf: &Scf,
    p: &Permit,
    end_user: &str,
    tx: AmountTransactionIn,
) -> Result<Reply, RestError> {
    const ROOT: &str = "amountTransaction";
    same_user(end_user, tx.end_user_id.as_deref(), ROOT)?;
    let request = scf::AmountRequest {
        end_user: end_user.to_owned(),
        charge: charging(&tx.payment_amount.charging_information),
        reference_code: tx.reference_code.clone(),
    };
    let (charged, sign) = match tx.transaction_operation_status {
        AmountStatus::Charged => match scf.charge_amount(p, &request).await {
            Err(ScfError::ConfirmationPending { .. }) => return Ok(pending(end_user, tx)),
            charged => (charged, 1),
        },
        AmountStatus::Pending => {
            let part = format!("{ROOT}.transactionOperationStatus");
            return Err(ScfError::invalid(part, "not a request").into());
        }
        AmountStatus::Refunded => {
            // OneAPI POL1005 makes this mandatory; here it is SVC0002 naming the field.
            let original = tx.original_server_reference_code.as_deref().unwrap_or("");
            if original.trim().is_empty() {
                let part = format!("{ROOT}.originalServerReferenceCode");
                return Err(ScfError::invalid(part, "required for Refunded").into());
            }
            (scf.refund_amount(p, &request).await, -1)
        }
    };
    let charged = charged.map_err(|e| json_part(e, ROOT))?;
    let id = charged.entry_id.to_string();
    let url = resource_url(end_user, "amount", &id);
    let out = AmountTransactionOut {
        end_user_id: end_user.to_owned(),
        payment_amount: PaymentAmountOut {
            charging_information: tx.payment_amount.charging_information,
            charging_meta_data: tx.payment_amount.charging_meta_data,
            total_amount_charged: Some(charged.amount),
            amount_reserved: None,
        },
        reference_code: tx.reference_code,
        server_reference_code: id,
        resource_url: url.clone(),
        transaction_operation_status: tx.transaction_operation_status,
        client_correlator: tx.client_correlator,
        original_server_reference_code: tx.original_server_reference_code,
    };
    // A retried request is answered with the first outcome (200); a new one is created (201).
    let status = if charged.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = Json(AmountTransactionResponse {
        amount_transaction: out,
    });
    let response = (status, [(header::LOCATION, url)], body).into_response();
    Ok(Reply::moved(response, &charged, sign))
}

/// 202 `Pending`: a fraud rule holds the charge until the subscriber confirms it by SMS
/// (docs/guides/fraud.md); nothing is charged yet, so no ledger entry names it.
fn pending(end_user: &str, tx: AmountTransactionIn) -> Reply {
    let out = AmountTransactionOut {
        end_user_id: end_user.to_owned(),
        payment_amount: PaymentAmountOut {
            charging_information: tx.payment_amount.charging_information,
            charging_meta_data: tx.payment_amount.charging_meta_data,
            total_amount_charged: None,
            amount_reserved: None,
        },
        reference_code: tx.reference_code,
        server_reference_code: String::new(),
        resource_url: resource_url(end_user, "amount", ""),
        transaction_operation_status: AmountStatus::Pending,
        client_correlator: tx.client_correlator,
        original_server_reference_code: None,
    };
    let body = Json(AmountTransactionResponse {
        amount_transaction: out,
    });
    Reply::plain((StatusCode::ACCEPTED, body).into_response())
}

/// Reads back a charge or refund this application made (no Parlay X operation does this; it is
/// authorized as `chargeAmount`). 404 for anything else.
#[utoipa::path(
    get,
    path = "/oneapi/v1/payment/{endUserId}/transactions/amount/{serverReferenceCode}",
    tag = "payment",
    params(
        ("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
        ("serverReferenceCode" = String, Path, description = "The transaction's serverReferenceCode"),
    ),
    responses(
        (status = 200, description = "The transaction", body = AmountTransactionResponse),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 404, description = "No such transaction of this application", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(super) async fn amount_transaction_lookup(
    State(state): State<Gateway>,
    Path((end_user, code)): Path<(String, String)>,
    request: Request,
) -> Response {
    Caller::of(&request)
        .serve(&state, Operation::ChargeAmount, async |permit| {
            lookup(state.scf(), permit, &end_user, &code).await
        })
        .await
}

async fn lookup(scf: &Scf, p: &Permit, end_user: &str, code: &str) -> Result<Reply, RestError> {
    let id = code.parse::<i64>().map_err(|_| RestError::NotFound)?;
    let found = scf
        .amount_transaction(p, end_user, id)
        .await
        .map_err(|e| json_part(e, "amountTransaction"))?;
    let t = found.ok_or(RestError::NotFound)?;
    let status = match t.kind {
        EntryKind::Refund => AmountStatus::Refunded,
        _ => AmountStatus::Charged,
    };
    let out = AmountTransactionOut {
        end_user_id: end_user.to_owned(),
        payment_amount: PaymentAmountOut {
            charging_information: ChargingInformation {
                description: t.description,
                currency: Some(t.currency.code().to_owned()),
                amount: Some(t.amount),
                code: None,
            },
            charging_meta_data: None,
            total_amount_charged: Some(t.amount),
            amount_reserved: None,
        },
        reference_code: t.reference_code.unwrap_or_default(),
        server_reference_code: code.to_owned(),
        resource_url: resource_url(end_user, "amount", code),
        transaction_operation_status: status,
        client_correlator: None,
        original_server_reference_code: None,
    };
    let body = Json(AmountTransactionResponse {
        amount_transaction: out,
    });
    Ok(Reply::plain(body.into_response()))
}

/// The scf's charging information from the wire's.
fn charging(c: &ChargingInformation) -> scf::ChargingInformation {
    scf::ChargingInformation {
        description: c.description.clone(),
        currency: c.currency.clone(),
        amount: c.amount,
        code: c.code.clone(),
    }
}

/// A body's `endUserId`, when given, must name the subscriber of the URL.
fn same_user(url: &str, body: Option<&str>, root: &str) -> Result<(), RestError> {
    match body {
        Some(named) if named != url => {
            let part = format!("{root}.endUserId");
            Err(ScfError::invalid(part, "differs from the endUserId of the URL").into())
        }
        _ => Ok(()),
    }
}

/// The scf names message parts as Parlay X does; name the JSON members instead.
fn json_part(e: ScfError, root: &str) -> RestError {
    match e {
        ScfError::InvalidInput { part, reason } => {
            let part = match part.as_str() {
                "endUserIdentifier" => "endUserId".to_owned(),
                "referenceCode" => format!("{root}.referenceCode"),
                "description" => format!("{root}.paymentAmount.chargingInformation.description"),
                _ => part,
            };
            ScfError::InvalidInput { part, reason }.into()
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scf_parts_are_renamed_to_json_members() {
        let renamed = |part: &str| match json_part(ScfError::invalid(part, "x"), "amountTransaction") {
            RestError::Scf(ScfError::InvalidInput { part, .. }) => part,
            other => panic!("{other:?}"),
        };
        assert_eq!(renamed("endUserIdentifier"), "endUserId");
        assert_eq!(renamed("referenceCode"), "amountTransaction.referenceCode");
        assert_eq!(renamed("other"), "other");
        assert!(same_user("tel:+1", Some("tel:+2"), "x").is_err());
        assert!(same_user("tel:+1", None, "x").is_ok());
    }
}
