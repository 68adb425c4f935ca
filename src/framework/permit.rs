//! The proof that a call was authorized. Only [`Framework::authorize`](super::Framework::authorize)
//! makes one, and every service capability function requires one, so a call that skipped the
//! framework does not compile.

use std::sync::Arc;
use std::time::Instant;

use super::agreement::Agreement;
use super::operation::Operation;

/// An application as the service functions see it.
#[derive(Debug)]
pub struct AppInfo {
    /// Application id.
    pub id: String,
    /// Display name (the merchant name on receipts).
    pub name: String,
    /// Its checked service agreement.
    pub agreement: Agreement,
}

/// Permission for one call of one operation by one application.
#[derive(Debug, Clone)]
pub struct Permit {
    app: Arc<AppInfo>,
    operation: Operation,
    started: Instant,
}

impl Permit {
    pub(super) fn new(app: Arc<AppInfo>, operation: Operation, started: Instant) -> Self {
        Self {
            app,
            operation,
            started,
        }
    }

    /// The calling application.
    pub fn app(&self) -> &AppInfo {
        &self.app
    }

    /// How the ledger names the caller: `app:<id>`.
    pub fn actor(&self) -> String {
        crate::domain::actor::of_app(&self.app.id)
    }

    /// The operation permitted.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// When the request was taken up (for usage latency).
    pub fn started(&self) -> Instant {
        self.started
    }
}
