//! The gateway as an SMPP ESME: text encoding ([`encoding`], the workspace's `sms_text` codec),
//! the SMSC links and the routes between them (`links`), the router that claims outbox rows and
//! queues each on a link of its route (`router`), bound sessions with a window of outstanding PDUs
//! (`session`), the dispatcher that runs every link's sessions with reconnect and back-off
//! (`dispatcher`), one part's submit_sm and what its answer means (`submit`), delivery receipts
//! (`receipt`) and mobile-originated messages (`mo`).
//!
//! Owns: everything SMPP. rusmpp 0.4.0 PDUs are used behind this module only, and never on an
//! unframed socket: bytes are framed on `command_length` first (tokio-util
//! `LengthDelimitedCodec`), then decoded (crates.md §1.4: rusmpp's own codec reads past a PDU).
//! Must not know: XML, JSON, applications or agreements; it reads and writes the outbox through
//! the [`Outbox`] writer and [`SmsStore`] only.

pub mod config;
mod dispatcher;
mod gateway_sms;
mod links;
mod metrics;
mod mo;
mod receipt;
mod router;
mod session;
mod submit;

use std::sync::Arc;

pub use config::SmppConfig;
pub use dispatcher::{Dispatcher, spawn};
pub use links::{LinkStatus, Links};
pub use receipt::normalize_message_id;

/// Decodes a frame as the session does and reads a deliver_sm as a receipt and as a received
/// message (for the fuzz targets, `crate::fuzzing`).
#[cfg(fuzzing)]
pub(crate) fn read_frame(data: &[u8]) {
    use rusmpp::decode::DecodeWithLength as _;
    let mut frame = bytes::BytesMut::from(data);
    let len = frame.len();
    if let Ok((command, _)) = rusmpp::Command::decode(&mut frame, len)
        && let Some(rusmpp::Pdu::DeliverSm(sm)) = command.pdu()
    {
        let _ = receipt::parse(sm);
        let _ = mo::parse(sm, config::Dcs0Alphabet::Gsm, 0);
    }
}
/// Text → `short_message` parts and back (GSM 03.38 / UCS-2, UDH, segmentation): the codec the
/// gateway shares with the simulator.
pub use sms_text as encoding;

pub use gateway_sms::gateway_sms;

use crate::domain::Clock;
use crate::outbox::Outbox;
use crate::store::sms::SmsStore;

/// What the links read and write besides the wire: their configuration, the outbox writer (message
/// ids, receipts and claims, group-committed), the store (received messages, kept receipts,
/// failed parts) and the clock. Cheap to clone.
#[derive(Clone)]
struct Env {
    cfg: Arc<SmppConfig>,
    outbox: Outbox,
    store: Arc<dyn SmsStore>,
    clock: Arc<dyn Clock>,
}

impl Env {
    /// Milliseconds since the epoch, as the outbox keeps time.
    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}
