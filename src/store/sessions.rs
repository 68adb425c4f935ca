//! Operators' console sessions, kept in the store so that every gateway instance knows them
//! (`console::session`): a session signed in on one instance is good on the others, and a
//! sign-out ends it on all. Kept under the SHA-256 of the session id, never the id.

use async_trait::async_trait;

use super::StoreError;

/// A signed-in operator's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The operator's configured name.
    pub operator: String,
    /// The token every form of the session carries.
    pub csrf: String,
    /// When it ends, ms since the epoch.
    pub expires_at_ms: i64,
}

/// Console sessions.
#[async_trait]
pub trait ConsoleSessionStore: Send + Sync {
    /// Keeps a new session under `id_digest` (hex), and drops the sessions ended by `now_ms`.
    async fn open_console_session(
        &self,
        id_digest: &str,
        session: &ConsoleSession,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// The session kept under `id_digest`, unless it ended by `now_ms`.
    async fn console_session(
        &self,
        id_digest: &str,
        now_ms: i64,
    ) -> Result<Option<ConsoleSession>, StoreError>;

    /// Ends the session kept under `id_digest` (an unknown one: nothing to do).
    async fn close_console_session(&self, id_digest: &str) -> Result<(), StoreError>;
}
