//! [`AccountExtrasStore`](crate::store::vouchers::AccountExtrasStore) on [`SqlStore`].

use crate::store::sql::{SqlStore, db};

#[async_trait::async_trait]
impl crate::store::vouchers::AccountExtrasStore for SqlStore {
    async fn create_vouchers(
        &self,
        batch: &[crate::store::vouchers::NewVoucher],
        now: &crate::domain::Moment,
    ) -> Result<Vec<crate::store::vouchers::Voucher>, crate::store::StoreError> {
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
            out.push(crate::store::vouchers::Voucher::try_from(row)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn vouchers(
        &self,
        status: Option<crate::store::vouchers::VoucherStatus>,
        after_serial: i64,
        limit: i64,
        now: &crate::domain::Moment,
    ) -> Result<Vec<crate::store::vouchers::Voucher>, crate::store::StoreError> {
        use crate::store::sql::{self, voucher_store as q};
        db::query_as::<q::VoucherRow>(&q::LIST_VOUCHERS)
            .bind(status.map_or("all", |s| s.as_str()))
            .bind(after_serial)
            .bind(sql::date_text(now.today))
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(crate::store::vouchers::Voucher::try_from)
            .collect()
    }

    async fn redeem_voucher(
        &self,
        redemption: &crate::store::vouchers::Redemption,
        now: &crate::domain::Moment,
    ) -> Result<crate::store::Moved, crate::store::StoreError> {
        self.apply_redemption(redemption, now).await
    }

    async fn pin(
        &self,
        msisdn: &crate::domain::Msisdn,
    ) -> Result<Option<crate::store::vouchers::PinRecord>, crate::store::StoreError> {
        use crate::store::sql::voucher_store as q;
        Ok(db::query_as::<q::PinRow>(q::SELECT_PIN)
            .bind(msisdn.as_str())
            .fetch_optional(self.reader())
            .await?
            .map(Into::into))
    }

    async fn set_pin(
        &self,
        msisdn: &crate::domain::Msisdn,
        salt: &str,
        pin_sha256: &str,
        now: &crate::domain::Moment,
    ) -> Result<(), crate::store::StoreError> {
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
        row.map(|_| ()).ok_or(crate::store::StoreError::NotFound)
    }

    async fn clear_pin(&self, msisdn: &crate::domain::Msisdn) -> Result<(), crate::store::StoreError> {
        use crate::store::AccountStore as _;
        use crate::store::sql::voucher_store as q;
        let mut tx = self.begin_write().await?;
        db::query(q::DELETE_PIN)
            .bind(msisdn.as_str())
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        match self.account(msisdn).await? {
            Some(_) => Ok(()),
            None => Err(crate::store::StoreError::NotFound),
        }
    }

    async fn claim_pin_attempt(
        &self,
        msisdn: &crate::domain::Msisdn,
        max_failures: i64,
        now: &crate::domain::Moment,
    ) -> Result<Option<crate::store::vouchers::PinRecord>, crate::store::StoreError> {
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

    async fn reset_pin_failures(
        &self,
        msisdn: &crate::domain::Msisdn,
        now: &crate::domain::Moment,
    ) -> Result<(), crate::store::StoreError> {
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
        msisdn: &crate::domain::Msisdn,
        actor: Option<&str>,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<crate::store::LedgerEntry>, crate::store::StoreError> {
        use crate::store::sql::{self, voucher_store as q};
        db::query_as::<sql::LedgerRow>(&q::HISTORY)
            .bind(msisdn.as_str())
            .bind(actor)
            .bind(until_ms)
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(crate::store::LedgerEntry::try_from)
            .collect()
    }
}
