//! The gateway as an SMPP ESME: text encoding ([`encoding`], the workspace's `sms_text` codec), a
//! bound transceiver session with a window of outstanding PDUs (`session`), the dispatcher that
//! drains the outbox over it with reconnect and back-off (`dispatcher`), delivery receipts
//! (`receipt`) and mobile-originated messages (`mo`).
//!
//! Owns: everything SMPP. rusmpp 0.4.0 PDUs are used behind this module only, and never on an
//! unframed socket: bytes are framed on `command_length` first (tokio-util
//! `LengthDelimitedCodec`), then decoded (crates.md §1.4: rusmpp's own codec reads past a PDU).
//! Must not know: XML, JSON, applications or agreements; it reads and writes the outbox through
//! [`SmsStore`](crate::store::sms::SmsStore) only.

pub mod config;
mod dispatcher;
mod mo;
mod prefetch;
mod receipt;
mod session;

pub use config::SmppConfig;
pub use dispatcher::{Dispatcher, spawn};
pub use receipt::normalize_message_id;
/// Text → `short_message` parts and back (GSM 03.38 / UCS-2, UDH, segmentation): the codec the
/// gateway shares with the simulator.
pub use sms_text as encoding;
