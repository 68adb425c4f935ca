//! Subscriber notices over MQTT (docs/guides/push.md): the link to the operator's broker. An alert
//! for a number with a device topic is kept as a notice (by the alerts task, in its transaction);
//! this task publishes each to its topic (QoS 1), takes the devices' confirmations from the ack
//! topic, and sends the notices nobody confirmed in time as the SMS they would have been. Both ends
//! are conditional updates in the store, so each notice ends by exactly one channel; a broker that
//! is away only delays the fallback, which needs no broker.
//!
//! Must not know: which alerts exist or what they say (the alerts task decides), SMPP.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::Clock;
use crate::store::Store;
use crate::store::push::PushNotice;

/// How often the task publishes, reads confirmations and looks for overdue notices.
const POLL: Duration = Duration::from_millis(100);
/// Notices taken per look.
const BATCH: i64 = 100;
/// The actor fallback SMS are queued under.
const PUSH_ACTOR: &str = "gateway:push";

/// `[push]`: the broker subscriber notices go through first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushConfig {
    /// Off unless enabled: without it every alert is an SMS.
    pub enabled: bool,
    /// The broker, `host:port` (MQTT 3.1.1 over TCP).
    pub broker: String,
    /// The gateway's client id at the broker.
    pub client_id: String,
    /// Where devices confirm a notice: they publish its `id` here.
    pub ack_topic: String,
    /// A notice not confirmed within this many seconds goes out as SMS.
    pub ack_timeout_secs: u64,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            broker: "127.0.0.1:1883".to_owned(),
            client_id: "pxgate".to_owned(),
            ack_topic: "pxgate/acks".to_owned(),
            ack_timeout_secs: 30,
        }
    }
}

impl PushConfig {
    /// Adds a line per unusable value to `errors`.
    pub fn check(&self, errors: &mut Vec<String>) {
        if self.broker_address().is_none() {
            errors.push("push.broker: must be host:port".to_owned());
        }
        if self.client_id.is_empty() || self.client_id.len() > 23 {
            errors.push("push.client_id: 1 to 23 characters (MQTT 3.1.1 §3.1.3.1)".to_owned());
        }
        if let Err(why) = check_topic(&self.ack_topic) {
            errors.push(format!("push.ack_topic: {why}"));
        }
        if !(1..=3_600).contains(&self.ack_timeout_secs) {
            errors.push("push.ack_timeout_secs: from 1 to 3600".to_owned());
        }
    }

    /// The broker's host and port.
    fn broker_address(&self) -> Option<(String, u16)> {
        let (host, port) = self.broker.rsplit_once(':')?;
        let port = port.parse().ok()?;
        (!host.is_empty()).then(|| (host.to_owned(), port))
    }

    /// How long a device has to confirm, when push is on.
    pub fn timeout(&self) -> Option<Duration> {
        self.enabled.then(|| Duration::from_secs(self.ack_timeout_secs))
    }
}

/// Why `topic` cannot be a device or ack topic: a name to publish to (MQTT 3.1.1 §4.7: no
/// wildcards, not empty, no NUL), and not one of the broker's own (`$SYS/…`).
pub fn check_topic(topic: &str) -> Result<(), &'static str> {
    if topic.is_empty() || topic.len() > 256 {
        return Err("1 to 256 characters");
    }
    if topic.contains(['+', '#', '\0']) {
        return Err("no wildcards (+, #) or NUL");
    }
    if topic.starts_with('$') {
        return Err("must not start with $ (the broker's own topics)");
    }
    Ok(())
}

/// What the push task reads and writes.
pub(crate) struct Push {
    /// Notices and the outbox.
    pub store: Arc<dyn Store>,
    /// The injected clock (deadlines).
    pub clock: Arc<dyn Clock>,
    /// `[push]`.
    pub config: PushConfig,
    /// `[smpp] max_parts`: the longest fallback text.
    pub max_parts: usize,
}

/// The notice as the device gets it.
#[derive(Serialize)]
struct Payload<'a> {
    id: &'a str,
    kind: &'a str,
    text: &'a str,
}

