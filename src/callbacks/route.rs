//! Where one application's callbacks may go, decided when each is sent: the application must
//! still be active, the endpoint still on its agreement's `callback_hosts`, and the connection
//! may only be made to an address the agreement lets callbacks reach. Names are resolved by a
//! resolver that drops every other address, so a name that resolves (or, later, rebinds) to the
//! loopback, a private network or the cloud metadata address is refused at connect time; an
//! address written in the URL is checked here, since no resolver sees it. Redirects are never
//! followed and no proxy is used: the request goes where the check looked.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::framework::Agreement;
use crate::store::Store;
use crate::store::apps::AppStatus;

/// What to do with one callback now.
pub(super) enum Verdict {
    /// Send it with this route.
    Send(Arc<Route>, url::Url),
    /// Not now (the application was suspended after the claim, or could not be read).
    Hold(String),
    /// Never: the application is gone or revoked, or the endpoint left its agreement.
    Abandon(String),
}

/// One application's agreement and the HTTP client bound to it.
pub(super) struct Route {
    /// The stored agreement document it was built from (rebuilt when that changes).
    source: String,
    agreement: Arc<Agreement>,
    client: reqwest::Client,
}

impl Route {
    /// The client whose connections obey the agreement.
    pub(super) fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// The routes of every application seen, by actor (`app:<id>`).
pub(super) struct Routes {
    timeout: Duration,
    /// Roots trusted for HTTPS endpoints beside the platform's.
    roots: Vec<reqwest::Certificate>,
    routes: Mutex<HashMap<String, Arc<Route>>>,
}

impl Routes {
    /// Routes whose clients give up on an endpoint after `timeout` and trust `roots` beside the
    /// platform's roots.
    pub(super) fn new(timeout: Duration, roots: Vec<reqwest::Certificate>) -> Self {
        Self {
            timeout,
            roots,
            routes: Mutex::new(HashMap::new()),
        }
    }

    /// The verdict on sending to `endpoint` for `actor`, from the application as stored now.
    pub(super) async fn verdict(&self, store: &dyn Store, actor: &str, endpoint: &str) -> Verdict {
        let Some(app_id) = crate::domain::actor::app_id(actor) else {
            return Verdict::Abandon(format!("{actor} is not an application"));
        };
        let app = match store.app(app_id).await {
            Ok(Some(app)) => app,
            Ok(None) => return Verdict::Abandon("the application no longer exists".to_owned()),
            Err(e) => return Verdict::Hold(format!("the application could not be read: {e}")),
        };
        match app.status {
            AppStatus::Active => {}
            AppStatus::Suspended => return Verdict::Hold("the application is suspended".to_owned()),
            AppStatus::Revoked => return Verdict::Abandon("the application is revoked".to_owned()),
        }
        let route = match self.route(actor, &app.agreement) {
            Ok(route) => route,
            Err(e) => return Verdict::Abandon(e),
        };
        let Ok(url) = url::Url::parse(endpoint) else {
            return Verdict::Abandon("the endpoint is not a URL".to_owned());
        };
        if !route.agreement.allows_callback(&url) {
            return Verdict::Abandon(
                "the endpoint is no longer on the agreement's callback_hosts".to_owned(),
            );
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        if let Some(ip) = literal
            && !route.agreement.may_reach(ip)
        {
            return Verdict::Abandon(format!(
                "{ip} is an internal address outside the agreement's callback_networks"
            ));
        }
        Verdict::Send(route, url)
    }

    /// The route for `actor` under the agreement document `source`, built once per document.
    fn route(&self, actor: &str, source: &str) -> Result<Arc<Route>, String> {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(route) = routes.get(actor)
            && route.source == source
        {
            return Ok(Arc::clone(route));
        }
        let agreement = Arc::new(Agreement::from_stored(source)?);
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(Guard(Arc::clone(&agreement))))
            .tls_certs_merge(self.roots.iter().cloned())
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        let route = Arc::new(Route {
            source: source.to_owned(),
            agreement,
            client,
        });
        routes.insert(actor.to_owned(), Arc::clone(&route));
        Ok(route)
    }
}

/// Resolves names as the system does, keeping only the addresses the agreement may reach.
struct Guard(Arc<Agreement>);

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let agreement = Arc::clone(&self.0);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                found.into_iter().partition(|a| agreement.may_reach(a.ip()));
            if allowed.is_empty() {
                let refused: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
                return Err(format!(
                    "{host} resolves only to addresses outside the agreement's callback_networks ({})",
                    refused.join(", ")
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
