//! What the admin API reads: the store it provisions, the framework (to forget what it changed
//! and to seal new secrets) and the service functions (PIN and voucher digests, routing received
//! SMS), the operators' tokens, the clock and calendar, and the few settings it reports.

use std::sync::Arc;

use crate::callbacks::CallbackConfig;
use crate::domain::{Clock, Currency, Locale, Moment};
use crate::gateway::Gateway;
use crate::scf::Scf;
use crate::store::Store;

use super::OperatorTokens;

/// The admin routes' state. Cheap to clone.
#[derive(Clone)]
pub struct AdminState(Arc<AdminParts>);

/// What [`AdminState::new`] is built from.
pub struct AdminParts {
    /// The store the API provisions.
    pub store: Arc<dyn Store>,
    /// The framework and service functions the bindings use.
    pub gateway: Gateway,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// The operator's calendar and numbering defaults.
    pub locale: Locale,
    /// Currency of accounts opened without one.
    pub default_currency: Currency,
    /// Configured admin tokens.
    pub operators: OperatorTokens,
    /// `[callbacks]`, for the give-up time of a callback queued again.
    pub callbacks: CallbackConfig,
    /// The SMSC links, for their state in the status.
    pub links: crate::smpp::Links,
}

impl AdminState {
    /// The admin state from its parts.
    pub fn new(parts: AdminParts) -> Self {
        Self(Arc::new(parts))
    }

    /// The SMSC links.
    pub fn links(&self) -> &crate::smpp::Links {
        &self.0.links
    }

    /// The application framework.
    pub fn framework(&self) -> &crate::framework::Framework {
        self.0.gateway.framework()
    }

    /// The service capability functions.
    pub fn scf(&self) -> &Scf {
        self.0.gateway.scf()
    }

    /// The billing store.
    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// "Now" in the operator's calendar.
    pub fn now(&self) -> Moment {
        self.0.locale.moment(self.0.clock.now())
    }

    /// The operator's calendar and numbering defaults.
    pub fn locale(&self) -> &Locale {
        &self.0.locale
    }

    /// Currency of accounts opened without one.
    pub fn default_currency(&self) -> Currency {
        self.0.default_currency
    }

    /// Configured admin tokens.
    pub fn operators(&self) -> &OperatorTokens {
        &self.0.operators
    }

    /// `[callbacks]`: retries and give-up time of notifications to applications.
    pub fn callback_config(&self) -> &CallbackConfig {
        &self.0.callbacks
    }
}
