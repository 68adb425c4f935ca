//! ReceiveSms end to end on both backends: a handset texts the application's short code through
//! the simulator, the gateway stores it before acknowledging the deliver_sm, and getReceivedSms
//! hands it over once (long Korean text reassembled from its parts) to the application holding
//! the short code's registration.

use std::time::Duration;

use std::sync::Arc;

use axum::body::Body;
use tower::ServiceExt as _;

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, start_sim};
use crate::soap_framework::{Answer, Auth, envelope};

battery!(
    received_messages_are_handed_over_once,
    a_registration_of_another_application_is_refused,
    control_characters_from_a_handset_keep_the_answer_well_formed,
    an_answer_not_handed_over_leaves_its_messages_in_the_inbox,
);

const RECEIVE: &str = "/ReceiveSmsService/services/ReceiveSms";

fn get_received(registration: &str) -> String {
    format!(
        "<loc:getReceivedSms xmlns:loc=\"http://www.csapi.org/schema/parlayx/sms/receive/v2_2/local\">\
         <loc:registrationIdentifier>{registration}</loc:registrationIdentifier></loc:getReceivedSms>"
    )
}

/// Injects an MO once the gateway's transceiver is bound (bounded: 10 s).
async fn inject(sim: &pxsim::SimHandle, from: &str, to: &str, text: &str) {
    for _ in 0..500 {
        if sim.inject_mo(from, to, text).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no bound receiver");
}

/// Polls getReceivedSms until `count` messages came back, over as many calls as it takes
/// (bounded: 10 s); answers the bodies together.
async fn wait_received(gw: &SmsGateway, app: &(String, String), count: usize) -> String {
    let mut bodies = String::new();
    for _ in 0..500 {
        let answer: Answer = gw.call_at(RECEIVE, app, &get_received("1588")).await;
        answer.assert_ok("getReceivedSms");
        bodies.push_str(&answer.text);
        let n = bodies.matches("<senderAddress>").count();
        if n >= count {
            assert_eq!(n, count, "{bodies}");
            return bodies;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never {count} messages: {bodies}");
}

async fn received_messages_are_handed_over_once(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    // registrationIdentifier 1588: every message to short code 1588 goes to "shop".
    crate::sms_routing::registration(&gw, "1588", "shop", "1588", None).await;
    let long = "잔액 조회 부탁드립니다. ".repeat(8);
    inject(&sim, "821012345678", "1588", "BAL").await;
    inject(&sim, "821099998888", "1588", &long).await;
    let text = &wait_received(&gw, &app, 2).await;
    assert!(
        text.contains("<message>BAL</message><senderAddress>tel:+821012345678</senderAddress>"),
        "{text}"
    );
    assert!(
        text.contains("<smsServiceActivationNumber>tel:1588</smsServiceActivationNumber>"),
        "{text}"
    );
    assert!(text.contains(&format!("<message>{long}</message>")), "{text}");
    let again = gw.call_at(RECEIVE, &app, &get_received("1588")).await;
    assert!(
        !again.text.contains("<senderAddress>"),
        "returned once: {}",
        again.text
    );
}

async fn a_registration_of_another_application_is_refused(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let answer = gw.call_at(RECEIVE, &app, &get_received("9999")).await;
    answer.assert_fault("SVC0002", "not a registration of this application");
    assert_eq!(answer.variables(), ["registrationIdentifier"]);
}

/// XML 1.0 cannot carry U+0001 or a page break (U+000C) even as a reference: they are answered as
/// U+FFFD, and the messages around them are not lost.
async fn control_characters_from_a_handset_keep_the_answer_well_formed(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    crate::sms_routing::registration(&gw, "1588", "shop", "1588", None).await;
    inject(&sim, "821012345678", "1588", "ORDER 1 coffee").await;
    inject(&sim, "821012345678", "1588", "ORDER 2 \u{1}tea\u{c}").await;
    inject(&sim, "821012345678", "1588", "ORDER 3 cake").await;
    let text = wait_received(&gw, &app, 3).await;
    assert!(!text.contains(['\u{1}', '\u{c}']), "{text:?}");
    for message in ["ORDER 1 coffee", "ORDER 2 \u{FFFD}tea\u{FFFD}", "ORDER 3 cake"] {
        assert!(
            text.contains(&format!("<message>{message}</message>")),
            "{message}: {text:?}"
        );
    }
}

/// A getReceivedSms answer dropped before it was handed to the connection (the client went away)
/// gives its messages back to the inbox; one handed over removes them.
async fn an_answer_not_handed_over_leaves_its_messages_in_the_inbox(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    crate::sms_routing::registration(&gw, "1588", "shop", "1588", None).await;
    // A second gateway on the same store, driven in-process so its answer can be dropped unread.
    let routes = SmsGateway::in_process(Arc::clone(&db.store), sim.smpp_addr());
    let call = || {
        let request = axum::http::Request::post(RECEIVE)
            .header("content-type", "text/xml; charset=utf-8")
            .body(Body::from(envelope(
                &Auth::Text(&app.0, &app.1),
                &get_received("1588"),
            )))
            .unwrap();
        routes.clone().oneshot(request)
    };
    let length = |r: &axum::response::Response| r.headers()["content-length"].to_str().unwrap().to_owned();
    let empty = call().await.unwrap();
    let empty_length = length(&empty);
    drop(empty);

    inject(&sim, "821012345678", "1588", "ORDER 7 tea").await;
    let mut dropped = false;
    for _ in 0..500 {
        let answer = call().await.unwrap();
        assert_eq!(answer.status(), 200);
        if length(&answer) != empty_length {
            drop(answer); // carries the message: the client is gone before reading it
            dropped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(dropped, "the message never reached the inbox");

    // Still in the inbox: the next answer, read in full, carries it; then it is gone.
    let text = wait_received(&gw, &app, 1).await;
    assert!(text.contains("<message>ORDER 7 tea</message>"), "{text}");
    let again = gw.call_at(RECEIVE, &app, &get_received("1588")).await;
    assert!(
        !again.text.contains("<senderAddress>"),
        "returned once: {}",
        again.text
    );
}
