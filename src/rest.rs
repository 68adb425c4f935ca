//! The OneAPI REST binding under `/oneapi/v1`: SMS resources (parlayx-spec §5.2; [`sms`] and its
//! notifier), Payment resources (parlayx-spec §5.3), pxgate's
//! Account Management resources (no OneAPI standard exists; [`account`]) and campaign resources
//! ([`campaigns`]), the OpenAPI
//! 3.1 document generated from the handlers (`GET /oneapi/v1/openapi.json`) and a page rendering it
//! (`GET /oneapi/v1/docs`).
//!
//! Owns: turning an HTTP request into one authorized service call and its answer, in this order —
//! the JSON body ([`json`]: media type, size, duplicate keys, depth, then the typed request), the
//! operation its `transactionOperationStatus` names, the credentials (HTTP Basic or an OAuth 2.0
//! bearer token, [`Credentials::from_authorization`]),
//! [`Framework::authorize`](crate::framework::Framework::authorize) with the same
//! [`Operation`]s and throttles as SOAP, the one `scf` function, and
//! [`Framework::complete`](crate::framework::Framework::complete) so every authorized call is
//! counted once. Unknown URLs and methods under `/oneapi/v1` answer in the same JSON shape.
//!
//! Must not know: the store or any business rule. Errors reach the wire only through
//! [`error::error_response`].

mod account;
pub(crate) mod account_json;
mod amount;
mod campaigns;
mod docs;
pub(crate) mod error;
mod form;
pub(crate) mod json;
mod payment;
pub(crate) mod payment_json;
mod sms;
pub(crate) mod sms_json;

/// What the OneAPI SMS notifications say (`app::notices` queues them).
pub(crate) use self::sms::notify as sms_notices;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Router, middleware};
use utoipa::OpenApi as _;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::error::RestError;
use crate::framework::{Credentials, Operation, Permit};
use crate::gateway::{Gateway, Served};
use crate::http::percent_encode as encode;
use crate::scf::Scf;
use crate::scf::payment::Charged;

/// Where the binding is mounted.
pub(crate) const BASE: &str = "/oneapi/v1";

/// The document's fixed parts; paths and schemas are added by the routes themselves.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "pxgate OneAPI", description = "OneAPI SMS and Payment (GSMA OneAPI / OMA ParlayREST shapes) and pxgate Account Management over JSON"),
    tags((name = "payment", description = "Amount charging, refunds and reservations"),
         (name = "account", description = "Account Management: balance, expiry, statement, recharges"),
         (name = "sms", description = "SMS: send, delivery status and notifications, inbound messages"),
         (name = "meta", description = "This description"))
)]
struct ApiDoc;

/// The REST routes, their OpenAPI document and its page, and a JSON 404/405 for anything else
/// under `/oneapi/v1`.
pub(crate) fn routes() -> Router<Gateway> {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(payment::amount_transaction))
        .routes(routes!(payment::amount_transaction_lookup))
        .routes(routes!(payment::reservation::amount_reservation))
        .routes(routes!(payment::reservation::reservation_update))
        .routes(routes!(account::get_balance))
        .routes(routes!(account::get_balance_types))
        .routes(routes!(account::get_credit_expiry_date))
        .routes(routes!(account::get_history))
        .routes(routes!(account::recharge::balance_update))
        .routes(routes!(account::recharge::voucher_update))
        .routes(routes!(sms::send_sms))
        .routes(routes!(sms::get_request))
        .routes(routes!(sms::delivery_infos))
        .routes(routes!(sms::inbound::inbound_messages))
        .routes(routes!(sms::subscriptions::subscribe))
        .routes(routes!(sms::subscriptions::unsubscribe))
        .routes(routes!(sms::receipt_subscriptions::subscribe))
        .routes(routes!(campaigns::create, campaigns::list))
        .routes(routes!(campaigns::show))
        .routes(routes!(campaigns::update))
        .routes(routes!(
            sms::receipt_subscriptions::get_subscription,
            sms::receipt_subscriptions::unsubscribe
        ))
        .routes(routes!(openapi_json))
        .routes(routes!(docs_page))
        .split_for_parts();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("basic", http_scheme(HttpAuthScheme::Basic, BASIC));
    components.add_security_scheme("bearer", http_scheme(HttpAuthScheme::Bearer, BEARER));
    let json = Arc::new(doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document did not serialize");
        "{}".to_owned()
    }));
    let page = Arc::new(docs::render(&doc));
    router
        .route(&format!("{BASE}/{{*rest}}"), any(not_found))
        .route(BASE, any(not_found))
        // The document and the page, built once from the routes above.
        .layer(axum::Extension(Documents { json, page }))
        // axum's own 404/405/400 rejections become OneAPI requestErrors.
        .layer(middleware::map_response(as_request_error))
}

/// The `basic` security scheme, as the document describes it.
const BASIC: &str = "An application credential (its username and secret): \
    `Authorization: Basic base64(username:secret)`.";

/// The `bearer` security scheme, as the document describes it.
const BEARER: &str = "An OAuth 2.0 access token from `POST /oauth/token` (client credentials grant, \
    RFC 6749 §4.4): `Authorization: Bearer <token>`.";

