//! On PostgreSQL, a movement that touches no application counter is one statement: the
//! conditional update and the ledger append in one `WITH`, committed on its own, so a charge costs
//! one round trip to the server instead of four (`BEGIN`, the update, the append, `COMMIT`). The
//! statement is the same conditional update every other path runs (`sql::DEBIT`, `sql::CREDIT`),
//! so the rules are the same; it is atomic, so a refusal or a repeated reference code writes
//! nothing. A charge the fraud rules screen bumps the account's counters in the same `WITH`
//! (`COUNT_DEBIT_OF_MOVED`), when no rule can stop it and the rules need nothing else: the verdict
//! is read from the counters it returns, and a flag recorded after the commit. SQLite has no
//! data-modifying `WITH`; there the rounds carry the movement.

use std::sync::LazyLock;

use crate::domain::Moment;
use crate::store::sql::account_store::movement::{
    Attempt, Reads, Stop, bind_update, limits_need_no_statement, over_movement_limit, screen_of,
};
use crate::store::sql::fraud_store::screen::{self, COUNT_DEBIT_OF_MOVED, CountersRow, Screened, Stopped};
use crate::store::sql::{AccountRow, Draft, SqlStore, db, is_unique_violation};
use crate::store::{Account, EntryKind, Moved, Movement, StoreError};

/// The update `update` (whose own arguments end at `$n - 1`) with its ledger row: `$n` kind,
/// `$n+1` signed amount, `$n+2` actor, `$n+3` reference code, `$n+4` description, `$n+5` now;
/// `more` adds further statements of the `WITH` and `columns` their columns to the answer.
fn with_entry(update: &str, n: usize, more: &str, columns: &str) -> String {
    format!(
        "WITH moved AS ({update}), entry AS (\
           INSERT INTO ledger (account_id, kind, amount, reserved_delta, balance_after, actor, \
                               reference_code, description, created_at) \
           SELECT id, ${n}, ${}, 0, balance, ${}, ${}, ${}, ${} FROM moved RETURNING id){more} \
         SELECT moved.*, entry.id AS entry_id{columns} FROM moved CROSS JOIN entry",
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5
    )
}

/// A charge and its ledger row (`sql::DEBIT` takes `$1`–`$6`).
static DEBIT_WITH_ENTRY: LazyLock<String> =
    LazyLock::new(|| with_entry(&crate::store::sql::DEBIT, 7, "", ""));

/// A screened charge, its ledger row and the account's fraud counters (`$13`–`$16`: the windows).
static DEBIT_COUNTED: LazyLock<String> = LazyLock::new(|| {
    let counted = format!(", counted AS ({})", *COUNT_DEBIT_OF_MOVED);
    let columns = ", counted.minute_count, counted.minute_amount, counted.hour_count, \
         counted.hour_amount, counted.day_count, counted.day_amount, counted.charges, counted.charged, \
         counted.refusals";
    with_entry(&crate::store::sql::DEBIT, 7, &counted, columns).replace(
        "FROM moved CROSS JOIN entry",
        "FROM moved CROSS JOIN entry CROSS JOIN counted",
    )
});

/// A top-up, voucher or adjustment and its ledger row (`sql::CREDIT` takes `$1`–`$5`).
static CREDIT_WITH_ENTRY: LazyLock<String> =
    LazyLock::new(|| with_entry(&crate::store::sql::CREDIT, 6, "", ""));

/// The account as the update left it, and the id of the ledger row.
#[derive(Debug, sqlx::FromRow)]
struct MovedRow {
    #[sqlx(flatten)]
    account: AccountRow,
    entry_id: i64,
}

/// A screened charge as [`DEBIT_COUNTED`] leaves it.
#[derive(Debug, sqlx::FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    account: AccountRow,
    entry_id: i64,
    #[sqlx(flatten)]
    counters: CountersRow,
}

/// Whether `m` can be one statement: a debit or a credit whose limits need no statement of their
/// own ([`limits_need_no_statement`]), that extends no expiry, and whose fraud rules (if any) can
/// be decided from the account's counters after the commit (`screen::fits_one_statement`).
pub(super) fn fits_one_statement(m: &Movement, now: &Moment) -> bool {
    let kind = m.kind.is_debit()
        || matches!(
            m.kind,
            EntryKind::Topup | EntryKind::Voucher | EntryKind::Adjustment
        );
    let screen = screen_of(m).is_none_or(|rules| screen::fits_one_statement(rules, m.amount));
    kind && limits_need_no_statement(m, now) && m.extend_expiry_days.is_none() && screen
}

/// Binds the ledger row's arguments after the update's.
fn bind_entry<'a, R: db::Row>(
    query: db::QueryAs<'a, R>,
    draft: &Draft<'a>,
    now: &Moment,
) -> db::QueryAs<'a, R> {
    query
        .bind(draft.kind.as_str())
        .bind(draft.amount)
        .bind(draft.actor)
        .bind(draft.reference_code)
        .bind(draft.description)
        .bind(now.at_ms)
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
        if let Some(rules) = screen_of(m) {
            return self.apply_screened_in_one_statement(m, rules, now).await;
        }
        let draft = Draft::of(m);
        let text: &'static str = if m.kind.is_debit() {
            &DEBIT_WITH_ENTRY
        } else {
            &CREDIT_WITH_ENTRY
        };
        let statement = bind_entry(bind_update(db::query_as::<MovedRow>(text), m, now), &draft, now);
        let outcome = statement.fetch_optional(self.reader()).await;
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

    /// Applies the screened charge `m` in one statement that also counts it, then runs `rules` on
    /// the counters it returns; a flag is recorded after the commit. No rule of `rules` can stop
    /// a movement (`screen::fits_one_statement`).
    async fn apply_screened_in_one_statement(
        &self,
        m: &Movement,
        rules: &crate::fraud::Rules,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        let draft = Draft::of(m);
        let (minute, hour, day) = screen::window_keys(now);
        let statement = bind_entry(
            bind_update(db::query_as::<CountedRow>(&DEBIT_COUNTED), m, now),
            &draft,
            now,
        )
        .bind(minute)
        .bind(hour)
        .bind(day)
        .bind(now.at_ms.div_euclid(rules.probing_window_ms()));
        let refused = match statement.fetch_optional(self.reader()).await {
            Ok(Some(row)) => {
                let account = Account::try_from(row.account)?;
                let screened = Screened {
                    rules,
                    account: &account,
                    actor: &m.actor,
                    kind: m.kind,
                    amount: m.amount,
                    reference_code: m.reference_code.as_deref(),
                };
                let observed = row.counters.observed(m.amount, now, None, None);
                let decision = Stopped::of(&screened, rules.evaluate(&observed));
                if decision.action().is_some() {
                    self.record_flag(&decision, now).await?;
                }
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
