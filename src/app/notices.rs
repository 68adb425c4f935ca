//! SMS notifications due to applications, handed to the callback queue: delivery receipts of
//! requests that asked for them, and received messages routed to a subscription. Each is written
//! by the binding the application used (`NotifyFormat`: SOAP envelopes or OneAPI JSON) and queued
//! in the transaction that marks it handed over, so it is neither lost nor queued twice;
//! `callbacks::run` delivers it.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::callbacks::{CallbackConfig, Payload, new_callback};
use crate::domain::Clock;
use crate::scf::sms::NotifyFormat;
use crate::scf::{Scf, ScfError};

/// How often due notifications are looked for (received messages are routed at the same pace).
const POLL: Duration = Duration::from_millis(100);
/// Notifications of one kind and format taken per look.
const BATCH: i64 = 50;

/// What the notices task reads.
pub(super) struct Notices {
    pub(super) scf: Arc<Scf>,
    pub(super) callbacks: CallbackConfig,
    pub(super) clock: Arc<dyn Clock>,
}

/// Hands due SMS notifications to the callback queue until `stop` is cancelled.
pub(super) async fn run(state: Notices, stop: CancellationToken) {
    let state = &state;
    let mut tick = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        for format in [
            NotifyFormat::Soap,
            NotifyFormat::Json,
            NotifyFormat::Kannel,
            NotifyFormat::Jasmin,
        ] {
            if let Err(e) = receipts(state, format).await {
                tracing::warn!(error = %e, ?format, "queueing delivery-receipt notifications failed");
            }
        }
        // Received messages are pushed only as Parlay X and OneAPI notifications.
        let writers: [(NotifyFormat, ReceptionWriter); 2] = [
            (NotifyFormat::Soap, crate::soap::binding::sms_notices::reception),
            (NotifyFormat::Json, crate::rest::sms_notices::reception),
        ];
        for (format, write) in writers {
            if let Err(e) = receptions(state, format, write).await {
                tracing::warn!(error = %e, ?format, "queueing received-SMS notifications failed");
            }
        }
    }
}

async fn receipts(state: &Notices, format: NotifyFormat) -> Result<(), ScfError> {
    for receipt in state.scf.due_delivery_receipts(format, BATCH).await? {
        let n = &receipt.notice;
        let written = match format {
            NotifyFormat::Soap => {
                let (kind, payload) = crate::soap::binding::sms_notices::delivery_receipt(&receipt);
                Some((kind, payload, n.endpoint.clone()))
            }
            NotifyFormat::Json => {
                let (kind, payload) = crate::rest::sms_notices::delivery_receipt(&receipt);
                Some((kind, payload, n.endpoint.clone()))
            }
            NotifyFormat::Kannel => {
                let now_secs = state.clock.now().timestamp();
                crate::compat::kannel::delivery_report(&receipt, now_secs)
            }
            NotifyFormat::Jasmin => Some(crate::compat::jasmin::delivery_report(
                &receipt,
                state.clock.now(),
            )),
        };
        let callback =
            written.map(|(kind, payload, endpoint)| callback(state, &n.actor, kind, &endpoint, payload));
        state
            .scf
            .hand_over_delivery_receipt(&receipt, callback.as_ref())
            .await?;
    }
    Ok(())
}

/// A binding's writer of a received-message notification.
type ReceptionWriter = fn(&crate::scf::sms::DueSmsReception) -> (&'static str, Payload);

async fn receptions(state: &Notices, format: NotifyFormat, write: ReceptionWriter) -> Result<(), ScfError> {
    for reception in state.scf.due_sms_receptions(format, BATCH).await? {
        let (kind, payload) = write(&reception);
        let callback = callback(state, &reception.actor, kind, &reception.endpoint, payload);
        state.scf.hand_over_sms_reception(&reception, &callback).await?;
    }
    Ok(())
}

fn callback(
    state: &Notices,
    actor: &str,
    kind: &str,
    endpoint: &str,
    payload: Payload,
) -> crate::store::callbacks::NewCallback {
    new_callback(
        &state.callbacks,
        actor,
        kind,
        endpoint,
        payload,
        state.clock.now().timestamp_millis(),
    )
}
