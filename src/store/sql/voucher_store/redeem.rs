//! Redeeming a voucher: voucher used, account credited, ledger appended, in one write transaction,
//! idempotent on the caller's reference code.

use crate::domain::{Currency, Moment};
use crate::store::sql::{SqlStore, db};
use crate::store::vouchers::Redemption;
use crate::store::{EntryKind, Moved, Movement, StoreError};

impl SqlStore {
    pub(in crate::store::sql) async fn apply_redemption(
        &self,
        r: &Redemption,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        use crate::store::{Account, AccountStore as _, Moved, StoreError, sql};
        // Two rounds at most, as for plain movements: a concurrent first attempt with the
        // same reference code can win the ledger's unique index (PostgreSQL).
        for round in 0..2 {
            let mut tx = self.begin_write().await?;
            let Some((serial, m)) = self.voucher_movement(&mut tx, r).await? else {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            };
            if let Some(replay) = self.redemption_replay(&mut tx, &m).await? {
                tx.rollback().await?;
                return replay;
            }
            if !self.use_voucher(&mut tx, serial, &m, now).await? {
                // Used (or expired) meanwhile: by this very request if a concurrent retry
                // committed first, which the ledger now shows.
                let replay = self.redemption_replay(&mut tx, &m).await?;
                tx.rollback().await?;
                return replay.unwrap_or(Err(StoreError::NotFound));
            }
            let Some(row) = self.conditional_update(&mut tx, &m, now).await? else {
                tx.rollback().await?;
                let account = self.account(&m.msisdn).await?;
                return Err(StoreError::Refused(sql::credit_refusal(account.as_ref(), &m)));
            };
            let account = Account::try_from(row)?;
            if let Some(stop) = self.check_limits(&mut tx, &account, &m, now).await? {
                return Err(self.refuse(tx, stop, now).await);
            }
            let draft = sql::Draft::of(&m);
            let entry = match self.append_entry(&mut tx, &account, &draft, now).await {
                Ok(entry) => entry,
                Err(e) if round == 0 && sql::is_unique_violation(&e) => {
                    tx.rollback().await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            tx.commit().await?;
            return Ok(Moved {
                entry,
                account,
                replayed: false,
            });
        }
        Err(StoreError::ReferenceConflict(r.reference_code.clone()))
    }

    /// The voucher's serial and the credit it would make, or `None` when no voucher has this
    /// code.
    pub(in crate::store::sql) async fn voucher_movement(
        &self,
        tx: &mut db::Tx,
        r: &Redemption,
    ) -> Result<Option<(i64, Movement)>, StoreError> {
        use crate::store::sql::voucher_store as q;
        let key = db::query_as::<q::VoucherKey>(q::VOUCHER_BY_CODE)
            .bind(&r.code_sha256)
            .bind(&r.legacy_code_sha256)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(key) = key else { return Ok(None) };
        let currency = Currency::from_code(&key.currency)
            .map_err(|e| StoreError::Corrupt(format!("voucher {}: {e}", key.serial)))?;
        Ok(Some((
            key.serial,
            Movement {
                msisdn: r.msisdn.clone(),
                kind: EntryKind::Voucher,
                amount: key.value,
                currency,
                actor: r.actor.clone(),
                reference_code: Some(r.reference_code.clone()),
                description: q::voucher_description(key.serial),
                limits: r.limits,
                extend_expiry_days: None,
                screen: None,
            },
        )))
    }

    /// The first outcome of a retried redemption; a conflict when the reference code was
    /// used for anything else (another voucher, another account, another operation).
    pub(in crate::store::sql) async fn redemption_replay(
        &self,
        tx: &mut db::Tx,
        m: &Movement,
    ) -> Result<Option<Result<Moved, StoreError>>, StoreError> {
        use crate::store::{AccountStore as _, StoreError};
        let Some(previous) = self.find_previous(tx, m).await? else {
            return Ok(None);
        };
        if previous.description != m.description {
            return Ok(Some(Err(StoreError::ReferenceConflict(
                m.reference_code.clone().unwrap_or_default(),
            ))));
        }
        if let Err(e) = crate::store::sql::check_replay(&previous, m) {
            return Ok(Some(Err(e)));
        }
        let account = self.account(&m.msisdn).await?.ok_or(StoreError::NotFound)?;
        Ok(Some(Ok(Moved {
            entry: previous,
            account,
            replayed: true,
        })))
    }

    /// Marks voucher `serial` used by the movement's account if it still may be; `false`
    /// when it may not.
    pub(in crate::store::sql) async fn use_voucher(
        &self,
        tx: &mut db::Tx,
        serial: i64,
        m: &Movement,
        now: &Moment,
    ) -> Result<bool, StoreError> {
        use crate::store::sql::{self, voucher_store as q};
        let used = db::query_scalar::<i64>(q::USE_VOUCHER)
            .bind(serial)
            .bind(m.msisdn.as_str())
            .bind(now.at_ms)
            .bind(sql::date_text(now.today))
            .fetch_optional(&mut *tx)
            .await?;
        Ok(used.is_some())
    }
}
