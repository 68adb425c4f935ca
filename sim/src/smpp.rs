//! The SMPP side of the SMSC: accept loop, sessions, and everything that speaks PDUs
//! (binds, submits, message management, receipts, MO delivery). Business state it touches
//! (inbox, message store, faults, counters) lives in [`crate::shared::Shared`].

pub(crate) mod bind;
pub(crate) mod frame;
pub(crate) mod held;
pub(crate) mod manage;
pub(crate) mod receipts;
pub(crate) mod registry;
pub(crate) mod session;
pub(crate) mod submit;

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::shared::Shared;

/// Accept connections until shutdown; each gets its own session task.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let accepted = tokio::select! {
            () = shared.shutdown.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                // Small PDUs, request/response: Nagle would add 40 ms stalls.
                let _ = stream.set_nodelay(true);
                tracing::debug!(%peer, "smpp connection");
                tokio::spawn(session::run(stream, Arc::clone(&shared)));
            }
            Err(e) => {
                // EMFILE and friends: back off briefly rather than spin.
                tracing::warn!(error = %e, "smpp accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}
