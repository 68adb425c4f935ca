//! What a permitted call does: the paper's refusals as their codes, idempotent reference codes,
//! reservations, SOAP 1.2, hostile or wrong input (nothing charged), and the published WSDL.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use super::{
    ALICE, AMOUNT, Auth, RESERVE, balance, call, charge_amount, charge_info, created, element, envelope,
    open_account, post_raw, register, reserve_op,
};
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    the_papers_refusals_come_back_as_their_codes,
    a_reference_code_charges_once,
    a_reservation_is_charged_in_part_and_released,
    soap_12_is_answered_in_12,
    bad_requests_are_client_faults_and_charge_nothing,
    the_wsdl_names_the_host_it_was_fetched_from,
);

async fn the_papers_refusals_come_back_as_their_codes(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    let capped = json!({"allow": ["Payment"], "spend_limits": [{"currency": "KRW", "per_charge": 1000}]});
    let capped = register(&gw, "capped", capped).await;
    let accounts = [
        ("010-2000-0001", json!({"balance": 10000, "status": "suspended"})),
        (
            "010-2000-0002",
            json!({"balance": 10000, "credit_expiry": "2020-01-31"}),
        ),
        ("010-2000-0003", json!({"balance": 10000, "monthly_limit": 3000})),
        ("010-2000-0004", json!({"balance": 500})),
        (ALICE.0, json!({"balance": 10000})),
    ];
    for (msisdn, fields) in accounts {
        open_account(&gw, msisdn, fields).await;
    }
    let auth = Auth::Text(&shop.user, &shop.secret);
    let monthly = "tel:+821020000003";
    call(&gw, AMOUNT, &auth, &charge_amount(monthly, "2000", "m-1"))
        .await
        .assert_ok("within the month");
    let missing_user = charge_amount(ALICE.1, "1000", "r-8").replace(
        &format!("<loc:endUserIdentifier>{}</loc:endUserIdentifier>", ALICE.1),
        "",
    );
    let cases = [
        (
            charge_amount("tel:+821099999999", "1000", "r-1"),
            "POL1009",
            vec!["payment"],
        ),
        (
            charge_amount("tel:+821020000001", "1000", "r-2"),
            "POL1010",
            vec!["payment"],
        ),
        (
            charge_amount("tel:+821020000002", "1000", "r-3"),
            "POL1012",
            vec!["payment"],
        ),
        (charge_amount(monthly, "2000", "r-4"), "POL1001", vec!["monthly"]),
        (
            charge_amount("tel:+821020000004", "1000", "r-5"),
            "POL1000",
            vec![],
        ),
        (
            charge_amount(ALICE.1, "10.5", "r-6"),
            "SVC0007",
            vec!["10.5 has more decimal places than KRW allows (none: KRW has no minor unit)"],
        ),
        (missing_user, "SVC0002", vec!["endUserIdentifier"]),
    ];
    for (body, id, variables) in cases {
        let answer = call(&gw, AMOUNT, &auth, &body).await;
        answer.assert_fault(id, id);
        assert_eq!(answer.variables(), variables, "{id}");
        let side = if id == "SVC0007" || id == "SVC0002" {
            "Client"
        } else {
            "Server"
        };
        assert!(
            answer
                .text
                .contains(&format!("<faultcode>soapenv:{side}</faultcode>")),
            "{id}: {}",
            answer.text
        );
    }
    let capped_auth = Auth::Text(&capped.user, &capped.secret);
    let answer = call(&gw, AMOUNT, &capped_auth, &charge_amount(ALICE.1, "1500", "c-1")).await;
    answer.assert_fault("POL0254", "per-charge cap");
    call(&gw, AMOUNT, &capped_auth, &charge_amount(ALICE.1, "1000", "c-2"))
        .await
        .assert_ok("at the cap");

    for (msisdn, expected) in [
        ("010-2000-0001", 10000),
        ("010-2000-0002", 10000),
        ("010-2000-0003", 8000),
        ("010-2000-0004", 500),
        (ALICE.0, 9000),
    ] {
        assert_eq!(
            balance(&gw, msisdn).await,
            expected,
            "{msisdn}: only the accepted charges moved money"
        );
    }
}