fn http_scheme(scheme: HttpAuthScheme, description: &str) -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(scheme)
            .description(Some(description))
            .build(),
    )
}

/// The OpenAPI document and its page, rendered once.
#[derive(Clone)]
struct Documents {
    json: Arc<String>,
    page: Arc<String>,
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/oneapi/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json(axum::Extension(docs): axum::Extension<Documents>) -> Response {
    let headers = [(header::CONTENT_TYPE, "application/json")];
    (headers, docs.json.as_str().to_owned()).into_response()
}

/// A self-contained HTML page of the document: operations with their bodies, responses and
/// authentication, the security schemes, and the schemas.
#[utoipa::path(get, path = "/oneapi/v1/docs", tag = "meta",
    responses((status = 200, description = "HTML", content_type = "text/html")))]
async fn docs_page(axum::Extension(docs): axum::Extension<Documents>) -> Response {
    let headers = [(header::CONTENT_TYPE, "text/html; charset=utf-8")];
    (headers, docs.page.as_str().to_owned()).into_response()
}

async fn not_found() -> RestError {
    RestError::NotFound
}

/// Rejections written by axum itself (no route for the method, a path that does not decode) are
/// plain text; answer them in the OneAPI shape like everything else here.
async fn as_request_error(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let e = match status {
        StatusCode::NOT_FOUND => RestError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => RestError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => RestError::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => RestError::UnsupportedMediaType,
        _ if status.is_client_error() => crate::scf::ScfError::invalid("resourceURL", status).into(),
        _ => return response,
    };
    let mut mapped = e.into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        mapped.headers_mut().insert(header::ALLOW, allow.clone());
    }
    mapped
}

/// Who is calling: the `Authorization` header and the peer address (for the lock-out).
struct Caller {
    authorization: Option<String>,
    peer: IpAddr,
}

impl Caller {
    fn of(request: &Request) -> Self {
        Self {
            authorization: crate::http::authorization(request.headers()),
            peer: crate::http::peer_ip(request.extensions()),
        }
    }

    /// Authorizes `operation`, runs `call` with the permit and answers its result, counting the
    /// call once ([`Gateway::serve`]). A refusal is answered without running `call`.
    async fn serve(
        self,
        gateway: &Gateway,
        operation: Operation,
        call: impl AsyncFnOnce(&Permit) -> Result<Reply, RestError>,
    ) -> Response {
        let credentials = self
            .authorization
            .as_deref()
            .map_or(Credentials::None, Credentials::from_authorization);
        let call = async |_: &Scf, permit: &Permit| Answer(call(permit).await);
        match gateway.serve(&credentials, operation, self.peer, call).await {
            Ok(Answer(Ok(reply))) => reply.response,
            Ok(Answer(Err(e))) => e.into_response(),
            Err(refused) => RestError::Auth(refused).into_response(),
        }
    }
}

/// A handler's answer to a permitted call, counted by [`Gateway::serve`].
struct Answer(Result<Reply, RestError>);

impl Served for Answer {
    fn usage(&self) -> (&str, Option<(i64, &'static str)>) {
        match &self.0 {
            Ok(reply) => ("ok", reply.amount),
            Err(RestError::Scf(e)) => (e.outcome(), None),
            Err(RestError::NotFound) => ("not_found", None),
            Err(_) => ("error", None),
        }
    }
}

/// A successful call: the response and the money it moved (minor units, currency) for the usage
/// records.
struct Reply {
    response: Response,
    amount: Option<(i64, &'static str)>,
}

impl Reply {
    fn plain(response: Response) -> Self {
        Self {
            response,
            amount: None,
        }
    }

    /// A reply to a call that moved `charged`; `sign` is -1 for refunds. A replayed request moved
    /// nothing this time.
    fn moved(response: Response, charged: &Charged, sign: i64) -> Self {
        let amount = (!charged.replayed)
            .then(|| charged.currency.to_minor(charged.amount).ok())
            .flatten()
            .map(|minor| (sign * minor, charged.currency.code()));
        Self { response, amount }
    }
}

/// `/oneapi/v1/payment/{endUserId}/transactions/{collection}/{id}`, the end user URL-encoded
/// (`tel:+82…` → `tel%3A%2B82…`). Relative to the gateway's origin.
fn resource_url(end_user: &str, collection: &str, id: &str) -> String {
    format!(
        "{BASE}/payment/{}/transactions/{collection}/{}",
        encode(end_user),
        encode(id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_urls_encode_the_end_user() {
        assert_eq!(
            resource_url("tel:+821012345678", "amount", "42"),
            "/oneapi/v1/payment/tel%3A%2B821012345678/transactions/amount/42"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1() {
        let (_, doc) = OpenApiRouter::<Gateway>::with_openapi(ApiDoc::openapi())
            .routes(routes!(payment::amount_transaction))
            .split_for_parts();
        assert!(docs::version(&doc).starts_with("3.1."), "{}", docs::version(&doc));
    }
}
