//! One bound session (transceiver, transmitter or receiver): framing, sequence numbers, the pending-response map with a
//! per-PDU timeout, the window of outstanding submit_sm, and the inbound side (enquire_link,
//! unbind, deliver_sm). Reconnecting is the dispatcher's job; a session is used until it closes.
//!
//! A request left without a response for the response timeout makes the session *suspect*: a
//! hung SMSC keeps the TCP connection open and answers nothing, and only the dispatcher's probe
//! (an enquire_link at once) tells a slow PDU from a dead link. Closing a session (or dropping
//! it) ends its reader and writer, so the connection is released even when the peer is silent.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use futures::{SinkExt, StreamExt};
use rusmpp::decode::DecodeWithLength;
use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter, DeliverSm, DeliverSmResp};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};
use tokio_util::sync::CancellationToken;

use super::Env;
use super::config::SmppConfig;
use super::links::Link;
use super::{mo, receipt};
use crate::store::sms::batch::SmsOutcome;

/// Largest PDU accepted from the SMSC (SMPP v5.0 §3.2: command_length covers the whole PDU).
const MAX_PDU: usize = 70_000;
/// Outbound PDUs queued for the writer.
const OUTBOUND_QUEUE: usize = 256;

/// Why a request got no usable answer.
#[derive(Debug, thiserror::Error)]
pub(super) enum SessionError {
    /// TCP connect failed or the link closed.
    #[error("link: {0}")]
    Link(String),
    /// No response within the response timeout.
    #[error("no response within the timeout")]
    Timeout,
    /// The SMSC refused the bind.
    #[error("bind refused: {0:?}")]
    BindRefused(CommandStatus),
}

type Pending = Arc<Mutex<HashMap<u32, oneshot::Sender<Command>>>>;

/// What a session binds as (SMPP v5.0 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Submits and receives.
    Transceiver,
    /// Submits only.
    Transmitter,
    /// Receives only.
    Receiver,
}

impl Role {
    /// Whether the session submits.
    pub(super) fn transmits(self) -> bool {
        self != Self::Receiver
    }

    /// For metrics and logs.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Transceiver => "transceiver",
            Self::Transmitter => "transmitter",
            Self::Receiver => "receiver",
        }
    }
}

/// A bound session. Requests may be issued concurrently; the window bounds submit_sm.
pub(super) struct Session {
    out: mpsc::Sender<Command>,
    pending: Pending,
    next_seq: AtomicU32,
    /// SMPP v5.0 §2.6 windowing: outstanding submit_sm awaiting their response.
    pub(super) window: Arc<Semaphore>,
    timeout: Duration,
    closed: watch::Receiver<bool>,
    /// Set when a request went unanswered for `timeout`; cleared by an answered probe.
    suspect: watch::Sender<bool>,
    /// Ends the reader and the writer: the connection is closed whatever the peer does.
    stop: CancellationToken,
    /// The link this session serves.
    link: Arc<Link>,
    /// Its number in the link (for logs and metrics).
    number: u32,
}

