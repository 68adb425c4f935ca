//! The sample shop (`examples/micropay`) end to end: its purchase flow against a gateway and the
//! SMSC simulator on real sockets, on both backends, through the public SOAP API only. The SMS it
//! sends are read back, decoded, from the simulator's handsets.

use std::time::Duration;

use micropay::{Auth, Purchase, Shop, ShopConfig, SmsKind, Verdict};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim};

battery!(the_shop_charges_texts_and_refuses_as_figure_2_draws);

const SENDER: &str = "MICROSHOP";

/// An admin API request to the gateway.
fn admin(gw: &SmsGateway, method: Method, path: &str) -> reqwest::RequestBuilder {
    gw.http
        .request(method, format!("{}/admin/v1{path}", gw.base))
        .bearer_auth(OPERATOR_TOKEN)
}

/// Registers the shop as the operator would: Payment, Account Management and SMS from `MICROSHOP`.
async fn register_shop(gw: &SmsGateway) -> (String, String) {
    let agreement = json!({"allow": ["Payment", "AccountManagement", "SMS"], "sms_senders": [SENDER]});
    let body = json!({"id": "microshop", "name": "Micro Shop", "owner_contact": "ops@shop.example", "agreement": agreement});
    let response = admin(gw, Method::POST, "/apps").json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let text = |k: &str| created["credential"][k].as_str().unwrap().to_owned();
    (text("username"), text("secret"))
}

async fn open_account(gw: &SmsGateway, msisdn: &str, balance: i64) {
    let body = json!({"msisdn": msisdn, "balance": balance});
    let response = admin(gw, Method::POST, "/accounts")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn balance(gw: &SmsGateway, msisdn: &str) -> i64 {
    let path = format!("/accounts/{msisdn}");
    let account: Value = admin(gw, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    account["balance"].as_i64().unwrap()
}

/// The texts of the complete messages from the shop on handset `digits`, once there are `n`
/// (bounded: 10 s), sorted.
async fn shop_texts(sim: &pxsim::SimHandle, digits: &str, n: usize) -> Vec<String> {
    let mut texts = Vec::new();
    for _ in 0..500 {
        texts = sim
            .inbox(digits)
            .into_iter()
            .filter(|m| m.complete && m.from == SENDER)
            .map(|m| m.text)
            .collect::<Vec<_>>();
        if texts.len() >= n {
            texts.sort();
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "{digits} got {texts:?} from {SENDER}, not {n} messages: {:?}",
        sim.inbox(digits)
    );
}

fn buy(msisdn: &str, amount: i64, item: &str) -> Purchase {
    Purchase {
        msisdn: msisdn.to_owned(),
        amount,
        item: item.to_owned(),
        reference: None,
    }
}

/// (1) enough balance: charged, the payment SMS arrives in Korean; (2) a purchase that leaves less
/// than the threshold: also the balance SMS; (3) a number without an account: the "unregistered"
/// SMS to it, nothing charged; (4) not enough credit: the gateway's refusal, nothing charged,
/// nothing sent.
async fn the_shop_charges_texts_and_refuses_as_figure_2_draws(db: &TestDb) {
    let sim = start_sim(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let (username, secret) = register_shop(&gw).await;
    let config = ShopConfig::new(&gw.base, &username, &secret);
    assert_eq!((config.threshold, config.auth), (5_000, Auth::Digest));
    let shop = Shop::new(config.clone());
    open_account(&gw, "010-5500-0001", 50_000).await;
    open_account(&gw, "010-5500-0002", 8_000).await;
    open_account(&gw, "010-5500-0004", 1_000).await;

    // (1)
    let paid = shop.purchase(&buy("010-5500-0001", 4_300, "커피")).await.unwrap();
    assert_eq!(paid.verdict, Verdict::Paid);
    assert_eq!((paid.balance, paid.problems.len()), (Some(45_700), 0));
    assert_eq!(balance(&gw, "+821055000001").await, 45_700);
    let kinds: Vec<SmsKind> = paid.sms.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SmsKind::Payment]);
    assert_eq!(
        shop_texts(&sim, "821055000001", 1).await,
        ["[Micro Shop] 4,300원 결제 완료: 커피. 잔액 45,700원"]
    );

    // (2)
    let low = shop
        .purchase(&buy("01055000002", 4_300, "샌드위치"))
        .await
        .unwrap();
    assert_eq!((low.verdict.clone(), low.balance), (Verdict::Paid, Some(3_700)));
    let kinds: Vec<SmsKind> = low.sms.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SmsKind::Payment, SmsKind::LowBalance]);
    assert_eq!(
        shop_texts(&sim, "821055000002", 2).await,
        [
            "[Micro Shop] 4,300원 결제 완료: 샌드위치. 잔액 3,700원",
            "[Micro Shop] 잔액이 3,700원으로 5,000원 미만입니다. 충전해 주세요.",
        ]
    );

    // (3), authenticating with HTTP Basic this time.
    let basic = Shop::new(ShopConfig {
        auth: Auth::Basic,
        ..config.clone()
    });
    let unknown = basic
        .purchase(&buy("+82 10 5500 0009", 4_300, "커피"))
        .await
        .unwrap();
    assert_eq!(unknown.verdict, Verdict::Unregistered);
    assert_eq!(unknown.balance, None);
    let sent: Vec<(SmsKind, &str)> = unknown.sms.iter().map(|s| (s.kind, s.to.as_str())).collect();
    assert_eq!(sent, [(SmsKind::Unregistered, "tel:+821055000009")]);
    assert_eq!(
        shop_texts(&sim, "821055000009", 1).await,
        ["[Micro Shop] 소액결제에 가입되지 않은 번호입니다. 커피 4,300원 결제가 되지 않았습니다."]
    );
    let none = admin(&gw, Method::GET, "/accounts/+821055000009")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND, "no account appeared");

    // (4)
    let refused = shop.purchase(&buy("010-5500-0004", 4_300, "커피")).await.unwrap();
    let Verdict::Refused(fault) = &refused.verdict else {
        panic!("not refused: {refused:?}");
    };
    assert_eq!(fault.code, "POL1000");
    assert_eq!(fault.text, "User has insufficient credit for transaction");
    assert!(refused.sms.is_empty() && refused.problems.is_empty());
    assert_eq!(balance(&gw, "+821055000004").await, 1_000);
    // A later message to the same handset arrives alone: nothing from the refused purchase was queued.
    let later = micropay::Gateway::new(&config)
        .send_sms("tel:+821055000004", SENDER, "later")
        .await
        .unwrap();
    assert!(!later.is_empty());
    assert_eq!(shop_texts(&sim, "821055000004", 1).await, ["later"]);

    // Retrying an order with its reference charges it once.
    let again = Purchase {
        reference: Some(paid.reference.clone()),
        ..buy("010-5500-0001", 4_300, "커피")
    };
    let replay = shop.purchase(&again).await.unwrap();
    assert_eq!((replay.verdict, replay.balance), (Verdict::Paid, Some(45_700)));

    // Bad input is refused before anything goes out, naming the field.
    for (p, field) in [
        (buy("not-a-number", 100, "커피"), "msisdn"),
        (buy("010-5500-0001", 0, "커피"), "amount"),
        (buy("010-5500-0001", 100, " "), "item"),
    ] {
        let e = shop.purchase(&p).await.unwrap_err();
        assert!(e.to_string().starts_with(field), "{field}: {e}");
    }
    assert_eq!(balance(&gw, "+821055000001").await, 45_700);
    sim.shutdown().await;
}

