//! Subscriber confirmation: a charge a fraud rule wants confirmed is held (a reservation of the
//! application's, made without running the rules again), and the subscriber gets an SMS with a
//! six-digit code. `YES <code>` to the operator short code charges what is held under the
//! application's reference code; `NO` (with the code, or alone for every pending one) or no
//! answer within `timeout_secs` releases it. The application learns the outcome by repeating its
//! charge with the same reference code (pending, charged, or refused: POL1021, the charge, POL1022).
//!
//! The keywords are gateway-owned SMS registrations on the short code, like the balance keyword;
//! the replies are taken by the notices task (`Scf::answer_confirmations`), and overdue ones
//! released by housekeeping (`Scf::expire_confirmations`).

use serde::{Deserialize, Serialize};

use crate::domain::{Moment, Msisdn};
use crate::scf::payment::Charged;
use crate::scf::{Scf, ScfError, internal};
use crate::store::fraud::{Confirmation, ConfirmationStatus};
use crate::store::payment::{NewReservation, ReservationCharge};
use crate::store::{Language, Movement, StoreError};

/// Registration ids of the two keywords.
const YES_REGISTRATION: &str = "gateway-confirm-yes";
const NO_REGISTRATION: &str = "gateway-confirm-no";
/// Replies taken per look.
const BATCH: i64 = 50;
/// The held money outlives the question by this much, so the answer, not the reservation's own
/// expiry, decides.
const HOLD_MARGIN_MS: i64 = 60_000;

/// `[fraud.confirmation]`: the question sent to the subscriber.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfirmationConfig {
    /// The operator short code the question comes from and the answer goes to.
    pub sender: String,
    /// How long the subscriber has to answer, seconds.
    pub timeout_secs: u64,
    /// The word that confirms (first word of the reply, any case).
    pub yes_keyword: String,
    /// The word that declines.
    pub no_keyword: String,
    /// The Korean text: `{amount}`, `{code}`, `{yes}`, `{no}`, `{minutes}` are filled in.
    pub text_ko: String,
    /// The English text, with the same fields.
    pub text_en: String,
}

impl Default for ConfirmationConfig {
    fn default() -> Self {
        Self {
            sender: "1588".to_owned(),
            timeout_secs: 300,
            yes_keyword: "YES".to_owned(),
            no_keyword: "NO".to_owned(),
            text_ko: "{amount} 결제 요청이 있습니다. 승인: {yes} {code} 회신, 거절: {no} {code} 회신. \
                      {minutes}분 안에 답이 없으면 취소됩니다."
                .to_owned(),
            text_en: "A payment of {amount} awaits you. Reply {yes} {code} to approve or {no} {code} \
                      to decline. It is cancelled in {minutes} min without an answer."
                .to_owned(),
        }
    }
}

impl ConfirmationConfig {
    /// Adds a line per unusable value to `errors`.
    pub fn check(&self, errors: &mut Vec<String>) {
        let sender = self.sender.trim_start_matches('+');
        if sender.is_empty() || sender.len() > 20 || !sender.bytes().all(|b| b.is_ascii_digit()) {
            errors.push("fraud.confirmation.sender: must be 1 to 20 digits".to_owned());
        }
        if !(30..=86_400).contains(&self.timeout_secs) {
            errors.push("fraud.confirmation.timeout_secs: from 30 to 86400".to_owned());
        }
        for (key, word) in [
            ("yes_keyword", &self.yes_keyword),
            ("no_keyword", &self.no_keyword),
        ] {
            if word.is_empty() || word.len() > 20 || word.chars().any(char::is_whitespace) {
                errors.push(format!(
                    "fraud.confirmation.{key}: one word of at most 20 characters"
                ));
            }
        }
        if self.yes_keyword.eq_ignore_ascii_case(&self.no_keyword) {
            errors.push("fraud.confirmation.no_keyword: must differ from yes_keyword".to_owned());
        }
        for (key, text) in [("text_ko", &self.text_ko), ("text_en", &self.text_en)] {
            if !text.contains("{code}") {
                errors.push(format!("fraud.confirmation.{key}: must contain {{code}}"));
            }
        }
    }

    fn text(&self, language: Language, amount: &str, code: &str) -> String {
        let template = match language {
            Language::Ko => &self.text_ko,
            Language::En => &self.text_en,
        };
        template
            .replace("{amount}", amount)
            .replace("{code}", code)
            .replace("{yes}", &self.yes_keyword)
            .replace("{no}", &self.no_keyword)
            .replace("{minutes}", &self.timeout_secs.div_ceil(60).to_string())
    }
}

/// A six-digit code.
fn new_code() -> String {
    let n = u32::from_be_bytes(crate::crypto::random_bytes::<4>()) % 1_000_000;
    format!("{n:06}")
}

impl Scf {
    fn confirmation(&self) -> &ConfirmationConfig {
        &self.settings.fraud.confirmation
    }