/// Publishes notices, takes confirmations and falls back to SMS until `stop` is cancelled;
/// returns at once when push is off.
pub(crate) async fn run(push: Push, stop: CancellationToken) {
    let Some((host, port)) = push.config.broker_address().filter(|_| push.config.enabled) else {
        return;
    };
    let mut options = MqttOptions::new(&push.config.client_id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, eventloop) = AsyncClient::new(options, 256);
    let (acks, mut confirmed) = mpsc::channel(1024);
    let connected = Arc::new(AtomicBool::new(false));
    let link = tokio::spawn(drive(
        eventloop,
        client.clone(),
        push.config.ack_topic.clone(),
        acks,
        Arc::clone(&connected),
    ));
    let mut tick = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => break,
        }
        let now_ms = push.clock.now().timestamp_millis();
        while let Ok(id) = confirmed.try_recv() {
            match push.store.confirm_push(&id, now_ms).await {
                Ok(true) => count("mqtt", "confirmed"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "recording a push confirmation failed"),
            }
        }
        if connected.load(Ordering::Relaxed) {
            publish(&push, &client, now_ms).await;
        }
        fall_back(&push, now_ms).await;
    }
    link.abort();
    let _ = client.disconnect().await;
}

/// Publishes the queued notices (QoS 1).
async fn publish(push: &Push, client: &AsyncClient, now_ms: i64) {
    let claimed = match push.store.claim_push(BATCH, now_ms).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::warn!(error = %e, "claiming push notices failed");
            return;
        }
    };
    for n in claimed {
        let payload = Payload {
            id: &n.id,
            kind: &n.kind,
            text: &n.text,
        };
        let body = serde_json::to_vec(&payload).unwrap_or_default();
        // A publish lost with the connection is not confirmed: it falls back at its deadline.
        match client
            .publish(n.topic.clone(), QoS::AtLeastOnce, false, body)
            .await
        {
            Ok(()) => count("mqtt", "published"),
            Err(e) => tracing::warn!(error = %e, notice = %n.id, "publishing a push notice failed"),
        }
    }
}

/// Sends the notices past their deadline as SMS.
async fn fall_back(push: &Push, now_ms: i64) {
    let overdue = match push.store.overdue_push(now_ms, BATCH).await {
        Ok(overdue) => overdue,
        Err(e) => {
            tracing::warn!(error = %e, "reading overdue push notices failed");
            return;
        }
    };
    for n in overdue {
        if let Err(e) = fall_back_one(push, &n, now_ms).await {
            tracing::warn!(error = %e, notice = %n.id, "a push notice could not fall back to SMS");
        }
    }
}

async fn fall_back_one(push: &Push, n: &PushNotice, now_ms: i64) -> Result<(), crate::store::StoreError> {
    let Ok(sms) = crate::smpp::gateway_sms(PUSH_ACTOR, &n.sender, n.msisdn.as_str(), &n.text, push.max_parts)
    else {
        tracing::warn!(notice = %n.id, "a push notice's text is too long for SMS; dropped");
        return Ok(());
    };
    if push.store.fall_back_push(&n.id, &sms, now_ms).await? {
        count("sms", "fallback");
    }
    Ok(())
}

/// `pxgate_push_notices_total{channel,outcome}`.
fn count(channel: &'static str, outcome: &'static str) {
    metrics::counter!("pxgate_push_notices_total", "channel" => channel, "outcome" => outcome).increment(1);
}

/// Drives the broker connection: subscribes to the ack topic on every connect, hands each
/// confirmation to the task, and retries a lost connection every second.
async fn drive(
    mut eventloop: rumqttc::EventLoop,
    client: AsyncClient,
    ack_topic: String,
    acks: mpsc::Sender<String>,
    connected: Arc<AtomicBool>,
) {
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!("push broker connected");
                connected.store(true, Ordering::Relaxed);
                metrics::gauge!("pxgate_push_connected").set(1.0);
                if let Err(e) = client.try_subscribe(ack_topic.clone(), QoS::AtLeastOnce) {
                    tracing::warn!(error = %e, "subscribing to the push ack topic failed");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) if p.topic == ack_topic => {
                if let Ok(id) = std::str::from_utf8(&p.payload) {
                    let _ = acks.try_send(id.trim().to_owned());
                }
            }
            Ok(_) => {}
            Err(e) => {
                if connected.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "push broker connection lost; notices fall back to SMS at their deadline");
                }
                metrics::gauge!("pxgate_push_connected").set(0.0);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
