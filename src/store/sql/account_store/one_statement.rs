//! On PostgreSQL, a movement that touches no counter is one statement: the conditional update and
//! the ledger append in one `WITH`, committed on its own, so a charge costs one round trip to the
//! server instead of four (`BEGIN`, the update, the append, `COMMIT`). The statement is the same
//! conditional update every other path runs (`sql::DEBIT`, `sql::CREDIT`), so the rules are the
//! same; it is atomic, so a refusal or a repeated reference code writes nothing. SQLite has no
//! data-modifying `WITH`; there the rounds carry the movement.

use std::sync::LazyLock;

use crate::domain::Moment;
use crate::store::sql::account_store::movement::{
    Attempt, Reads, Stop, bind_update, limits_need_no_statement, over_movement_limit,
};
use crate::store::sql::{AccountRow, Draft, SqlStore, db, is_unique_violation};
use crate::store::{Account, EntryKind, Moved, Movement, StoreError};

/// The update `update` (whose own arguments end at `$n - 1`) with its ledger row: `$n` kind,
/// `$n+1` signed amount, `$n+2` actor, `$n+3` reference code, `$n+4` description, `$n+5` now.
fn with_entry(update: &str, n: usize) -> String {
    format!(
        "WITH moved AS ({update}), entry AS (\
           INSERT INTO ledger (account_id, kind, amount, reserved_delta, balance_after, actor, \
                               reference_code, description, created_at) \
           SELECT id, ${n}, ${}, 0, balance, ${}, ${}, ${}, ${} FROM moved RETURNING id) \
         SELECT moved.*, entry.id AS entry_id FROM moved CROSS JOIN entry",
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5
    )
}

/// A charge and its ledger row (`sql::DEBIT` takes `$1`–`$6`).
static DEBIT_WITH_ENTRY: LazyLock<String> = LazyLock::new(|| with_entry(&crate::store::sql::DEBIT, 7));

/// A top-up, voucher or adjustment and its ledger row (`sql::CREDIT` takes `$1`–`$5`).
static CREDIT_WITH_ENTRY: LazyLock<String> = LazyLock::new(|| with_entry(&crate::store::sql::CREDIT, 6));

/// The account as the update left it, and the id of the ledger row.
#[derive(Debug, sqlx::FromRow)]
struct MovedRow {
    #[sqlx(flatten)]
    account: AccountRow,
    entry_id: i64,
}

/// Whether `m` can be one statement: a debit or a credit whose limits need no statement of their
/// own ([`limits_need_no_statement`]) and that extends no expiry.
pub(super) fn fits_one_statement(m: &Movement, now: &Moment) -> bool {
    let kind = m.kind.is_debit()
        || matches!(
            m.kind,
            EntryKind::Topup | EntryKind::Voucher | EntryKind::Adjustment
        );
    kind && limits_need_no_statement(m, now) && m.extend_expiry_days.is_none()
}

impl SqlStore {
    /// Applies `m` (which [`fits_one_statement`]) in one autocommit statement.
    pub(super) async fn apply_in_one_statement(
        &self,
        m: &Movement,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        if let Some(refusal) = over_movement_limit(m) {
            return self
                .settle(
                    &mut Reads::Readers,
                    m,
                    now,
                    Attempt::Stopped(Stop::Limit(refusal)),
                )
                .await;
        }
        let draft = Draft::of(m);
        let text: &'static str = if m.kind.is_debit() {
            &DEBIT_WITH_ENTRY
        } else {
            &CREDIT_WITH_ENTRY
        };
        let statement = bind_update(db::query_as::<MovedRow>(text), m, now);
        let outcome = statement
            .bind(draft.kind.as_str())
            .bind(draft.amount)
            .bind(draft.actor)
            .bind(draft.reference_code)
            .bind(draft.description)
            .bind(now.at_ms)
            .fetch_optional(self.reader())
            .await;
        let refused = match outcome {
            Ok(Some(row)) => {
                let account = Account::try_from(row.account)?;
                return Ok(Moved {
                    entry: draft.entry(row.entry_id, &account, now),
                    account,
                    replayed: false,
                });
            }
            Ok(None) => Attempt::NoRow,
            Err(e) if is_unique_violation(&e) => Attempt::Duplicate,
            Err(e) => return Err(e.into()),
        };
        self.settle(&mut Reads::Readers, m, now, refused).await
    }
}