/// The shop talks to a gateway serving HTTPS when it trusts the operator's CA (`--ca-cert`), and
/// not otherwise.
#[tokio::test]
async fn the_shop_charges_over_https_trusting_the_operators_ca() {
    use crate::harness::TestGateway;
    use crate::listener::TestCert;
    use crate::soap_framework::{open_account, register};
    let db = TestDb::sqlite().await;
    let cert = TestCert::new();
    let tls = cert.tls.clone();
    let gw = TestGateway::start_with(&db, move |c| c.http.tls = Some(tls)).await;
    assert!(gw.base.starts_with("https://"));
    let shop = register(&gw, "shop", json!({"allow": ["Payment", "AccountManagement"]})).await;
    open_account(&gw, "+821055000007", json!({"balance": 10_000})).await;
    let mut config = ShopConfig::new(&gw.base, &shop.user, &shop.secret);

    let untrusting = micropay::Gateway::new(&config);
    let refused = untrusting
        .charge_amount("tel:+821055000007", "커피", 4_300, "tls-1")
        .await;
    assert!(refused.is_err(), "charged over an untrusted certificate");

    config.extra_roots = pxgate::tls::roots(&cert.tls.cert_path).unwrap();
    let trusting = micropay::Gateway::new(&config);
    trusting
        .charge_amount("tel:+821055000007", "커피", 4_300, "tls-1")
        .await
        .unwrap();
    assert_eq!(trusting.get_balance("tel:+821055000007").await.unwrap(), 5_700);
}