async fn a_reference_code_charges_once(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let auth = Auth::Text(&shop.user, &shop.secret);
    let body = charge_amount(ALICE.1, "1200", "order-77");
    call(&gw, AMOUNT, &auth, &body).await.assert_ok("first");
    call(&gw, AMOUNT, &auth, &body)
        .await
        .assert_ok("retry: the first outcome again");
    assert_eq!(balance(&gw, ALICE.0).await, 8800, "one debit");
    let different = charge_amount(ALICE.1, "1300", "order-77");
    let answer = call(&gw, AMOUNT, &auth, &different).await;
    answer.assert_fault("SVC1001", "a reference code reused for another request");
    assert_eq!(answer.variables(), ["order-77"]);
    assert_eq!(balance(&gw, ALICE.0).await, 8800);
}

async fn a_reservation_is_charged_in_part_and_released(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let auth = Auth::Basic(&shop);
    let reserve = reserve_op(
        "reserveAmount",
        &format!(
            "<loc:endUserIdentifier>{}</loc:endUserIdentifier>{}",
            ALICE.1,
            charge_info("3000")
        ),
    );
    let answer = call(&gw, RESERVE, &auth, &reserve).await;
    answer.assert_ok("reserveAmount");
    let id = element(&answer.text, "result").unwrap().to_owned();
    assert!(!id.is_empty(), "{}", answer.text);
    let id_element = format!("<loc:reservationIdentifier>{id}</loc:reservationIdentifier>");

    let more = reserve_op(
        "reserveAdditionalAmount",
        &format!("{id_element}{}", charge_info("500")),
    );
    call(&gw, RESERVE, &auth, &more)
        .await
        .assert_ok("reserveAdditionalAmount");
    let part = reserve_op(
        "chargeReservation",
        &format!(
            "{id_element}{}<loc:referenceCode>ride-1</loc:referenceCode>",
            charge_info("1000")
        ),
    );
    let answer = call(&gw, RESERVE, &auth, &part).await;
    answer.assert_ok("chargeReservation");
    assert!(answer.text.contains("chargeReservationResponse"));
    assert_eq!(
        balance(&gw, ALICE.0).await,
        9000,
        "the charged part left the balance"
    );

    let release = reserve_op("releaseReservation", &id_element);
    call(&gw, RESERVE, &auth, &release)
        .await
        .assert_ok("releaseReservation");
    assert_eq!(balance(&gw, ALICE.0).await, 9000, "the rest went back");
    let answer = call(&gw, RESERVE, &auth, &part.replace("ride-1", "ride-2")).await;
    answer.assert_fault("POL1015", "a released reservation charges nothing");
    assert_eq!(answer.variables()[0], id);
    let unknown = reserve_op(
        "releaseReservation",
        "<loc:reservationIdentifier>nope</loc:reservationIdentifier>",
    );
    call(&gw, RESERVE, &auth, &unknown)
        .await
        .assert_fault("SVC0002", "unknown reservation");
    assert_eq!(balance(&gw, ALICE.0).await, 9000);
}

async fn soap_12_is_answered_in_12(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let to_12 = |xml: String| {
        xml.replace(
            "http://schemas.xmlsoap.org/soap/envelope/",
            "http://www.w3.org/2003/05/soap-envelope",
        )
        .replace("soapenv:mustUnderstand=\"1\"", "soapenv:mustUnderstand=\"true\"")
    };
    let digest = Auth::Digest(&shop, b"nonce-soap-12", created(Duration::zero()));
    let xml = to_12(envelope(&digest, &charge_amount(ALICE.1, "700", "v12-1")));
    let answer = post_raw(&gw, AMOUNT, "application/soap+xml; charset=utf-8", xml).await;
    answer.assert_ok("SOAP 1.2");
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/soap+xml")
    );
    assert!(
        answer.text.contains("http://www.w3.org/2003/05/soap-envelope")
            && answer.text.contains("chargeAmountResponse")
    );
    assert_eq!(balance(&gw, ALICE.0).await, 9300);

    let auth = Auth::Text(&shop.user, &shop.secret);
    let xml = to_12(envelope(&auth, &charge_amount(ALICE.1, "0.5", "v12-2")));
    let answer = post_raw(&gw, AMOUNT, "application/soap+xml", xml).await;
    answer.assert_fault("SVC0007", "a SOAP 1.2 fault");
    assert!(
        answer.text.contains("<env:Value>env:Sender</env:Value>"),
        "{}",
        answer.text
    );

    let xml = to_12(envelope(
        &Auth::Text(&shop.user, "wrong"),
        &charge_amount(ALICE.1, "1", "v12-3"),
    ));
    let answer = post_raw(&gw, AMOUNT, "application/soap+xml", xml).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.text.contains("wsse:FailedAuthentication") && answer.text.contains("env:Subcode"));
}

