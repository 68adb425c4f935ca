//! One SMPP connection: the explicit bind state machine, the read loop (frame → decode →
//! dispatch), fault hooks (stall, delay, drop after N) and the batching writer task.
//! The PDU-specific work lives in `bind`, `submit` and `manage`.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use bytes::BytesMut;
use futures::{SinkExt as _, StreamExt as _};
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use super::frame::{self, Frame, FrameError, Framer, Header, Out, OutCodec};
use super::registry::{Link, Registration};
use crate::faults::Faults;
use crate::shared::Shared;

/// SMPP v5.0 §2.2: the three bind types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindKind {
    Transmitter,
    Receiver,
    Transceiver,
}

impl BindKind {
    pub(crate) const fn can_transmit(self) -> bool {
        matches!(self, Self::Transmitter | Self::Transceiver)
    }

    pub(crate) const fn can_receive(self) -> bool {
        matches!(self, Self::Receiver | Self::Transceiver)
    }

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Transmitter => "transmitter",
            Self::Receiver => "receiver",
            Self::Transceiver => "transceiver",
        }
    }
}

/// A successful bind. Dropping it leaves the receiver registry and the bound gauge.
#[derive(Debug)]
pub(crate) struct Binding {
    pub(crate) kind: BindKind,
    pub(crate) system_id: Arc<str>,
    pub(crate) _registration: Option<Registration>,
    pub(crate) shared: Arc<Shared>,
}

impl Drop for Binding {
    fn drop(&mut self) {
        self.shared.counters.sessions_bound.fetch_sub(1, Relaxed);
    }
}

/// SMPP v5.0 §2.3 session states, as seen by the MC.
#[derive(Debug)]
pub(crate) enum State {
    /// Connected, no bind yet: only bind, enquire_link and generic_nack are allowed.
    Open,
    /// BOUND_TX / BOUND_RX / BOUND_TRX.
    Bound(Binding),
}

/// What the read loop does after a PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// Flush queued responses, then close (unbind, drop-after-N).
    Close,
}

/// Reply (if any) and what happens next.
#[derive(Debug)]
pub(crate) struct Action {
    pub(crate) reply: Option<Out>,
    pub(crate) flow: Flow,
}

impl Action {
    pub(crate) const fn none() -> Self {
        Self {
            reply: None,
            flow: Flow::Continue,
        }
    }

    pub(crate) const fn reply(out: Out) -> Self {
        Self {
            reply: Some(out),
            flow: Flow::Continue,
        }
    }
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Flush what is queued, then close.
    Graceful,
    /// Cut the connection now (fault drop, outage, shutdown, socket error).
    Abrupt,
}

pub(crate) struct Session {
    pub(crate) shared: Arc<Shared>,
    pub(crate) link: Arc<Link>,
    pub(crate) state: State,
    pdus: u64,
}

