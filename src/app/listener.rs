//! The accept loop: a bounded number of connections, each closed when its request head (or TLS
//! handshake) is slower than `header_read_timeout_secs`, HTTPS when `[http.tls]` is set, and a
//! graceful drain on shutdown.
//!
//! `axum::serve` sets no header-read timer and no cap, so one client holding thousands of
//! half-sent requests (slowloris) would hold as many tasks and sockets. Here a connection is
//! accepted only with a slot in hand; the rest wait in the kernel's backlog. hyper's timer runs
//! whenever a connection waits for a request head, so an idle keep-alive connection is also
//! closed after the timeout.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::config::HttpConfig;

/// A pause after a failed `accept` (out of file descriptors, say), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` until `shutdown` completes, then waits for every connection to
/// finish its request in flight.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    http: &HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tls = match &http.tls {
        Some(tls) => Some(TlsAcceptor::from(
            tls.server_config().map_err(std::io::Error::other)?,
        )),
        None => None,
    };
    let header_timeout = Duration::from_secs(http.header_read_timeout_secs);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let connection = Arc::new(Connection {
        router,
        builder,
        tls,
        header_timeout,
    });
    let slots = Arc::new(Semaphore::new(http.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Arc::clone(&connection);
        let watcher = graceful.watcher();
        tokio::spawn(async move { connection.serve(stream, peer, watcher, slot).await });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// What every connection is served with.
struct Connection {
    router: Router,
    builder: auto::Builder<TokioExecutor>,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
}

impl Connection {
    /// Serves one accepted connection; `slot` is given back when it closes.
    async fn serve(&self, stream: TcpStream, peer: SocketAddr, watcher: Watcher, slot: OwnedSemaphorePermit) {
        // Answers are small and written whole: Nagle's delay would only add latency.
        let _ = stream.set_nodelay(true);
        match &self.tls {
            None => self.http(stream, peer, watcher).await,
            Some(acceptor) => {
                match tokio::time::timeout(self.header_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => self.http(stream, peer, watcher).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                }
            }
        }
        drop(slot);
    }

    /// HTTP/1.1 (or HTTP/2) on `io`, every request carrying the peer address for the lock-out.
    async fn http<I>(&self, io: I, peer: SocketAddr, watcher: Watcher)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let router = self.router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let served = watcher
            .watch(self.builder.serve_connection(TokioIo::new(io), service))
            .await;
        if let Err(e) = served {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}
