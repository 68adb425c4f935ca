//! [`AccountExtrasStore`](crate::store::vouchers::AccountExtrasStore) on [`SqlStore`].

use crate::domain::{Moment, Msisdn};
use crate::store::sql::{SqlStore, db};
use crate::store::vouchers::{AccountExtrasStore, NewVoucher, PinRecord, Redemption, Voucher, VoucherStatus};
use crate::store::{AccountStore, LedgerEntry, Moved, StoreError};

#[async_trait::async_trait]
impl AccountExtrasStore for SqlStore {
    async fn create_vouchers(&self, batch: &[NewVoucher], now: &Moment) -> Result<Vec<Voucher>, StoreError> {
        use crate::store::sql::{self, voucher_store as q};
        let mut tx = self.begin_write().await?;
        let mut serials = Vec::with_capacity(batch.len());
        for v in batch {
            let serial = db::query_scalar::<i64>(q::INSERT_VOUCHER)
                .bind(&v.code_sha256)
                .bind(&v.batch)
                .bind(v.currency.code())
                .bind(v.value)
                .bind(sql::date_text(v.expires_on))
                .bind(now.at_ms)
                .fetch_one(&mut tx)
                .await?;
            serials.push(serial);
        }
        let mut out = Vec::with_capacity(serials.len());
        for serial in serials {
            let row = db::query_as::<q::VoucherRow>(&q::SELECT_VOUCHER)
                .bind(serial)
                .bind(sql::date_text(now.today))
                .fetch_one(&mut tx)
                .await?;
            out.push(Voucher::try_from(row)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn vouchers(
        &self,
        status: Option<VoucherStatus>,
        after_serial: i64,
        limit: i64,
        now: &Moment,
    ) -> Result<Vec<Voucher>, StoreError> {
        use crate::store::sql::{self, voucher_store as q};
        db::query_as::<q::VoucherRow>(&q::LIST_VOUCHERS)
            .bind(status.map_or("all", |s| s.as_str()))
            .bind(after_serial)
            .bind(sql::date_text(now.today))
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(Voucher::try_from)
            .collect()
    }

    async fn redeem_voucher(&self, redemption: &Redemption, now: &Moment) -> Result<Moved, StoreError> {
        self.apply_redemption(redemption, now).await
    }

    async fn pin(&self, msisdn: &Msisdn) -> Result<Option<PinRecord>, StoreError> {
        use crate::store::sql::voucher_store as q;
        Ok(db::query_as::<q::PinRow>(q::SELECT_PIN)
            .bind(msisdn.as_str())
            .fetch_optional(self.reader())
            .await?
            .map(Into::into))
    }

    async fn set_pin(
        &self,
        msisdn: &Msisdn,
        salt: &str,
        pin_sha256: &str,
        now: &Moment,
    ) -> Result<(), StoreError> {
        use crate::store::sql::voucher_store as q;
        let mut tx = self.begin_write().await?;
        let row = db::query_scalar::<i64>(q::UPSERT_PIN)
            .bind(msisdn.as_str())
            .bind(salt)
            .bind(pin_sha256)
            .bind(now.at_ms)
            .fetch_optional(&mut tx)
            .await?;
        tx.commit().await?;
        row.map(|_| ()).ok_or(StoreError::NotFound)
    }

    async fn clear_pin(&self, msisdn: &Msisdn) -> Result<(), StoreError> {
        use crate::store::sql::voucher_store as q;
        use AccountStore as _;
        let mut tx = self.begin_write().await?;
        db::query(q::DELETE_PIN)
            .bind(msisdn.as_str())
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        match self.account(msisdn).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound),
        }
    }

    async fn claim_pin_attempt(
        &self,
        msisdn: &Msisdn,
        max_failures: i64,
        now: &Moment,
    ) -> Result<Option<PinRecord>, StoreError> {
        use crate::store::sql::voucher_store as q;
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<q::PinRow>(q::CLAIM_PIN_ATTEMPT)
            .bind(msisdn.as_str())
            .bind(max_failures)
            .bind(now.at_ms)
            .fetch_optional(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(Into::into))
    }

    async fn reset_pin_failures(&self, msisdn: &Msisdn, now: &Moment) -> Result<(), StoreError> {
        use crate::store::sql::voucher_store as q;
        let mut tx = self.begin_write().await?;
        db::query(q::RESET_PIN_FAILURES)
            .bind(msisdn.as_str())
            .bind(now.at_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn history(
        &self,
        msisdn: &Msisdn,
        actor: Option<&str>,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        use crate::store::sql::{self, voucher_store as q};
        db::query_as::<sql::LedgerRow>(&q::HISTORY)
            .bind(msisdn.as_str())
            .bind(actor)
            .bind(until_ms)
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(LedgerEntry::try_from)
            .collect()
    }
}
