//! The operator admin API, `/admin/v1/…` (JSON; errors as RFC 9457 problem details).
//!
//! Operators authenticate with bearer tokens configured in `[[admin.operators]]`; only the SHA-256
//! of each token is configured, and a presented token is compared against every digest in
//! constant time. The admin API talks to the store directly: provisioning is not a third-party
//! operation and does not pass the application framework.

pub mod accounts;
pub mod app_views;
pub mod apps;
pub mod callbacks;
pub mod campaigns;
pub mod extract;
pub mod fraud;
pub mod monitoring;
pub mod problem;
pub mod push;
pub mod sms;
mod state;
pub mod status;
pub mod tariffs;
pub mod views;
pub mod vouchers;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use subtle::ConstantTimeEq;

use problem::Problem;
pub use state::{AdminParts, AdminState};

/// An authenticated operator, put in the request extensions by [`require_operator`].
#[derive(Debug, Clone)]
pub struct Operator {
    /// The configured name.
    pub name: String,
}

impl Operator {
    /// How the ledger names this operator.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.name)
    }
}

/// The configured operator tokens, as SHA-256 digests.
#[derive(Debug, Default)]
pub struct OperatorTokens(Vec<(String, [u8; 32])>);

impl OperatorTokens {
    /// From validated configuration: each operator's name and the hex SHA-256 of its token
    /// (`[[admin.operators]]`, 64 hex digits).
    pub fn from_digests<'a>(operators: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            operators
                .into_iter()
                .filter_map(|(name, sha256)| Some((name.to_owned(), crate::crypto::parse_hex32(sha256)?)))
                .collect(),
        )
    }

    /// Adds one operator by its token (for `demo`, which makes its own token).
    pub fn with_token(mut self, name: &str, token: &str) -> Self {
        self.0.push((name.to_owned(), crate::crypto::token_digest(token)));
        self
    }

    /// The operator holding `token`, if any. Every digest is compared, in constant time, so the
    /// answer's timing does not tell which operator (or how much of a digest) matched.
    pub fn authenticate(&self, token: &str) -> Option<Operator> {
        let digest = crate::crypto::token_digest(token);
        let mut found = None;
        for (name, expected) in &self.0 {
            if bool::from(expected.ct_eq(&digest)) {
                found = Some(Operator { name: name.clone() });
            }
        }
        found
    }

    /// The operator configured under `name`, if any (a console session outlives no operator
    /// taken out of the configuration).
    pub fn named(&self, name: &str) -> Option<Operator> {
        self.0.iter().any(|(n, _)| n == name).then(|| Operator {
            name: name.to_owned(),
        })
    }
}

/// The admin routes, all behind operator authentication.
pub fn routes(state: AdminState) -> Router<AdminState> {
    api().route_layer(middleware::from_fn_with_state(state, require_operator))
}

/// The admin routes without the token check: each handler reads the [`Operator`] from the
/// request's extensions. [`routes`] puts them behind the bearer token; the console
/// (`crate::console`) calls them in-process for its signed-in operator, so a change made from a
/// page is validated, applied and recorded exactly as the same change through the API.
pub fn api() -> Router<AdminState> {
    use accounts as a;
    use apps as p;
    Router::new()
        .route("/accounts", post(a::create).get(a::list))
        .route("/accounts/import", post(a::import))
        .route("/accounts/{msisdn}", get(a::show).patch(a::update))
        .route("/accounts/{msisdn}/suspend", post(a::suspend))
        .route("/accounts/{msisdn}/resume", post(a::resume))
        .route("/accounts/{msisdn}/close", post(a::close))
        .route("/accounts/{msisdn}/topups", post(a::topup))
        .route("/accounts/{msisdn}/ledger", get(a::ledger))
        .route(
            "/accounts/{msisdn}/push",
            get(push::show).put(push::put).delete(push::delete),
        )
        .route(
            "/accounts/{msisdn}/pin",
            put(vouchers::set_pin).delete(vouchers::clear_pin),
        )
        .route("/vouchers", post(vouchers::create).get(vouchers::list))
        .route("/tariffs", get(tariffs::list))
        .route(
            "/tariffs/{code}",
            put(tariffs::put).get(tariffs::show).delete(tariffs::delete),
        )
        .route("/status", get(status::show))
        .route("/apps", post(p::create).get(p::list))
        .route("/apps/{id}", get(p::show).patch(p::update))
        .route("/apps/{id}/agreement", put(p::set_agreement))
        .route("/apps/{id}/suspend", post(p::suspend))
        .route("/apps/{id}/resume", post(p::resume))
        .route("/apps/{id}/revoke", post(p::revoke))
        .route("/apps/{id}/credentials", post(p::add_credential))
        .route("/apps/{id}/credentials/{username}", delete(p::revoke_credential))
        .route("/apps/{id}/usage", get(p::usage::report))
        .route(
            "/apps/{id}/monitored/{msisdn}",
            put(monitoring::grant).delete(monitoring::revoke),
        )
        .route("/campaigns", post(campaigns::create).get(campaigns::list))
        .route("/campaigns/{id}", get(campaigns::show))
        .route("/campaigns/{id}/pause", post(campaigns::pause))
        .route("/campaigns/{id}/resume", post(campaigns::resume))
        .route("/campaigns/{id}/cancel", post(campaigns::cancel))
        .route("/sms/opt-outs", get(campaigns::opt_outs))
        .route("/sms/opt-outs/{msisdn}", delete(campaigns::remove_opt_out))
        .route("/callbacks", get(callbacks::list))
        .route("/callbacks/{id}", get(callbacks::show))
        .route("/callbacks/{id}/retry", post(callbacks::retry))
        .route("/sms/registrations", post(sms::create).get(sms::list))
        .route("/sms/registrations/{id}", get(sms::show).delete(sms::delete))
        .route("/sms/unrouted", get(sms::unrouted))
        .route(
            "/fraud/rules",
            get(fraud::rules).put(fraud::put_rules).delete(fraud::reset_rules),
        )
        .route("/fraud/decisions", get(fraud::decisions))
        .route("/fraud/decisions/{id}", get(fraud::decision))
        .route("/fraud/decisions/{id}/review", post(fraud::review))
}

/// Rejects requests without a valid operator token; logs the refusal once, never the token.
async fn require_operator(
    State(state): State<AdminState>,
    mut req: Request,
    next: Next,
) -> Result<Response, Problem> {
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let Some(token) = presented else {
        tracing::warn!(path = %req.uri().path(), "admin request without a bearer token");
        return Err(Problem::unauthorized());
    };
    let Some(operator) = state.operators().authenticate(token.trim()) else {
        tracing::warn!(path = %req.uri().path(), "admin request with an unknown token");
        return Err(Problem::unauthorized());
    };
    req.extensions_mut().insert(operator);
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_token_authenticates() {
        let token = crate::crypto::generate_token();
        let digest = crate::crypto::hex(&crate::crypto::token_digest(&token));
        let tokens = OperatorTokens::from_digests([("ops", digest.as_str())]);
        assert_eq!(
            tokens.authenticate(&token).map(|o| o.name).as_deref(),
            Some("ops")
        );
        assert!(tokens.authenticate("guess").is_none());
        assert!(tokens.authenticate("").is_none());
        assert_ne!(crate::crypto::generate_token(), token, "tokens are random");
    }
}
