//! [`ConsoleSessionStore`] on [`SqlStore`].

use crate::store::StoreError;
use crate::store::sessions::{ConsoleSession, ConsoleSessionStore};
use crate::store::sql::{SqlStore, db};

const PRUNE: &str = "DELETE FROM console_sessions WHERE expires_at <= $1";
const INSERT: &str = "INSERT INTO console_sessions (id_digest, operator, csrf, expires_at, created_at) \
     VALUES ($1, $2, $3, $4, $5)";
const SELECT: &str =
    "SELECT operator, csrf, expires_at FROM console_sessions WHERE id_digest = $1 AND expires_at > $2";
const DELETE: &str = "DELETE FROM console_sessions WHERE id_digest = $1";

#[async_trait::async_trait]
impl ConsoleSessionStore for SqlStore {
    async fn open_console_session(
        &self,
        id_digest: &str,
        session: &ConsoleSession,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(PRUNE).bind(now_ms).execute(&mut tx).await?;
        db::query(INSERT)
            .bind(id_digest)
            .bind(&session.operator)
            .bind(&session.csrf)
            .bind(session.expires_at_ms)
            .bind(now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn console_session(
        &self,
        id_digest: &str,
        now_ms: i64,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        let row = db::query_as::<(String, String, i64)>(SELECT)
            .bind(id_digest)
            .bind(now_ms)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|(operator, csrf, expires_at_ms)| ConsoleSession {
            operator,
            csrf,
            expires_at_ms,
        }))
    }

    async fn close_console_session(&self, id_digest: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        db::query(DELETE).bind(id_digest).execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
