//! SendSms end to end on both backends: SOAP → outbox → SMPP → the simulator's handset → receipt →
//! getSmsDeliveryStatus; Korean multi-part; an SMSC that is down when the gateway starts; and
//! hostile input, refused with its fault before anything is queued.

use crate::harness::{TestDb, battery};
use crate::sms_harness::{SmsGateway, send_sms, start_sim, wait_inbox};

battery!(
    a_message_reaches_the_handset_and_its_receipt_the_status,
    a_long_korean_message_is_sent_in_parts_and_delivered_whole,
    messages_wait_for_an_smsc_that_is_down_at_start,
    hostile_input_is_refused_with_its_fault,
    a_throttling_smsc_slows_the_link_and_loses_nothing,
    a_link_that_keeps_dropping_loses_nothing,
    refused_and_undeliverable_messages_are_delivery_impossible,
    the_submit_rate_cap_holds_for_all_sessions_together,
);

async fn refused_and_undeliverable_messages_are_delivery_impossible(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = pxsim::SimConfig::default();
    config.receipts.delay_ms = 20;
    config.receipts.rules.push(pxsim::config::PrefixRule {
        prefix: "8210666".to_owned(),
        delay_ms: None,
        outcomes: Some(pxsim::config::OutcomeWeights {
            delivered: 0,
            undeliverable: 1,
            ..pxsim::config::OutcomeWeights::default()
        }),
    });
    let sim = pxsim::start(smpp, http, config).await.unwrap();
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let undeliverable = gw.send(&app, &["tel:+821066600001"], "to a dead phone").await;
    gw.wait_status(&app, &undeliverable, "DeliveryImpossible").await;
    // Every submit refused with ESME_RINVDSTADR (0x0B): a final error, not retried.
    sim.set_faults(pxsim::Faults {
        error_probability: 1.0,
        error_status: 0x0B,
        ..pxsim::Faults::default()
    });
    let refused = gw.send(&app, &["tel:+821012340000"], "refused").await;
    gw.wait_status(&app, &refused, "DeliveryImpossible").await;
    assert_eq!(
        sim.stats().sent("submit_sm_resp", "ESME_RINVDSTADR"),
        1,
        "not retried"
    );
}

async fn a_link_that_keeps_dropping_loses_nothing(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    // Every session is closed after it has sent 3 PDUs (bind_resp + two more).
    sim.set_faults(pxsim::Faults {
        drop_after_pdus: Some(3),
        ..pxsim::Faults::default()
    });
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let text = "잔액이 부족합니다. 충전해 주세요. ".repeat(6); // UCS-2, two parts
    let to = ["tel:+821050000001", "tel:+821050000002", "tel:+821050000003"];
    gw.send(&app, &to, &text).await;
    for n in ["821050000001", "821050000002", "821050000003"] {
        assert_eq!(wait_inbox(&sim, n).await.text, text);
    }
    assert!(sim.stats().binds_ok > 1, "the gateway reconnected");
}

async fn a_throttling_smsc_slows_the_link_and_loses_nothing(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    sim.set_faults(pxsim::Faults {
        throttle_per_sec: Some(4),
        ..pxsim::Faults::default()
    });
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let text = "Your order has shipped. ".repeat(12); // 288 septets: two parts
    let to = ["tel:+821040000001", "tel:+821040000002", "tel:+821040000003"];
    let id = gw.send(&app, &to, &text).await;
    for n in ["821040000001", "821040000002", "821040000003"] {
        assert_eq!(wait_inbox(&sim, n).await.text, text);
    }
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    let stats = sim.stats();
    assert!(
        stats.sent("submit_sm_resp", "ESME_RTHROTTLED") > 0,
        "the SMSC did throttle: {stats:?}"
    );
    assert_eq!(
        stats.sent("submit_sm_resp", "ESME_ROK"),
        6,
        "each part accepted once"
    );
}

async fn a_message_reaches_the_handset_and_its_receipt_the_status(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let id = gw
        .send(
            &app,
            &["tel:+821012345678", "010-2222-3333"],
            "Paid 5,000 KRW {ok} €",
        )
        .await;
    let m = wait_inbox(&sim, "821012345678").await;
    assert_eq!(
        (m.text.as_str(), m.from.as_str()),
        ("Paid 5,000 KRW {ok} €", "1588")
    );
    assert_eq!(wait_inbox(&sim, "821022223333").await.text, m.text);
    let status = gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    assert!(
        status.text.contains("<address>tel:+821012345678</address>"),
        "{}",
        status.text
    );
    assert!(
        status.text.contains("<address>tel:+821022223333</address>"),
        "{}",
        status.text
    );
}

