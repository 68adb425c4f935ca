//! The purchase, as Figure 2 of the paper draws it: charge the subscriber; on success send the
//! payment details by SMS and, when the balance left is under the shop's threshold, a balance SMS;
//! when the number has no payment account, send it the "unregistered" SMS. Any other refusal is
//! reported and nothing is sent.

use chrono::Utc;

use crate::config::ShopConfig;
use crate::gateway::{Gateway, GatewayError};
use crate::number::{BadNumber, tel_uri};
use crate::soap::Fault;
use crate::texts;

/// The fault a gateway answers a charge of a number without an account with (OneAPI
/// `POL1009`, "User has not been provisioned for payment": the paper's unregistered account).
pub const UNREGISTERED: &str = "POL1009";
/// Longest item name (it becomes the charge description and part of an SMS).
const MAX_ITEM: usize = 40;

/// What the customer buys.
#[derive(Debug, Clone)]
pub struct Purchase {
    /// The customer's number, as typed (`010-1234-0001`) or as a `tel:` URI.
    pub msisdn: String,
    /// Price in whole won.
    pub amount: i64,
    /// What is bought (the statement and the SMS show it).
    pub item: String,
    /// The order's reference; a retry with the same one is charged once. Made up when absent.
    pub reference: Option<String>,
}

/// Which message the shop sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKind {
    /// The payment details.
    Payment,
    /// The balance is under the threshold.
    LowBalance,
    /// The number has no payment account.
    Unregistered,
}

/// One SMS the gateway accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSent {
    /// Which message.
    pub kind: SmsKind,
    /// The `tel:` address.
    pub to: String,
    /// The text.
    pub text: String,
    /// The gateway's `requestIdentifier` (for `getSmsDeliveryStatus`).
    pub request_id: String,
}

/// How the purchase ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Charged.
    Paid,
    /// The number has no payment account; nothing was charged.
    Unregistered,
    /// The gateway refused the charge (insufficient credit, a limit, a suspended account, …);
    /// nothing was charged and nothing sent.
    Refused(Fault),
}

/// What happened, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub verdict: Verdict,
    /// The customer as a `tel:` URI.
    pub end_user: String,
    /// The referenceCode the charge carried.
    pub reference: String,
    /// The balance after the charge, when it was read.
    pub balance: Option<i64>,
    /// The SMS the gateway accepted, in the order sent.
    pub sms: Vec<SmsSent>,
    /// Steps after the charge that failed (a balance that could not be read, an SMS refused);
    /// the charge stands.
    pub problems: Vec<String>,
}

/// Why a purchase could not be attempted or its result is unknown.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// The number is not usable.
    #[error(transparent)]
    Number(#[from] BadNumber),
    /// Another part of the purchase is not usable; the text names the field.
    #[error("{0}")]
    Input(String),
    /// The charge got no answer: whether it was applied is unknown. Retrying with the same
    /// reference is safe (the gateway charges it once).
    #[error("charge {reference}: {source}; retry with --reference {reference}")]
    Uncertain {
        /// The reference to retry with.
        reference: String,
        /// What went wrong.
        source: GatewayError,
    },
}

/// The shop: its settings and its gateway client.
#[derive(Debug, Clone)]
pub struct Shop {
    config: ShopConfig,
    gateway: Gateway,
}

impl Shop {
    /// A shop trading through `config`'s gateway.
    #[must_use]
    pub fn new(config: ShopConfig) -> Self {
        let gateway = Gateway::new(&config);
        Self { config, gateway }
    }

    /// The shop's settings.
    #[must_use]
    pub fn config(&self) -> &ShopConfig {
        &self.config
    }

    /// Runs one purchase to its end.
    pub async fn purchase(&self, p: &Purchase) -> Result<Outcome, ShopError> {
        let end_user = tel_uri(&p.msisdn, &self.config.country_code)?;
        check(p)?;
        let mut outcome = Outcome {
            verdict: Verdict::Paid,
            end_user,
            reference: p.reference.clone().unwrap_or_else(new_reference),
            balance: None,
            sms: Vec::new(),
            problems: Vec::new(),
        };
        let charged = self
            .gateway
            .charge_amount(&outcome.end_user, &p.item, p.amount, &outcome.reference)
            .await;
        match charged {
            Ok(()) => self.after_payment(p, &mut outcome).await,
            Err(GatewayError::Fault(f)) if f.code == UNREGISTERED => {
                outcome.verdict = Verdict::Unregistered;
                let text =
                    texts::unregistered(&self.config.shop_name, &p.item, p.amount, self.config.language);
                self.notify(&mut outcome, SmsKind::Unregistered, text).await;
            }
            Err(GatewayError::Fault(f)) => outcome.verdict = Verdict::Refused(f),
            Err(source) => {
                return Err(ShopError::Uncertain {
                    reference: outcome.reference,
                    source,
                });
            }
        }
        Ok(outcome)
    }

    /// After the charge: read the balance, send the payment details, warn when it is low.
    async fn after_payment(&self, p: &Purchase, outcome: &mut Outcome) {
        let c = &self.config;
        match self.gateway.get_balance(&outcome.end_user).await {
            Ok(balance) => outcome.balance = Some(balance),
            Err(e) => outcome.problems.push(format!("getBalance: {e}")),
        }
        let text = texts::payment(&c.shop_name, &p.item, p.amount, outcome.balance, c.language);
        self.notify(outcome, SmsKind::Payment, text).await;
        if let Some(balance) = outcome.balance.filter(|b| *b < c.threshold) {
            let text = texts::low_balance(&c.shop_name, balance, c.threshold, c.language);
            self.notify(outcome, SmsKind::LowBalance, text).await;
        }
    }

    /// Sends one SMS to the customer; a failure is recorded, not fatal.
    async fn notify(&self, outcome: &mut Outcome, kind: SmsKind, text: String) {
        let to = outcome.end_user.clone();
        match self.gateway.send_sms(&to, &self.config.sender, &text).await {
            Ok(request_id) => outcome.sms.push(SmsSent {
                kind,
                to,
                text,
                request_id,
            }),
            Err(e) => outcome.problems.push(format!("sendSms ({kind:?}): {e}")),
        }
    }
}

fn check(p: &Purchase) -> Result<(), ShopError> {
    if p.amount <= 0 {
        return Err(ShopError::Input(format!(
            "amount: {} is not a positive number of won",
            p.amount
        )));
    }
    let item = p.item.trim();
    if item.is_empty() || item.chars().count() > MAX_ITEM {
        return Err(ShopError::Input(format!("item: 1 to {MAX_ITEM} characters")));
    }
    if let Some(r) = &p.reference
        && (r.trim().is_empty() || r.len() > 64)
    {
        return Err(ShopError::Input("reference: 1 to 64 characters".to_owned()));
    }
    Ok(())
}

/// `micropay-<ms since epoch>-<random>`: unique per order.
fn new_reference() -> String {
    let mut salt = [0_u8; 4];
    let salt = getrandom::fill(&mut salt).map_or(0, |()| u32::from_be_bytes(salt));
    format!("micropay-{}-{salt:08x}", Utc::now().timestamp_millis())
}
