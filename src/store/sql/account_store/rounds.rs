//! Group commit of money movements on SQLite: every `move_money` waiting for the one writer goes
//! into the next round, one transaction and one sync of the log however many it carries.
//!
//! SQLite has one writer, so movements take turns anyway; what a movement paid on its own was a
//! transaction (`BEGIN IMMEDIATE` … `COMMIT`, and the commit's fsync, about 200 µs on this disk)
//! for three or four statements. A round pays one. Each movement runs inside a savepoint, in
//! arrival order: a refusal or a repeated reference code rolls back to its savepoint and undoes
//! only that movement, and the movements after it see the balance, the month's spend and the
//! application's counters exactly as if each had committed alone, so every rule behaves as
//! before. A refused movement is explained from inside the round (it sees the movements before
//! it). Each caller is answered only after the commit that holds its movement. A round that fails
//! as a whole (a database error, a failed commit) wrote nothing, and its movements are applied
//! again one round each, so each caller gets its own answer.
//!
//! A round runs on the rounds' own connection ([`Direct`]) on a blocking thread, every statement
//! on that thread: sqlx would hand each statement to its connection's worker thread and back,
//! and those thread switches, not SQLite's work, were most of a movement's time. The round holds
//! the store's one sqlx writer connection meanwhile, so SQLite still sees one writer at a time.
//!
//! PostgreSQL does not use rounds: its movements commit concurrently on the pool's connections,
//! and the server groups their commits itself.

use tokio::sync::{mpsc, oneshot};

use super::movement::{Attempt, Reads};
use crate::domain::Moment;
use crate::store::sql::db::{Db, Direct, Tx};
use crate::store::sql::{SqlStore, db};
use crate::store::{Moved, Movement, StoreError};

/// Movements waiting for the writer; beyond this, callers wait.
const QUEUE: usize = 4096;
/// Most movements in one round.
const ROUND: usize = 512;

/// One movement and where its outcome goes.
#[derive(Debug)]
struct Job {
    movement: Movement,
    now: Moment,
    reply: oneshot::Sender<Result<Moved, StoreError>>,
}

/// The way into the rounds; the writer task stops when every handle is dropped.
#[derive(Debug, Clone)]
pub(in crate::store::sql) struct Rounds {
    jobs: mpsc::Sender<Job>,
}

