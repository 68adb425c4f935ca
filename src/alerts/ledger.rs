//! Alerts decided from the ledger: per charge, the receipt SMS, the low-balance SMS (once per
//! crossing: the balance was at or above the threshold before the charge and is below it after),
//! and the account-monitoring callbacks of applications.
//!
//! Ledger ids are handed out before commit, so on PostgreSQL a row may become visible after a
//! row with a higher id. The step therefore stops at a gap in the ids until the rows after it are
//! [`GAP_WAIT_MS`] old (a gap that old is a rolled-back transaction, not a late one).

use std::collections::HashMap;

use chrono::{Datelike as _, TimeZone as _};

use super::Ctx;
use super::templates::{self, Alert, Values};
use crate::store::alerts::{AlertBatch, AlertEntry, MonitorCriteria};
use crate::store::{Language, StoreError};

/// Ledger rows per transaction.
const BATCH: i64 = 200;

/// How long a gap in the ledger ids is waited for.
const GAP_WAIT_MS: i64 = 5_000;

/// Decides the alerts of the next ledger rows and commits them with the cursor; `true` when it
/// moved the cursor (there may be more).
pub(super) async fn step(ctx: &Ctx<'_>) -> Result<bool, StoreError> {
    let store = ctx.state.store();
    let now = ctx.state.now();
    let cursor = store.alert_cursor(now.at_ms).await?;
    let entries = store.alert_entries(cursor, BATCH).await?;
    let ready = contiguous(cursor, &entries, now.at_ms);
    let Some(last) = ready.last() else {
        return Ok(false);
    };
    let mut batch = AlertBatch {
        cursor: Some((cursor, last.id)),
        ..AlertBatch::default()
    };
    let oldest =
        now.at_ms - i64::try_from(ctx.config.max_entry_age_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    let mut merchants = Merchants::default();
    for entry in ready.iter().filter(|e| is_charge(e) && e.created_at_ms >= oldest) {
        subscriber_alerts(ctx, entry, &mut merchants, &mut batch).await?;
        monitor_callbacks(ctx, entry, &mut batch).await?;
    }
    let committed = store.commit_alerts(&batch, now.at_ms).await?;
    if !committed {
        tracing::debug!("another instance decided these ledger rows first");
    }
    Ok(true)
}

/// The rows from `cursor + 1` without a gap, or past a gap older than [`GAP_WAIT_MS`].
fn contiguous(cursor: i64, entries: &[AlertEntry], now_ms: i64) -> &[AlertEntry] {
    let mut expected = cursor + 1;
    for (i, e) in entries.iter().enumerate() {
        if e.id != expected && e.created_at_ms > now_ms - GAP_WAIT_MS {
            return &entries[..i];
        }
        expected = e.id + 1;
    }
    entries
}

/// A debit of the balance by a charge (not a reservation, which only holds money).
fn is_charge(e: &AlertEntry) -> bool {
    matches!(e.kind.as_str(), "charge" | "reservation_charge") && e.amount < 0
}

/// Application names by actor, looked up once per batch.
#[derive(Default)]
struct Merchants(HashMap<String, String>);

impl Merchants {
    async fn name(&mut self, ctx: &Ctx<'_>, actor: &str) -> Result<String, StoreError> {
        if let Some(name) = self.0.get(actor) {
            return Ok(name.clone());
        }
        let name = match crate::domain::actor::app_id(actor) {
            Some(id) => ctx
                .state
                .store()
                .app(id)
                .await?
                .map_or_else(|| id.to_owned(), |a| a.name),
            None => actor.to_owned(),
        };
        self.0.insert(actor.to_owned(), name.clone());
        Ok(name)
    }
}

/// The receipt and the low-balance SMS of one charge, as the account's preferences say.
async fn subscriber_alerts(
    ctx: &Ctx<'_>,
    e: &AlertEntry,
    merchants: &mut Merchants,
    batch: &mut AlertBatch,
) -> Result<(), StoreError> {
    let a = &e.account;
    let crossed = a.low_balance_threshold.filter(|t| crosses(e, *t));
    let low_balance = a.notify_low_balance && crossed.is_some();
    if !(a.notify_receipt || low_balance) {
        return Ok(());
    }
    let language = a.language;
    let zone = ctx.state.locale().time_zone;
    let since = month_start_ms(zone, e.created_at_ms);
    let spent = ctx.state.store().spent_between(a.id, since, e.id).await?;
    let values = Values {
        amount: templates::money(language, a.currency, -e.amount),
        merchant: merchants.name(ctx, &e.actor).await?,
        time: templates::time(language, zone, e.created_at_ms),
        balance: templates::money(language, a.currency, e.balance_after),
        month_spent: templates::money(language, a.currency, spent),
        threshold: crossed.map_or_else(String::new, |t| templates::money(language, a.currency, t)),
        ..Values::default()
    };
    let to = a.msisdn.as_str();
    if a.notify_receipt {
        push_sms(ctx, batch, to, language, Alert::Receipt, &values);
    }
    if low_balance {
        push_sms(ctx, batch, to, language, Alert::LowBalance, &values);
    }
    Ok(())
}

/// Whether this charge took the balance from at least `threshold` to below it.
fn crosses(e: &AlertEntry, threshold: i64) -> bool {
    let before = e.balance_after - e.amount;
    before >= threshold && e.balance_after < threshold
}

/// The first instant of the calendar month (operator zone) of `at_ms`.
fn month_start_ms(zone: chrono_tz::Tz, at_ms: i64) -> i64 {
    let local = zone.from_utc_datetime(&crate::domain::clock::from_millis(at_ms).naive_utc());
    local
        .date_naive()
        .with_day(1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| zone.from_local_datetime(&d).earliest())
        .map_or(at_ms, |d| d.timestamp_millis())
}

/// Renders and adds one alert to the batch: as a push candidate when push is on for its kind
/// (`[alerts] push`; the store keeps it as a notice if the number has a device topic, else queues
/// the SMS), otherwise as an SMS.
pub(super) fn push_sms(
    ctx: &Ctx<'_>,
    batch: &mut AlertBatch,
    to: &str,
    language: Language,
    alert: Alert,
    values: &Values,
) {
    let text = ctx.book.render(language, alert, values);
    let Some(sms) = ctx.sms(to, &text) else {
        return;
    };
    match ctx.push_deadline(alert) {
        Some(deadline_ms) => batch.push.push(crate::store::push::PushCandidate {
            id: crate::crypto::random_hex::<16>(),
            msisdn: crate::domain::Msisdn::from_stored(to.to_owned()),
            kind: alert.key(),
            text,
            deadline_ms,
            sms,
        }),
        None => batch.sms.push(sms),
    }
}

/// The notifications of the applications monitoring the charged account.
async fn monitor_callbacks(ctx: &Ctx<'_>, e: &AlertEntry, batch: &mut AlertBatch) -> Result<(), StoreError> {
    let monitors = ctx.state.store().monitors_of(e.account.msisdn.as_str()).await?;
    let currency = e.account.currency;
    for m in monitors.into_iter().filter(|m| m.since_ms <= e.created_at_ms) {
        let notice = super::Notice {
            correlator: &m.correlator,
            end_user: &e.account.msisdn.tel_uri(),
            balance: currency.from_minor(e.balance_after),
            at_ms: e.created_at_ms,
        };
        let body = match m.criteria {
            MonitorCriteria::Charged => (ctx.state.writers.charged)(&notice, currency.from_minor(-e.amount)),
            MonitorCriteria::BelowThreshold(t) if crosses(e, t) => {
                (ctx.state.writers.below_threshold)(&notice, currency.from_minor(t))
            }
            MonitorCriteria::BelowThreshold(_) => continue,
        };
        let kind = match m.criteria {
            MonitorCriteria::Charged => "notifyAccountCharged",
            MonitorCriteria::BelowThreshold(_) => "notifyBalanceBelowThreshold",
        };
        batch.callbacks.push(crate::callbacks::new_callback(
            ctx.state.callback_config(),
            &m.actor,
            kind,
            &m.endpoint,
            crate::callbacks::Payload::Soap(body),
            ctx.state.now().at_ms,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_starts_at_midnight_in_the_operator_zone() {
        // 2026-11-15 03:00 UTC is 12:00 in Seoul; the month began 2026-10-31 15:00 UTC.
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 15, 3, 0, 0)
            .single()
            .map_or(0, |d| d.timestamp_millis());
        let start = chrono::Utc
            .with_ymd_and_hms(2026, 10, 31, 15, 0, 0)
            .single()
            .map_or(0, |d| d.timestamp_millis());
        assert_eq!(month_start_ms(chrono_tz::Asia::Seoul, at), start);
    }
}
