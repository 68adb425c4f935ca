//! The gateway's background work, started with the listener and stopped after it drains: usage
//! counts and expired reservations (housekeeping), SMS notices, callbacks, alerts, the console's
//! metric samples and the SMPP links. Every task but the links watches one `CancellationToken`
//! and ends between steps, so nothing is cut off in the middle of a store round; the links unbind
//! (SMPP v5.0 §4.2.1).

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::App;
use super::notices::Notices;
use crate::alerts::Alerts;
use crate::callbacks::Callbacks;
use crate::domain::actor::app_or_name;
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
        tasks.spawn(backlog_gauges(
            Arc::clone(&app.store),
            Arc::clone(&app.clock),
            stop.clone(),
        ));
        // The SMS dispatcher: SMPP links draining the outbox (they retry while the SMSC is away).
        let smpp = crate::smpp::spawn(
            app.smpp.clone(),
            app.links.clone(),
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
            push_timeout: app.push.timeout(),
        };
        tasks.spawn(crate::alerts::run(alerts, stop.clone()));
        // Alerts for numbers with a device topic go to the MQTT broker first; SMS when unconfirmed.
        let push = crate::push::Push {
            store: Arc::clone(&app.store),
            clock: Arc::clone(&app.clock),
            config: app.push.clone(),
            max_parts: app.smpp.max_parts as usize,
        };
        tasks.spawn(crate::push::run(push, stop.clone()));
        // The console dashboard's samples of the metrics above.
        tasks.spawn(app.console.clone().sample(app.metrics.clone(), stop.clone()));
        Self { stop, tasks, smpp }
    }

    /// Stops every task and waits for each to finish what it holds.
    pub(super) async fn stop(mut self) {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.smpp.shutdown().await;
    }
}

/// Background duties: usage counts to the store, expired reservations released, the fraud rules
/// read again, and the subscribers' confirmation replies answered (or their time run out).
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
        fraud_duties(gateway.scf()).await;
        if let Err(e) = gateway.scf().feed_campaigns().await {
            tracing::warn!(error = %e, "feeding campaigns failed");
        }
    }
}

/// The fraud rules' share of housekeeping.
async fn fraud_duties(scf: &crate::scf::Scf) {
    if let Err(e) = scf.reload_fraud_rules().await {
        tracing::warn!(error = %e, "reading the fraud rules failed");
    }
    if let Err(e) = scf.answer_confirmations().await {
        tracing::warn!(error = %e, "answering charge confirmations failed");
    }
    match scf.expire_confirmations().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(expired = n, "unanswered charge confirmations released"),
        Err(e) => tracing::warn!(error = %e, "releasing unanswered charge confirmations failed"),
    }
    if let Err(e) = scf.prune_fraud_minutes().await {
        tracing::warn!(error = %e, "pruning the app_spread minutes failed");
    }
}

/// How often the backlog gauges are read from the store.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

/// Keeps the backlog gauges current: SMS parts waiting for the SMSC and the oldest one's age
/// (`pxgate_sms_outbox_pending_parts`, `pxgate_sms_outbox_oldest_pending_seconds`), and callbacks
/// waiting per application (`pxgate_callbacks_pending{app}`, 0 once an application's are gone).
async fn backlog_gauges(
    store: Arc<dyn crate::store::Store>,
    clock: Arc<dyn crate::domain::Clock>,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(BACKLOG_EVERY);
    let mut apps: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        #[allow(clippy::cast_precision_loss, reason = "counts and ages far below 2^52")]
        match store.outbox_backlog().await {
            Ok((parts, oldest)) => {
                let age = oldest.map_or(0, |at| (clock.now().timestamp_millis() - at).max(0) / 1_000);
                metrics::gauge!("pxgate_sms_outbox_pending_parts").set(parts as f64);
                metrics::gauge!("pxgate_sms_outbox_oldest_pending_seconds").set(age as f64);
            }
            Err(e) => tracing::warn!(error = %e, "reading the outbox backlog failed"),
        }
        match store.callback_backlog().await {
            Ok(pending) => {
                let now: std::collections::HashSet<String> =
                    pending.iter().map(|(actor, _)| actor.clone()).collect();
                for gone in apps.difference(&now) {
                    metrics::gauge!("pxgate_callbacks_pending", "app" => app_or_name(gone).to_owned())
                        .set(0.0);
                }
                #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
                for (actor, n) in &pending {
                    metrics::gauge!("pxgate_callbacks_pending", "app" => app_or_name(actor).to_owned())
                        .set(*n as f64);
                }
                apps = now;
            }
            Err(e) => tracing::warn!(error = %e, "reading the callback backlog failed"),
        }
    }
}
