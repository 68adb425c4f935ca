//! `pxload smpp`: one transceiver bind pushing submit_sm with a window of outstanding PDUs,
//! answering deliver_sm receipts, measuring accepted submits/s and response latency.
//! The submit_sm is encoded once and only its sequence number is patched per PDU, so the
//! driver spends its CPU on the socket, not on encoding.

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use bytes::BytesMut;
use futures::StreamExt as _;
use hdrhistogram::Histogram;
use rusmpp::pdus::{BindTransceiver, SubmitSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{InterfaceVersion, Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandStatus};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::codec::{Encoder as _, FramedRead};

use super::progress::{Console, Progress};
use super::{Report, parse_duration};
use crate::smpp::frame::{Frame, Framer, Header, Out, OutCodec};
use crate::stats::status_name;

/// Arguments of `pxload smpp`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// SMSC address.
    #[arg(long, default_value = "127.0.0.1:2775")]
    pub addr: String,
    /// system_id to bind with.
    #[arg(long, default_value = "pxgate")]
    pub system_id: String,
    /// Password to bind with.
    #[arg(long, default_value = "secret")]
    pub password: String,
    /// Outstanding submit_sm allowed.
    #[arg(long, default_value_t = 64)]
    pub window: usize,
    /// How long to push (e.g. 60s, 5m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Destination number.
    #[arg(long, default_value = "821000000001")]
    pub dest: String,
    /// Message text (GSM 7-bit).
    #[arg(long, default_value = "pxload benchmark message")]
    pub text: String,
    /// Do not request delivery receipts.
    #[arg(long)]
    pub no_receipts: bool,
}

/// Load driver failures.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Socket trouble.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The SMSC refused the bind or answered nonsense.
    #[error("bind failed: {0}")]
    Bind(String),
    /// An argument could not be encoded into a PDU.
    #[error("invalid argument: {0}")]
    Arg(&'static str),
}

const SUBMIT_SM_RESP: u32 = 0x8000_0004;
const DELIVER_SM: u32 = 0x0000_0005;
const GENERIC_NACK: u32 = 0x8000_0000;
const SLOTS: usize = 1 << 16;

fn encode(cmd: Command) -> BytesMut {
    let mut buf = BytesMut::new();
    let _ = OutCodec::default().encode(Out::Cmd(cmd), &mut buf);
    buf
}

fn template(args: &Args) -> Result<BytesMut, LoadError> {
    let sm = SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(COctetString::from_str("PXLOAD").map_err(|_| LoadError::Arg("source"))?)
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_str(&args.dest).map_err(|_| LoadError::Arg("--dest"))?)
        .registered_delivery(if args.no_receipts {
            RegisteredDelivery::default()
        } else {
            RegisteredDelivery::from(1)
        })
        .short_message(OctetString::from_str(&args.text).map_err(|_| LoadError::Arg("--text"))?)
        .build();
    Ok(encode(Command::new(CommandStatus::EsmeRok, 0, sm)))
}

async fn bind_trx(
    wr: &mut OwnedWriteHalf,
    frames: &mut FramedRead<OwnedReadHalf, Framer>,
    args: &Args,
) -> Result<(), LoadError> {
    let bind = BindTransceiver::builder()
        .system_id(COctetString::from_str(&args.system_id).map_err(|_| LoadError::Arg("--system-id"))?)
        .password(COctetString::from_str(&args.password).map_err(|_| LoadError::Arg("--password"))?)
        .interface_version(InterfaceVersion::Smpp5_0)
        .build();
    wr.write_all(&encode(Command::new(CommandStatus::EsmeRok, 1, bind)))
        .await?;
    match frames.next().await {
        Some(Ok(Frame::Pdu(pdu))) => {
            let h = Header::parse(&pdu);
            if h.status == 0 && h.id == 0x8000_0009 {
                Ok(())
            } else {
                Err(LoadError::Bind(format!(
                    "command_id {:#010x} status {}",
                    h.id,
                    status_name(h.status)
                )))
            }
        }
        _ => Err(LoadError::Bind(
            "connection closed before bind_transceiver_resp".to_owned(),
        )),
    }
}

/// Shared between the writer and reader halves.
struct Flight {
    window: Semaphore,
    size: usize,
    /// Send time (µs since start) by sequence number modulo SLOTS; the window is ≤ SLOTS,
    /// so a slot is never reused while its PDU is outstanding.
    sent_at: Vec<AtomicU64>,
    start: Instant,
    stop: AtomicBool,
    /// Submits sent, accepted, refused (any status but ESME_ROK, or generic_nack).
    progress: Arc<Progress>,
}