impl Rounds {
    /// Starts the writer task for `store` (which must not itself hold rounds).
    pub(in crate::store::sql) fn spawn(store: SqlStore) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(write_rounds(store, queue));
        Self { jobs }
    }

    /// Applies `movement` in the next round; answers once that round has committed.
    pub(in crate::store::sql) async fn apply(
        &self,
        movement: &Movement,
        now: &Moment,
    ) -> Result<Moved, StoreError> {
        let (reply, outcome) = oneshot::channel();
        let job = Job {
            movement: movement.clone(),
            now: now.clone(),
            reply,
        };
        self.jobs.send(job).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// The error of a movement whose writer is gone (the store is shutting down).
fn stopped() -> StoreError {
    StoreError::Backend(sqlx::Error::PoolClosed)
}

/// The writer: takes whatever has gathered while the previous round was committing, and runs it
/// while holding the store's one sqlx writer connection, so nothing else writes meanwhile.
async fn write_rounds(store: SqlStore, mut queue: mpsc::Receiver<Job>) {
    let Db::Sqlite { writer, money, .. } = &store.db else {
        return;
    };
    let mut jobs = Vec::with_capacity(ROUND);
    while queue.recv_many(&mut jobs, ROUND).await > 0 {
        let turn = match writer.acquire().await {
            Ok(turn) => turn,
            Err(e) => {
                tracing::error!(error = %e, movements = jobs.len(), "money round could not start");
                for job in jobs.drain(..) {
                    let _ = job.reply.send(Err(stopped()));
                }
                continue;
            }
        };
        let (on, money, batch) = (store.clone(), money.clone(), std::mem::take(&mut jobs));
        // The round's statements run on this blocking thread, one after another, without a
        // hand-off each (`db::Direct`); nothing in it waits on anything but SQLite.
        let ran = tokio::task::spawn_blocking(move || {
            let outcomes = futures::executor::block_on(on.rounds(&money, &batch));
            (batch, outcomes)
        })
        .await;
        drop(turn);
        match ran {
            Ok((batch, outcomes)) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            // Its callers see the writer gone (their replies were dropped with the round).
            Err(e) => tracing::error!(error = %e, "money round panicked"),
        }
    }
}

impl SqlStore {
    /// Runs `jobs` as one round; when the round fails as a whole (nothing of it was written), each
    /// movement again in a round of its own, so each caller gets its own answer.
    async fn rounds(&self, money: &Direct, jobs: &[Job]) -> Vec<Result<Moved, StoreError>> {
        let e = match self.round(money, jobs).await {
            Ok(outcomes) => return outcomes,
            Err(e) if jobs.len() == 1 => return vec![Err(e)],
            Err(e) => e,
        };
        tracing::warn!(error = %e, movements = jobs.len(), "money round failed; applying its movements one by one");
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            outcomes.push(match self.round(money, std::slice::from_ref(job)).await {
                Ok(mut one) => one.pop().unwrap_or_else(|| Err(stopped())),
                Err(e) => Err(e),
            });
        }
        outcomes
    }

    /// One round: every movement in its savepoint, in order, then one commit. `Err` when the
    /// round as a whole failed (nothing of it was written).
    async fn round(
        &self,
        money: &Direct,
        jobs: &[Job],
    ) -> Result<Vec<Result<Moved, StoreError>>, StoreError> {
        let mut tx = Tx::direct(money)?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            let (m, now) = (&job.movement, &job.now);
            if i > 0 {
                db::query("RELEASE movement").execute(&mut tx).await?;
            }
            db::query("SAVEPOINT movement").execute(&mut tx).await?;
            let attempt = match self.attempt(&mut tx, m, now).await {
                Err(StoreError::Backend(e)) => return Err(e.into()),
                Err(refused) => {
                    db::query("ROLLBACK TO movement").execute(&mut tx).await?;
                    Err(refused)
                }
                Ok(attempt) => {
                    if attempt.must_undo() {
                        db::query("ROLLBACK TO movement").execute(&mut tx).await?;
                    }
                    Ok(attempt)
                }
            };
            let outcome = match attempt {
                Ok(Attempt::Moved(moved)) => Ok(*moved),
                Ok(other) => self.settle(&mut Reads::Tx(&mut tx), m, now, other).await,
                Err(refused) => Err(refused),
            };
            if let Err(StoreError::Backend(e)) = outcome {
                return Err(e.into());
            }
            outcomes.push(outcome);
        }
        // The commit releases the last savepoint.
        tx.commit().await?;
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use futures::future::join_all;

    use super::*;
    use crate::domain::{Currency, Locale, Msisdn};
    use crate::store::{
        AccountStatus, AccountStore as _, Durability, EntryKind, Language, Limits, NewAccount, Refusal,
    };

    fn number(n: &str) -> Msisdn {
        Msisdn::parse(n, "82").unwrap()
    }

    fn charge(n: &str, amount: i64, actor: &str, reference: &str, limits: Limits) -> Movement {
        Movement {
            msisdn: number(n),
            kind: EntryKind::Charge,
            amount,
            currency: Currency::from_code("KRW").unwrap(),
            actor: actor.to_owned(),
            reference_code: Some(reference.to_owned()),
            description: "round".to_owned(),
            limits,
            extend_expiry_days: None,
            screen: None,
        }
    }

    /// A store on a new SQLite file with one account of `balance` won.
    async fn store_with_account(balance: i64) -> (tempfile::TempDir, SqlStore, Moment) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/pxgate.db", dir.path().display());
        let store = crate::store::sqlite::open(&url, 2, Durability::Full)
            .await
            .unwrap();
        assert!(store.rounds.is_some());
        let now = Locale::default().moment(Utc::now());
        let account = NewAccount {
            msisdn: number("010-3000-0001"),
            currency: Currency::from_code("KRW").unwrap(),
            opening_balance: balance,
            monthly_limit: None,
            low_balance_threshold: None,
            credit_expiry: None,
            overdraft_limit: 0,
            notify_receipt: false,
            notify_low_balance: false,
            language: Language::Ko,
            status: AccountStatus::Active,
            actor: "operator:test".to_owned(),
        };
        store.create_account(&account, &now).await.unwrap();
        (dir, store, now)
    }

    /// 40 × 100 from "app:a", each reference twice; 10 × 100 from "app:b", capped at 300 a day;
    /// one of 20,000 that a balance of 10,000 refuses.
    fn mixed_movements() -> Vec<Movement> {
        let capped = Limits {
            actor_daily: Some(300),
            ..Limits::default()
        };
        let mut movements = Vec::new();
        for i in 0..40 {
            let a = charge("010-3000-0001", 100, "app:a", &format!("a{i}"), Limits::default());
            movements.push(a.clone());
            movements.push(a);
            if i < 10 {
                movements.push(charge("010-3000-0001", 100, "app:b", &format!("b{i}"), capped));
            }
        }
        movements.push(charge("010-3000-0001", 20_000, "app:a", "big", Limits::default()));
        movements
    }

    /// Many movements at once on one account share rounds: each keeps its own outcome (a refusal
    /// or a repeated reference undoes only itself), later ones see the earlier ones, and the
    /// balance equals the ledger.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn movements_in_one_round_keep_their_own_outcomes() {
        let (_dir, store, now) = store_with_account(10_000).await;
        let movements = mixed_movements();
        let outcomes = join_all(movements.iter().map(|m| store.move_money(m, &now))).await;

        let moved: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        let fresh = moved.iter().filter(|m| !m.replayed).count();
        assert_eq!(fresh, 40 + 3, "each reference once, three under app:b's cap");
        assert_eq!(
            moved.iter().filter(|m| m.replayed).count(),
            40,
            "every repeat replayed"
        );
        let refusals: Vec<_> = outcomes
            .iter()
            .filter_map(|o| match o {
                Err(StoreError::Refused(r)) => Some(*r),
                _ => None,
            })
            .collect();
        assert_eq!(
            refusals
                .iter()
                .filter(|r| **r == Refusal::ActorDailyLimit)
                .count(),
            7
        );
        assert_eq!(
            refusals
                .iter()
                .filter(|r| **r == Refusal::InsufficientBalance)
                .count(),
            1
        );
        assert_eq!(refusals.len(), 8, "{outcomes:?}");

        let after = store.account(&number("010-3000-0001")).await.unwrap().unwrap();
        assert_eq!(after.balance, 10_000 - 4_300);
        assert_eq!(
            after.balance,
            store.ledger_sum(&number("010-3000-0001")).await.unwrap()
        );
    }
}
