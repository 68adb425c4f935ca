//! [`AppStore`](crate::store::apps::AppStore) on [`SqlStore`].

use crate::store::StoreError;
use crate::store::apps::{App, AppPatch, AppStatus, AppStore, Credential, NewApp, NonceClaim, UsageRow};
use crate::store::sql::{SqlStore, db};

#[async_trait::async_trait]
impl AppStore for SqlStore {
    async fn create_app(&self, new: &NewApp, first: &Credential, now_ms: i64) -> Result<App, StoreError> {
        use crate::store::sql::{app_store as q, is_unique_violation};
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<q::AppRow>(q::INSERT_APP)
            .bind(&new.id)
            .bind(&new.name)
            .bind(&new.owner_contact)
            .bind(&new.agreement)
            .bind(now_ms)
            .fetch_one(&mut tx)
            .await;
        let row = match row {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(e.into()),
        };
        let inserted = db::query(q::INSERT_CREDENTIAL)
            .bind(&first.username)
            .bind(&new.id)
            .bind(&first.sealed_secret)
            .bind(first.created_at_ms)
            .bind(first.revoked_at_ms)
            .execute(&mut tx)
            .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        row.try_into()
    }

    async fn app(&self, id: &str) -> Result<Option<App>, StoreError> {
        use crate::store::sql::app_store as q;
        db::query_as::<q::AppRow>(q::SELECT_APP)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn list_apps(&self) -> Result<Vec<App>, StoreError> {
        use crate::store::sql::app_store as q;
        db::query_as::<q::AppRow>(q::LIST_APPS)
            .fetch_all(self.reader())
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    async fn update_app(&self, id: &str, patch: &AppPatch, now_ms: i64) -> Result<App, StoreError> {
        use crate::store::sql::app_store as q;
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<q::AppRow>(q::UPDATE_APP)
            .bind(id)
            .bind(&patch.name)
            .bind(&patch.owner_contact)
            .bind(&patch.agreement)
            .bind(now_ms)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        row.try_into()
    }

    async fn set_app_status(&self, id: &str, status: AppStatus, now_ms: i64) -> Result<App, StoreError> {
        use crate::store::sql::app_store as q;
        let mut tx = self.begin_write().await?;
        let row = db::query_as::<q::AppRow>(q::SET_APP_STATUS)
            .bind(id)
            .bind(status.as_str())
            .bind(now_ms)
            .fetch_optional(&mut tx)
            .await?;
        tx.commit().await?;
        if let Some(row) = row {
            return row.try_into();
        }
        match self.app(id).await? {
            None => Err(StoreError::NotFound),
            Some(app) if app.status == status => Ok(app),
            Some(_) => Err(StoreError::InvalidAppTransition),
        }
    }

    async fn add_credential(&self, c: &Credential) -> Result<(), StoreError> {
        use crate::store::sql::{app_store as q, is_unique_violation};
        let mut tx = self.begin_write().await?;
        let done = db::query(q::INSERT_CREDENTIAL)
            .bind(&c.username)
            .bind(&c.app_id)
            .bind(&c.sealed_secret)
            .bind(c.created_at_ms)
            .bind(c.revoked_at_ms)
            .execute(&mut tx)
            .await;
        match done {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(())
    }

    async fn credentials(&self, app_id: &str) -> Result<Vec<Credential>, StoreError> {
        use crate::store::sql::app_store as q;
        let rows = db::query_as::<q::CredentialRow>(q::APP_CREDENTIALS)
            .bind(app_id)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn credential(&self, username: &str) -> Result<Option<(Credential, App)>, StoreError> {
        use crate::store::sql::app_store as q;
        db::query_as::<q::CredentialAppRow>(q::CREDENTIAL_WITH_APP)
            .bind(username)
            .fetch_optional(self.reader())
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    async fn revoke_credential(&self, app_id: &str, username: &str, now_ms: i64) -> Result<(), StoreError> {
        use crate::store::sql::app_store as q;
        let mut tx = self.begin_write().await?;
        let revoked = db::query(q::REVOKE_CREDENTIAL)
            .bind(app_id)
            .bind(username)
            .bind(now_ms)
            .execute(&mut tx)
            .await?
            .rows_affected();
        if revoked == 0 {
            return Err(StoreError::NotFound);
        }
        db::query(q::DELETE_CREDENTIAL_TOKENS)
            .bind(username)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_token(
        &self,
        token_sha256: &str,
        username: &str,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        use crate::store::sql::app_store as q;
        let mut tx = self.begin_write().await?;
        db::query(q::PURGE_TOKENS)
            .bind(expires_ms - 86_400_000)
            .execute(&mut tx)
            .await?;
        db::query(q::INSERT_TOKEN)
            .bind(token_sha256)
            .bind(username)
            .bind(expires_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn token_owner(&self, token_sha256: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
        use crate::store::sql::app_store as q;
        Ok(db::query_scalar::<String>(q::TOKEN_OWNER)
            .bind(token_sha256)
            .bind(now_ms)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn claim_nonces(&self, claims: &[NonceClaim], now_ms: i64) -> Result<Vec<[u8; 16]>, StoreError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        self.claim_nonces_now(claims, now_ms)
            .await?
            .into_iter()
            .map(|k| {
                <[u8; 16]>::try_from(k.as_slice())
                    .map_err(|_| StoreError::Corrupt("a nonce key is not 16 bytes".into()))
            })
            .collect()
    }

    async fn purge_nonces(&self, now_ms: i64) -> Result<u64, StoreError> {
        Ok(self.purge_nonces_now(now_ms).await?)
    }

    async fn record_usage(&self, rows: &[UsageRow]) -> Result<(), StoreError> {
        use crate::store::sql::app_store as q;
        let mut tx = self.begin_write().await?;
        for r in rows {
            db::query(q::UPSERT_USAGE)
                .bind(&r.app_id)
                .bind(&r.operation)
                .bind(&r.outcome)
                .bind(r.minute_ms)
                .bind(&r.currency)
                .bind(r.calls)
                .bind(r.latency_us)
                .bind(r.amount)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn usage(&self, app_id: &str, from_ms: i64, to_ms: i64) -> Result<Vec<UsageRow>, StoreError> {
        use crate::store::sql::app_store as q;
        let rows = db::query_as::<q::UsageDbRow>(q::SELECT_USAGE)
            .bind(app_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
