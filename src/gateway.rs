//! The gateway the bindings serve: the framework and the service functions, and the one pipeline
//! every application call goes through, whatever its wire ([`Gateway::serve`]: authorize → call →
//! complete).
//!
//! Owns: the order of that pipeline and that every permitted call is counted exactly once.
//! Must not know: XML, JSON or HTTP; how a binding writes an answer or a refusal.

use std::net::IpAddr;
use std::sync::Arc;

use crate::framework::{AuthError, Credentials, Framework, Operation, Permit};
use crate::scf::Scf;

/// What the SOAP, REST and OAuth routes share (their axum state). Cheap to clone.
#[derive(Clone)]
pub struct Gateway(Arc<Parts>);

struct Parts {
    framework: Framework,
    scf: Arc<Scf>,
}

/// How a binding's answer to a permitted call is counted in the usage records: its outcome label
/// (`ok`, a fault code) and the money it moved (minor units, currency).
pub trait Served {
    /// The outcome label and the money moved, if any.
    fn usage(&self) -> (&str, Option<(i64, &'static str)>);
}

impl Gateway {
    /// A gateway over `framework` and the service functions.
    pub fn new(framework: Framework, scf: Arc<Scf>) -> Self {
        Self(Arc::new(Parts { framework, scf }))
    }

    /// The application framework.
    pub fn framework(&self) -> &Framework {
        &self.0.framework
    }

    /// The service capability functions.
    pub fn scf(&self) -> &Scf {
        &self.0.scf
    }

    /// Authorizes `operation` for `credentials` from `peer`, runs `call` with the permit and counts
    /// its answer once. A refusal is returned without running `call`.
    pub async fn serve<R: Served>(
        &self,
        credentials: &Credentials,
        operation: Operation,
        peer: IpAddr,
        call: impl AsyncFnOnce(&Scf, &Permit) -> R,
    ) -> Result<R, AuthError> {
        let framework = self.framework();
        let permit = framework.authorize(credentials, operation, peer).await?;
        let answer = call(self.scf(), &permit).await;
        let (outcome, amount) = answer.usage();
        if outcome != "ok" {
            // A refusal is the gateway working, on either wire: INFO with the fault answered (the
            // cause of an internal error is logged at ERROR where it happened).
            tracing::info!(actor = %permit.actor(), operation = operation.name(), fault = outcome, "call answered with a fault");
        }
        framework.complete(&permit, outcome, amount);
        Ok(answer)
    }
}
