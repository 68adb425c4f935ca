//! Parlay X Payment over SOAP through the framework, end to end over real sockets on both backends:
//! every way of authenticating, every refusal before business logic (and proof that nothing moved),
//! the agreement, the rate limit, OAuth tokens, the paper's refusals as their codes, idempotency,
//! reservations, SOAP 1.2, hostile XML and `?wsdl`.
//!
//! Applications are registered and accounts opened through the admin API, as an operator would.

mod auth;
mod payment;
mod strict;
mod volume;

use base64::Engine as _;
use chrono::{Duration, SecondsFormat, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestGateway;

/// AmountCharging endpoint.
pub(crate) const AMOUNT: &str = "/AmountChargingService/services/AmountCharging";
/// ReserveAmountCharging endpoint.
pub(crate) const RESERVE: &str = "/ReserveAmountChargingService/services/ReserveAmountCharging";
const AMOUNT_NS: &str = "http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local";
const RESERVE_NS: &str = "http://www.csapi.org/schema/parlayx/payment/reserve_amount_charging/v2_1/local";
const WSSE: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const DIGEST: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

/// The subscriber most tests charge, as the admin API and as SOAP name it.
pub(crate) const ALICE: (&str, &str) = ("010-1234-5678", "tel:+821012345678");

/// An application's credential, as issued by the admin API.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) user: String,
    pub(crate) secret: String,
}

/// Registers application `id` with `agreement`; answers its first credential.
pub(crate) async fn register(gw: &TestGateway, id: &str, agreement: Value) -> Client {
    let body =
        json!({"id": id, "name": "Corner Shop", "owner_contact": "ops@shop.example", "agreement": agreement});
    let response = gw.admin(Method::POST, "/apps").json(&body).send().await.unwrap();
    let status = response.status();
    let created: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    Client {
        user: created["credential"]["username"].as_str().unwrap().to_owned(),
        secret: created["credential"]["secret"].as_str().unwrap().to_owned(),
    }
}

/// Opens a KRW account for `msisdn` with the admin API `fields` (balance, limits, status, …).
pub(crate) async fn open_account(gw: &TestGateway, msisdn: &str, fields: Value) {
    let mut body = fields;
    body["msisdn"] = json!(msisdn);
    let response = gw
        .admin(Method::POST, "/accounts")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
}

/// The operator lets application `app` read `msisdn`'s account (and monitor it), as
/// `PUT /admin/v1/apps/{id}/monitored/{msisdn}` does.
pub(crate) async fn grant_account(gw: &TestGateway, app: &str, msisdn: &str) {
    let path = format!("/apps/{app}/monitored/{msisdn}");
    let granted = gw.admin(Method::PUT, &path).send().await.unwrap();
    assert_eq!(
        granted.status(),
        StatusCode::NO_CONTENT,
        "{}",
        granted.text().await.unwrap()
    );
}

