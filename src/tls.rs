//! TLS material read from PEM files: the listener's certificate chain and key (`[http.tls]`)
//! and extra roots trusted for callbacks (`[callbacks] ca_path`).
//!
//! One crypto provider serves the whole process (rustls with aws-lc-rs); reqwest, sqlx and the
//! listener all use it. Errors are sentences naming the file, for configuration validation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

/// `[http.tls]`: serve HTTPS instead of plain HTTP.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTls {
    /// PEM file with the server certificate first, then any intermediates.
    pub cert_path: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: PathBuf,
}

impl ServerTls {
    /// The rustls server configuration: HTTP/2 and HTTP/1.1 offered by ALPN, TLS 1.2 and 1.3.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let chain = certificates(&self.cert_path)?;
        let key = PrivateKeyDer::from_pem_file(&self.key_path)
            .map_err(|e| format!("{}: no private key read: {e}", self.key_path.display()))?;
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                format!(
                    "{} and {}: the certificate and key do not make a server identity: {e}",
                    self.cert_path.display(),
                    self.key_path.display()
                )
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The certificates of a PEM file (at least one), as reqwest roots.
pub fn roots(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    certificates(path)?
        .iter()
        .map(|der| {
            reqwest::Certificate::from_der(der)
                .map_err(|e| format!("{}: a certificate does not read: {e}", path.display()))
        })
        .collect()
}

/// Every certificate in the PEM file at `path`; none is an error.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let read = |e: rustls_pki_types::pem::Error| format!("{}: {e}", path.display());
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(read)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read)?;
    if chain.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(chain)
}
