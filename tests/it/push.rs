//! Subscriber notices over MQTT, end to end on both backends: a real mosquitto started here, the
//! simulator as the SMSC, the gateway on a clock the test moves. A receipt for a number with a
//! device topic reaches a subscribed device and, once the device confirms it, never comes as SMS;
//! one nobody confirms arrives as SMS when its time runs out; a number without a topic gets its SMS
//! at once. Each notice ends by exactly one channel, and the admin API says which.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};

use crate::alerts::{alerts_on, charge, texts, wait_for};
use crate::harness::{TestDb, TestGateway, battery};
use crate::sms_harness::start_sim;
use crate::soap_framework::{open_account, register};

battery!(a_confirmed_notice_is_never_an_sms_and_an_unconfirmed_one_falls_back);

/// Handsets, as the simulator names them, and as the admin API does.
const PUSHED: (&str, &str) = ("821022220001", "010-2222-0001");
const SILENT: (&str, &str) = ("821022220002", "010-2222-0002");
const PLAIN: (&str, &str) = ("821022220003", "010-2222-0003");

/// A mosquitto of this test's own on a free port, stopped when dropped.
struct Broker {
    child: Child,
    port: u16,
}

impl Broker {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let broker = Self {
            child: Command::new("mosquitto")
                .args(["-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("mosquitto (Debian's package; .ci/run installs it)"),
            port,
        };
        for _ in 0..250 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return broker;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("mosquitto did not listen on {port}");
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A device subscribed to `topic`: the notices it receives, and its client to confirm them.
async fn device(port: u16, topic: &str) -> (AsyncClient, tokio::sync::mpsc::Receiver<Value>) {
    let options = MqttOptions::new("device-1", "127.0.0.1", port);
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    client.subscribe(topic, QoS::AtLeastOnce).await.unwrap();
    // Subscribed at the broker before anything is published to the topic.
    loop {
        if let Event::Incoming(Packet::SubAck(_)) = eventloop.poll().await.expect("the device connects") {
            break;
        }
    }
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::Publish(p)) = event {
                let _ = tx
                    .send(serde_json::from_slice(&p.payload).unwrap_or(Value::Null))
                    .await;
            }
        }
    });
    (client, rx)
}

/// The number's push settings and notices.
async fn push_of(gw: &TestGateway, number: &str) -> Value {
    gw.admin_json(&format!("/accounts/{number}/push")).await
}

/// Waits until the number's newest notice is in `status` (bounded: 10 s).
async fn wait_status(gw: &TestGateway, number: &str, status: &str) -> Value {
    for _ in 0..500 {
        let push = push_of(gw, number).await;
        if push["notices"][0]["status"] == status {
            return push["notices"][0].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "{number}'s notice never became {status}: {}",
        push_of(gw, number).await
    );
}

async fn a_confirmed_notice_is_never_an_sms_and_an_unconfirmed_one_falls_back(db: &TestDb) {
    let broker = Broker::start().await;
    let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start_sim(smpp).await;
    let smsc = sim.smpp_addr().to_string();
    let clock = Arc::new(pxgate::domain::ManualClock::new(chrono::Utc::now()));
    let port = broker.port;
    let gw = TestGateway::start_clocked(db, clock.clone(), |c| {
        alerts_on(c, &smsc);
        c.push.enabled = true;
        c.push.broker = format!("127.0.0.1:{port}");
        c.push.ack_timeout_secs = 30;
    })
    .await;
    let shop = register(&gw, "shop", json!({"allow": ["Payment"]})).await;
    for (_, number) in [PUSHED, SILENT, PLAIN] {
        open_account(&gw, number, json!({"balance": 10_000, "language": "en"})).await;
    }
    for (number, topic) in [(PUSHED.1, "devices/one"), (SILENT.1, "devices/two")] {
        let path = format!("/accounts/{number}/push");
        let set = gw
            .admin(Method::PUT, &path)
            .json(&json!({"topic": topic}))
            .send()
            .await
            .unwrap();
        assert_eq!(set.status(), 200, "{}", set.text().await.unwrap());
    }
    let bad = gw
        .admin(Method::PUT, &format!("/accounts/{}/push", PLAIN.1))
        .json(&json!({"topic": "devices/#"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "a wildcard is no device topic");

    // Pushed and confirmed: the device has it, and no SMS follows.
    let (client, mut received) = device(port, "devices/one").await;
    assert_eq!(charge(&gw, &shop, PUSHED.0, 1_000, "p-1").await, None);
    let notice = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("the device got the receipt")
        .unwrap();
    assert_eq!(notice["kind"], "receipt");
    assert!(notice["text"].as_str().unwrap().contains("1,000"), "{notice}");
    let id = notice["id"].as_str().unwrap().to_owned();
    client
        .publish("pxgate/acks", QoS::AtLeastOnce, false, id.clone())
        .await
        .unwrap();
    let confirmed = wait_status(&gw, PUSHED.1, "confirmed").await;
    assert_eq!(confirmed["id"], id.as_str());

    // Nobody confirms: published, then an SMS when the gateway's clock passes the deadline.
    assert_eq!(charge(&gw, &shop, SILENT.0, 2_000, "p-2").await, None);
    wait_status(&gw, SILENT.1, "published").await;
    assert!(
        texts(&sim, SILENT.0, |_| true).is_empty(),
        "not before its deadline"
    );
    clock.advance(chrono::TimeDelta::seconds(31));
    let sms = wait_for(&sim, SILENT.0, 1, |t| t.contains("2,000")).await;
    assert_eq!(sms.len(), 1);
    wait_status(&gw, SILENT.1, "fallback").await;
    // A late confirmation changes nothing: the notice ended by SMS.
    let late = push_of(&gw, SILENT.1).await["notices"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client
        .publish("pxgate/acks", QoS::AtLeastOnce, false, late)
        .await
        .unwrap();

    // No topic: the SMS at once. It comes after the fallback above, so had the confirmed notice
    // fallen back too, its SMS would be there by now.
    assert_eq!(charge(&gw, &shop, PLAIN.0, 3_000, "p-3").await, None);
    wait_for(&sim, PLAIN.0, 1, |t| t.contains("3,000")).await;
    assert!(
        texts(&sim, PUSHED.0, |_| true).is_empty(),
        "a confirmed notice never comes as SMS"
    );
    assert_eq!(push_of(&gw, SILENT.1).await["notices"][0]["status"], "fallback");
    assert!(
        push_of(&gw, PLAIN.1).await["notices"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
