//! Set-up for the SMS tests: the SMSC simulator in-process, a gateway whose `[smpp]` points at it,
//! an application allowed to send, and SOAP calls to SendSms.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{OPERATOR_TOKEN, TEST_SECRET_KEY, TestDb};
use crate::soap_framework::{Answer, Auth, answer, element, envelope};

/// The SendSms endpoint.
pub(crate) const SEND_SMS: &str = "/SendSmsService/services/SendSms";
const SEND_NS: &str = "http://www.csapi.org/schema/parlayx/sms/send/v2_2/local";

/// A gateway over `store` whose SMPP link goes to `smsc` with `[smpp]` changed by `smpp`.
fn build(
    store: Arc<dyn pxgate::store::Store>,
    smsc: std::net::SocketAddr,
    smpp: impl FnOnce(&mut pxgate::smpp::SmppConfig),
) -> pxgate::app::App {
    use pxgate::admin::OperatorTokens;
    use pxgate::config::Config;
    let mut config = Config::with_store("sqlite://unused", TEST_SECRET_KEY);
    config.smpp.address = smsc.to_string();
    config.smpp.reconnect_min_ms = 20;
    config.smpp.reconnect_max_ms = 100;
    config.smpp.response_timeout_secs = 2;
    smpp(&mut config.smpp);
    let operators = OperatorTokens::default().with_token("tester", OPERATOR_TOKEN);
    let clock = Arc::new(pxgate::domain::SystemClock);
    pxgate::app::App::build(&config, store, clock, operators).unwrap()
}

/// The simulator, receipts after 20 ms, all delivered.
pub(crate) async fn start_sim(smpp: tokio::net::TcpListener) -> pxsim::SimHandle {
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = pxsim::SimConfig::default();
    config.receipts.delay_ms = 20;
    pxsim::start(smpp, http, config).await.unwrap()
}

/// A gateway over `db` whose SMPP link goes to `smsc`; stopped when dropped.
pub(crate) struct SmsGateway {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl SmsGateway {
    pub(crate) async fn start(db: &TestDb, smsc: std::net::SocketAddr) -> Self {
        Self::start_on(Arc::clone(&db.store), smsc).await
    }

    /// A gateway over `store` (several gateways may share one database).
    pub(crate) async fn start_on(store: Arc<dyn pxgate::store::Store>, smsc: std::net::SocketAddr) -> Self {
        Self::start_with(store, smsc, |_| {}).await
    }

    /// Like [`start_on`](Self::start_on), with `[smpp]` changed by `smpp` first.
    pub(crate) async fn start_with(
        store: Arc<dyn pxgate::store::Store>,
        smsc: std::net::SocketAddr,
        smpp: impl FnOnce(&mut pxgate::smpp::SmppConfig),
    ) -> Self {
        let app = build(store, smsc, smpp);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            pxgate::app::run(listener, app, async move {
                let _ = stopped.await;
            })
            .await
        });
        Self {
            base,
            http: reqwest::Client::new(),
            stop: Some(stop),
        }
    }

    /// The routes of another gateway over `store`, driven in-process (no listener, no tasks):
    /// for what a socket cannot do on purpose, such as dropping an answer unread.
    pub(crate) fn in_process(
        store: Arc<dyn pxgate::store::Store>,
        smsc: std::net::SocketAddr,
    ) -> axum::Router {
        build(store, smsc, |_| {}).router()
    }

    /// Registers application `id` allowed SMS from sender `1588`, at most 3 addresses; answers
    /// its (username, secret). Callbacks may go to 127.0.0.1.
    pub(crate) async fn register(&self, id: &str) -> (String, String) {
        let agreement = json!({
            "allow": ["SMS"], "sms_senders": ["1588"], "max_sms_addresses": 3,
            "callback_hosts": ["127.0.0.1:*"], "callback_networks": ["127.0.0.0/8"]
        });
        self.register_with(id, agreement).await
    }

    /// Registers application `id` with `agreement`; answers its (username, secret).
    pub(crate) async fn register_with(&self, id: &str, agreement: Value) -> (String, String) {
        let body = json!({"id": id, "name": "Corner Shop", "owner_contact": "ops@shop.example", "agreement": agreement});
        let response = self
            .http
            .request(Method::POST, format!("{}/admin/v1/apps", self.base))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let created: Value = response.json().await.unwrap();
        let text = |k: &str| created["credential"][k].as_str().unwrap().to_owned();
        (text("username"), text("secret"))
    }

    /// Posts `body` to SendSms as `app`.
    pub(crate) async fn call(&self, app: &(String, String), body: &str) -> Answer {
        self.call_at(SEND_SMS, app, body).await
    }

    /// Posts `body` to the endpoint at `path` as `app`.
    pub(crate) async fn call_at(&self, path: &str, app: &(String, String), body: &str) -> Answer {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "text/xml; charset=utf-8")
            .body(envelope(&Auth::Text(&app.0, &app.1), body));
        answer(request.send().await.unwrap()).await
    }

    /// sendSms; answers the requestIdentifier (panics on a fault).
    pub(crate) async fn send(&self, app: &(String, String), to: &[&str], text: &str) -> String {
        let answer = self.call(app, &send_sms(to, Some("1588"), text)).await;
        answer.assert_ok("sendSms");
        element(&answer.text, "result").unwrap().to_owned()
    }

    /// Polls getSmsDeliveryStatus until every address has `status` (bounded: 10 s).
    pub(crate) async fn wait_status(&self, app: &(String, String), id: &str, status: &str) -> Answer {
        let body = format!(
            "<loc:getSmsDeliveryStatus xmlns:loc=\"{SEND_NS}\"><loc:requestIdentifier>{id}</loc:requestIdentifier>\
             </loc:getSmsDeliveryStatus>"
        );
        let mut last = None;
        for _ in 0..500 {
            let answer = self.call(app, &body).await;
            answer.assert_ok("getSmsDeliveryStatus");
            let statuses: Vec<&str> = answer
                .text
                .split("<deliveryStatus>")
                .skip(1)
                .filter_map(|s| s.split('<').next())
                .collect();
            if !statuses.is_empty() && statuses.iter().all(|s| *s == status) {
                return answer;
            }
            last = Some(answer.text);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("never {status}: {last:?}");
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A sendSms element.
pub(crate) fn send_sms(to: &[&str], sender: Option<&str>, text: &str) -> String {
    let addresses: String = to
        .iter()
        .map(|a| format!("<loc:addresses>{a}</loc:addresses>"))
        .collect();
    let sender = sender.map_or(String::new(), |s| format!("<loc:senderName>{s}</loc:senderName>"));
    format!(
        "<loc:sendSms xmlns:loc=\"{SEND_NS}\">{addresses}{sender}<loc:message>{text}</loc:message></loc:sendSms>"
    )
}

/// Polls the simulator's handset until a complete message arrives (bounded: 10 s).
pub(crate) async fn wait_inbox(sim: &pxsim::SimHandle, msisdn: &str) -> pxsim::InboxMessage {
    for _ in 0..500 {
        if let Some(m) = sim.inbox(msisdn).into_iter().find(|m| m.complete) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing complete reached {msisdn}: {:?}", sim.inbox(msisdn));
}