impl Session {
    /// Connects, starts the reader and writer, and binds as `role` (SMPP v5.0 §4.1.1).
    /// Receipts are stored through the outbox writer.
    pub(super) async fn open(
        env: Env,
        link: Arc<Link>,
        number: u32,
        role: Role,
    ) -> Result<Self, SessionError> {
        let cfg = Arc::clone(&link.cfg);
        let timeout = Duration::from_secs(cfg.response_timeout_secs);
        let stream = tokio::time::timeout(timeout, TcpStream::connect(&cfg.address))
            .await
            .map_err(|_| SessionError::Timeout)?
            .map_err(|e| SessionError::Link(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let (out, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        let (closed_tx, closed) = watch::channel(false);
        let closed_tx = Arc::new(closed_tx);
        let pending: Pending = Arc::default();
        let stop = CancellationToken::new();
        tokio::spawn(write_loop(write, out_rx, Arc::clone(&closed_tx), stop.clone()));
        let reader = Reader {
            out: out.clone(),
            pending: Arc::clone(&pending),
            env,
            link: Arc::clone(&link),
        };
        tokio::spawn(reader.run(read, closed_tx, stop.clone()));
        let session = Self {
            out,
            pending,
            next_seq: AtomicU32::new(1),
            window: Arc::new(Semaphore::new(cfg.window as usize)),
            timeout,
            closed,
            suspect: watch::Sender::new(false),
            stop,
            link,
            number,
        };
        session.bind(&cfg, role).await?;
        Ok(session)
    }

    async fn bind(&self, cfg: &SmppConfig, role: Role) -> Result<(), SessionError> {
        let bad = |e: rusmpp::types::COctetStringError| SessionError::Link(format!("bind field: {e}"));
        let system_id = COctetString::from_str(&cfg.system_id).map_err(bad)?;
        let password = COctetString::from_str(&cfg.password).map_err(bad)?;
        let system_type = COctetString::from_str(&cfg.system_type).map_err(bad)?;
        let version = InterfaceVersion::from(cfg.interface_version_byte().unwrap_or(0x34));
        // The three binds have the same body (SMPP v5.0 §4.1.1.1, 4.1.1.3, 4.1.1.5).
        macro_rules! bind {
            ($pdu:ident) => {
                Pdu::from(
                    $pdu::builder()
                        .system_id(system_id)
                        .password(password)
                        .system_type(system_type)
                        .interface_version(version)
                        .build(),
                )
            };
        }
        let bind = match role {
            Role::Transceiver => bind!(BindTransceiver),
            Role::Transmitter => bind!(BindTransmitter),
            Role::Receiver => bind!(BindReceiver),
        };
        let resp = self.request(bind).await?;
        match resp.status() {
            CommandStatus::EsmeRok => Ok(()),
            other => Err(SessionError::BindRefused(other)),
        }
    }

    /// Sends a request and waits for its response (or generic_nack) up to the timeout.
    pub(super) async fn request(&self, pdu: impl Into<Pdu>) -> Result<Command, SessionError> {
        // SMPP v5.0 §3.2: sequence numbers 0x00000001–0x7FFFFFFF, wrapping.
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed) % 0x7FFF_FFFF + 1;
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(seq, tx);
        let command = Command::new(CommandStatus::EsmeRok, seq, pdu);
        let id = command.id();
        if self.out.send(command).await.is_err() {
            lock(&self.pending).remove(&seq);
            return Err(SessionError::Link("writer closed".into()));
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(SessionError::Link("closed while waiting".into())),
            Err(_) => {
                lock(&self.pending).remove(&seq);
                self.suspect_after(seq, id);
                Err(SessionError::Timeout)
            }
        }
    }

    /// A request went unanswered: the session is suspect until a probe is answered. Counted and
    /// logged once per PDU.
    fn suspect_after(&self, seq: u32, id: CommandId) {
        super::metrics::response_timeout(self.link.name(), self.number);
        tracing::warn!(
            link = self.link.name(),
            session = self.number,
            seq,
            command = ?id,
            timeout = ?self.timeout,
            "no SMPP response within the timeout: session suspect"
        );
        self.suspect.send_replace(true);
    }

    /// Whether a request went unanswered since the last answered probe.
    pub(super) fn is_suspect(&self) -> bool {
        *self.suspect.borrow()
    }

    /// Resolves when the session becomes suspect.
    pub(super) async fn suspected(&self) {
        let mut suspect = self.suspect.subscribe();
        let _ = suspect.wait_for(|s| *s).await;
    }

    /// The probe was answered: the link is alive, only that PDU went unanswered.
    pub(super) fn trust_again(&self) {
        self.suspect.send_replace(false);
    }

    /// Ends the session now, without unbind (the peer does not answer): waiters get a link
    /// error at once and the connection is closed.
    pub(super) fn close(&self) {
        self.stop.cancel();
    }

    /// Whether the link is gone.
    pub(super) fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// Resolves when the link closes.
    pub(super) async fn closed(&self) {
        let mut closed = self.closed.clone();
        let _ = closed.wait_for(|c| *c).await;
    }

    /// SMPP v5.0 §4.2.1: unbind and wait (bounded) for unbind_resp.
    pub(super) async fn unbind(&self) {
        if let Err(e) = self.request(Pdu::Unbind).await {
            tracing::debug!(error = %e, "unbind unanswered");
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes queued PDUs; rusmpp's encoder is safe (the framing bug is on the decode side).
async fn write_loop(
    write: OwnedWriteHalf,
    mut rx: mpsc::Receiver<Command>,
    closed: Arc<watch::Sender<bool>>,
    stop: CancellationToken,
) {
    let mut sink = FramedWrite::new(write, CommandCodec::new());
    loop {
        let command = tokio::select! {
            command = rx.recv() => command,
            () = stop.cancelled() => None,
        };
        let Some(command) = command else { break };
        // A write to a peer that stopped reading must not outlive the session either.
        let sent = tokio::select! {
            sent = sink.send(command) => sent,
            () = stop.cancelled() => break,
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, "SMPP write failed");
            break;
        }
    }
    closed.send_replace(true);
}

/// The inbound half: frames, decodes, routes responses to their waiters, answers requests.
struct Reader {
    out: mpsc::Sender<Command>,
    pending: Pending,
    env: Env,
    /// The link, for its message ids, alphabet and metrics.
    link: Arc<Link>,
}

impl Reader {
    async fn run(self, read: OwnedReadHalf, closed: Arc<watch::Sender<bool>>, stop: CancellationToken) {
        // crates.md §1.4: frame on command_length first, decode the body second.
        let framer = LengthDelimitedCodec::builder()
            .length_field_length(4)
            .length_adjustment(-4)
            .num_skip(4)
            .max_frame_length(MAX_PDU)
            .new_codec();
        let mut frames = FramedRead::new(read, framer);
        loop {
            let frame = tokio::select! {
                frame = frames.next() => frame,
                () = stop.cancelled() => None,
            };
            let Some(Ok(frame)) = frame else { break };
            if !self.handle(frame).await {
                break;
            }
        }
        closed.send_replace(true);
        // Waiters learn the link is gone now rather than at their timeout.
        lock(&self.pending).clear();
    }

    /// One frame; `false` when the session must end.
    async fn handle(&self, mut frame: BytesMut) -> bool {
        if frame.len() < 12 {
            return false; // SMPP v5.0 §3.2: a header is 16 octets; nothing can be resynchronized.
        }
        let id = (&frame[0..4]).get_u32();
        let seq = (&frame[8..12]).get_u32();
        let len = frame.len();
        let command = match Command::decode(&mut frame, len) {
            Ok((command, _)) => command,
            Err(e) => {
                tracing::warn!(command_id = id, seq, error = %e, "undecodable PDU");
                if id & 0x8000_0000 == 0 {
                    self.reply(CommandStatus::EsmeRinvcmdlen, seq, Pdu::GenericNack)
                        .await;
                } else {
                    self.resolve(
                        seq,
                        Command::new(CommandStatus::EsmeRsyserr, seq, Pdu::GenericNack),
                    );
                }
                return true;
            }
        };
        // SMPP v5.0 §4.3.1: a generic_nack answers the request with the same sequence number.
        if id & 0x8000_0000 != 0 || command.id() == CommandId::GenericNack {
            self.resolve(seq, command);
            return true;
        }
        match command.pdu() {
            Some(Pdu::EnquireLink) => {
                self.reply(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp)
                    .await
            }
            Some(Pdu::Unbind) => {
                self.reply(CommandStatus::EsmeRok, seq, Pdu::UnbindResp).await;
                return false;
            }
            Some(Pdu::DeliverSm(sm)) => self.deliver(sm, seq).await,
            _ => {
                self.reply(CommandStatus::EsmeRinvcmdid, seq, Pdu::GenericNack)
                    .await
            }
        }
        true
    }

    fn resolve(&self, seq: u32, command: Command) {
        if let Some(waiter) = lock(&self.pending).remove(&seq) {
            let _ = waiter.send(command);
        }
    }

    async fn reply(&self, status: CommandStatus, seq: u32, pdu: impl Into<Pdu>) {
        let _ = self.out.send(Command::new(status, seq, pdu)).await;
    }

    /// A deliver_sm is answered only after what it carries is stored: a store failure answers
    /// ESME_RX_T_APPN so the SMSC retries (SMPP v5.0 §4.7.6). A receipt waits for its batch
    /// (the outbox writer's round) in a task of its own, so the reader goes on with the next PDU meanwhile.
    async fn deliver(&self, sm: &DeliverSm, seq: u32) {
        let now = self.env.now_ms();
        let Some(r) = receipt::parse(sm) else {
            super::metrics::delivered(self.link.name(), "mo");
            let alphabet = self.link.cfg.dcs0_alphabet;
            let status = match self.env.store.store_mo(&mo::parse(sm, alphabet, now)).await {
                Ok(()) => CommandStatus::EsmeRok,
                Err(e) => {
                    tracing::error!(error = %e, "storing an MO message failed");
                    CommandStatus::EsmeRxTAppn
                }
            };
            return self.reply(status, seq, DeliverSmResp::default()).await;
        };
        let Some(status) = r.status else {
            // An intermediate notification: nothing to record.
            return self
                .reply(CommandStatus::EsmeRok, seq, DeliverSmResp::default())
                .await;
        };
        super::metrics::delivered(self.link.name(), "receipt");
        let smsc_id = self.link.message_id(&r.raw_id, true);
        let (outbox, out) = (self.env.outbox.clone(), self.out.clone());
        tokio::spawn(async move {
            let receipt = SmsOutcome::Receipt { smsc_id, status };
            let status = if outbox.record(receipt, now).await {
                CommandStatus::EsmeRok
            } else {
                CommandStatus::EsmeRxTAppn
            };
            let _ = out
                .send(Command::new(status, seq, DeliverSmResp::default()))
                .await;
        });
    }
}
