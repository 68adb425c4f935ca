//! Account monitoring, pxgate's extension to Account Management (Parlay X 2 has no operation for
//! it; `docs/guides/account-notifications.md`): `startAccountNotification` asks to be told of
//! every charge of an account (`Charged`) or of a charge that takes its balance below an amount
//! (`BelowThreshold`); `stopAccountNotification` ends it. The alert task (`crate::alerts`) decides
//! the notifications from the ledger and queues them as callbacks.
//!
//! Privacy (ES 202 391-1 POL0002): an application may monitor only an account it has charged (a
//! ledger row with its actor) or one the operator granted it. Also here: the note the Payment SCF
//! leaves when it refuses a charge to a number without an account (for the "not registered"
//! alert). Must not know: XML, JSON.

use rust_decimal::Decimal;

use super::sms::callback_endpoint;
use super::{Scf, ScfError, internal};
use crate::domain::{Moment, Msisdn};
use crate::framework::Permit;
use crate::store::StoreError;
use crate::store::alerts::{Monitor, MonitorCriteria};

/// Longest correlator accepted.
const MAX_CORRELATOR: usize = 256;

/// What a monitor is told about, as requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criteria {
    /// Every charge.
    Charged,
    /// A charge that takes the balance below this amount (in the account's currency).
    BelowThreshold(Decimal),
}

/// `startAccountNotification`, protocol-neutral.
#[derive(Debug, Clone)]
pub struct StartAccountNotification {
    /// `reference.endpoint`: on one of the agreement's `callback_hosts`.
    pub endpoint: String,
    /// `reference.interfaceName`.
    pub interface_name: String,
    /// `reference.correlator`: unique among the application's monitors.
    pub correlator: String,
    /// `endUserIdentifier`.
    pub end_user: String,
    /// `criteria`.
    pub criteria: Criteria,
}

impl Scf {
    /// `startAccountNotification`: records the monitor after the privacy, endpoint and
    /// correlator checks.
    pub async fn start_account_notification(
        &self,
        permit: &Permit,
        req: &StartAccountNotification,
    ) -> Result<(), ScfError> {
        let endpoint = callback_endpoint(permit, &req.endpoint, "reference.endpoint")?;
        let correlator = req.correlator.trim();
        if correlator.is_empty() || correlator.len() > MAX_CORRELATOR {
            return Err(ScfError::invalid("reference.correlator", "1 to 256 characters"));
        }
        let msisdn = Msisdn::parse(&req.end_user, &self.locale.default_country_code)
            .map_err(|e| ScfError::invalid("endUserIdentifier", e))?;
        self.relationship(permit, &msisdn).await?;
        let criteria = self.criteria(&msisdn, req.criteria).await?;
        let monitor = Monitor {
            actor: permit.actor(),
            correlator: correlator.to_owned(),
            msisdn: msisdn.as_str().to_owned(),
            criteria,
            endpoint: endpoint.to_string(),
            interface_name: req.interface_name.trim().to_owned(),
            since_ms: self.now().at_ms,
        };
        match self.store.add_monitor(&monitor, monitor.since_ms).await {
            Ok(()) => Ok(()),
            Err(StoreError::AlreadyExists) => {
                Err(ScfError::DuplicateNotificationCorrelator(monitor.correlator))
            }
            Err(e) => Err(internal(e)),
        }
    }

    /// `stopAccountNotification`: ends the application's monitor (SVC0002 naming `correlator`
    /// when it has none by that correlator).
    pub async fn stop_account_notification(&self, permit: &Permit, correlator: &str) -> Result<(), ScfError> {
        let removed = self
            .store
            .remove_monitor(&permit.actor(), correlator.trim())
            .await
            .map_err(internal)?;
        if removed {
            Ok(())
        } else {
            Err(ScfError::invalid(
                "correlator",
                "no notification with this correlator",
            ))
        }
    }

    /// The stored criteria: a threshold in the account's currency, exact and not negative.
    async fn criteria(&self, msisdn: &Msisdn, criteria: Criteria) -> Result<MonitorCriteria, ScfError> {
        match criteria {
            Criteria::Charged => Ok(MonitorCriteria::Charged),
            Criteria::BelowThreshold(amount) => {
                let account = self.store.account(msisdn).await.map_err(internal)?;
                let account = account.ok_or_else(|| ScfError::PrivacyRefused(msisdn.tel_uri()))?;
                let minor = account
                    .currency
                    .to_non_negative_minor(amount)
                    .map_err(|e| ScfError::invalid("threshold", e))?;
                Ok(MonitorCriteria::BelowThreshold(minor))
            }
        }
    }

    /// Notes a charge refused because `msisdn` has no account, for the "not registered" alert.
    /// One small write; a failure is logged and never fails the charge's answer.
    pub(in crate::scf) async fn note_unregistered_charge(&self, msisdn: &Msisdn, now: &Moment) {
        if let Err(e) = self.store.note_unregistered(msisdn.as_str(), now.at_ms).await {
            tracing::warn!(error = %e, "a refused charge to an unregistered number was not noted");
        }
    }
}