async fn bad_requests_are_client_faults_and_charge_nothing(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let auth = Auth::Text(&shop.user, &shop.secret);
    let good = envelope(&auth, &charge_amount(ALICE.1, "1000", "x-1"));
    let doctype = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY lol \"lol\">]>{}",
        good.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    );
    for (what, body, code) in [
        ("malformed", good.replace("</soapenv:Body>", ""), "XmlMalformed"),
        ("DOCTYPE", doctype, "XmlDoctypeNotAllowed"),
        ("not SOAP", "<chargeAmount/>".to_owned(), "NotSoapEnvelope"),
        (
            "too large",
            good.replace("Game pass", &"x".repeat(20_000)),
            "RequestTooLarge",
        ),
    ] {
        let answer = post_raw(&gw, AMOUNT, "text/xml", body).await;
        let status = if code == "RequestTooLarge" {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        assert_eq!(
            (answer.status, answer.message_id()),
            (status, Some("SVC0001")),
            "{what}: {}",
            answer.text
        );
        assert_eq!(answer.variables(), [code], "{what}");
        assert!(
            answer.text.contains("<faultcode>soapenv:Client</faultcode>"),
            "{what}"
        );
    }
    let answer = post_raw(&gw, AMOUNT, "application/json", good.clone()).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(answer.variables(), ["UnsupportedMediaType"]);

    let volume_op = charge_amount(ALICE.1, "1000", "x-2").replace("amount_charging", "volume_charging");
    let answer = call(&gw, AMOUNT, &auth, &volume_op).await;
    answer.assert_fault("SVC0002", "an operation in another interface's namespace");
    assert!(
        answer.variables()[0].contains("volume_charging"),
        "{}",
        answer.text
    );
    let unknown = charge_amount(ALICE.1, "1000", "x-3").replace("chargeAmount", "stealAmount");
    call(&gw, AMOUNT, &auth, &unknown)
        .await
        .assert_fault("SVC0002", "an unknown operation");
    let on_reserve = call(&gw, RESERVE, &auth, &charge_amount(ALICE.1, "1000", "x-4")).await;
    on_reserve.assert_fault("SVC0002", "chargeAmount posted to ReserveAmountCharging");
    // Control characters in texts: the same refusal as over REST, on both stores.
    for (body, part) in [
        (
            charge_amount(ALICE.1, "1000", "x-5").replace("Game pass", "Game&#1;pass"),
            "description",
        ),
        (
            charge_amount(ALICE.1, "1000", "x-6").replace("x-6", "x&#27;-6"),
            "referenceCode",
        ),
    ] {
        let answer = call(&gw, AMOUNT, &auth, &body).await;
        answer.assert_fault("SVC0002", part);
        assert_eq!(answer.variables(), [part]);
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing was charged");
}

async fn the_wsdl_names_the_host_it_was_fetched_from(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let get = |path: &str| gw.http.get(format!("{}{path}", gw.base)).send();
    let response = get(&format!("{AMOUNT}?wsdl")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let wsdl = response.text().await.unwrap();
    let address = format!("location=\"{}{AMOUNT}\"", gw.base);
    assert!(wsdl.contains(&address), "soap:address on the test server: {wsdl}");
    assert!(!wsdl.contains("localhost:8080"));

    let response = get("/wsdl/parlayx_payment_amount_charging_interface_2_1.wsdl")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let schema = get("/schemas/parlayx_common_types_2_1.xsd").await.unwrap();
    assert_eq!(schema.status(), StatusCode::OK);
    assert!(schema.text().await.unwrap().contains("ChargingInformation"));
    for missing in ["/wsdl/nothing.wsdl", "/schemas/parlayx_common_faults_2_0.wsdl"] {
        assert_eq!(
            get(missing).await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    let plain = get(AMOUNT).await.unwrap();
    assert_eq!(plain.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(plain.headers()["allow"], "POST");
}
