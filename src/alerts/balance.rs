//! The balance keyword: a subscriber texts `BAL` (`[alerts] balance_keyword`) to the operator
//! short code (`[alerts] sender`) and gets a balance SMS. The keyword is a gateway-owned SMS
//! registration (no application), created at start-up; its messages are taken here.
//!
//! A reply is queued after its message was taken: a crash between the two loses that one reply
//! (the subscriber can ask again), never sends it twice.

use super::Ctx;
use super::ledger::push_sms;
use super::templates::{self, Alert, Values};
use crate::domain::Msisdn;
use crate::store::alerts::AlertBatch;
use crate::store::sms::routing::{Registration, RegistrationConflict};

/// The id of the gateway's balance-keyword registration.
pub(super) const REGISTRATION_ID: &str = "gateway-balance";

/// Messages taken per look.
const BATCH: i64 = 50;

fn enabled(ctx: &Ctx<'_>) -> bool {
    !ctx.config.balance_keyword.is_empty()
}

/// Creates the balance-keyword registration when it is not there yet.
pub(super) async fn register(ctx: &Ctx<'_>) {
    if !enabled(ctx) {
        return;
    }
    let registration = Registration {
        id: REGISTRATION_ID.to_owned(),
        app_id: None,
        short_code: ctx.config.sender.trim_start_matches('+').to_owned(),
        keyword: ctx.config.balance_keyword.to_uppercase(),
        created_at_ms: ctx.state.now().at_ms,
    };
    match ctx.state.store().create_registration(&registration).await {
        Ok(Ok(()) | Err(RegistrationConflict::IdTaken)) => {}
        Ok(Err(RegistrationConflict::NumberTaken(other))) => tracing::error!(
            registration = %other,
            keyword = %registration.keyword,
            "the balance keyword of the operator short code belongs to another registration; \
             balance requests go there"
        ),
        Err(e) => tracing::warn!(error = %e, "the balance keyword could not be registered"),
    }
}

/// Answers every balance request received since the last look.
pub(super) async fn answer(ctx: &Ctx<'_>) {
    if !enabled(ctx) {
        return;
    }
    let taken = match ctx.state.scf().take_gateway_sms(REGISTRATION_ID, BATCH).await {
        Ok(taken) => taken,
        Err(e) => {
            tracing::warn!(error = %e, "taking balance requests failed");
            return;
        }
    };
    if taken.is_empty() {
        return;
    }
    let mut batch = AlertBatch::default();
    for request in taken {
        if let Err(e) = reply(ctx, &request.sender, &mut batch).await {
            tracing::warn!(error = %e, "a balance request could not be answered");
        }
    }
    if batch.sms.is_empty() {
        return;
    }
    if let Err(e) = ctx
        .state
        .store()
        .commit_alerts(&batch, ctx.state.now().at_ms)
        .await
    {
        tracing::warn!(error = %e, "queueing balance replies failed");
    }
}

/// The balance SMS for the handset `sender`; a number without an account is told it is not
/// registered.
async fn reply(ctx: &Ctx<'_>, sender: &str, batch: &mut AlertBatch) -> Result<(), crate::store::StoreError> {
    let cc = &ctx.state.locale().default_country_code;
    let Ok(msisdn) = Msisdn::parse(sender, cc) else {
        tracing::debug!(
            sender,
            "a balance request from a number that is not E.164; ignored"
        );
        return Ok(());
    };
    let now = ctx.state.now();
    let Some(a) = ctx.state.store().account(&msisdn).await? else {
        let values = Values::default();
        push_sms(
            ctx,
            batch,
            msisdn.as_str(),
            crate::store::Language::Ko,
            Alert::Unregistered,
            &values,
        );
        return Ok(());
    };
    let language = a.language;
    let values = Values {
        balance: templates::money(language, a.currency, a.balance),
        month_spent: templates::money(language, a.currency, a.spent_in(&now)),
        time: templates::time(language, ctx.state.locale().time_zone, now.at_ms),
        expiry: a.credit_expiry.map(templates::date).unwrap_or_default(),
        ..Values::default()
    };
    push_sms(ctx, batch, msisdn.as_str(), language, Alert::Balance, &values);
    Ok(())
}
