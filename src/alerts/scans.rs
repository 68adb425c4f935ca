//! Alerts not tied to a ledger row: the "not registered" SMS (at most one per number per
//! `unregistered_interval_secs`, only to numbers of the operator's prefixes, within an hourly
//! budget), the expiry reminder (once per expiry date, from
//! `expiry_reminder_days` before it), and the suspension and resumption notices (from the
//! account's status, compared with the suspensions already announced, so every way of changing
//! the status — admin API, command line — is covered).
//!
//! Each scan commits its own batch; every decision is re-checked by the commit, so two instances
//! never send the same notice twice.

use chrono::Days;

use super::Ctx;
use super::ledger::push_sms;
use super::templates::{self, Alert, Values};
use crate::store::alerts::{AlertBatch, AlertMark};
use crate::store::{Account, AccountStatus, Language, StoreError};

/// Rows per scan.
const BATCH: i64 = 100;

/// Runs every scan once, logging failures.
pub(super) async fn run(ctx: &Ctx<'_>) {
    let scans = [
        ("refused charges", unregistered(ctx).await),
        ("expiry reminders", expiry(ctx).await),
        ("status notices", status(ctx).await),
    ];
    for (what, outcome) in scans {
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "alerts: {what} failed");
        }
    }
}

async fn commit(ctx: &Ctx<'_>, batch: AlertBatch) -> Result<(), StoreError> {
    if batch.marks.is_empty() {
        return Ok(());
    }
    let committed = ctx
        .state
        .store()
        .commit_alerts(&batch, ctx.state.now().at_ms)
        .await?;
    if !committed {
        tracing::debug!("another instance decided these alerts first");
    }
    Ok(())
}

/// Numbers an application tried to charge without an account. The text is in the operator's
/// default language (Korean): there is no account to say otherwise.
async fn unregistered(ctx: &Ctx<'_>) -> Result<(), StoreError> {
    let now = ctx.state.now().at_ms;
    let window =
        i64::try_from(ctx.config.unregistered_interval_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    let oldest = now - i64::try_from(ctx.config.max_entry_age_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    let mut batch = AlertBatch::default();
    for attempt in ctx.state.store().pending_unregistered(BATCH).await? {
        let quiet = attempt.last_sent_at_ms.is_none_or(|sent| now - sent >= window);
        let send = quiet
            && attempt.last_attempt_at_ms >= oldest
            && may_text_unregistered(ctx, &attempt.msisdn)
            // Last: only a notice that would go out spends the hourly budget.
            && ctx.unregistered_budget.check().is_ok();
        if send {
            push_sms(
                ctx,
                &mut batch,
                &attempt.msisdn,
                Language::Ko,
                Alert::Unregistered,
                &Values::default(),
            );
        }
        batch.marks.push(AlertMark::Unregistered {
            msisdn: attempt.msisdn,
            sent: send,
            last_sent_at_ms: attempt.last_sent_at_ms,
        });
    }
    commit(ctx, batch).await
}

/// Whether a "not registered" notice may go to `msisdn` at all: only numbers of the configured
/// prefixes, by default the operator's own country. A refused notice is dropped, not deferred.
fn may_text_unregistered(ctx: &Ctx<'_>, msisdn: &str) -> bool {
    let prefixes = &ctx.config.unregistered_prefixes;
    if prefixes.is_empty() {
        let cc = &ctx.state.locale().default_country_code;
        return msisdn
            .strip_prefix('+')
            .is_some_and(|n| n.starts_with(cc.as_str()));
    }
    prefixes.iter().any(|p| msisdn.starts_with(p.as_str()))
}

/// Active accounts whose credit expires within `expiry_reminder_days`, once per expiry date.
async fn expiry(ctx: &Ctx<'_>) -> Result<(), StoreError> {
    let today = ctx.state.now().today;
    let until = today
        .checked_add_days(Days::new(u64::from(ctx.config.expiry_reminder_days)))
        .unwrap_or(today);
    let mut batch = AlertBatch::default();
    for a in ctx.state.store().expiring_unreminded(today, until, BATCH).await? {
        let Some(expiry) = a.credit_expiry else { continue };
        let values = Values {
            expiry: templates::date(expiry),
            balance: templates::money(a.language, a.currency, a.balance),
            ..Values::default()
        };
        push_sms(
            ctx,
            &mut batch,
            a.msisdn.as_str(),
            a.language,
            Alert::Expiry,
            &values,
        );
        batch.marks.push(AlertMark::ExpiryReminded {
            account_id: a.id,
            expiry,
        });
    }
    commit(ctx, batch).await
}

/// Accounts suspended since the last look, and accounts active again.
async fn status(ctx: &Ctx<'_>) -> Result<(), StoreError> {
    let (suspended, unsuspended) = ctx.state.store().status_changes(BATCH).await?;
    let mut batch = AlertBatch::default();
    for a in suspended {
        notice(ctx, &mut batch, &a, Alert::Suspended);
        batch.marks.push(AlertMark::Suspended { account_id: a.id });
    }
    for a in unsuspended {
        // A closed account is not told it is usable again.
        if a.status == AccountStatus::Active {
            notice(ctx, &mut batch, &a, Alert::Resumed);
        }
        batch.marks.push(AlertMark::Resumed { account_id: a.id });
    }
    commit(ctx, batch).await
}

fn notice(ctx: &Ctx<'_>, batch: &mut AlertBatch, a: &Account, alert: Alert) {
    let values = Values {
        balance: templates::money(a.language, a.currency, a.balance),
        ..Values::default()
    };
    push_sms(ctx, batch, a.msisdn.as_str(), a.language, alert, &values);
}