/// Serve one connection to completion.
pub(crate) async fn run(stream: TcpStream, shared: Arc<Shared>) {
    let (rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::channel(shared.config.limits.session_queue);
    let link = Arc::new(Link::new(shared.next_session.fetch_add(1, Relaxed), tx));
    let writer = tokio::spawn(write_loop(wr, rx));
    let drop_token = shared.faults.session_token();
    shared.counters.sessions_open.fetch_add(1, Relaxed);
    let mut session = Session {
        shared: Arc::clone(&shared),
        link: Arc::clone(&link),
        state: State::Open,
        pdus: 0,
    };
    let end = session.read_loop(rd, &drop_token).await;
    // Leaving the bound state deregisters the receiver before the socket goes away.
    session.state = State::Open;
    match end {
        End::Graceful => {
            let flushed = async {
                let _ = link.sender().send(Out::Close).await;
                let _ = writer.await;
            };
            // A peer that never reads must not pin the session forever.
            let _ = tokio::time::timeout(Duration::from_secs(5), flushed).await;
        }
        End::Abrupt => writer.abort(),
    }
    super::receipts::redeliver_unacked(&shared, &link);
    shared.counters.sessions_open.fetch_sub(1, Relaxed);
}

/// Batch everything queued into one write: one syscall per burst, not per PDU.
async fn write_loop(wr: OwnedWriteHalf, mut rx: mpsc::Receiver<Out>) {
    let mut sink = FramedWrite::new(wr, OutCodec::default());
    while let Some(first) = rx.recv().await {
        let mut close = matches!(first, Out::Close);
        if sink.feed(first).await.is_err() {
            return;
        }
        while !close {
            let Ok(next) = rx.try_recv() else { break };
            close = matches!(next, Out::Close);
            if sink.feed(next).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
        if close {
            let _ = sink.get_mut().shutdown().await;
            return;
        }
    }
}

impl Session {
    async fn read_loop(&mut self, rd: OwnedReadHalf, drop_token: &CancellationToken) -> End {
        let mut frames =
            FramedRead::with_capacity(rd, Framer::new(self.shared.config.limits.max_pdu_len), 64 * 1024);
        loop {
            let next = tokio::select! {
                biased;
                () = drop_token.cancelled() => return End::Abrupt,
                () = self.shared.shutdown.cancelled() => return End::Abrupt,
                next = frames.next() => next,
            };
            // A hung SMSC: what arrived waits, unread and unanswered, until the stall ends.
            if self.shared.faults.stall_until().is_some() {
                tokio::select! {
                    biased;
                    () = drop_token.cancelled() => return End::Abrupt,
                    () = self.shared.shutdown.cancelled() => return End::Abrupt,
                    () = self.shared.faults.stalled() => {}
                }
            }
            let flow = match next {
                None => return End::Graceful,
                Some(Err(FrameError::BadLength { len, seq })) => {
                    // SMPP v5.0 §4.3.1: generic_nack ESME_RINVCMDLEN, with the PDU's sequence
                    // number when its header arrived; the stream cannot be resynchronised.
                    tracing::debug!(len, "bad command_length, closing");
                    self.shared.counters.received(0);
                    let nack = Out::nack(CommandStatus::EsmeRinvcmdlen, seq.unwrap_or(0));
                    let _ = self.link.send(nack, &self.shared.counters).await;
                    return End::Graceful;
                }
                Some(Err(FrameError::Io(_))) => return End::Abrupt,
                Some(Ok(Frame::TooShort)) => {
                    self.shared.counters.received(0);
                    self.finish(Action::reply(Out::nack(CommandStatus::EsmeRinvcmdlen, 0)))
                        .await
                }
                Some(Ok(Frame::Pdu(pdu))) => self.on_pdu(pdu).await,
            };
            if flow == Flow::Close {
                return End::Graceful;
            }
        }
    }

    async fn on_pdu(&mut self, pdu: BytesMut) -> Flow {
        let header = Header::parse(&pdu);
        self.shared.counters.received(header.id);
        let faults = self.shared.faults.get();
        // Bind bodies are kept for error classification; binds are rare, so the copy is cheap.
        let bind_body = super::bind::is_bind(header.id).then(|| pdu.clone());
        let was_bound = self.binding().is_some();
        let action = if frame::has_body_where_none_belongs(header.id, pdu.len()) {
            // enquire_link or unbind with bytes after its header: its length is wrong.
            Action::reply(Out::nack(CommandStatus::EsmeRinvcmdlen, header.seq))
        } else {
            match frame::decode(pdu) {
                Ok(cmd) => self.dispatch(cmd, &faults),
                Err(e) => {
                    tracing::debug!(error = %e, id = header.id, seq = header.seq, "undecodable PDU body");
                    self.on_bad_body(header, bind_body.as_deref())
                }
            }
        };
        let flow = self.finish_with(action, &faults).await;
        // Receipts held for this system_id follow the bind_resp just queued.
        if let Some(b) = self.binding().filter(|b| !was_bound && b.kind.can_receive()) {
            super::receipts::release_held(&self.shared, &b.system_id, &self.link);
        }
        flow
    }

    async fn finish(&mut self, action: Action) -> Flow {
        let faults = self.shared.faults.get();
        self.finish_with(action, &faults).await
    }

    /// Send the reply (delayed if a fault says so) and apply drop-after-N.
    async fn finish_with(&mut self, action: Action, faults: &Faults) -> Flow {
        self.pdus += 1;
        let drop_now = faults.drop_after_pdus.is_some_and(|n| self.pdus >= n);
        let closing = drop_now || action.flow == Flow::Close;
        if let Some(out) = action.reply {
            let delay = Duration::from_millis(faults.response_delay_ms);
            if delay.is_zero() || closing {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                if self.link.send(out, &self.shared.counters).await.is_err() {
                    return Flow::Close;
                }
            } else {
                // Delayed replies overtake nothing: each waits on its own, so a window of
                // requests is still served concurrently (and may complete out of order).
                let (link, shared) = (Arc::clone(&self.link), Arc::clone(&self.shared));
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = link.send(out, &shared.counters).await;
                });
            }
        }
        if closing { Flow::Close } else { Flow::Continue }
    }

    fn on_bad_body(&self, header: Header, bind_body: Option<&[u8]>) -> Action {
        if header.id & 0x8000_0000 != 0 {
            return Action::none(); // never answer a response
        }
        if let Some(body) = bind_body {
            self.shared.counters.binds_failed.fetch_add(1, Relaxed);
            return Action::reply(Out::error(
                header.id,
                super::bind::classify_bad_bind(body),
                header.seq,
            ));
        }
        Action::reply(Out::nack(CommandStatus::EsmeRinvcmdlen, header.seq))
    }

    pub(crate) fn binding(&self) -> Option<&Binding> {
        match &self.state {
            State::Bound(b) => Some(b),
            State::Open => None,
        }
    }

    fn dispatch(&mut self, cmd: Command, faults: &Faults) -> Action {
        let seq = cmd.sequence_number();
        let id = u32::from(cmd.id());
        let Some(pdu) = cmd.pdu() else {
            // Body-less: an error response (ignored) or an unknown request id with no body.
            return if id & 0x8000_0000 == 0 {
                Action::reply(Out::nack(CommandStatus::EsmeRinvcmdid, seq))
            } else {
                Action::none()
            };
        };
        match pdu {
            Pdu::BindTransmitter(_) | Pdu::BindReceiver(_) | Pdu::BindTransceiver(_) => {
                self.bind(id, seq, pdu)
            }
            Pdu::EnquireLink => Action::reply(Out::cmd(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp)),
            Pdu::Unbind => self.unbind(id, seq),
            Pdu::SubmitSm(_)
            | Pdu::SubmitMulti(_)
            | Pdu::DataSm(_)
            | Pdu::QuerySm(_)
            | Pdu::CancelSm(_)
            | Pdu::ReplaceSm(_) => self.transmit(id, seq, pdu, faults),
            Pdu::DeliverSmResp(_) => {
                self.link.acked(seq);
                Action::none()
            }
            Pdu::DataSmResp(_) | Pdu::EnquireLinkResp | Pdu::UnbindResp | Pdu::GenericNack => Action::none(),
            // Unknown ids, MC-only PDUs and broadcast (not simulated).
            _ => Action::reply(Out::nack(CommandStatus::EsmeRinvcmdid, seq)),
        }
    }

    fn unbind(&mut self, id: u32, seq: u32) -> Action {
        if self.binding().is_none() {
            return Action::reply(Out::error(id, CommandStatus::EsmeRinvbndsts, seq));
        }
        // SMPP v5.0 §4.2.1: answer unbind_resp, then the MC may close the connection.
        self.state = State::Open;
        Action {
            reply: Some(Out::cmd(CommandStatus::EsmeRok, seq, Pdu::UnbindResp)),
            flow: Flow::Close,
        }
    }

    fn transmit(&self, id: u32, seq: u32, pdu: &Pdu, faults: &Faults) -> Action {
        // SMPP v5.0 §2.4: submission and message management need BOUND_TX or BOUND_TRX.
        let Some(binding) = self.binding().filter(|b| b.kind.can_transmit()) else {
            return Action::reply(Out::error(id, CommandStatus::EsmeRinvbndsts, seq));
        };
        let out = match pdu {
            Pdu::SubmitSm(sm) => super::submit::submit_sm(&self.shared, binding, sm, faults, seq),
            Pdu::DataSm(sm) => super::submit::data_sm(&self.shared, binding, sm, faults, seq),
            Pdu::SubmitMulti(sm) => super::submit::submit_multi(&self.shared, binding, sm, faults, seq),
            Pdu::QuerySm(q) => super::manage::query_sm(&self.shared, q, seq),
            Pdu::CancelSm(c) => super::manage::cancel_sm(&self.shared, c, seq),
            Pdu::ReplaceSm(r) => super::manage::replace_sm(&self.shared, r, seq),
            _ => Out::nack(CommandStatus::EsmeRinvcmdid, seq),
        };
        Action::reply(out)
    }
}
