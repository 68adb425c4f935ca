//! Read scope: which subscribers' data an application may see. ES 202 391-1 POL0002 ("Privacy
//! verification failed"): an application has a relationship with an account only when it moved
//! money on it (a charge or a credit of its own; a hold that was released moved none) or the
//! operator granted it the account (`PUT /admin/v1/apps/{id}/monitored/{msisdn}`). Account
//! Management reads and account monitoring both require one; only the operator's grant opens
//! the entries other applications made.

use super::{Scf, ScfError, internal};
use crate::domain::Msisdn;
use crate::framework::Permit;

/// How an application is related to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relationship {
    /// The operator granted the account to the application: everything about it may be read.
    Granted,
    /// The application moved money on it: the account, and its own entries of the statement.
    MovedMoney,
}

impl Scf {
    /// The application's relationship with the account of `msisdn`, or POL0002. An unknown
    /// number is refused the same way (no account, so no relationship), which tells an
    /// application nothing about which numbers exist.
    pub(crate) async fn relationship(
        &self,
        permit: &Permit,
        msisdn: &Msisdn,
    ) -> Result<Relationship, ScfError> {
        let granted = self
            .store
            .monitoring_granted(&permit.app().id, msisdn.as_str())
            .await
            .map_err(internal)?;
        if granted {
            return Ok(Relationship::Granted);
        }
        let moved = self
            .store
            .moved_money_on(&permit.actor(), msisdn.as_str())
            .await
            .map_err(internal)?;
        if moved {
            Ok(Relationship::MovedMoney)
        } else {
            Err(ScfError::PrivacyRefused(msisdn.tel_uri()))
        }
    }
}