/// The account's balance, in KRW.
pub(crate) async fn balance(gw: &TestGateway, msisdn: &str) -> i64 {
    let path = format!("/accounts/{msisdn}");
    let account: Value = gw
        .admin(Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    account["balance"].as_i64().unwrap()
}

/// How a request proves who sent it.
pub(crate) enum Auth<'a> {
    None,
    /// WS-Security UsernameToken, PasswordText.
    Text(&'a str, &'a str),
    /// WS-Security UsernameToken, PasswordDigest over this nonce and `Created`.
    Digest(&'a Client, &'a [u8], String),
    /// HTTP Basic.
    Basic(&'a Client),
    /// An OAuth 2.0 bearer token.
    Bearer(&'a str),
    /// A Huawei SDP `RequestSOAPHeader` with this `timeStamp` (`yyyyMMddHHmmss`, UTC).
    Huawei(&'a Client, String),
}

/// A Huawei `timeStamp` as a client writes it, `age` in the past.
pub(crate) fn sp_timestamp(age: Duration) -> String {
    (Utc::now() - age).format("%Y%m%d%H%M%S").to_string()
}

/// `Created` as a client writes it, `age` in the past.
pub(crate) fn created(age: Duration) -> String {
    (Utc::now() - age).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn security_header(auth: &Auth<'_>) -> String {
    if let Auth::Huawei(client, timestamp) = auth {
        // Written as the Huawei SDP interface documents show it: the common header namespace with
        // a prefix, the service id and the end-user addresses beside the credential.
        let password =
            pxgate::framework::auth::sp_password(&client.user, &client.secret, timestamp).to_uppercase();
        return format!(
            "<soapenv:Header><tns:RequestSOAPHeader xmlns:tns=\"http://www.huawei.com.cn/schema/common/v2_1\">\
             <tns:spId>{}</tns:spId><tns:spPassword>{password}</tns:spPassword>\
             <tns:serviceId>35000001000001</tns:serviceId><tns:timeStamp>{timestamp}</tns:timeStamp>\
             <tns:OA>tel:821012345678</tns:OA><tns:FA>tel:821012345678</tns:FA>\
             </tns:RequestSOAPHeader></soapenv:Header>",
            client.user
        );
    }
    let token = match auth {
        Auth::Text(user, password) => {
            format!("<wsse:Username>{user}</wsse:Username><wsse:Password>{password}</wsse:Password>")
        }
        Auth::Digest(client, nonce, created) => {
            let digest = pxgate::framework::auth::password_digest(nonce, created, &client.secret);
            let nonce = base64::engine::general_purpose::STANDARD.encode(nonce);
            format!(
                "<wsse:Username>{}</wsse:Username><wsse:Password Type=\"{DIGEST}\">{digest}</wsse:Password>\
                 <wsse:Nonce>{nonce}</wsse:Nonce><wsu:Created>{created}</wsu:Created>",
                client.user
            )
        }
        Auth::None | Auth::Basic(_) | Auth::Bearer(_) | Auth::Huawei(..) => return String::new(),
    };
    format!(
        "<soapenv:Header><wsse:Security soapenv:mustUnderstand=\"1\" xmlns:wsse=\"{WSSE}\" xmlns:wsu=\"{WSU}\">\
         <wsse:UsernameToken>{token}</wsse:UsernameToken></wsse:Security></soapenv:Header>"
    )
}

/// A SOAP 1.1 envelope around `body`, with the credentials `auth` puts in the header.
pub(crate) fn envelope(auth: &Auth<'_>, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">{}\
         <soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>",
        security_header(auth)
    )
}

/// `chargeAmount` of `amount` KRW to `end_user`.
pub(crate) fn charge_amount(end_user: &str, amount: &str, reference: &str) -> String {
    format!(
        "<loc:chargeAmount xmlns:loc=\"{AMOUNT_NS}\"><loc:endUserIdentifier>{end_user}</loc:endUserIdentifier>\
         <loc:charge><description>Game pass</description><currency>KRW</currency><amount>{amount}</amount></loc:charge>\
         <loc:referenceCode>{reference}</loc:referenceCode></loc:chargeAmount>"
    )
}

/// A ReserveAmountCharging operation element with `children` (written with the `loc:` prefix).
pub(crate) fn reserve_op(operation: &str, children: &str) -> String {
    format!("<loc:{operation} xmlns:loc=\"{RESERVE_NS}\">{children}</loc:{operation}>")
}

/// A KRW ChargingInformation as the `loc:charge` child.
pub(crate) fn charge_info(amount: &str) -> String {
    format!(
        "<loc:charge><description>Ride</description><currency>KRW</currency><amount>{amount}</amount></loc:charge>"
    )
}

/// A response: status, headers and body text.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
}

impl Answer {
    /// The `messageId` of a Parlay X fault.
    pub(crate) fn message_id(&self) -> Option<&str> {
        element(&self.text, "messageId")
    }

    /// The `variables` of a Parlay X fault, in order.
    pub(crate) fn variables(&self) -> Vec<&str> {
        self.text
            .split("<variables>")
            .skip(1)
            .filter_map(|s| s.split("</variables>").next())
            .collect()
    }

    /// A `wsse:FailedAuthentication` answer, as WSS 1.0 §12 and RFC 9110 §15.5.2 want it.
    pub(crate) fn assert_failed_authentication(&self, what: &str) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{what}: {}", self.text);
        assert!(
            self.text
                .contains("<faultcode>wsse:FailedAuthentication</faultcode>"),
            "{what}: {}",
            self.text
        );
        assert!(self.headers.contains_key("www-authenticate"), "{what}");
    }

    /// A fault with `id` (HTTP 500, WS-I BP R1126).
    pub(crate) fn assert_fault(&self, id: &str, what: &str) {
        assert_eq!(
            (self.status, self.message_id()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some(id)),
            "{what}: {}",
            self.text
        );
    }

    /// A successful answer.
    pub(crate) fn assert_ok(&self, what: &str) {
        assert_eq!(self.status, StatusCode::OK, "{what}: {}", self.text);
    }
}

/// The text of the first element called `local` (any prefix).
pub(crate) fn element<'t>(text: &'t str, local: &str) -> Option<&'t str> {
    let close = format!("{local}>");
    let mut from = 0;
    while let Some(at) = text[from..].find(&close).map(|i| i + from) {
        let before = text[..at].chars().last();
        if matches!(before, Some('<' | ':')) && !text[..at].ends_with("</") {
            let start = at + close.len();
            return text[start..].split('<').next();
        }
        from = at + close.len();
    }
    None
}

/// Posts a SOAP 1.1 `body` to `path` with `auth`.
pub(crate) async fn call(gw: &TestGateway, path: &str, auth: &Auth<'_>, body: &str) -> Answer {
    call_with(&gw.http, gw, path, auth, body).await
}

/// Like [`call`], from the HTTP client `http` (bound to another source address, say).
pub(crate) async fn call_with(
    http: &reqwest::Client,
    gw: &TestGateway,
    path: &str,
    auth: &Auth<'_>,
    body: &str,
) -> Answer {
    let mut request = http
        .post(format!("{}{path}", gw.base))
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", "\"\"")
        .body(envelope(auth, body));
    match auth {
        Auth::Basic(client) => request = request.basic_auth(&client.user, Some(&client.secret)),
        Auth::Bearer(token) => request = request.bearer_auth(token),
        _ => {}
    }
    answer(request.send().await.unwrap()).await
}

/// Posts raw bytes with a content type.
pub(crate) async fn post_raw(gw: &TestGateway, path: &str, content_type: &str, body: String) -> Answer {
    let request = gw
        .http
        .post(format!("{}{path}", gw.base))
        .header("content-type", content_type)
        .body(body);
    answer(request.send().await.unwrap()).await
}

pub(crate) async fn answer(response: reqwest::Response) -> Answer {
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}
