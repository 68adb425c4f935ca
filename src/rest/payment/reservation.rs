//! Amount reservations over OneAPI (parlayx-spec §5.3, "Reserve" … "Release"): the collection
//! `…/transactions/amountReservation` makes one (`reserveAmount`), and each reservation's URL takes
//! `Reserved` (`reserveAdditionalAmount`), `Charged` (`chargeReservation`) and `Released`
//! (`releaseReservation`).
//!
//! `referenceSequence` must be a positive integer; its order is not enforced (the store already
//! serializes the operations on one reservation). The `{endUserId}` of a reservation's URL is
//! echoed, not compared with the reservation's account: only the application that made a
//! reservation can use it at all.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::error::{RequestError, RestError};
use super::super::payment_json::{
    PaymentAmountIn, PaymentAmountOut, ReservationIn, ReservationOut, ReservationRequest,
    ReservationResponse, ReservationStatus,
};
use super::super::{Caller, Reply, json, resource_url};
use super::{charging, json_part, same_user};
use crate::framework::{Operation, Permit};
use crate::gateway::Gateway;
use crate::scf::payment as scf;
use crate::scf::{Scf, ScfError};

const ROOT: &str = "amountReservationTransaction";

/// Reserves an amount (`Reserved`); 201 with the reservation, whose `serverReferenceCode` is its
/// identifier.
#[utoipa::path(
    post,
    path = "/oneapi/v1/payment/{endUserId}/transactions/amountReservation",
    tag = "payment",
    params(("endUserId" = String, Path, description = "The subscriber (URL-encoded)")),
    request_body = ReservationRequest,
    responses(
        (status = 201, description = "Reserved", body = ReservationResponse),
        (status = 400, description = "Invalid input (SVC0002, SVC0007)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Refused by a policy (POL…)", body = RequestError),
        (status = 429, description = "Request rate exceeded (POL1100)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn amount_reservation(
    State(state): State<Gateway>,
    Path(end_user): Path<String>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    let tx = match json::body::<ReservationRequest>(request).await {
        Ok(body) => body.amount_reservation_transaction,
        Err(e) => return e.into_response(),
    };
    if tx.transaction_operation_status != ReservationStatus::Reserved {
        let part = format!("{ROOT}.transactionOperationStatus");
        return RestError::from(ScfError::invalid(part, "only Reserved makes a reservation")).into_response();
    }
    caller
        .serve(&state, Operation::ReserveAmount, async |permit| {
            reserve(state.scf(), permit, &end_user, tx).await
        })
        .await
}

/// Reserves more (`Reserved`), charges (`Charged`) or releases (`Released`) a reservation; 200.
#[utoipa::path(
    post,
    path = "/oneapi/v1/payment/{endUserId}/transactions/amountReservation/{transactionId}",
    tag = "payment",
    params(
        ("endUserId" = String, Path, description = "The subscriber (URL-encoded)"),
        ("transactionId" = String, Path, description = "The reservation's serverReferenceCode"),
    ),
    request_body = ReservationRequest,
    responses(
        (status = 200, description = "Done", body = ReservationResponse),
        (status = 400, description = "Invalid input or unknown reservation (SVC0002, SVC0007)", body = RequestError),
        (status = 401, description = "Not authenticated", body = RequestError),
        (status = 403, description = "Refused by a policy (POL…)", body = RequestError),
        (status = 429, description = "Request rate exceeded (POL1100)", body = RequestError),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(in crate::rest) async fn reservation_update(
    State(state): State<Gateway>,
    Path((end_user, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let caller = Caller::of(&request);
    let tx = match json::body::<ReservationRequest>(request).await {
        Ok(body) => body.amount_reservation_transaction,
        Err(e) => return e.into_response(),
    };
    let operation = match tx.transaction_operation_status {
        ReservationStatus::Reserved => Operation::ReserveAdditionalAmount,
        ReservationStatus::Charged => Operation::ChargeAmountReservation,
        ReservationStatus::Released => Operation::ReleaseAmountReservation,
    };
    caller
        .serve(&state, operation, async |permit| {
            update(state.scf(), permit, &end_user, &id, tx).await
        })
        .await
}

/// `reserveAmount`.
async fn reserve(scf: &Scf, p: &Permit, end_user: &str, tx: ReservationIn) -> Result<Reply, RestError> {
    same_user(end_user, tx.end_user_id.as_deref(), ROOT)?;
    sequence(tx.reference_sequence)?;
    let amount = required_amount(tx.payment_amount.as_ref())?;
    let request = scf::ReserveAmountRequest {
        end_user: end_user.to_owned(),
        charge: charging(&amount.charging_information),
    };
    let id = scf
        .reserve_amount(p, &request)
        .await
        .map_err(|e| json_part(e, ROOT))?;
    let reserved = amount.charging_information.amount;
    let out = answer(end_user, &id, tx, |a| a.amount_reserved = reserved);
    let url = out.amount_reservation_transaction.resource_url.clone();
    let response = (StatusCode::CREATED, [(header::LOCATION, url)], Json(out)).into_response();
    Ok(Reply::plain(response))
}

/// `reserveAdditionalAmount`, `chargeReservation` or `releaseReservation`.
async fn update(
    scf: &Scf,
    p: &Permit,
    end_user: &str,
    id: &str,
    tx: ReservationIn,
) -> Result<Reply, RestError> {
    same_user(end_user, tx.end_user_id.as_deref(), ROOT)?;
    sequence(tx.reference_sequence)?;
    let reservation_id = id.to_owned();
    match tx.transaction_operation_status {
        ReservationStatus::Reserved => {
            let amount = required_amount(tx.payment_amount.as_ref())?;
            let charge = charging(&amount.charging_information);
            let reserved = charge.amount;
            let request = scf::AdjustAmountRequest {
                reservation_id,
                charge,
            };
            scf.reserve_additional_amount(p, &request)
                .await
                .map_err(|e| json_part(e, ROOT))?;
            let out = answer(end_user, id, tx, |a| a.amount_reserved = reserved);
            Ok(Reply::plain(Json(out).into_response()))
        }
        ReservationStatus::Charged => {
            let amount = required_amount(tx.payment_amount.as_ref())?;
            let reference_code = tx.reference_code.clone().unwrap_or_default();
            if reference_code.trim().is_empty() {
                let part = format!("{ROOT}.referenceCode");
                return Err(ScfError::invalid(part, "required for Charged").into());
            }
            let request = scf::ChargeAmountReservationRequest {
                reservation_id,
                charge: charging(&amount.charging_information),
                reference_code,
            };
            let charged = scf
                .charge_amount_reservation(p, &request)
                .await
                .map_err(|e| json_part(e, ROOT))?;
            let out = answer(end_user, id, tx, |a| {
                a.total_amount_charged = Some(charged.amount)
            });
            Ok(Reply::moved(Json(out).into_response(), &charged, 1))
        }
        ReservationStatus::Released => {
            scf.release_reservation(p, id)
                .await
                .map_err(|e| json_part(e, ROOT))?;
            Ok(Reply::plain(
                Json(answer(end_user, id, tx, |_| {})).into_response(),
            ))
        }
    }
}

/// The `amountReservationTransaction` answering `tx` on reservation `id`; `fill` sets the amounts.
fn answer(
    end_user: &str,
    id: &str,
    tx: ReservationIn,
    fill: impl FnOnce(&mut PaymentAmountOut),
) -> ReservationResponse {
    let payment_amount = tx.payment_amount.map(|a| {
        let mut out = PaymentAmountOut {
            charging_information: a.charging_information,
            charging_meta_data: a.charging_meta_data,
            total_amount_charged: None,
            amount_reserved: None,
        };
        fill(&mut out);
        out
    });
    ReservationResponse {
        amount_reservation_transaction: ReservationOut {
            end_user_id: end_user.to_owned(),
            payment_amount,
            reference_code: tx.reference_code,
            reference_sequence: tx.reference_sequence,
            server_reference_code: id.to_owned(),
            resource_url: resource_url(end_user, "amountReservation", id),
            transaction_operation_status: tx.transaction_operation_status,
            client_correlator: tx.client_correlator,
        },
    }
}

/// parlayx-spec §5.3: `referenceSequence` is 1 for the first call and counts up; only its sign is
/// checked here.
fn sequence(n: i64) -> Result<(), RestError> {
    if n >= 1 {
        Ok(())
    } else {
        let part = format!("{ROOT}.referenceSequence");
        Err(ScfError::invalid(part, "must be a positive integer").into())
    }
}

fn required_amount(amount: Option<&PaymentAmountIn>) -> Result<&PaymentAmountIn, RestError> {
    amount.ok_or_else(|| {
        let part = format!("{ROOT}.paymentAmount");
        ScfError::invalid(part, "required for Reserved and Charged").into()
    })
}
