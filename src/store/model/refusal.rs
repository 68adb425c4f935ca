//! [`Refusal`]: why the store refused to move money.

/// Why money may not move. Each is a distinct fault at the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No account for this number.
    #[error("the number has no account")]
    Unregistered,
    /// The account is suspended.
    #[error("the account is suspended")]
    Suspended,
    /// The account is closed.
    #[error("the account is closed")]
    Closed,
    /// The credit's expiry date has passed.
    #[error("the account's credit has expired")]
    Expired,
    /// The charge would take this month's spend past the monthly limit.
    #[error("the monthly spending limit would be exceeded")]
    MonthlyLimitExceeded,
    /// The available balance is smaller than the charge.
    #[error("the balance is insufficient")]
    InsufficientBalance,
    /// The amount is in another currency than the account's.
    #[error("the amount is not in the account's currency")]
    CurrencyMismatch,
    /// The credit would take the balance past the largest amount the store keeps.
    #[error("the balance would exceed its ceiling")]
    BalanceCeiling,
    /// The charge would take the actor's spend today past its daily cap.
    #[error("the application's daily spending limit would be exceeded")]
    ActorDailyLimit,
    /// The charge would take the actor's spend this month past its monthly cap.
    #[error("the application's monthly spending limit would be exceeded")]
    ActorMonthlyLimit,
    /// The refund is larger than what the actor charged this account, net of its refunds.
    #[error("the refund exceeds what was charged")]
    RefundExceedsCharges,
    /// The debit or hold is larger than the agreement allows for one charge.
    #[error("the amount exceeds the application's limit for a single charge")]
    PerChargeLimit,
    /// The credit is larger than the agreement allows for one credit.
    #[error("the amount exceeds the application's limit for a single credit")]
    PerCreditLimit,
    /// The credit would take the actor's credits today past its daily credit limit.
    #[error("the application's daily credit limit would be exceeded")]
    ActorDailyCreditLimit,
    /// The credit would take the actor's credits this month past its monthly credit limit.
    #[error("the application's monthly credit limit would be exceeded")]
    ActorMonthlyCreditLimit,
    /// A fraud rule stopped the debit or hold: refused (POL1020), or, with `confirm`, held back
    /// until the subscriber confirms it (`crate::fraud::Action::Confirm`). `decision` is the
    /// recorded decision (`crate::store::fraud::Decision`).
    #[error("the fraud rule {rule} stopped the movement")]
    Fraud {
        /// The rule with the strongest action.
        rule: crate::fraud::RuleName,
        /// Whether its action is to ask the subscriber rather than refuse.
        confirm: bool,
        /// The id of the recorded decision.
        decision: i64,
    },
}
