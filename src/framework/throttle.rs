//! Per-application request rates (GCRA, governor), generic over the clock so tests move time
//! instead of sleeping.
//!
//! One limiter per (application, scope): the scope is the agreement rule that covers the
//! operation, so every operation a rule covers shares one budget. A limiter is rebuilt when the
//! agreement changes its rate.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use governor::clock::{Clock as RateClock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use super::agreement::Rate;
use super::operation::Scope;

/// One budget: an application and the scope of the rule that covers the operation.
type Key = (String, Scope);

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as RateClock>::Instant>>;

/// Request-rate limits for all applications.
pub struct Throttle<C: RateClock = DefaultClock> {
    limiters: DashMap<Key, (Rate, Arc<Limiter<C>>)>,
    clock: C,
}

impl Default for Throttle<DefaultClock> {
    fn default() -> Self {
        Self::with_clock(DefaultClock::default())
    }
}

impl<C: RateClock + Clone> Throttle<C> {
    /// A throttle on the given clock.
    pub fn with_clock(clock: C) -> Self {
        Self {
            limiters: DashMap::new(),
            clock,
        }
    }

    /// Takes one request from the budget of `(app, scope)` at `rate`; when it is empty, says how
    /// long until the next request would pass.
    pub fn check(&self, app: &str, scope: Scope, rate: Rate) -> Result<(), Duration> {
        let limiter = self.limiter(app, scope, rate);
        limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    fn limiter(&self, app: &str, scope: Scope, rate: Rate) -> Arc<Limiter<C>> {
        let key = (app.to_owned(), scope);
        if let Some(entry) = self.limiters.get(&key)
            && entry.0 == rate
        {
            return Arc::clone(&entry.1);
        }
        let quota = Quota::per_second(rate.per_second).allow_burst(rate.burst);
        let limiter = Arc::new(RateLimiter::direct_with_clock(quota, self.clock.clone()));
        self.limiters.insert(key, (rate, Arc::clone(&limiter)));
        limiter
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use governor::clock::FakeRelativeClock;

    use super::*;
    use crate::framework::operation::{Operation, Scope};

    fn rate(per_second: u32, burst: u32) -> Rate {
        Rate {
            per_second: NonZeroU32::new(per_second).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        }
    }

    #[test]
    fn exact_counts_with_a_fake_clock() {
        let clock = FakeRelativeClock::default();
        let throttle = Throttle::with_clock(clock.clone());
        let scope = Scope::Operation(Operation::ChargeAmount);
        let r = rate(2, 5);
        let passed = (0..20)
            .filter(|_| throttle.check("shop", scope, r).is_ok())
            .count();
        assert_eq!(passed, 5, "the burst, then nothing");
        let wait = throttle.check("shop", scope, r).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one request every 1/2 s");
        clock.advance(Duration::from_millis(500));
        assert!(throttle.check("shop", scope, r).is_ok());
        assert!(throttle.check("shop", scope, r).is_err());
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            (0..10)
                .filter(|_| throttle.check("shop", scope, r).is_ok())
                .count(),
            2
        );
    }

    #[test]
    fn budgets_are_per_application_and_scope_and_follow_rate_changes() {
        let throttle = Throttle::with_clock(FakeRelativeClock::default());
        let charge = Scope::Operation(Operation::ChargeAmount);
        let sms = Scope::Operation(Operation::SendSms);
        assert!(throttle.check("shop", charge, rate(1, 1)).is_ok());
        assert!(throttle.check("shop", charge, rate(1, 1)).is_err());
        assert!(
            throttle.check("news", charge, rate(1, 1)).is_ok(),
            "another application"
        );
        assert!(throttle.check("shop", sms, rate(1, 1)).is_ok(), "another scope");
        assert!(
            throttle.check("shop", charge, rate(1, 3)).is_ok(),
            "a changed rate starts afresh"
        );
    }
}
