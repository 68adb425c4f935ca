//! The gateway's background work, started with the listener and stopped after it drains: usage
//! counts and expired reservations (housekeeping), SMS notices, callbacks, alerts and the SMPP
//! links. Every task but the links watches one `CancellationToken` and ends between steps, so
//! nothing is cut off in the middle of a store round; the links unbind (SMPP v5.0 §4.2.1).

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::App;
use super::notices::Notices;
use crate::alerts::Alerts;
use crate::callbacks::Callbacks;
use crate::gateway::Gateway;
use crate::smpp::Dispatcher;
use crate::store::sms::SmsStore;

/// How often usage counts are written to the store and due reservations released.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);

/// The running background tasks.
pub(super) struct Tasks {
    stop: CancellationToken,
    tasks: JoinSet<()>,
    smpp: Dispatcher,
}

impl Tasks {
    /// Starts every background task of `app`.
    pub(super) fn start(app: &App) -> Self {
        let stop = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(housekeeping(app.gateway.clone(), stop.clone()));
        // The SMS dispatcher: SMPP links draining the outbox (they retry while the SMSC is away).
        let smpp = crate::smpp::spawn(
            app.smpp.clone(),
            app.outbox.clone(),
            Arc::clone(&app.store) as Arc<dyn SmsStore>,
            Arc::clone(&app.clock),
        );
        // Received SMS are routed; delivery receipts and received messages due to applications
        // become callbacks, written by the binding the application used...
        let notices = Notices {
            scf: Arc::clone(&app.scf),
            callbacks: app.callbacks.clone(),
            clock: Arc::clone(&app.clock),
        };
        tasks.spawn(super::notices::run(notices, stop.clone()));
        // ...and every callback is delivered from the store, retried, given up visibly.
        let callbacks = Callbacks {
            store: Arc::clone(&app.store),
            config: app.callbacks.clone(),
            clock: Arc::clone(&app.clock),
        };
        tasks.spawn(crate::callbacks::run(callbacks, stop.clone()));
        // Subscriber alerts and account notifications, decided from the ledger after each charge.
        let alerts = Alerts {
            store: Arc::clone(&app.store),
            scf: Arc::clone(&app.scf),
            clock: Arc::clone(&app.clock),
            locale: app.locale.clone(),
            config: app.alerts.clone(),
            callbacks: app.callbacks.clone(),
            max_parts: app.smpp.max_parts as usize,
            writers: crate::soap::monitoring_xml::NOTICE_WRITERS,
        };
        tasks.spawn(crate::alerts::run(alerts, stop.clone()));
        Self { stop, tasks, smpp }
    }

    /// Stops every task and waits for each to finish what it holds.
    pub(super) async fn stop(mut self) {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.smpp.shutdown().await;
    }
}

/// Background duties: usage counts to the store, expired reservations released.
async fn housekeeping(gateway: Gateway, stop: CancellationToken) {
    let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        gateway.framework().flush_usage().await;
        match gateway.scf().expire_reservations().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "expired reservations released"),
            Err(e) => tracing::warn!(error = %e, "releasing expired reservations failed"),
        }
    }
}