async fn a_long_korean_message_is_sent_in_parts_and_delivered_whole(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let text = "결제가 완료되었습니다. 잔액은 만원입니다. ".repeat(10);
    let id = gw.send(&app, &["tel:+821055556666"], &text).await;
    let m = wait_inbox(&sim, "821055556666").await;
    assert_eq!(m.text, text);
    assert!(m.parts > 1, "{} parts", m.parts);
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
}

async fn messages_wait_for_an_smsc_that_is_down_at_start(db: &TestDb) {
    // Take a free port, then leave it closed: the SMSC is not there yet.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = port.local_addr().unwrap();
    drop(port);
    let gw = SmsGateway::start(db, addr).await;
    let app = gw.register("shop").await;
    let id = gw.send(&app, &["tel:+821077778888"], "queued while down").await;
    gw.wait_status(&app, &id, "MessageWaiting").await;
    let sim = start_sim(tokio::net::TcpListener::bind(addr).await.unwrap()).await;
    assert_eq!(wait_inbox(&sim, "821077778888").await.text, "queued while down");
    gw.wait_status(&app, &id, "DeliveredToTerminal").await;
}

async fn hostile_input_is_refused_with_its_fault(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start(db, sim.smpp_addr()).await;
    let app = gw.register("shop").await;
    let other = gw.register("other").await;
    let four = [
        "tel:+821011110001",
        "tel:+821011110002",
        "tel:+821011110003",
        "tel:+821011110004",
    ];
    let cases = [
        (send_sms(&four, Some("1588"), "hi"), "POL0003"),
        (
            send_sms(&["tel:abc", "mailto:x@y"], Some("1588"), "hi"),
            "SVC0004",
        ),
        (
            send_sms(&["tel:+821011110001", "tel:abc"], Some("1588"), "hi"),
            "SVC0002",
        ),
        (
            send_sms(&["tel:+821011110001"], Some("1588"), &"가".repeat(8 * 67 + 1)),
            "SVC0280",
        ),
        (send_sms(&["tel:+821011110001"], Some("BANK"), "hi"), "POL0001"),
        (
            send_sms(&["tel:+821011110001"], Some("1588"), "hi").replace(
                "<loc:message>",
                "<loc:charging><description>x</description></loc:charging><loc:message>",
            ),
            "POL0008",
        ),
        (
            send_sms(&["tel:+821011110001"], Some("1588"), "hi").replace(
                "</loc:message>",
                "</loc:message><loc:receiptRequest><endpoint>http://app.example/n</endpoint>\
                 <interfaceName>SmsNotification</interfaceName><correlator>c1</correlator></loc:receiptRequest>",
            ),
            "SVC0002",
        ),
    ];
    for (body, code) in &cases {
        gw.call(&app, body).await.assert_fault(code, code);
    }
    let too_long = gw.call(&app, &cases[3].0).await;
    assert_eq!(too_long.variables(), ["536"]);
    let unknown = "<loc:getSmsDeliveryStatus xmlns:loc=\"http://www.csapi.org/schema/parlayx/sms/send/v2_2/local\">\
                   <loc:requestIdentifier>nope</loc:requestIdentifier></loc:getSmsDeliveryStatus>";
    gw.call(&app, unknown).await.assert_fault("SVC0002", "unknown id");
    // Another application's request is as unknown as a made-up one.
    let id = gw.send(&app, &["tel:+821011110009"], "mine").await;
    let theirs = unknown.replace("nope", &id);
    gw.call(&other, &theirs)
        .await
        .assert_fault("SVC0002", "another app's id");
}

/// `[smpp] max_submits_per_sec` paces submit_sm over every session of the gateway together:
/// 30 submits at 10/s (one at a time) cannot all arrive in less than 2.9 s (2.8 s is checked, for clock granularity), however the two
/// sessions share them. Only the lower bound is checked: a slow machine cannot break it.
async fn the_submit_rate_cap_holds_for_all_sessions_together(db: &TestDb) {
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let gw = SmsGateway::start_with(std::sync::Arc::clone(&db.store), sim.smpp_addr(), |smpp| {
        smpp.sessions = 2;
        smpp.max_submits_per_sec = Some(10);
    })
    .await;
    let app = gw.register("shop").await;
    let started = std::time::Instant::now();
    let mut numbers = Vec::new();
    for batch in 0..10 {
        let to: Vec<String> = (0..3).map(|i| format!("tel:+8210600{batch:02}{i:03}")).collect();
        let to: Vec<&str> = to.iter().map(String::as_str).collect();
        gw.send(&app, &to, "rate").await;
        numbers.extend(to.iter().map(|t| t.trim_start_matches("tel:+").to_owned()));
    }
    for n in &numbers {
        assert_eq!(wait_inbox(&sim, n).await.text, "rate");
    }
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(2_800),
        "30 submits in {took:?}"
    );
    assert_eq!(sim.stats().sent("submit_sm_resp", "ESME_ROK"), 30, "each once");
    assert!(sim.stats().binds_ok >= 2, "both sessions bound");
}
