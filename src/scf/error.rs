//! The errors of the service capability functions, and the one catalogue of Parlay X exceptions
//! they become. Bindings render an [`Exception`] in their own wire form (SOAP fault, OneAPI
//! `requestError`); which code a refusal gets is decided here, once, for both.
//!
//! Codes: ES 202 391-1 §10 common faults (SVC0001–SVC0008, POL0001–POL0009), Part 6 SVC0270,
//! Part 7 (ES 202 391-7 §9) SVC0250, SVC0251 and POL0220,
//! OneAPI's de-facto payment codes (POL1000, POL1001, POL1009, POL1010, POL0254), and pxgate's
//! private codes (≥ 1000, ES 202 391-1 §10: "1000–9999 may be used by third parties"). All are
//! listed in `docs/faults.md`.

pub use crate::domain::{Exception, ExceptionKind};
use crate::store::Refusal;

/// Why a service capability function did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScfError {
    /// A message part is missing or malformed (SVC0002 with the part's name).
    #[error("invalid input value for message part {part}: {reason}")]
    InvalidInput {
        /// The message part, e.g. `endUserIdentifier` or `charge.amount`.
        part: String,
        /// What is wrong with it (logged, not sent).
        reason: String,
    },
    /// The charging information cannot be used: wrong currency, too precise, unknown code (SVC0007).
    #[error("invalid charging information: {0}")]
    InvalidCharging(String),
    /// The account's rules refuse the movement.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The reference code was used before by this application for a different request.
    #[error("reference code {0} already used for a different request")]
    ReferenceConflict(String),
    /// No open reservation with this id belongs to the caller.
    #[error("unknown reservation {0}")]
    UnknownReservation(String),
    /// The reservation was released, expired, or does not hold enough.
    #[error("reservation {0} cannot do this: {1}")]
    ReservationClosed(String, &'static str),
    /// Account Management: the end-user PIN is missing, wrong, or locked out (SVC0250).
    #[error("end user authentication failed")]
    EndUserAuthentication,
    /// Account Management: no usable voucher has this identifier (SVC0251).
    #[error("voucher {0} is not valid")]
    VoucherInvalid(String),
    /// Account Management: the operator's `VouchersAccepted` policy is off (POL0220).
    #[error("vouchers not accepted")]
    VouchersNotAccepted,
    /// Account Management: the number has no account (POL1009 for `account management`).
    #[error("the number has no account")]
    AccountUnregistered,
    /// No address of a sendSms is a valid number (SVC0004).
    #[error("no valid addresses")]
    NoValidAddresses,
    /// More addresses than the agreement's `max_sms_addresses` (POL0003).
    #[error("too many addresses")]
    TooManyAddresses,
    /// The text needs more parts than `[smpp] max_parts` (SVC0280, with the most characters).
    #[error("message too long: at most {0} characters")]
    MessageTooLong(usize),
    /// The senderName is not one of the agreement's `sms_senders` (POL0001).
    #[error("sender {0:?} not allowed")]
    SenderNotAllowed(String),
    /// Charged SMS is not offered yet (POL0008).
    #[error("charging is not supported")]
    ChargingNotSupported,
    /// The receiptRequest correlator was used before by this application (SVC0005).
    #[error("duplicate correlator {0}")]
    DuplicateCorrelator(String),
    /// A OneAPI clientCorrelator was used before by this application for a different request
    /// (SVC0005).
    #[error("clientCorrelator {0} already used for a different request")]
    DuplicateClientCorrelator(String),
    /// The startSmsNotification correlator is in use by another of the application's
    /// subscriptions (SVC0005 naming `reference.correlator`).
    #[error("duplicate notification correlator {0}")]
    DuplicateNotificationCorrelator(String),
    /// The application already has a subscription whose criteria overlap these (SVC0008).
    #[error("overlapping criteria")]
    OverlappingCriteria,
    /// sendSmsLogo / sendSmsRingtone formats are not offered (SVC0281).
    #[error("format not supported")]
    FormatNotSupported,
    /// Account monitoring: the application has no relationship with the account (POL0002 naming
    /// the address).
    #[error("privacy verification failed for {0}")]
    PrivacyRefused(String),
    /// No SMS request with this identifier belongs to the caller (SVC0002).
    #[error("unknown request {0}")]
    UnknownRequest(String),
    /// No campaign with this id belongs to the caller (SVC0002; REST: 404).
    #[error("unknown campaign {0}")]
    UnknownCampaign(String),
    /// The campaign goes beyond the agreement's campaign bounds (POL1023, naming the part and
    /// the bound).
    #[error("campaign limit: {0}")]
    CampaignLimit(String),
    /// The campaign's state does not allow the change (POL1024; REST: 409).
    #[error("campaign {id} is {status}")]
    CampaignState {
        /// The campaign.
        id: String,
        /// Its state.
        status: &'static str,
    },
    /// A service function's own rate (voucher attempts) is used up (POL1100).
    #[error("too many attempts; retry after {retry_after_secs} s")]
    RateExceeded {
        /// Whole seconds until the next attempt would pass.
        retry_after_secs: u64,
    },
    /// A fraud rule holds the charge until the subscriber answers the SMS it sent (POL1021).
    #[error("the charge awaits the subscriber's confirmation")]
    ConfirmationPending {
        /// When the question expires, ms since the epoch.
        until_ms: i64,
    },
    /// The subscriber declined the held charge, or did not answer in time (POL1022).
    #[error("the subscriber did not confirm the charge: {}", .0.as_str())]
    ConfirmationRefused(crate::store::fraud::ConfirmationStatus),
    /// The store or another internal part failed; logged once where it is mapped to the wire.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ScfError {
    /// An invalid message part.
    pub fn invalid(part: impl Into<String>, reason: impl ToString) -> Self {
        Self::InvalidInput {
            part: part.into(),
            reason: reason.to_string(),
        }
    }

    /// The exception this error is answered with.
    pub fn exception(&self) -> Exception {
        match self {
            Self::InvalidInput { part, .. } => Exception::service(
                "SVC0002",
                "Invalid input value for message part %1",
                vec![part.clone()],
            ),
            // ES 202 391-6's SVC0007 has no variable; `%1` carries the reason, which the caller
            // cannot otherwise tell (docs/faults.md).
            Self::InvalidCharging(reason) => Exception::service(
                "SVC0007",
                "Invalid charging information: %1",
                vec![reason.clone()],
            ),
            Self::Refused(r) => refusal_exception(*r),
            Self::ReferenceConflict(code) => Exception::service(
                "SVC1001",
                "Reference code %1 was already used for a different request",
                vec![code.clone()],
            ),
            Self::UnknownReservation(id) => Exception::service(
                "SVC0002",
                "Invalid input value for message part %1",
                vec![format!("reservationIdentifier ({id})")],
            ),
            Self::ReservationClosed(id, why) => Exception::policy(
                "POL1015",
                "Reservation %1 cannot be used: %2",
                vec![id.clone(), (*why).to_owned()],
            ),
            // Account Management and monitoring refusals.
            account @ (Self::EndUserAuthentication
            | Self::VoucherInvalid(_)
            | Self::VouchersNotAccepted
            | Self::AccountUnregistered
            | Self::PrivacyRefused(_)) => account_exception(account),
            Self::RateExceeded { retry_after_secs } => Exception::policy(
                "POL1100",
                "Request rate exceeded, retry after %1 seconds",
                vec![retry_after_secs.to_string()],
            ),
            // The subscriber confirmation of a charge a fraud rule held.
            held @ (Self::ConfirmationPending { .. } | Self::ConfirmationRefused(_)) => {
                confirmation_exception(held)
            }
            Self::Internal(_) => Exception::service(
                "SVC0001",
                "A service error occurred. Error code is %1",
                vec!["internal".to_owned()],
            ),
            // The Short Messaging refusals, listed so a new variant must be mapped somewhere.
            sms @ (Self::NoValidAddresses
            | Self::TooManyAddresses
            | Self::MessageTooLong(_)
            | Self::SenderNotAllowed(_)
            | Self::ChargingNotSupported
            | Self::FormatNotSupported
            | Self::DuplicateCorrelator(_)
            | Self::DuplicateClientCorrelator(_)
            | Self::DuplicateNotificationCorrelator(_)
            | Self::OverlappingCriteria
            | Self::UnknownRequest(_)) => sms_exception(sms),
            campaign @ (Self::UnknownCampaign(_) | Self::CampaignLimit(_) | Self::CampaignState { .. }) => {
                campaign_exception(campaign)
            }
        }
    }

    /// The short outcome for usage records: the exception id.
    pub fn outcome(&self) -> &'static str {
        self.exception().id
    }
}

