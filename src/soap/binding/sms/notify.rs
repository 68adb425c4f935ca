//! The SOAP client side of SMS: sends the notifySmsDeliveryReceipt that `scf::sms` says are due to
//! the applications' SmsNotification endpoints (ES 202 391-4 §8.3), SOAP 1.1, and reports each
//! outcome back. Runs as one background task; every notification is durable until delivered.

use std::time::Duration;

use crate::scf::sms::DueReceipt;
use crate::server::AppState;
use crate::soap::sms_xml::notify_sms_delivery_receipt;

/// How often due notifications are looked for.
const POLL: Duration = Duration::from_millis(100);
/// Longest wait for an application's endpoint.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Notifications taken per poll.
const BATCH: i64 = 50;

/// Sends due delivery-receipt notifications until the task is aborted.
pub async fn run(state: AppState) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: SMS notifications are off");
            return;
        }
    };
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        let due = match state.scf().due_delivery_receipts(BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "reading due SMS notifications failed");
                continue;
            }
        };
        for receipt in &due {
            let delivered = send(&client, receipt).await;
            if let Err(e) = state.scf().delivery_receipt_sent(receipt, delivered).await {
                tracing::warn!(error = %e, "recording an SMS notification failed");
            }
        }
    }
}

/// One POST; any 2xx is delivered (the response body is empty by the WSDL).
async fn send(client: &reqwest::Client, receipt: &DueReceipt) -> bool {
    let n = &receipt.notice;
    let body = notify_sms_delivery_receipt(
        &n.correlator,
        &receipt.information.address,
        receipt.information.status.as_str(),
    );
    let result = client
        .post(&n.endpoint)
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", "\"\"")
        .body(body)
        .send()
        .await;
    match result {
        Ok(response) if response.status().is_success() => true,
        Ok(response) => {
            tracing::warn!(endpoint = n.endpoint, status = %response.status(), "SMS notification refused");
            false
        }
        Err(e) => {
            tracing::warn!(endpoint = n.endpoint, error = %e, "SMS notification not delivered");
            false
        }
    }
}
