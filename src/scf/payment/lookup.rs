//! Reading back one money movement an application made: OneAPI's
//! `GET …/transactions/amount/{serverReferenceCode}` (parlayx-spec §5.3), which Parlay X has no
//! operation for. Only the calling application's own charges and refunds on the named account are
//! visible; anything else reads as absent, so ids of other applications' entries reveal nothing.

use rust_decimal::Decimal;

use super::super::{Scf, ScfError, internal};
use crate::domain::Currency;
use crate::framework::Permit;
use crate::store::EntryKind;

/// One charge or refund as its application sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The ledger entry id (the `serverReferenceCode`).
    pub entry_id: i64,
    /// `Charge`, `Refund` or `ReservationCharge`.
    pub kind: EntryKind,
    /// The amount moved, positive.
    pub amount: Decimal,
    /// The account's currency.
    pub currency: Currency,
    /// The application's reference code.
    pub reference_code: Option<String>,
    /// Statement text.
    pub description: String,
}

impl Scf {
    /// The caller's charge or refund `entry_id` on `end_user`'s account; `None` when there is no
    /// such entry, it is on another account, another application made it, or it is not a charge or
    /// refund.
    pub async fn amount_transaction(
        &self,
        permit: &Permit,
        end_user: &str,
        entry_id: i64,
    ) -> Result<Option<Transaction>, ScfError> {
        let msisdn = self.parse_end_user(end_user)?;
        let Some(account) = self.store.account(&msisdn).await.map_err(internal)? else {
            return Ok(None);
        };
        // Newest first below `before_id`: the first row is the entry itself if it is this account's.
        let before = entry_id.saturating_add(1);
        let rows = self
            .store
            .ledger(&msisdn, Some(before), 1)
            .await
            .map_err(internal)?;
        let actor = permit.actor();
        let found = rows.into_iter().next().filter(|e| {
            e.id == entry_id
                && e.actor == actor
                && matches!(
                    e.kind,
                    EntryKind::Charge | EntryKind::Refund | EntryKind::ReservationCharge
                )
        });
        Ok(found.map(|e| Transaction {
            entry_id: e.id,
            kind: e.kind,
            amount: account.currency.from_minor(e.amount.abs()),
            currency: account.currency,
            reference_code: e.reference_code,
            description: e.description,
        }))
    }
}
