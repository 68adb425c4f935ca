//! [`AccountStore`](crate::store::AccountStore) on [`SqlStore`], and the money-moving steps every
//! movement shares (`conditional_update`, `check_limits`, `append_entry`).

use crate::domain::{Moment, Msisdn};
use crate::store::sql::{AccountRow, LedgerRow};
use crate::store::{
    Account, AccountPatch, AccountQuery, AccountStatus, AccountStore, EntryKind, LedgerEntry, Moved,
    Movement, NewAccount, StoreError,
};

use crate::store::sql::{SqlStore, db};

#[async_trait::async_trait]
impl AccountStore for SqlStore {
    async fn create_account(&self, new: &NewAccount, now: &Moment) -> Result<Account, StoreError> {
        let mut tx = self.begin_write().await?;
        let account = match self
            .insert_account(&mut tx, &crate::store::sql::INSERT_ACCOUNT, new, now)
            .await
        {
            Ok(account) => account.ok_or(StoreError::AlreadyExists)?,
            Err(StoreError::Backend(e)) if crate::store::sql::is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(account)
    }

    async fn create_accounts(&self, new: &[NewAccount], now: &Moment) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut opened = 0;
        for account in new {
            let inserted = self
                .insert_account(&mut tx, &crate::store::sql::INSERT_ACCOUNT_IF_NEW, account, now)
                .await?;
            opened += u64::from(inserted.is_some());
        }
        tx.commit().await?;
        Ok(opened)
    }

    async fn account(&self, msisdn: &Msisdn) -> Result<Option<Account>, StoreError> {
        db::query_as::<AccountRow>(&crate::store::sql::SELECT_ACCOUNT)
            .bind(msisdn.as_str())
            .fetch_optional(self.reader())
            .await?
            .map(Account::try_from)
            .transpose()
    }

    async fn list_accounts(&self, query: &AccountQuery) -> Result<Vec<Account>, StoreError> {
        db::query_as::<AccountRow>(&crate::store::sql::LIST_ACCOUNTS)
            .bind(query.status.map(|s| s.as_str()))
            .bind(query.after_id)
            .bind(query.limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Account::try_from)
            .collect()
    }

    async fn update_account(
        &self,
        msisdn: &Msisdn,
        patch: &AccountPatch,
        now: &Moment,
    ) -> Result<Account, StoreError> {
        use crate::store::sql;
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<sql::AccountRow>(&sql::UPDATE_ACCOUNT)
            .bind(msisdn.as_str())
            .bind(patch.monthly_limit.is_some())
            .bind(patch.monthly_limit.flatten())
            .bind(patch.low_balance_threshold.is_some())
            .bind(patch.low_balance_threshold.flatten())
            .bind(patch.credit_expiry.is_some())
            .bind(patch.credit_expiry.flatten().map(sql::date_text))
            .bind(patch.notify_receipt)
            .bind(patch.notify_low_balance)
            .bind(patch.language.map(|l| l.as_str()))
            .bind(now.at_ms)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Account::try_from(row)
    }

    async fn set_status(
        &self,
        msisdn: &Msisdn,
        status: AccountStatus,
        now: &Moment,
    ) -> Result<Account, StoreError> {
        use crate::store::{StoreError, sql};
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<sql::AccountRow>(&sql::SET_STATUS)
            .bind(msisdn.as_str())
            .bind(status.as_str())
            .bind(now.at_ms)
            .fetch_optional(&mut tx)
            .await?;
        tx.commit().await?;
        if let Some(row) = row {
            return Account::try_from(row);
        }
        // Only a closed (or missing) account escapes the update; closing it again is a no-op.
        match self.account(msisdn).await? {
            None => Err(StoreError::NotFound),
            Some(a) if a.status == status => Ok(a),
            Some(a) => Err(StoreError::InvalidTransition {
                from: a.status,
                to: status,
            }),
        }
    }

    async fn move_money(&self, movement: &Movement, now: &Moment) -> Result<Moved, StoreError> {
        match &self.rounds {
            Some(rounds) => rounds.apply(movement, now).await,
            None => self.apply_movement(movement, now).await,
        }
    }

    async fn ledger(
        &self,
        msisdn: &Msisdn,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        db::query_as::<LedgerRow>(&crate::store::sql::LEDGER_PAGE)
            .bind(msisdn.as_str())
            .bind(before_id.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(LedgerEntry::try_from)
            .collect()
    }

    async fn ledger_sum(&self, msisdn: &Msisdn) -> Result<i64, StoreError> {
        Ok(db::query_scalar::<i64>(crate::store::sql::LEDGER_SUM)
            .bind(msisdn.as_str())
            .fetch_one(self.reader())
            .await?)
    }
}

mod movement;
pub(in crate::store::sql) use movement::Stop;
mod one_statement;
impl SqlStore {
    /// Inserts `new` with `statement` ([`sql::INSERT_ACCOUNT`] or its `IF_NEW` form, which
    /// answers no row for a number that has an account) and records a positive opening balance
    /// as a top-up.
    ///
    /// [`sql::INSERT_ACCOUNT`]: crate::store::sql::INSERT_ACCOUNT
    async fn insert_account(
        &self,
        tx: &mut db::Tx,
        statement: &'static str,
        new: &NewAccount,
        now: &Moment,
    ) -> Result<Option<Account>, StoreError> {
        use crate::store::sql;
        let inserted = db::query_as::<sql::AccountRow>(statement)
            .bind(new.msisdn.as_str())
            .bind(new.status.as_str())
            .bind(new.currency.code())
            .bind(new.opening_balance)
            .bind(new.overdraft_limit)
            .bind(new.monthly_limit)
            .bind(&now.month)
            .bind(new.low_balance_threshold)
            .bind(new.credit_expiry.map(sql::date_text))
            .bind(new.notify_receipt)
            .bind(new.notify_low_balance)
            .bind(new.language.as_str())
            .bind(now.at_ms)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = inserted else {
            return Ok(None);
        };
        let account = Account::try_from(row)?;
        if new.opening_balance > 0 {
            db::query_scalar::<i64>(sql::INSERT_LEDGER)
                .bind(account.id)
                .bind(EntryKind::Topup.as_str())
                .bind(new.opening_balance)
                .bind(0_i64)
                .bind(new.opening_balance)
                .bind(&new.actor)
                .bind(None::<String>)
                .bind("opening balance")
                .bind(now.at_ms)
                .fetch_one(&mut *tx)
                .await?;
        }
        Ok(Some(account))
    }
}

mod rounds;
pub(in crate::store::sql) use rounds::Rounds;
