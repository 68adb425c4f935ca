//! pxsim: an SMPP 3.4/5.0 SMSC simulator (`smsc-sim`) and a load driver (`pxload`),
//! independent of the gateway so it is a real peer for any ESME.
//!
//! # Layout
//!
//! | module | role |
//! |---|---|
//! | [`config`] | `SimConfig`: serde, `deny_unknown_fields`, validation |
//! | `smpp` | accept loop, sessions (frame → decode → dispatch), bind, submit, query/cancel/replace, receipt scheduler |
//! | `http` | inbox JSON + HTML, `POST /mo`, `/faults`, `/stats`, `/metrics` |
//! | [`gsm0338`], [`content`] | re-exports of the `sms_text` codec (GSM 7-bit tables, data_coding decoding, UDH and SAR, segmentation), kept under the names the simulator has always had |
//! | [`inbox`] | per-handset store with reassembly, bounded |
//! | [`receipt`] | outcome planning, injectable clock, receipt text |
//! | [`faults`], [`stats`] | fault knobs and state; counters |
//! | [`load`] | `pxload` scenarios (smpp, soap/rest charge and sms, the HTTP-limit baseline), progress lines, text and JSON reports |
//!
//! # A submit_sm, end to end
//!
//! 1. `smpp::session` frames the bytes on command_length, decodes the body with rusmpp and
//!    checks the bind state.
//! 2. `smpp::submit` applies throttle / error faults, validates, and stores the part in the
//!    handset [`inbox`] and the message store.
//! 3. The response goes through the session's bounded queue to its batching writer.
//! 4. If registered_delivery asks, `smpp::receipts` fires a deliver_sm receipt after the
//!    planned delay to a receiver bind of the same system_id.
#![forbid(unsafe_code)]

pub mod config;
pub mod faults;
pub mod inbox;
pub mod load;
pub mod receipt;
pub mod stats;

/// Entry points of the fuzz targets (`fuzz/` at the repository root), with `--cfg fuzzing` only.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// One SMPP frame (after its command_length) as the simulator's sessions decode it.
    pub fn smpp_frame(data: &[u8]) {
        let _ = crate::smpp::frame::Header::parse(data);
        let _ = crate::smpp::frame::decode(bytes::BytesMut::from(data));
    }
}

mod http;
mod mo;
mod shared;
mod smpp;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{Dcs0Alphabet, IdBase, MessageIds, SimConfig};
pub use faults::Faults;
pub use inbox::InboxMessage;
pub use mo::MoError;
pub use stats::Stats;

use shared::Shared;

/// The SMS text codec (`data_coding` decoding, UDH and SAR concatenation, segmentation) the
/// simulator shares with the gateway.
pub use sms_text as content;
/// GSM 03.38 tables and unpacked-septet coding, from the shared codec.
pub use sms_text::gsm0338;

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    shared: Arc<Shared>,
    smpp_addr: SocketAddr,
    http_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

/// Start the simulator on already-bound listeners (bind `127.0.0.1:0` in tests).
pub async fn start(smpp: TcpListener, http: TcpListener, config: SimConfig) -> std::io::Result<SimHandle> {
    config.validate().map_err(|errors| {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        std::io::Error::new(std::io::ErrorKind::InvalidInput, text.join("; "))
    })?;
    let smpp_addr = smpp.local_addr()?;
    let http_addr = http.local_addr()?;
    let (shared, receipts_rx) = Shared::new(config);
    let shared = Arc::new(shared);
    let tasks = vec![
        tokio::spawn(smpp::receipts::run(Arc::clone(&shared), receipts_rx)),
        tokio::spawn(smpp::serve(smpp, Arc::clone(&shared))),
        tokio::spawn(http::serve(http, Arc::clone(&shared))),
    ];
    Ok(SimHandle {
        shared,
        smpp_addr,
        http_addr,
        tasks,
    })
}

impl SimHandle {
    /// Where the SMPP listener is.
    pub fn smpp_addr(&self) -> SocketAddr {
        self.smpp_addr
    }

    /// Where the HTTP listener is.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// Reassembled, decoded messages of a handset (`+` optional), oldest first.
    pub fn inbox(&self, msisdn: &str) -> Vec<InboxMessage> {
        self.shared.inbox.messages(msisdn)
    }

    /// Send an MO message to a bound receiver or transceiver.
    pub async fn inject_mo(&self, from: &str, to: &str, text: &str) -> Result<(), MoError> {
        mo::inject(&self.shared, from, to, text).await.map(|_| ())
    }

    /// Counters now.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Replace the fault knobs (an `outage_secs` starts an outage now).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    /// Current fault knobs.
    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Drop every open SMPP connection.
    pub fn drop_connections(&self) {
        self.shared.faults.drop_all();
    }

    /// Stop accepting, close every session, and wait for the server tasks.
    pub async fn shutdown(self) {
        self.shared.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
