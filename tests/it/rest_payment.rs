//! OneAPI Payment over REST (`/oneapi/v1`), end to end over real sockets on both backends: charge,
//! retry and refund; the paper's refusals as policyExceptions; the framework's refusals (401, 403,
//! 429) and OAuth bearer tokens; reservations; hostile JSON (nothing charged); SOAP and REST leaving
//! the same ledger; and the OpenAPI document listing every route.
//!
//! Applications and accounts are set up through the admin API, with the SOAP tests' helpers.

mod document;
mod framework;
mod hostile;
mod reservation;
mod strict;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestDb, TestGateway, battery};
use crate::soap_framework::{
    ALICE, AMOUNT, Auth, Client, balance, call, charge_amount, open_account, register,
};

battery!(
    a_charge_is_created_once_and_refunded,
    the_papers_refusals_are_policy_exceptions,
    soap_and_rest_leave_the_same_ledger,
    a_form_encoded_charge_is_the_json_one,
);

/// Alice's number in a URL path, URL-encoded as OneAPI clients send it.
const ALICE_PATH: &str = "tel%3A%2B821012345678";

/// A response: status, headers and JSON body (`Null` when the body is not JSON).
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Reply {
    /// `(kind, messageId, variables)` of a requestError.
    pub(crate) fn exception(&self) -> (&str, &str, Vec<&str>) {
        let error = &self.body["requestError"];
        let (kind, e) = if error["policyException"].is_object() {
            ("policy", &error["policyException"])
        } else {
            ("service", &error["serviceException"])
        };
        let variables = e["variables"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        (kind, e["messageId"].as_str().unwrap_or(""), variables)
    }

    pub(crate) fn assert_error(&self, status: StatusCode, id: &str, what: &str) {
        assert_eq!(
            (self.status, self.exception().1),
            (status, id),
            "{what}: {}",
            self.body
        );
    }
}

/// Posts `body` as JSON to `/oneapi/v1{path}` with HTTP Basic credentials of `client`.
pub(crate) async fn post(gw: &TestGateway, path: &str, client: Option<&Client>, body: &Value) -> Reply {
    post_text(gw, path, client, &body.to_string()).await
}

/// Posts a raw JSON text.
pub(crate) async fn post_text(gw: &TestGateway, path: &str, client: Option<&Client>, text: &str) -> Reply {
    let mut request = gw
        .http
        .post(format!("{}/oneapi/v1{path}", gw.base))
        .header("content-type", "application/json")
        .body(text.to_owned());
    if let Some(client) = client {
        request = request.basic_auth(&client.user, Some(&client.secret));
    }
    reply(request.send().await.unwrap()).await
}

/// GETs `url` (from the origin) with HTTP Basic credentials of `client`.
pub(crate) async fn get(gw: &TestGateway, url: &str, client: &Client) -> Reply {
    let request = gw
        .http
        .get(format!("{}{url}", gw.base))
        .basic_auth(&client.user, Some(&client.secret));
    reply(request.send().await.unwrap()).await
}

pub(crate) async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// An `amountTransaction` body of `amount` KRW.
fn transaction(status: &str, amount: Value, reference: &str) -> Value {
    json!({"amountTransaction": {
        "endUserId": ALICE.1,
        "paymentAmount": {"chargingInformation": {"amount": amount, "currency": "KRW", "description": "Game pass"}},
        "referenceCode": reference,
        "transactionOperationStatus": status,
    }})
}

fn amount_path(end_user: &str) -> String {
    format!("/payment/{end_user}/transactions/amount")
}

/// A gateway, a Payment application and Alice with 10,000 KRW.
async fn shop(db: &TestDb) -> (TestGateway, Client) {
    let gw = TestGateway::start(db).await;
    let client = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    (gw, client)
}

async fn a_charge_is_created_once_and_refunded(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let path = amount_path(ALICE_PATH);
    let mut charge = transaction("Charged", json!(1500), "r-1");
    charge["amountTransaction"]["clientCorrelator"] = json!("c-1");
    let first = post(&gw, &path, Some(&shop), &charge).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let tx = &first.body["amountTransaction"];
    let server_ref = tx["serverReferenceCode"].as_str().unwrap().to_owned();
    let url = format!("/oneapi/v1/payment/{ALICE_PATH}/transactions/amount/{server_ref}");
    assert_eq!(tx["resourceURL"], url.as_str());
    assert_eq!(first.headers["location"], url.as_str());
    assert_eq!(tx["paymentAmount"]["totalAmountCharged"], json!(1500));
    assert_eq!(
        (&tx["transactionOperationStatus"], &tx["clientCorrelator"]),
        (&json!("Charged"), &json!("c-1"))
    );

    let read = get(&gw, &url, &shop).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let tx = &read.body["amountTransaction"];
    assert_eq!(
        (&tx["referenceCode"], &tx["paymentAmount"]["totalAmountCharged"]),
        (&json!("r-1"), &json!(1500))
    );
    let stranger = register(&gw, "stranger", json!({"allow": ["Payment"]})).await;
    let missing = format!("/oneapi/v1/payment/{ALICE_PATH}/transactions/amount/999999");
    for (client, url) in [(&stranger, &url), (&shop, &missing)] {
        get(&gw, url, client).await.assert_error(
            StatusCode::NOT_FOUND,
            "SVC0002",
            "another's or no transaction",
        );
    }

    let retry = post(&gw, &path, Some(&shop), &charge).await;
    assert_eq!(retry.status, StatusCode::OK, "a retry answers the first outcome");
    assert_eq!(
        retry.body["amountTransaction"]["serverReferenceCode"],
        server_ref.as_str()
    );
    assert_eq!(balance(&gw, ALICE.0).await, 8500, "debited once");

    let mut refund = transaction("Refunded", json!(500), "r-2");
    post(&gw, &path, Some(&shop), &refund).await.assert_error(
        StatusCode::BAD_REQUEST,
        "SVC0002",
        "a refund without its original",
    );
    refund["amountTransaction"]["originalServerReferenceCode"] = json!(server_ref);
    let refunded = post(&gw, &path, Some(&shop), &refund).await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
    assert_eq!(
        refunded.body["amountTransaction"]["originalServerReferenceCode"],
        server_ref.as_str()
    );
    assert_ne!(
        refunded.body["amountTransaction"]["serverReferenceCode"],
        server_ref.as_str()
    );
    assert_eq!(balance(&gw, ALICE.0).await, 9000);

    let mut other_user = transaction("Charged", json!(100), "r-3");
    other_user["amountTransaction"]["endUserId"] = json!("tel:+821099999999");
    let refused = post(&gw, &path, Some(&shop), &other_user).await;
    refused.assert_error(
        StatusCode::BAD_REQUEST,
        "SVC0002",
        "endUserId differs from the URL's",
    );
    assert_eq!(refused.exception().2, ["amountTransaction.endUserId"]);
}

async fn the_papers_refusals_are_policy_exceptions(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    open_account(
        &gw,
        "010-2000-0001",
        json!({"balance": 10000, "status": "suspended"}),
    )
    .await;
    open_account(
        &gw,
        "010-2000-0003",
        json!({"balance": 10000, "monthly_limit": 3000}),
    )
    .await;
    open_account(&gw, "010-2000-0004", json!({"balance": 500})).await;
    let monthly = amount_path("tel:+821020000003");
    let ok = post(
        &gw,
        &monthly,
        Some(&shop),
        &json_for("tel:+821020000003", 2000, "m-1"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let cases = [
        ("tel:+821099999999", json!(1000), "POL1009", vec!["payment"]),
        ("tel:+821020000001", json!(1000), "POL1010", vec!["payment"]),
        ("tel:+821020000004", json!(1000), "POL1000", vec![]),
        ("tel:+821020000003", json!(2000), "POL1001", vec!["monthly"]),
    ];
    for (n, (user, amount, id, variables)) in cases.into_iter().enumerate() {
        let mut body = transaction("Charged", amount, &format!("p-{n}"));
        body["amountTransaction"]["endUserId"] = json!(user);
        let answer = post(&gw, &amount_path(user), Some(&shop), &body).await;
        answer.assert_error(StatusCode::FORBIDDEN, id, user);
        assert_eq!(answer.exception().0, "policy");
        assert_eq!(answer.exception().2, variables, "{id}");
    }
    let precise = post(
        &gw,
        &amount_path(ALICE_PATH),
        Some(&shop),
        &transaction("Charged", json!(10.5), "p-9"),
    )
    .await;
    precise.assert_error(StatusCode::BAD_REQUEST, "SVC0007", "KRW has no minor unit");
    assert_eq!(
        precise.body["requestError"]["serviceException"]["text"],
        "Invalid charging information: 10.5 has more decimal places than KRW allows (none: KRW has no minor unit)",
        "the reason, filled into the text"
    );
    assert_eq!(balance(&gw, ALICE.0).await, 10000);
}

fn json_for(user: &str, amount: i64, reference: &str) -> Value {
    let mut body = transaction("Charged", json!(amount), reference);
    body["amountTransaction"]["endUserId"] = json!(user);
    body
}

/// `(kind, amount, balance_after)` of an account's ledger, oldest first.
async fn ledger(gw: &TestGateway, msisdn: &str) -> Vec<(String, String, String)> {
    let page: Value = gw
        .admin(Method::GET, &format!("/accounts/{msisdn}/ledger"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut rows: Vec<_> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].to_string(),
                e["amount"].to_string(),
                e["balance_after"].to_string(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

async fn soap_and_rest_leave_the_same_ledger(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let (soap_user, rest_user) = (
        ("010-3000-0001", "tel:+821030000001"),
        ("010-3000-0002", "tel:+821030000002"),
    );
    for msisdn in [soap_user.0, rest_user.0] {
        open_account(&gw, msisdn, json!({"balance": 10000, "monthly_limit": 5000})).await;
    }
    // Charge, retry, refund part, then a charge over the monthly limit that is refused.
    let steps = [
        ("Charged", 3000, "s-1"),
        ("Charged", 3000, "s-1"),
        ("Refunded", 1000, "s-2"),
        ("Charged", 2500, "s-3"),
        ("Charged", 4000, "s-4"),
    ];
    let auth = Auth::Basic(&shop);
    let mut outcomes = Vec::new();
    for (status, amount, reference) in steps {
        let body = charge_amount(soap_user.1, &amount.to_string(), reference);
        let body = if status == "Refunded" {
            body.replace("chargeAmount", "refundAmount")
        } else {
            body
        };
        let soap = call(&gw, AMOUNT, &auth, &body).await;
        // Reference codes are unique per application across both bindings: the REST run uses its own.
        let mut tx = json_for(rest_user.1, amount, &format!("rest-{reference}"));
        tx["amountTransaction"]["transactionOperationStatus"] = json!(status);
        tx["amountTransaction"]["originalServerReferenceCode"] = json!("1");
        let rest = post(&gw, &amount_path(rest_user.1), Some(&shop), &tx).await;
        outcomes.push((
            soap.message_id().map(str::to_owned),
            rest.status,
            rest.exception().1.to_owned(),
        ));
    }
    let codes: Vec<_> = outcomes
        .iter()
        .map(|(soap, _, rest)| (soap.clone().unwrap_or_default(), rest.clone()))
        .collect();
    assert_eq!(
        codes.last().unwrap(),
        &("POL1001".to_owned(), "POL1001".to_owned()),
        "{outcomes:?}"
    );
    assert!(
        codes[..4]
            .iter()
            .all(|(soap, rest)| soap.is_empty() && rest.is_empty()),
        "{outcomes:?}"
    );
    let created = [
        StatusCode::CREATED,
        StatusCode::OK,
        StatusCode::CREATED,
        StatusCode::CREATED,
        StatusCode::FORBIDDEN,
    ];
    assert_eq!(outcomes.iter().map(|o| o.1).collect::<Vec<_>>(), created);
    let soap = ledger(&gw, soap_user.0).await;
    assert_eq!(soap.len(), 4, "top-up, charge, refund, charge: {soap:?}");
    assert_eq!(soap, ledger(&gw, rest_user.0).await);
}

/// OneAPI's form binding: the same charge as fields (`amount`, `currency`, …) charges the same,
/// is refused the same, and a field the resource does not have is SVC0002 naming it.
async fn a_form_encoded_charge_is_the_json_one(db: &TestDb) {
    let (gw, shop) = shop(db).await;
    let form = |body: &str| {
        gw.http
            .post(format!("{}/oneapi/v1{}", gw.base, amount_path(ALICE_PATH)))
            .header("content-type", "application/x-www-form-urlencoded")
            .basic_auth(&shop.user, Some(&shop.secret))
            .body(body.to_owned())
            .send()
    };
    let fields = "endUserId=tel%3A%2B821012345678&transactionOperationStatus=Charged\
                  &description=Game+pass&currency=KRW&amount=1500&referenceCode=f-1&channel=WAP";
    let charged = reply(form(fields).await.unwrap()).await;
    assert_eq!(charged.status, StatusCode::CREATED, "{}", charged.body);
    let tx = &charged.body["amountTransaction"];
    assert_eq!(
        tx["paymentAmount"]["chargingInformation"]["description"],
        "Game pass"
    );
    assert_eq!(tx["paymentAmount"]["chargingMetaData"]["channel"], "WAP");
    assert_eq!(balance(&gw, ALICE.0).await, 8500);
    let cents = reply(form(&fields.replace("amount=1500", "amount=1.5")).await.unwrap()).await;
    cents.assert_error(StatusCode::BAD_REQUEST, "SVC0007", "KRW has no minor unit");
    let unknown = reply(form(&format!("{fields}&colour=red")).await.unwrap()).await;
    unknown.assert_error(StatusCode::BAD_REQUEST, "SVC0002", "an unknown field");
    assert_eq!(unknown.exception().2, ["colour"]);
    assert_eq!(balance(&gw, ALICE.0).await, 8500, "nothing more moved");
}