/// The Account Management refusals (ES 202 391-7 §8, and POL0002 of the monitoring extension).
fn account_exception(e: &ScfError) -> Exception {
    match e {
        ScfError::EndUserAuthentication => {
            Exception::service("SVC0250", "End user authentication failed.", vec![])
        }
        ScfError::VoucherInvalid(voucher) => {
            Exception::service("SVC0251", "Voucher %1 is not valid.", vec![voucher.clone()])
        }
        ScfError::VouchersNotAccepted => Exception::policy("POL0220", "Vouchers not accepted.", vec![]),
        ScfError::AccountUnregistered => Exception::policy(
            "POL1009",
            "User has not been provisioned for %1",
            vec!["account management".to_owned()],
        ),
        ScfError::PrivacyRefused(address) => Exception::policy(
            "POL0002",
            "Privacy verification failed for address %1, request is refused",
            vec![address.clone()],
        ),
        other => Exception::service(
            "SVC0001",
            "A service error occurred. Error code is %1",
            vec![format!("not an account error: {other}")],
        ),
    }
}

/// The Short Messaging refusals (ES 202 391-4 §8, ES 202 391-1 §10; `docs/faults.md`).
fn sms_exception(e: &ScfError) -> Exception {
    match e {
        ScfError::NoValidAddresses => Exception::service(
            "SVC0004",
            "No valid addresses provided in message part %1",
            vec!["addresses".to_owned()],
        ),
        ScfError::TooManyAddresses => Exception::policy(
            "POL0003",
            "Too many addresses specified in message part %1",
            vec!["addresses".to_owned()],
        ),
        ScfError::MessageTooLong(max) => Exception::service(
            "SVC0280",
            "Message too long. Maximum length is %1 characters",
            vec![max.to_string()],
        ),
        ScfError::SenderNotAllowed(_) => Exception::policy(
            "POL0001",
            "A policy error occurred. Error code is %1",
            vec!["senderName not allowed".to_owned()],
        ),
        ScfError::ChargingNotSupported => Exception::policy("POL0008", "Charging is not supported", vec![]),
        ScfError::FormatNotSupported => Exception::service("SVC0281", "Unrecognized data format", vec![]),
        ScfError::DuplicateCorrelator(c) => Exception::service(
            "SVC0005",
            "Correlator %1 specified in message part %2 is a duplicate",
            vec![c.clone(), "receiptRequest.correlator".to_owned()],
        ),
        ScfError::DuplicateClientCorrelator(c) => Exception::service(
            "SVC0005",
            "Correlator %1 specified in message part %2 is a duplicate",
            vec![c.clone(), "clientCorrelator".to_owned()],
        ),
        ScfError::DuplicateNotificationCorrelator(c) => Exception::service(
            "SVC0005",
            "Correlator %1 specified in message part %2 is a duplicate",
            vec![c.clone(), "reference.correlator".to_owned()],
        ),
        ScfError::OverlappingCriteria => {
            Exception::service("SVC0008", "Overlapped Criteria %1", vec!["criteria".to_owned()])
        }
        ScfError::UnknownRequest(id) => Exception::service(
            "SVC0002",
            "Invalid input value for message part %1",
            vec![format!("requestIdentifier ({id})")],
        ),
        other => Exception::service(
            "SVC0001",
            "A service error occurred. Error code is %1",
            vec![format!("not an SMS error: {other}")],
        ),
    }
}