    fn code_digest(&self, confirmation_id: &str, code: &str) -> String {
        self.pepper().digest(
            "charge confirmation",
            &[confirmation_id.as_bytes(), code.as_bytes()],
        )
    }

    /// The answer to a charge whose reference code already has a confirmation: still pending,
    /// charged, or refused by the subscriber or the clock. `None` when it has none.
    pub(in crate::scf) async fn confirmed_outcome(&self, m: &Movement) -> Result<Option<Charged>, ScfError> {
        let Some(code) = &m.reference_code else {
            return Ok(None);
        };
        let Some(c) = self
            .store
            .confirmation_for(&m.actor, code)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        match c.status {
            ConfirmationStatus::Pending => Err(ScfError::ConfirmationPending {
                until_ms: c.expires_at_ms,
            }),
            ConfirmationStatus::Declined | ConfirmationStatus::Expired => {
                Err(ScfError::ConfirmationRefused(c.status))
            }
            ConfirmationStatus::Confirmed => {
                let account = self.store.account(&c.msisdn).await.map_err(internal)?;
                let balance = account.map_or(0, |a| a.balance);
                let entry_id = self
                    .store
                    .reference_entry(&c.actor, code)
                    .await
                    .map_err(internal)?;
                Ok(Some(Charged {
                    amount: c.currency.from_minor(c.amount),
                    currency: c.currency,
                    balance: c.currency.from_minor(balance),
                    entry_id: entry_id.unwrap_or_default(),
                    replayed: true,
                }))
            }
        }
    }

    /// Holds the charge `m` a fraud rule wants confirmed (decision `decision`) and asks the
    /// subscriber; the application's answer is the pending fault.
    pub(in crate::scf) async fn hold_for_confirmation(
        &self,
        m: &Movement,
        decision: i64,
        now: &Moment,
    ) -> ScfError {
        match self.ask(m, decision, now).await {
            Ok(until_ms) => ScfError::ConfirmationPending { until_ms },
            Err(e) => e,
        }
    }

    async fn ask(&self, m: &Movement, decision: i64, now: &Moment) -> Result<i64, ScfError> {
        let cfg = self.confirmation();
        let timeout_ms = i64::try_from(cfg.timeout_secs * 1000).unwrap_or(i64::MAX / 4);
        let expires_at_ms = now.at_ms + timeout_ms;
        let hold = NewReservation {
            id: crate::crypto::random_hex::<16>(),
            msisdn: m.msisdn.clone(),
            actor: m.actor.clone(),
            amount: m.amount,
            currency: m.currency,
            description: m.description.clone(),
            expires_at_ms: expires_at_ms + HOLD_MARGIN_MS,
            limits: m.limits,
            // Decided already: the rules asked for this very hold.
            screen: None,
        };
        let held = self.store.reserve(&hold, now).await.map_err(internal)?;
        let id = crate::crypto::random_hex::<16>();
        let code = new_code();
        let confirmation = Confirmation {
            code_digest: self.code_digest(&id, &code),
            id,
            decision_id: decision,
            msisdn: m.msisdn.clone(),
            actor: m.actor.clone(),
            reference_code: m.reference_code.clone().unwrap_or_default(),
            reservation_id: held.id,
            amount: m.amount,
            currency: m.currency,
            description: m.description.clone(),
            limits: m.limits,
            status: ConfirmationStatus::Pending,
            expires_at_ms,
            created_at_ms: now.at_ms,
        };
        if let Err(e) = self.store.create_confirmation(&confirmation).await {
            // A concurrent retry of the same charge asked first: give this hold back.
            let _ = self
                .store
                .release_reservation(&confirmation.reservation_id, &m.actor, now)
                .await;
            return match e {
                StoreError::AlreadyExists => Err(ScfError::ConfirmationPending {
                    until_ms: expires_at_ms,
                }),
                other => Err(internal(other)),
            };
        }
        let language = self
            .store
            .account(&m.msisdn)
            .await
            .map_err(internal)?
            .map_or(Language::Ko, |a| a.language);
        let amount = format!("{} {}", m.currency.from_minor(m.amount), m.currency.code());
        let text = cfg.text(language, &amount, &code);
        self.send_notice(m.msisdn.as_str(), &cfg.sender, &text, now).await;
        Ok(expires_at_ms)
    }

    /// Queues a gateway SMS to `to`; a text too long is logged and dropped.
    async fn send_notice(&self, to: &str, sender: &str, text: &str, now: &Moment) {
        let max_parts = self.smpp().max_parts as usize;
        let sms = match crate::smpp::gateway_sms("gateway:fraud", sender, to, text, max_parts) {
            Ok(sms) => sms,
            Err(max_chars) => {
                tracing::warn!(max_chars, "a confirmation text is too long; not sent");
                return;
            }
        };
        if let Err(e) = self.outbox.queue(&sms, now.at_ms).await {
            tracing::warn!(error = %e, "a confirmation SMS could not be queued");
        }
    }
}

