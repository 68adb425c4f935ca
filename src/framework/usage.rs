//! Usage records: every call, authorized or refused, counted per application, operation, outcome
//! and minute, with latency and money moved. Counts are summed in memory and written to the store
//! in batches (once a second and at shutdown), so recording costs the request path no database
//! write. A crash loses at most the last batch of counts, never money: the ledger is the record
//! of money.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::store::apps::UsageRow;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    app_id: String,
    operation: &'static str,
    outcome: String,
    minute_ms: i64,
    currency: &'static str,
}

#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    calls: i64,
    latency_us: i64,
    amount: i64,
}

/// Pending usage counts.
#[derive(Debug, Default)]
pub struct UsageRecorder {
    pending: Mutex<HashMap<Key, Sums>>,
}

/// One call to count.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// Application id, or `-` when authentication failed before one was known.
    pub app_id: &'a str,
    /// `Service.operation`.
    pub operation: &'static str,
    /// `ok` or the code that ended the call.
    pub outcome: &'a str,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// How long it took.
    pub latency: Duration,
    /// Money moved: minor units and currency code.
    pub amount: Option<(i64, &'static str)>,
}

impl UsageRecorder {
    /// Counts one call.
    pub fn record(&self, call: &Call<'_>) {
        let key = Key {
            app_id: call.app_id.to_owned(),
            operation: call.operation,
            outcome: call.outcome.to_owned(),
            minute_ms: call.at_ms - call.at_ms.rem_euclid(60_000),
            currency: call.amount.map_or("", |(_, c)| c),
        };
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let sums = pending.entry(key).or_default();
        sums.calls += 1;
        sums.latency_us += i64::try_from(call.latency.as_micros()).unwrap_or(i64::MAX / 4);
        sums.amount += call.amount.map_or(0, |(a, _)| a);
    }

    /// Takes everything counted so far.
    pub fn take(&self) -> Vec<UsageRow> {
        let drained = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        drained
            .into_iter()
            .map(|(k, s)| UsageRow {
                app_id: k.app_id,
                operation: k.operation.to_owned(),
                outcome: k.outcome,
                minute_ms: k.minute_ms,
                currency: k.currency.to_owned(),
                calls: s.calls,
                latency_us: s.latency_us,
                amount: s.amount,
            })
            .collect()
    }

    /// Puts rows back after a failed write, so the next flush retries them.
    pub fn restore(&self, rows: Vec<UsageRow>) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for r in rows {
            let operation = crate::framework::operation::Operation::ALL
                .iter()
                .find(|o| o.name() == r.operation)
                .map_or("unknown", |o| o.name());
            let currency = static_currency(&r.currency);
            let key = Key {
                app_id: r.app_id,
                operation,
                outcome: r.outcome,
                minute_ms: r.minute_ms,
                currency,
            };
            let sums = pending.entry(key).or_default();
            sums.calls += r.calls;
            sums.latency_us += r.latency_us;
            sums.amount += r.amount;
        }
    }
}

fn static_currency(code: &str) -> &'static str {
    crate::domain::Currency::from_code(code).map_or("", |c| c.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_summed_per_minute_and_outcome() {
        let usage = UsageRecorder::default();
        let call = |outcome, at_ms, amount| Call {
            app_id: "shop",
            operation: "AmountCharging.chargeAmount",
            outcome,
            at_ms,
            latency: Duration::from_micros(100),
            amount,
        };
        usage.record(&call("ok", 60_000, Some((500, "KRW"))));
        usage.record(&call("ok", 119_999, Some((700, "KRW"))));
        usage.record(&call("POL1000", 61_000, None));
        usage.record(&call("ok", 120_000, Some((1, "KRW"))));
        let mut rows = usage.take();
        rows.sort_by_key(|r| (r.minute_ms, r.outcome.clone()));
        let summary: Vec<(i64, &str, i64, i64, i64)> = rows
            .iter()
            .map(|r| (r.minute_ms, r.outcome.as_str(), r.calls, r.amount, r.latency_us))
            .collect();
        assert_eq!(
            summary,
            [
                (60_000, "POL1000", 1, 0, 100),
                (60_000, "ok", 2, 1200, 200),
                (120_000, "ok", 1, 1, 100)
            ]
        );
        assert!(usage.take().is_empty());
        usage.restore(rows);
        assert_eq!(usage.take().len(), 3);
    }
}
