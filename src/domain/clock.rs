//! Injected time and the operator's calendar.
//!
//! Nothing that decides about money reads the system clock itself: it receives a [`Moment`] built
//! from a [`Clock`], so monthly windows, credit expiry and reservation time-outs are tested by
//! moving a [`ManualClock`], never by sleeping.

use std::sync::Mutex;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and for replaying scenarios.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward (or back, with a negative delta).
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }

    /// Puts the clock at `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The operator's calendar and numbering defaults.
#[derive(Debug, Clone)]
pub struct Locale {
    /// Time zone in which calendar months and expiry dates are counted (default `Asia/Seoul`).
    pub time_zone: Tz,
    /// Country code used to turn national numbers (`010…`) into E.164 (default `82`).
    pub default_country_code: String,
}

impl Default for Locale {
    fn default() -> Self {
        Self {
            time_zone: chrono_tz::Asia::Seoul,
            default_country_code: "82".to_owned(),
        }
    }
}

impl Locale {
    /// Everything the store needs to know about "now" for one operation.
    pub fn moment(&self, now: DateTime<Utc>) -> Moment {
        let local = now.with_timezone(&self.time_zone);
        Moment {
            at_ms: now.timestamp_millis(),
            month: format!("{:04}-{:02}", local.year(), local.month()),
            today: local.date_naive(),
            hour: local.hour(),
        }
    }
}

/// One instant seen through the operator's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    /// Milliseconds since the Unix epoch (how the store keeps timestamps).
    pub at_ms: i64,
    /// The calendar month in the operator's zone, `YYYY-MM`: the monthly spending window.
    pub month: String,
    /// The date in the operator's zone: credit is usable through its expiry date inclusive.
    pub today: NaiveDate,
    /// The hour of the day in the operator's zone (0–23): the fraud rules' night.
    pub hour: u32,
}

/// Milliseconds since the epoch back to a UTC instant (the store's timestamps).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn months_and_days_are_counted_in_the_operator_zone() {
        let seoul = Locale::default();
        // 2026-11-30 15:30 UTC is already 2026-12-01 00:30 in Seoul (UTC+9).
        let m = seoul.moment(Utc.with_ymd_and_hms(2026, 11, 30, 15, 30, 0).unwrap());
        assert_eq!(m.month, "2026-12");
        assert_eq!(m.today, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let m = seoul.moment(Utc.with_ymd_and_hms(2026, 11, 30, 14, 59, 59).unwrap());
        assert_eq!(m.month, "2026-11");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::days(1));
        assert_eq!(clock.now(), start + TimeDelta::days(1));
        assert_eq!(from_millis(start.timestamp_millis()), start);
    }
}
