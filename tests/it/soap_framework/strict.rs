//! What a lenient reader would take and pxgate refuses: duplicate
//! attributes, a late XML declaration, a Header after the Body, a second operation, an envelope in
//! the other SOAP version than its media type. Each is refused with its fault, and nothing is
//! charged.

use reqwest::StatusCode;
use serde_json::json;

use super::{ALICE, AMOUNT, Auth, balance, charge_amount, envelope, open_account, post_raw, register};
use crate::harness::{TestDb, TestGateway, battery};

battery!(
    malformed_or_misordered_envelopes_are_refused_and_charge_nothing,
    an_envelope_in_the_other_version_than_its_media_type_is_a_version_mismatch,
);

/// `(what, body, the SVC0001 envelope code)` for a valid charge envelope `good` bent out of shape.
fn bent(good: &str, auth_header: &str) -> Vec<(&'static str, String, &'static str)> {
    let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    let bare = good.trim_start_matches(declaration);
    let (before_body, body_on) = bare.split_at(bare.find("<soapenv:Body>").unwrap());
    let header_last = format!(
        "{}{}{auth_header}</soapenv:Envelope>",
        before_body.replace(auth_header, ""),
        body_on.trim_end_matches("</soapenv:Envelope>")
    );
    vec![
        (
            "a duplicate attribute",
            good.replace("<loc:chargeAmount ", "<loc:chargeAmount id=\"1\" id=\"2\" "),
            "XmlMalformed",
        ),
        (
            "a second XML declaration",
            format!("{declaration}{declaration}{bare}"),
            "XmlMalformed",
        ),
        (
            "an XML declaration inside the Body",
            good.replace("<soapenv:Body>", &format!("<soapenv:Body>{declaration}")),
            "XmlMalformed",
        ),
        ("a Header after the Body", header_last, "SoapElementMisplaced"),
        (
            "a second operation in the Body",
            good.replace(
                "</soapenv:Body>",
                &format!("{}</soapenv:Body>", charge_amount(ALICE.1, "1000", "s-2")),
            ),
            "SoapBodyExtraElement",
        ),
    ]
}

async fn malformed_or_misordered_envelopes_are_refused_and_charge_nothing(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let auth = Auth::Text(&shop.user, &shop.secret);
    let good = envelope(&auth, &charge_amount(ALICE.1, "1000", "s-1"));
    let header = &good[good.find("<soapenv:Header>").unwrap()..good.find("<soapenv:Body>").unwrap()];
    for (what, body, code) in bent(&good, header) {
        let answer = post_raw(&gw, AMOUNT, "text/xml; charset=utf-8", body).await;
        assert_eq!(
            (answer.status, answer.message_id()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some("SVC0001")),
            "{what}: {}",
            answer.text
        );
        assert_eq!(answer.variables(), [code], "{what}");
        assert!(
            answer.text.contains("<faultcode>soapenv:Client</faultcode>"),
            "{what}"
        );
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing was charged");
    // What standard clients send still works: a declaration first, comments, any prefix.
    let zeep_like = good
        .replace("soapenv:", "soap-env:")
        .replace("xmlns:soapenv=", "xmlns:soap-env=")
        .replace("<soap-env:Body>", "\n  <!-- request -->\n  <soap-env:Body>");
    post_raw(&gw, AMOUNT, "text/xml; charset=utf-8", zeep_like)
        .await
        .assert_ok("a declaration, comments, another prefix");
    assert_eq!(balance(&gw, ALICE.0).await, 9000);
}

async fn an_envelope_in_the_other_version_than_its_media_type_is_a_version_mismatch(db: &TestDb) {
    let gw = TestGateway::start(db).await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    open_account(&gw, ALICE.0, json!({"balance": 10000})).await;
    let auth = Auth::Text(&shop.user, &shop.secret);
    let v11 = envelope(&auth, &charge_amount(ALICE.1, "1000", "m-1"));
    let v12 = v11
        .replace(
            "http://schemas.xmlsoap.org/soap/envelope/",
            "http://www.w3.org/2003/05/soap-envelope",
        )
        .replace("soapenv:mustUnderstand=\"1\"", "soapenv:mustUnderstand=\"true\"");
    for (what, media, body) in [
        ("SOAP 1.2 as text/xml", "text/xml; charset=utf-8", v12.clone()),
        (
            "SOAP 1.1 as application/soap+xml",
            "application/soap+xml",
            v11.clone(),
        ),
    ] {
        let answer = post_raw(&gw, AMOUNT, media, body).await;
        assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        assert!(
            answer
                .text
                .contains("<faultcode>soapenv:VersionMismatch</faultcode>")
                && answer.text.contains("http://schemas.xmlsoap.org/soap/envelope/"),
            "{what}: a SOAP 1.1 VersionMismatch fault: {}",
            answer.text
        );
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/xml")
        );
    }
    assert_eq!(balance(&gw, ALICE.0).await, 10000, "nothing was charged");
    post_raw(&gw, AMOUNT, "application/soap+xml; charset=utf-8", v12)
        .await
        .assert_ok("SOAP 1.2 as application/soap+xml");
    post_raw(&gw, AMOUNT, "text/xml", v11.replace("m-1", "m-2"))
        .await
        .assert_ok("SOAP 1.1 as text/xml");
    assert_eq!(balance(&gw, ALICE.0).await, 8000);
}