impl Scf {
    /// Creates the two keyword registrations on the short code once a rule in force may ask a
    /// subscriber (with `[fraud]` on); until then the short code's keywords stay the operator's.
    /// Registered once per process (registering again is harmless: the id is taken).
    pub(in crate::scf) async fn register_confirmation_keywords(&self) {
        let asks = self.screen().is_some_and(|rules| rules.may_confirm(i64::MAX));
        if !asks
            || self
                .fraud
                .keywords_registered
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let cfg = self.confirmation();
        let sender = cfg.sender.clone();
        for (id, word) in [
            (YES_REGISTRATION, cfg.yes_keyword.clone()),
            (NO_REGISTRATION, cfg.no_keyword.clone()),
        ] {
            self.register_gateway_keyword(id, &sender, &word).await;
        }
    }

    /// Answers every confirmation reply received since the last look; how many were taken.
    pub async fn answer_confirmations(&self) -> Result<usize, ScfError> {
        let mut taken = 0;
        if self.screen().is_none() {
            return Ok(taken);
        }
        for (registration, yes) in [(YES_REGISTRATION, true), (NO_REGISTRATION, false)] {
            let replies = match self.take_gateway_sms(registration, BATCH).await {
                Ok(replies) => replies,
                // Not registered: the keyword belongs to another registration (logged at start).
                Err(ScfError::InvalidInput { .. }) => continue,
                Err(e) => return Err(e),
            };
            for reply in replies {
                taken += 1;
                let code = reply.message.split_whitespace().nth(1).unwrap_or_default();
                let cc = &self.locale.default_country_code;
                let Ok(msisdn) = Msisdn::parse(&reply.sender, cc) else {
                    continue;
                };
                if let Err(e) = self.answer(&msisdn, code, yes).await {
                    tracing::warn!(error = %e, "a confirmation reply could not be applied");
                }
            }
        }
        Ok(taken)
    }

    /// Applies one reply: `yes` with the code charges that confirmation; no with the code declines
    /// it, no alone every pending one of the number. A wrong code changes nothing.
    async fn answer(&self, msisdn: &Msisdn, code: &str, yes: bool) -> Result<(), ScfError> {
        let now = self.now();
        let pending = self.store.pending_confirmations(msisdn).await.map_err(internal)?;
        let matching = pending
            .into_iter()
            .filter(|c| (!yes && code.is_empty()) || self.code_digest(&c.id, code) == c.code_digest);
        for c in matching {
            if yes {
                self.complete(&c, &now).await?;
            } else {
                self.release(&c, ConfirmationStatus::Declined, &now).await?;
            }
        }
        Ok(())
    }

    /// Charges what `c` holds under the application's reference code.
    async fn complete(&self, c: &Confirmation, now: &Moment) -> Result<(), ScfError> {
        // The subscriber's YES does not outlive the application: one suspended or revoked since
        // it asked charges nothing.
        let app = match crate::domain::actor::app_id(&c.actor) {
            Some(id) => self.store.app(id).await.map_err(internal)?,
            None => None,
        };
        if app.is_none_or(|a| a.status != crate::store::apps::AppStatus::Active) {
            tracing::info!(confirmation = %c.id, "the application is no longer active; the held charge is released");
            return self.release(c, ConfirmationStatus::Declined, now).await;
        }
        let charge = ReservationCharge {
            id: c.reservation_id.clone(),
            actor: c.actor.clone(),
            amount: c.amount,
            reference_code: Some(c.reference_code.clone()),
            description: c.description.clone(),
            limits: c.limits,
        };
        let charged = match self.store.charge_reservation(&charge, now).await {
            Ok(_) => true,
            // A second YES handled at the same time (another instance) may have charged it.
            Err(e) => {
                let entry = self.store.reference_entry(&c.actor, &c.reference_code).await;
                let done = entry.map_err(internal)?.is_some();
                if !done {
                    tracing::warn!(error = %e, confirmation = %c.id, "a confirmed charge was refused; released");
                }
                done
            }
        };
        if !charged {
            return self.release(c, ConfirmationStatus::Declined, now).await;
        }
        self.store
            .finish_confirmation(&c.id, ConfirmationStatus::Confirmed, now)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Gives back what `c` holds and closes it as `status`, in one transaction.
    async fn release(
        &self,
        c: &Confirmation,
        status: ConfirmationStatus,
        now: &Moment,
    ) -> Result<(), ScfError> {
        self.store
            .finish_confirmation(&c.id, status, now)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Releases the charges whose subscriber did not answer in time; how many.
    pub async fn expire_confirmations(&self) -> Result<usize, ScfError> {
        let now = self.now();
        let due = self.store.due_confirmations(&now, 100).await.map_err(internal)?;
        for c in &due {
            self.release(c, ConfirmationStatus::Expired, &now).await?;
        }
        Ok(due.len())
    }
}
