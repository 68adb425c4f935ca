//! What an application may not do beyond its agreement, tried through the public bindings on both
//! backends: mint credit, get past its per-charge cap through reservations, freeze a balance with
//! a reservation renewed for ever, read accounts it has no relationship with, satisfy the
//! monitoring privacy rule with a hold that moved nothing, send from a sender it was not given,
//! make the gateway text numbers it tried to charge (SMS pumping), lock an application out or
//! replay its requests, and reach hosts through callbacks.

mod auth;
mod callbacks;
mod credits;
mod reservations;
mod scope;
mod sms;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::TestGateway;
use crate::rest_payment::{Reply, post};
use crate::soap_framework::Client;

/// OneAPI balanceUpdate of `amount` KRW to `end_user` (a path segment).
async fn rest_balance_update(
    gw: &TestGateway,
    app: &Client,
    end_user: &str,
    amount: i64,
    reference: &str,
) -> Reply {
    let body =
        json!({"balanceUpdate": {"referenceCode": reference, "balanceType": "Main", "amount": amount}});
    post(
        gw,
        &format!("/account/{end_user}/balanceUpdates"),
        Some(app),
        &body,
    )
    .await
}

/// The `(HTTP status, messageId)` of a OneAPI answer.
fn outcome(reply: &Reply) -> (StatusCode, String) {
    (reply.status, reply.exception().1.to_owned())
}

/// A OneAPI `amountReservationTransaction` body.
fn reservation_body(status: &str, amount: i64, sequence: i64, reference: Option<&str>) -> Value {
    let mut tx = json!({
        "transactionOperationStatus": status,
        "referenceSequence": sequence,
        "paymentAmount": {"chargingInformation": {"amount": amount, "currency": "KRW", "description": "Ride"}},
    });
    if let Some(reference) = reference {
        tx["referenceCode"] = json!(reference);
    }
    json!({ "amountReservationTransaction": tx })
}
