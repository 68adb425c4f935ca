//! The OpenAPI document and the docs page: OpenAPI 3.1, every route the binding serves listed, each
//! listed operation really served, the page a reference (bodies, schemas, authentication), and
//! unknown URLs or methods answered in the OneAPI error shape.

use reqwest::StatusCode;
use serde_json::Value;

use super::{Reply, reply};
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    the_document_lists_every_route_and_only_served_ones,
    unknown_urls_and_methods_are_oneapi_errors
);

/// Every route the REST binding mounts, as its template.
const ROUTES: [(&str, &str); 25] = [
    ("post", "/oneapi/v1/payment/{endUserId}/transactions/amount"),
    (
        "get",
        "/oneapi/v1/payment/{endUserId}/transactions/amount/{serverReferenceCode}",
    ),
    (
        "post",
        "/oneapi/v1/payment/{endUserId}/transactions/amountReservation",
    ),
    (
        "post",
        "/oneapi/v1/payment/{endUserId}/transactions/amountReservation/{transactionId}",
    ),
    ("get", "/oneapi/v1/account/{endUserId}/balance"),
    ("get", "/oneapi/v1/account/{endUserId}/balanceTypes"),
    ("get", "/oneapi/v1/account/{endUserId}/creditExpiry"),
    ("get", "/oneapi/v1/account/{endUserId}/history"),
    ("post", "/oneapi/v1/account/{endUserId}/balanceUpdates"),
    ("post", "/oneapi/v1/account/{endUserId}/voucherUpdates"),
    ("get", "/oneapi/v1/openapi.json"),
    ("get", "/oneapi/v1/docs"),
    (
        "post",
        "/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests",
    ),
    (
        "get",
        "/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests/{requestId}",
    ),
    (
        "get",
        "/oneapi/v1/smsmessaging/outbound/{senderAddress}/requests/{requestId}/deliveryInfos",
    ),
    (
        "get",
        "/oneapi/v1/smsmessaging/inbound/registrations/{registrationId}/messages",
    ),
    ("post", "/oneapi/v1/smsmessaging/inbound/subscriptions"),
    (
        "delete",
        "/oneapi/v1/smsmessaging/inbound/subscriptions/{subscriptionId}",
    ),
    (
        "post",
        "/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions",
    ),
    (
        "get",
        "/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions/{subscriptionId}",
    ),
    (
        "delete",
        "/oneapi/v1/smsmessaging/outbound/{senderAddress}/subscriptions/{subscriptionId}",
    ),
    ("post", "/oneapi/v1/smsmessaging/campaigns"),
    ("get", "/oneapi/v1/smsmessaging/campaigns"),
    ("get", "/oneapi/v1/smsmessaging/campaigns/{campaignId}"),
    ("post", "/oneapi/v1/smsmessaging/campaigns/{campaignId}/{action}"),
];

async fn the_document_lists_every_route_and_only_served_ones(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let response = gw
        .http
        .get(format!("{}/oneapi/v1/openapi.json", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut listed = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            listed.push((method.clone(), path.clone()));
        }
    }
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected, "the document lists exactly the routes served");
    // Each listed operation is served: no 404 or 405 when called with that method.
    for (method, path) in &listed {
        let url = format!(
            "{}{}",
            gw.base,
            path.replace("{endUserId}", "tel%3A%2B821012345678")
                .replace("{transactionId}", "x")
                .replace("{action}", "pause")
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let status = gw.http.request(method, &url).send().await.unwrap().status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{path}: {status}"
        );
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("AmountTransactionRequest") && schemas.contains_key("RequestError"));
    let page = gw
        .http
        .get(format!("{}/oneapi/v1/docs", gw.base))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    for (_, path) in ROUTES {
        assert!(html.contains(path), "{path} on the page");
    }
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
    // An API reference: the charge's request body, its responses' bodies and its authentication.
    let charge = html
        .split("<code>/oneapi/v1/payment/{endUserId}/transactions/amount</code>")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the charge on the page");
    for said in [
        "<h4>Request body (required)</h4><p><code>application/json</code>: \
         <a href=\"#schema-AmountTransactionRequest\">AmountTransactionRequest</a></p>",
        "<dt>201</dt><dd>Charged or refunded<p><code>application/json</code>: \
         <a href=\"#schema-AmountTransactionResponse\">AmountTransactionResponse</a></p>",
        "<a href=\"#schema-RequestError\">RequestError</a>",
        "Authentication: <a href=\"#security-basic\">basic</a> or <a href=\"#security-bearer\">bearer</a>",
    ] {
        assert!(charge.contains(said), "{said} not in {charge}");
    }
    // The schemes it names, and the schemas its body is made of.
    for said in [
        "<dt id=\"security-basic\"><code>basic</code></dt><dd>HTTP <code>Authorization: Basic …</code>",
        "<dt id=\"security-bearer\"><code>bearer</code></dt><dd>HTTP <code>Authorization: Bearer …</code>",
        "An OAuth 2.0 access token from <code>POST /oauth/token</code>",
        "<h3 id=\"schema-AmountTransactionRequest\">",
        "<tr><td><code>amountTransaction</code></td><td>\
         <a href=\"#schema-AmountTransactionIn\">AmountTransactionIn</a></td>\
         <td><span class=\"req\">required</span></td>",
        "<tr><td><code>referenceCode</code></td><td>string</td><td><span class=\"req\">required</span></td>\
         <td>The application&#39;s unique reference: the idempotency key.",
        "Values: <code>Charged</code>, <code>Refunded</code>",
    ] {
        assert!(html.contains(said), "{said} not on the page");
    }
}

async fn unknown_urls_and_methods_are_oneapi_errors(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let get = |path: &str| gw.http.get(format!("{}/oneapi/v1{path}", gw.base)).send();
    let missing: Reply = reply(get("/payment/tel%3A%2B1/transactions/nothing").await.unwrap()).await;
    missing.assert_error(StatusCode::NOT_FOUND, "SVC0002", "an unknown resource");
    let wrong: Reply = reply(get("/payment/tel%3A%2B1/transactions/amount").await.unwrap()).await;
    wrong.assert_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "SVC0002",
        "GET on a POST resource",
    );
    assert_eq!(wrong.headers["allow"], "POST");
}