/// The campaign refusals (docs/guides/campaigns.md).
fn campaign_exception(e: &ScfError) -> Exception {
    match e {
        ScfError::UnknownCampaign(id) => Exception::service(
            "SVC0002",
            "Invalid input value for message part %1",
            vec![format!("campaignId ({id})")],
        ),
        ScfError::CampaignLimit(what) => {
            Exception::policy("POL1023", "Campaign limit exceeded: %1", vec![what.clone()])
        }
        ScfError::CampaignState { id, status } => Exception::policy(
            "POL1024",
            "Campaign %1 is %2",
            vec![id.clone(), (*status).to_owned()],
        ),
        other => Exception::service(
            "SVC0001",
            "A service error occurred. Error code is %1",
            vec![format!("not a campaign error: {other}")],
        ),
    }
}

/// POL1021 while the subscriber has not answered, POL1022 when they declined or did not answer
/// (docs/guides/fraud.md).
fn confirmation_exception(e: &ScfError) -> Exception {
    match e {
        ScfError::ConfirmationPending { until_ms } => Exception::policy(
            "POL1021",
            "The charge awaits the end user's confirmation until %1; repeat the request to learn the outcome",
            vec![
                crate::domain::clock::from_millis(*until_ms)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ],
        ),
        ScfError::ConfirmationRefused(status) => Exception::policy(
            "POL1022",
            "The end user did not confirm the charge: %1",
            vec![status.as_str().to_owned()],
        ),
        other => Exception::service(
            "SVC0001",
            "A service error occurred. Error code is %1",
            vec![format!("not a confirmation: {other}")],
        ),
    }
}

