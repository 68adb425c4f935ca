//! What the store keeps for the fraud rules (`crate::fraud`): the decisions for review, the rule
//! set the admin API saved, and charges held for the subscriber's confirmation. The counters the
//! rules read are bumped inside each movement's transaction (`sql/fraud_store/screen.rs`), not
//! through this trait.

use std::str::FromStr;

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{Currency, Moment, Msisdn};
use crate::fraud::{Action, Fired, Rules};

/// How an operator judged a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// Not looked at yet.
    Open,
    /// Looked at: legitimate traffic.
    Cleared,
    /// Looked at: fraud.
    Fraud,
}

impl Review {
    /// The value kept in the `review` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Cleared => "cleared",
            Self::Fraud => "fraud",
        }
    }
}

impl FromStr for Review {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Open, Self::Cleared, Self::Fraud]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown review {s:?}: open, cleared or fraud"))
    }
}

/// A movement the rules flagged, held or refused, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Store-assigned, increasing.
    pub id: i64,
    /// Whose account.
    pub msisdn: Msisdn,
    /// Which application (`app:<id>`).
    pub actor: String,
    /// `charge` or `reserve`.
    pub kind: String,
    /// The movement's amount, minor units.
    pub amount: i64,
    /// Its currency.
    pub currency: Currency,
    /// The application's reference code, when the movement had one.
    pub reference_code: Option<String>,
    /// The strongest action of the rules that fired: what happened to the movement.
    pub action: Action,
    /// The rules that fired and the values they compared.
    pub fired: Vec<Fired>,
    /// The operator's judgement.
    pub review: Review,
    /// Who reviewed it (`operator:<name>`).
    pub reviewed_by: Option<String>,
    /// The reviewer's note.
    pub review_note: Option<String>,
    /// When it was reviewed, ms since the epoch.
    pub reviewed_at_ms: Option<i64>,
    /// When it was decided, ms since the epoch.
    pub created_at_ms: i64,
}

/// Which decisions to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct DecisionQuery {
    /// Only those with this review.
    pub review: Option<Review>,
    /// Only those on this account.
    pub msisdn: Option<Msisdn>,
    /// Only ids below this (the next page).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// The rule set the admin API saved over the configuration's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRules {
    /// The rules.
    pub rules: Rules,
    /// Who saved them (`operator:<name>`).
    pub updated_by: String,
    /// When, ms since the epoch.
    pub updated_at_ms: i64,
}

/// Where a charge held for confirmation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationStatus {
    /// Waiting for the subscriber's reply.
    Pending,
    /// The subscriber said yes: the held money was charged.
    Confirmed,
    /// The subscriber said no: the held money went back.
    Declined,
    /// No answer in time: the held money went back.
    Expired,
}

impl ConfirmationStatus {
    /// The value kept in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Declined => "declined",
            Self::Expired => "expired",
        }
    }
}

impl FromStr for ConfirmationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Self::Pending, Self::Confirmed, Self::Declined, Self::Expired]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown confirmation status {s:?}"))
    }
}

/// A charge held for the subscriber's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// Identifier (unguessable).
    pub id: String,
    /// The decision that asked for it.
    pub decision_id: i64,
    /// Whose account.
    pub msisdn: Msisdn,
    /// Which application.
    pub actor: String,
    /// The application's reference code: a retry of the charge finds the confirmation by it.
    pub reference_code: String,
    /// The reservation holding the money.
    pub reservation_id: String,
    /// How much, minor units.
    pub amount: i64,
    /// Its currency.
    pub currency: Currency,
    /// The charge's statement text.
    pub description: String,
    /// The application's limits when it asked, applied to the charge again on the answer.
    pub limits: super::Limits,
    /// Keyed digest of the code sent to the subscriber.
    pub code_digest: String,
    /// Where it stands.
    pub status: ConfirmationStatus,
    /// When an unanswered one expires, ms since the epoch.
    pub expires_at_ms: i64,
    /// When it was made, ms since the epoch.
    pub created_at_ms: i64,
}

/// Decisions, saved rules and confirmations.
#[async_trait]
pub trait FraudStore: Send + Sync {
    /// The rule set the admin API saved, if any.
    async fn saved_fraud_rules(&self) -> Result<Option<SavedRules>, StoreError>;

    /// Saves `rules` over the configuration's, or (`None`) goes back to the configuration's.
    async fn save_fraud_rules(&self, rules: Option<&SavedRules>) -> Result<(), StoreError>;

    /// Decisions, newest first.
    async fn fraud_decisions(&self, query: &DecisionQuery) -> Result<Vec<Decision>, StoreError>;

    /// One decision.
    async fn fraud_decision(&self, id: i64) -> Result<Option<Decision>, StoreError>;

    /// Records an operator's judgement of a decision; [`StoreError::NotFound`] when there is none.
    async fn review_fraud_decision(
        &self,
        id: i64,
        review: Review,
        by: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<Decision, StoreError>;

    /// Records a confirmation (its reservation already holds the money);
    /// [`StoreError::AlreadyExists`] when the actor's reference code has one already.
    async fn create_confirmation(&self, c: &Confirmation) -> Result<(), StoreError>;

    /// The confirmation of an application's charge, by its reference code.
    async fn confirmation_for(
        &self,
        actor: &str,
        reference_code: &str,
    ) -> Result<Option<Confirmation>, StoreError>;

    /// The account's pending confirmations, oldest first.
    async fn pending_confirmations(&self, msisdn: &Msisdn) -> Result<Vec<Confirmation>, StoreError>;

    /// Moves a pending confirmation to `status`; `false` when it was no longer pending. A
    /// confirmation that ends `declined` or `expired` gives its hold back in the same transaction,
    /// so nobody sees it ended while the money is still held.
    async fn finish_confirmation(
        &self,
        id: &str,
        status: ConfirmationStatus,
        now: &Moment,
    ) -> Result<bool, StoreError>;

    /// Pending confirmations whose time ran out, oldest first, at most `limit`.
    async fn due_confirmations(&self, now: &Moment, limit: i64) -> Result<Vec<Confirmation>, StoreError>;

    /// The id of the ledger entry an actor's reference code moved, if any.
    async fn reference_entry(&self, actor: &str, reference_code: &str) -> Result<Option<i64>, StoreError>;

    /// Forgets the app-spread rule's minutes before the current one.
    async fn prune_fraud_minutes(&self, now: &Moment) -> Result<u64, StoreError>;
}
