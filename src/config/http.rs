//! `[http]`: the listener, its limits and its TLS identity.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// `[http]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Serve `/metrics` and the admin API on this address only (with the probes), apart from
    /// the applications' `listen`; unset: everything on `listen`.
    pub ops_listen: Option<SocketAddr>,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit_bytes: usize,
    /// A request still running after this many seconds is answered with 408.
    pub request_timeout_secs: u64,
    /// Deepest XML element nesting accepted in a SOAP request (the envelope counts as 1).
    pub xml_max_depth: usize,
    /// Most XML elements accepted in one SOAP request, header included.
    pub xml_max_elements: usize,
    /// A connection whose request head (or TLS handshake) has not arrived this many seconds after
    /// it connected or finished its last answer is closed: slow or idle clients hold no slot.
    pub header_read_timeout_secs: u64,
    /// Connections served at once; further clients wait in the kernel's backlog.
    pub max_connections: usize,
    /// Serve HTTPS with this certificate and key; plain HTTP when absent.
    pub tls: Option<crate::tls::ServerTls>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            ops_listen: None,
            body_limit_bytes: 256 * 1024,
            request_timeout_secs: 30,
            xml_max_depth: 32,
            xml_max_elements: 10_000,
            header_read_timeout_secs: 10,
            max_connections: 4096,
            tls: None,
        }
    }
}

impl HttpConfig {
    /// Adds a line per unusable value to `errors`.
    pub(super) fn check(&self, errors: &mut Vec<String>) {
        if self.body_limit_bytes == 0 {
            errors.push("http.body_limit_bytes: must be greater than 0".to_owned());
        }
        if self.request_timeout_secs == 0 {
            errors.push("http.request_timeout_secs: must be greater than 0".to_owned());
        }
        if self.xml_max_depth < 8 {
            errors.push(
                "http.xml_max_depth: must be at least 8 (Envelope/Body/operation/… need it)".to_owned(),
            );
        }
        if self.xml_max_elements < 16 {
            errors.push("http.xml_max_elements: must be at least 16".to_owned());
        }
        if self.header_read_timeout_secs == 0 {
            errors.push("http.header_read_timeout_secs: must be greater than 0".to_owned());
        }
        if self.max_connections == 0 {
            errors.push("http.max_connections: must be greater than 0".to_owned());
        }
        if self.ops_listen == Some(self.listen) {
            errors.push(
                "http.ops_listen: must differ from http.listen (leave it out to serve everything there)"
                    .to_owned(),
            );
        }
        if let Some(tls) = &self.tls
            && let Err(e) = tls.server_config()
        {
            errors.push(format!("http.tls: {e}"));
        }
    }
}
