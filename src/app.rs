//! The composition root: [`App::build`] wires every part from validated configuration, an open
//! store and a clock, and [`run`] serves it on an already-bound listener until a shutdown future
//! completes.
//!
//! Each part gets exactly what it reads: the bindings a [`Gateway`], the admin API an
//! [`AdminState`], the SMPP links, callbacks and alerts their own small structs. Nothing outside
//! this module names the whole; nothing here reads the environment or binds a socket, so tests
//! bind port 0 and run the whole gateway in-process.

#[cfg(test)]
mod amount_parity;
mod listener;
mod notices;
mod router;
mod tasks;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use crate::admin::{AdminParts, AdminState, OperatorTokens};
use crate::alerts::AlertsConfig;
use crate::callbacks::CallbackConfig;
use crate::config::{Config, HttpConfig};
use crate::crypto::Pepper;
use crate::domain::{Clock, Locale};
use crate::framework::Framework;
use crate::gateway::Gateway;
use crate::outbox::Outbox;
use crate::scf::{Scf, ScfSettings};
use crate::smpp::{Links, SmppConfig};
use crate::store::Store;

/// The whole gateway, wired, before it serves.
pub struct App {
    gateway: Gateway,
    admin: AdminState,
    console: crate::console::ConsoleState,
    scf: Arc<Scf>,
    outbox: Outbox,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    locale: Locale,
    metrics: PrometheusHandle,
    http: HttpConfig,
    xml_limits: crate::soap::envelope::Limits,
    smpp: SmppConfig,
    links: Links,
    callbacks: CallbackConfig,
    alerts: AlertsConfig,
    push: crate::push::PushConfig,
}

impl App {
    /// Wires every part from validated configuration, an open store and a clock.
    pub fn build(
        config: &Config,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        operators: OperatorTokens,
    ) -> Result<Self, String> {
        let framework = Framework::new(&config.framework, Arc::clone(&store), Arc::clone(&clock))?;
        let settings = ScfSettings {
            reservation_ttl: Duration::from_secs(config.payment.reservation_ttl_secs),
            reservation_max_lifetime: Duration::from_secs(config.payment.reservation_max_lifetime_secs),
            smpp: config.smpp.clone(),
            account: config.account.clone(),
            pepper: Pepper::from_base64(config.framework.secret_key.as_deref().unwrap_or_default())
                .map_err(|e| format!("framework.secret_key: {e}"))?,
            fraud: config.fraud.clone(),
            campaigns: config.campaigns.clone(),
        };
        let outbox = Outbox::new(Arc::clone(&store));
        let scf = Arc::new(Scf::new(
            Arc::clone(&store),
            outbox.clone(),
            Arc::clone(&clock),
            config.locale(),
            settings,
        ));
        let gateway = Gateway::new(framework, Arc::clone(&scf));
        let links = Links::new(&config.smpp);
        let admin = AdminState::new(AdminParts {
            store: Arc::clone(&store),
            gateway: gateway.clone(),
            clock: Arc::clone(&clock),
            locale: config.locale(),
            default_currency: config.default_currency(),
            operators,
            callbacks: config.callbacks.clone(),
            links: links.clone(),
        });
        Ok(Self {
            gateway,
            console: crate::console::ConsoleState::new(admin.clone(), config.http.tls.is_some()),
            admin,
            scf,
            outbox,
            store,
            clock,
            locale: config.locale(),
            metrics: crate::telemetry::metrics(),
            http: config.http.clone(),
            xml_limits: crate::soap::envelope::Limits {
                max_depth: config.http.xml_max_depth,
                max_elements: config.http.xml_max_elements,
                max_body_bytes: config.http.body_limit_bytes,
                request_timeout: Duration::from_secs(config.http.request_timeout_secs),
            },
            smpp: config.smpp.clone(),
            links,
            callbacks: config.callbacks.clone(),
            alerts: config.alerts.clone(),
            push: config.push.clone(),
        })
    }

    /// The store the gateway runs on.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The gateway's routes, without its listener or background tasks: for driving requests
    /// in-process. [`run`] serves the same routes.
    pub fn router(&self) -> axum::Router {
        router::router(self)
    }
}

/// Serves `app` on `listener` until `shutdown` completes: starts the background tasks, drains
/// in-flight requests, stops the tasks (each finishes what it holds) and writes the last usage
/// counts.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ops = match app.http.ops_listen {
        Some(addr) => Some(TcpListener::bind(addr).await?),
        None => None,
    };
    run_on(listener, ops, app, shutdown).await
}

/// [`run`] with the operators' listener given (`[http] ops_listen`'s, bound by the caller): the
/// bindings on `api`, `/metrics` and the admin API on `ops` (the probes on both); with `ops`
/// `None`, everything on `api`.
pub async fn run_on(
    api: TcpListener,
    ops: Option<TcpListener>,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tasks = tasks::Tasks::start(&app);
    let served = match ops {
        None => listener::serve(api, router::router(&app), &app.http, shutdown).await,
        Some(ops) => {
            let (api_routes, ops_routes) = router::split(&app);
            let stop = tokio_util::sync::CancellationToken::new();
            let stopping = stop.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopping.cancel();
            });
            let (served, ops_served) = tokio::join!(
                listener::serve(api, api_routes, &app.http, stop.clone().cancelled_owned()),
                listener::serve(ops, ops_routes, &app.http, stop.cancelled_owned()),
            );
            served.and(ops_served)
        }
    };
    tasks.stop().await;
    app.gateway.framework().flush_usage().await;
    served
}
