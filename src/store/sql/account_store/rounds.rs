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
//! again one transaction each, so each caller gets its own answer.
//!
//! PostgreSQL does not use rounds: its movements commit concurrently on the pool's connections,
//! and the server groups their commits itself.

use tokio::sync::{mpsc, oneshot};

use super::movement::{Attempt, Reads};
use crate::domain::Moment;
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

/// The writer: takes whatever has gathered while the previous round was committing.
async fn write_rounds(store: SqlStore, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(ROUND);
    while queue.recv_many(&mut jobs, ROUND).await > 0 {
        match store.round(&jobs).await {
            Ok(outcomes) => {
                for (job, outcome) in jobs.drain(..).zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, movements = jobs.len(), "money round failed; applying its movements one by one");
                for job in jobs.drain(..) {
                    let outcome = store.apply_movement(&job.movement, &job.now).await;
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

impl SqlStore {
    /// One round: every movement in its savepoint, in order, then one commit. `Err` when the
    /// round as a whole failed (nothing of it was written).
    async fn round(&self, jobs: &[Job]) -> Result<Vec<Result<Moved, StoreError>>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            let (m, now) = (&job.movement, &job.now);
            // The savepoint rides with the movement's first statement: each statement is a
            // hand-off to SQLite's worker thread and back, and those (not SQLite's own work) are
            // most of a movement's time here.
            tx.defer(if i == 0 {
                "SAVEPOINT movement"
            } else {
                "RELEASE movement; SAVEPOINT movement"
            });
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