impl Flight {
    fn micros(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn drained(&self) -> bool {
        self.window.available_permits() >= self.size
    }
}

/// What the reader saw.
struct Tally {
    accepted: u64,
    refused: BTreeMap<u32, u64>,
    receipts: u64,
    last_response: Duration,
    latency_us: Histogram<u64>,
}

/// Push submits while the window has room; answer receipts (sequence numbers from `resp_rx`).
async fn write_loop(
    mut wr: OwnedWriteHalf,
    template: BytesMut,
    flight: Arc<Flight>,
    mut resp_rx: mpsc::Receiver<u32>,
) -> u64 {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut seq: u32 = 1;
    let mut sent = 0u64;
    loop {
        tokio::select! {
            biased;
            r = resp_rx.recv() => match r {
                Some(s) => push_deliver_resp(&mut buf, s),
                None => break,
            },
            permit = flight.window.acquire(), if !flight.stop.load(Relaxed) => {
                let Ok(permit) = permit else { break };
                permit.forget();
                seq = push_submit(&mut buf, &template, seq, &flight);
                sent += 1;
            }
        }
        // Batch whatever else is ready into the same write.
        while !flight.stop.load(Relaxed) && buf.len() < 60 * 1024 {
            let Ok(permit) = flight.window.try_acquire() else {
                break;
            };
            permit.forget();
            seq = push_submit(&mut buf, &template, seq, &flight);
            sent += 1;
        }
        while let Ok(s) = resp_rx.try_recv() {
            push_deliver_resp(&mut buf, s);
        }
        if wr.write_all(&buf).await.is_err() {
            break;
        }
        buf.clear();
    }
    sent
}

fn push_submit(buf: &mut BytesMut, template: &[u8], seq: u32, flight: &Flight) -> u32 {
    let at = buf.len();
    buf.extend_from_slice(template);
    buf[at + 12..at + 16].copy_from_slice(&seq.to_be_bytes());
    flight.sent_at[seq as usize % SLOTS].store(flight.micros(), Relaxed);
    flight.progress.sent();
    // SMPP v5.0 §3.2: sequence numbers stay within 1..=0x7FFFFFFF.
    if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 }
}

fn push_deliver_resp(buf: &mut BytesMut, seq: u32) {
    // SMPP v5.0 §4.3.3: deliver_sm_resp, message_id unused (a single NUL).
    buf.extend_from_slice(&17u32.to_be_bytes());
    buf.extend_from_slice(&0x8000_0005u32.to_be_bytes());
    buf.extend_from_slice(&0u32.to_be_bytes());
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(&[0]);
}

async fn read_loop(
    mut frames: FramedRead<OwnedReadHalf, Framer>,
    flight: Arc<Flight>,
    resp_tx: mpsc::Sender<u32>,
    latency_us: Histogram<u64>,
) -> Tally {
    let mut tally = Tally {
        accepted: 0,
        refused: BTreeMap::new(),
        receipts: 0,
        last_response: Duration::ZERO,
        latency_us,
    };
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        let frame = tokio::select! {
            f = frames.next() => f,
            _ = tick.tick() => {
                if flight.stop.load(Relaxed) && flight.drained() { break }
                continue;
            }
        };
        let Some(Ok(Frame::Pdu(pdu))) = frame else { break };
        let h = Header::parse(&pdu);
        match h.id {
            SUBMIT_SM_RESP | GENERIC_NACK => {
                let sent = flight.sent_at[h.seq as usize % SLOTS].load(Relaxed);
                let now = flight.micros();
                let _ = tally.latency_us.record(now.saturating_sub(sent).max(1));
                tally.last_response = Duration::from_micros(now);
                if h.status == 0 && h.id == SUBMIT_SM_RESP {
                    tally.accepted += 1;
                    flight.progress.ok();
                } else {
                    *tally.refused.entry(h.status).or_default() += 1;
                    flight.progress.refused();
                }
                flight.window.add_permits(1);
            }
            DELIVER_SM => {
                tally.receipts += 1;
                if resp_tx.send(h.seq).await.is_err() {
                    break;
                }
            }
            _ => {}
        }
    }
    tally
}

/// Run the scenario, counting into a progress phase of `console`.
pub async fn run(args: Args, console: Console) -> Result<Report, LoadError> {
    let stream = TcpStream::connect(&args.addr).await?;
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut frames = FramedRead::with_capacity(rd, Framer::new(70_000), 256 * 1024);
    bind_trx(&mut wr, &mut frames, &args).await?;
    let size = args.window.clamp(1, SLOTS);
    let phase = console.phase("");
    let flight = Arc::new(Flight {
        window: Semaphore::new(size),
        size,
        sent_at: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        start: Instant::now(),
        stop: AtomicBool::new(false),
        progress: phase.progress(),
    });
    let (resp_tx, resp_rx) = mpsc::channel::<u32>(4096);
    let writer = tokio::spawn(write_loop(wr, template(&args)?, Arc::clone(&flight), resp_rx));
    // 1 µs .. 60 s at 3 significant digits.
    let latency = Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|_| LoadError::Arg("histogram"))?;
    let reader = tokio::spawn(read_loop(frames, Arc::clone(&flight), resp_tx, latency));
    tokio::time::sleep(args.duration).await;
    flight.stop.store(true, Relaxed);
    let tally = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .map_err(|_| LoadError::Bind("responses did not drain within 10 s".to_owned()))?
        .map_err(|e| LoadError::Io(std::io::Error::other(e)))?;
    // The reader is gone, so the response channel closes and the writer ends.
    let sent = writer.await.unwrap_or(0);
    phase.finish().await;
    Ok(Report {
        scenario: "smpp",
        sent,
        accepted: tally.accepted,
        refused: tally
            .refused
            .into_iter()
            .map(|(s, n)| (status_name(s), n))
            .collect(),
        extra: vec![("receipts", tally.receipts)],
        elapsed: tally.last_response.max(Duration::from_millis(1)),
        latency_us: tally.latency_us,
        baseline: None,
    })
}