/// The paper's account checks, each its own exception.
fn refusal_exception(r: Refusal) -> Exception {
    let payment = || vec!["payment".to_owned()];
    match r {
        Refusal::Unregistered => {
            Exception::policy("POL1009", "User has not been provisioned for %1", payment())
        }
        Refusal::Suspended => Exception::policy("POL1010", "User has been suspended from %1", payment()),
        Refusal::Closed => Exception::policy("POL1011", "User account has been closed for %1", payment()),
        Refusal::Expired => Exception::policy("POL1012", "User credit has expired for %1", payment()),
        Refusal::MonthlyLimitExceeded => Exception::policy(
            "POL1001",
            "The %1 operator charging limit for this user has been exceeded",
            vec!["monthly".to_owned()],
        ),
        Refusal::InsufficientBalance => {
            Exception::policy("POL1000", "User has insufficient credit for transaction", vec![])
        }
        Refusal::CurrencyMismatch => Exception::service(
            "SVC0007",
            "Invalid charging information: %1",
            vec!["the currency is not the account's".to_owned()],
        ),
        Refusal::BalanceCeiling => Exception::service(
            "SVC0270",
            "Charging operation failed, the charge was not applied",
            vec![],
        ),
        Refusal::ActorDailyLimit => Exception::policy(
            "POL1013",
            "The application's %1 spending limit has been exceeded",
            vec!["daily".to_owned()],
        ),
        Refusal::ActorMonthlyLimit => Exception::policy(
            "POL1013",
            "The application's %1 spending limit has been exceeded",
            vec!["monthly".to_owned()],
        ),
        Refusal::RefundExceedsCharges => Exception::policy(
            "POL1014",
            "The refund exceeds what this application charged the user",
            vec![],
        ),
        Refusal::PerChargeLimit => Exception::policy(
            "POL0254",
            "The amount exceeds the operator limit for a single charge",
            vec![],
        ),
        Refusal::PerCreditLimit => credit_limit("single"),
        Refusal::ActorDailyCreditLimit => credit_limit("daily"),
        Refusal::ActorMonthlyCreditLimit => credit_limit("monthly"),
        // A rule that asks the subscriber refuses where nothing can be held for the answer (a
        // reservation, a charged SMS): the application sees the refusal either way.
        Refusal::Fraud { rule, .. } => Exception::policy(
            "POL1020",
            "The charge was refused by the operator's fraud rule %1",
            vec![rule.as_str().to_owned()],
        ),
    }
}

/// POL1016: an application's credit limit (`credit_limits` of its agreement).
fn credit_limit(which: &str) -> Exception {
    Exception::policy(
        "POL1016",
        "The application's %1 credit limit has been exceeded",
        vec![which.to_owned()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fill_their_placeholders() {
        let e = ScfError::invalid("charge.amount", "bad").exception();
        assert_eq!(
            (e.id, e.message().as_str()),
            ("SVC0002", "Invalid input value for message part charge.amount")
        );
        assert!(e.is_client_error());
        let e = ScfError::Refused(Refusal::MonthlyLimitExceeded).exception();
        assert_eq!(
            e.message(),
            "The monthly operator charging limit for this user has been exceeded"
        );
        assert!(!e.is_client_error());
        assert!(!ScfError::Internal("x".into()).exception().is_client_error());
    }

    #[test]
    fn every_account_refusal_has_its_own_code() {
        let codes: Vec<&str> = [
            Refusal::Unregistered,
            Refusal::Suspended,
            Refusal::Closed,
            Refusal::Expired,
            Refusal::MonthlyLimitExceeded,
            Refusal::InsufficientBalance,
        ]
        .into_iter()
        .map(|r| refusal_exception(r).id)
        .collect();
        assert_eq!(
            codes,
            ["POL1009", "POL1010", "POL1011", "POL1012", "POL1001", "POL1000"]
        );
    }
}
