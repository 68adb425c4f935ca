//! A charged sendSms: the debits of every recipient and the outbox rows of the message in one write
//! transaction (ES 202 391-4 §8.1.1 `charging`: the message is only sent if it is paid for).
//!
//! Each debit runs the money-moving steps of `account_store.rs` (`conditional_update`,
//! `check_limits`, `append_entry`) and is explained by
//! [`debit_refusal`](super::super::debit_refusal), so a charge made here follows exactly the rules of
//! `chargeAmount`. Must not know: how amounts are priced or which caps an agreement sets.

use crate::domain::Moment;
use crate::store::sms::NewSms;
use crate::store::sql::{SqlStore, db};
use crate::store::{EntryKind, Movement, StoreError};

impl SqlStore {
    /// Debits every charge, then queues every part; on the first refusal everything rolls
    /// back and the refusal is answered. Accounts are locked in number order and the
    /// application's spend counters only after all of them (the order a single
    /// `chargeAmount` takes), so concurrent charged messages cannot deadlock.
    pub(in crate::store::sql) async fn queue_with_charges(
        &self,
        sms: &NewSms,
        charges: &[Movement],
        now: &Moment,
    ) -> Result<(), StoreError> {
        use crate::store::{Account, AccountStore as _, StoreError, sql};
        if charges.iter().any(|m| m.kind != EntryKind::Charge) {
            return Err(StoreError::InvalidMovement(
                "a message is paid for by charges only",
            ));
        }
        let mut ordered: Vec<&Movement> = charges.iter().collect();
        ordered.sort_by(|a, b| a.msisdn.as_str().cmp(b.msisdn.as_str()));
        let mut tx = self.begin_write().await?;
        let mut debited = Vec::with_capacity(ordered.len());
        for m in &ordered {
            let Some(row) = self.conditional_update(&mut tx, m, now).await? else {
                tx.rollback().await?;
                let account = self.account(&m.msisdn).await?;
                let why = sql::debit_refusal(account.as_ref(), m.currency, m.amount, now);
                return Err(StoreError::Refused(why));
            };
            debited.push((*m, Account::try_from(row)?));
        }
        for (m, account) in &debited {
            if let Some(stop) = self.check_limits(&mut tx, account, m, now).await? {
                return Err(self.refuse(tx, stop, now).await);
            }
        }
        for (m, account) in &debited {
            let draft = sql::Draft::of(m);
            match self.append_entry(&mut tx, account, &draft, now).await {
                Ok(_) => {}
                Err(e) if sql::is_unique_violation(&e) => {
                    tx.rollback().await?;
                    let code = m.reference_code.clone().unwrap_or_default();
                    return Err(StoreError::ReferenceConflict(code));
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.insert_parts(&mut tx, sms, now.at_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts every outbox row of `sms` in `tx`, due at `now_ms`, and its
    /// clientCorrelator.
    pub(in crate::store::sql) async fn insert_parts(
        &self,
        tx: &mut db::Tx,
        sms: &NewSms,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.insert_correlator(tx, sms, now_ms).await?;
        self.insert_rows(tx, std::slice::from_ref(sms), now_ms).await
    }

    /// The clientCorrelator of `sms`, if it has one; `AlreadyExists` if it is taken.
    pub(in crate::store::sql) async fn insert_correlator(
        &self,
        tx: &mut db::Tx,
        sms: &NewSms,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        use crate::store::sql::sms_store as q;
        if let Some((correlator, fingerprint)) = &sms.client_correlator {
            // The primary key makes a concurrent retry with the same correlator fail here,
            // after which the caller reads the first request back.
            let kept = db::query(q::INSERT_CLIENT_CORRELATOR)
                .bind(&sms.actor)
                .bind(correlator)
                .bind(fingerprint)
                .bind(&sms.request_id)
                .bind(now_ms)
                .execute(&mut *tx)
                .await;
            match kept {
                Ok(_) => {}
                Err(e) if crate::store::sql::is_unique_violation(&e) => {
                    return Err(StoreError::AlreadyExists);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
