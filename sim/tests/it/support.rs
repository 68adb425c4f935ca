//! Test support: start the simulator in-process on port 0, a small ESME over rusmpp's codec
//! (the simulator's output is trusted here), and a minimal HTTP/1.1 client.
#![allow(
    clippy::unwrap_used,
    reason = "test support: any failure should fail the test loudly"
)]

use std::net::SocketAddr;
use std::str::FromStr as _;
use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use pxsim::{SimConfig, SimHandle};
use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter, SubmitSm};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, InterfaceVersion, Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

pub(crate) const WAIT: Duration = Duration::from_secs(5);

pub(crate) async fn start(config: SimConfig) -> SimHandle {
    let smpp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    pxsim::start(smpp, http, config).await.unwrap()
}

/// Receipts immediately, everything else default.
pub(crate) fn fast_config() -> SimConfig {
    let mut c = SimConfig::default();
    c.receipts.delay_ms = 0;
    c.seed = Some(1);
    c
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Tx,
    Rx,
    Trx,
}

pub(crate) struct Esme {
    pub(crate) framed: Framed<TcpStream, CommandCodec>,
    seq: u32,
}

impl Esme {
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        Self {
            framed: Framed::new(stream, CommandCodec::new().with_max_length(70_000)),
            seq: 0,
        }
    }

    /// Connect and bind; returns the bind_resp.
    pub(crate) async fn bind(
        addr: SocketAddr,
        kind: Kind,
        system_id: &str,
        password: &str,
        v: InterfaceVersion,
    ) -> (Self, Command) {
        let mut e = Self::connect(addr).await;
        let resp = e.bind_on(kind, system_id, password, v).await;
        (e, resp)
    }

    pub(crate) async fn bind_on(
        &mut self,
        kind: Kind,
        system_id: &str,
        password: &str,
        v: InterfaceVersion,
    ) -> Command {
        let sys = COctetString::from_str(system_id).unwrap();
        let pw = COctetString::from_str(password).unwrap();
        let pdu: Pdu = match kind {
            Kind::Tx => BindTransmitter::builder()
                .system_id(sys)
                .password(pw)
                .interface_version(v)
                .build()
                .into(),
            Kind::Rx => BindReceiver::builder()
                .system_id(sys)
                .password(pw)
                .interface_version(v)
                .build()
                .into(),
            Kind::Trx => BindTransceiver::builder()
                .system_id(sys)
                .password(pw)
                .interface_version(v)
                .build()
                .into(),
        };
        self.call(pdu).await
    }

    /// A bound transceiver with the default account.
    pub(crate) async fn trx(addr: SocketAddr) -> Self {
        let (e, resp) = Self::bind(addr, Kind::Trx, "pxgate", "secret", InterfaceVersion::Smpp5_0).await;
        assert_eq!(resp.status(), CommandStatus::EsmeRok);
        e
    }

    pub(crate) async fn send(&mut self, pdu: impl Into<Pdu>) -> u32 {
        self.seq += 1;
        self.framed
            .send(Command::new(CommandStatus::EsmeRok, self.seq, pdu))
            .await
            .unwrap();
        self.seq
    }

    pub(crate) async fn raw(&mut self, bytes: &[u8]) {
        self.framed.get_mut().write_all(bytes).await.unwrap();
    }

    pub(crate) async fn recv(&mut self) -> Command {
        tokio::time::timeout(WAIT, self.framed.next())
            .await
            .expect("timed out waiting for a PDU")
            .expect("closed")
            .unwrap()
    }

    /// Next PDU with this id, skipping others.
    pub(crate) async fn recv_id(&mut self, id: CommandId) -> Command {
        loop {
            let c = self.recv().await;
            if c.id() == id {
                return c;
            }
        }
    }

    /// Send and wait for the response with the same sequence number.
    pub(crate) async fn call(&mut self, pdu: impl Into<Pdu>) -> Command {
        let seq = self.send(pdu).await;
        loop {
            let c = self.recv().await;
            if c.sequence_number() == seq && c.id() != CommandId::DeliverSm {
                return c;
            }
        }
    }

    /// The server closed the connection (EOF or reset), within the wait bound.
    pub(crate) async fn expect_closed(&mut self) {
        let closed = tokio::time::timeout(WAIT, async {
            loop {
                match self.framed.next().await {
                    None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "connection was not closed");
    }
}

pub(crate) fn submit(dest: &str, dcs: u8, body: &[u8], receipt: bool) -> SubmitSm {
    SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_str("ACME").unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_str(dest).unwrap())
        .registered_delivery(if receipt {
            RegisteredDelivery::from(1)
        } else {
            RegisteredDelivery::default()
        })
        .data_coding(DataCoding::from(dcs))
        .short_message(OctetString::from_vec(body.to_vec()).unwrap())
        .build()
}

pub(crate) fn text_submit(dest: &str, text: &str) -> SubmitSm {
    submit(dest, 0, text.as_bytes(), false)
}

pub(crate) fn message_id(resp: &Command) -> String {
    match resp.pdu() {
        Some(Pdu::SubmitSmResp(r)) => r.message_id().to_string(),
        Some(Pdu::DataSmResp(r)) => r.message_id().to_string(),
        Some(Pdu::SubmitMultiResp(r)) => r.message_id.to_string(),
        other => panic!("no message id in {other:?}"),
    }
}

/// Minimal HTTP/1.1 request; returns (status, body).
pub(crate) async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    request(
        addr,
        method,
        path,
        "Content-Type: application/json\r\n",
        body.unwrap_or(""),
    )
    .await
}

/// A form POST (`application/x-www-form-urlencoded`), with an `Origin` header when given.
pub(crate) async fn http_form(
    addr: SocketAddr,
    path: &str,
    form: &str,
    origin: Option<&str>,
) -> (u16, String) {
    let mut headers = "Content-Type: application/x-www-form-urlencoded\r\n".to_owned();
    if let Some(o) = origin {
        headers.push_str(&format!("Origin: {o}\r\n"));
    }
    request(addr, "POST", path, &headers, form).await
}

async fn request(addr: SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Poll `cond` until true (bounded); no fixed sleeps.
pub(crate) async fn eventually(mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
