//! `pxload baseline`: the HTTP limit, what the charge clients reach against a server that does
//! no work. pxload serves a constant answer itself (axum on 127.0.0.1, in this process) and
//! drives it with the charge scenarios' own clients (`charge::client`: same requests, same
//! WS-Security header, same HTTP client), so a gateway run's throughput divided by the
//! baseline's says how far the gateway's own work keeps it from that limit on this machine.
//! Knows nothing of the gateway or of demo.json.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::charge::Load;
use super::charge::client::{self, Target};
use super::progress::{Console, Phase};
use super::{Binding, GatewayLoadError, Report};

/// What the gateway answers a successful `chargeAmount` with: SOAP 1.1, an empty
/// `chargeAmountResponse` (ES 202 391-6: chargeAmount has no output parameters; the element
/// has no children in the AmountCharging WSDL's schema).
pub const CHARGE_AMOUNT_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
    r#"<ns:chargeAmountResponse xmlns:ns="http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local">"#,
    r#"</ns:chargeAmountResponse></soapenv:Body></soapenv:Envelope>"#,
);

/// The path the gateway serves AmountCharging on.
const AMOUNT_CHARGING: &str = "/AmountChargingService/services/AmountCharging";

/// Built-in stand-ins for the demo's "shop" credentials: the constant server checks nothing,
/// but the clients still build and send the same WS-Security header (or HTTP Basic).
const USERNAME: &str = "shop";
const PASSWORD: &str = "pxload-baseline-password";

/// `pxload baseline` options: the charge clients' own, and which binding's requests to send.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub load: Load,
    /// Whose requests to send: soap-charge's (chargeAmount) or rest-charge's (amountTransaction).
    #[arg(long, value_enum, default_value = "soap")]
    pub binding: Binding,
}

/// Answers every POST, whatever its path and body, with [`CHARGE_AMOUNT_RESPONSE`] (200,
/// `text/xml`), until `shutdown` completes. The body is read in full, as the gateway reads it.
pub async fn serve<F>(listener: TcpListener, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    // As the gateway's listener: answers are small and written whole, Nagle would only delay them.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = Router::new().fallback(answer);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

async fn answer(method: Method, _body: Bytes) -> Response {
    if method == Method::POST {
        (
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            CHARGE_AMOUNT_RESPONSE,
        )
            .into_response()
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

/// Runs `pxload baseline` with the built-in credentials.
pub async fn run(args: Args, console: Console) -> Result<Report, GatewayLoadError> {
    measure(
        &args.load,
        args.binding,
        USERNAME.to_owned(),
        PASSWORD.to_owned(),
        console.phase(""),
    )
    .await
}

/// Serves the constant answer on 127.0.0.1:0 and drives it with the charge clients for
/// `load.duration`, sending as `username`/`password` and counting into `phase`.
pub(crate) async fn measure(
    load: &Load,
    binding: Binding,
    username: String,
    password: String,
    phase: Phase,
) -> Result<Report, GatewayLoadError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(GatewayLoadError::Baseline)?;
    let addr = listener.local_addr().map_err(GatewayLoadError::Baseline)?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone().cancelled_owned()));
    let outcome = drive(addr, load, binding, username, password, phase).await;
    // The client and its keep-alive connections are gone, so the server drains at once; should
    // a connection linger, the measurement is still good and the server is left to the runtime.
    stop.cancel();
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(Ok(Err(e))) => Err(GatewayLoadError::Baseline(e)),
        _ => outcome,
    }
}

async fn drive(
    addr: SocketAddr,
    load: &Load,
    binding: Binding,
    username: String,
    password: String,
    phase: Phase,
) -> Result<Report, GatewayLoadError> {
    let target = Target {
        endpoint: format!("http://{addr}{AMOUNT_CHARGING}"),
        base: format!("http://{addr}"),
        username,
        password,
    };
    let client = client::http_client(load.concurrency)?;
    let report = client::drive(&client, target, load, binding, "baseline", phase.progress()).await;
    phase.finish().await;
    Ok(report)
}
