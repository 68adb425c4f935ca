//! How often vouchers may be tried: a voucher code is a bearer secret, so guessing is bounded per
//! application (all accounts together) and per account (whoever tries), each a GCRA budget per
//! minute (`[account] voucher_attempts_per_minute_per_app` / `…_per_account`). Every attempt
//! counts, right or wrong: a wrong one is not told apart before the store is asked.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys kept before idle ones are dropped (an idle key's budget is full again anyway).
const MAX_KEYS: usize = 100_000;

/// The voucher attempt budgets.
pub(crate) struct VoucherAttempts {
    per_app: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for VoucherAttempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VoucherAttempts(..)")
    }
}

impl VoucherAttempts {
    /// Budgets of `per_app` and `per_account` attempts a minute.
    pub(crate) fn new(per_app: u32, per_account: u32) -> Self {
        Self {
            per_app: RateLimiter::keyed(per_minute(per_app)),
            per_account: RateLimiter::keyed(per_minute(per_account)),
        }
    }

    /// Spends one attempt of `app` on `account`; `Err` with the wait when either budget is out.
    pub(crate) fn spend(&self, app: &str, account: &str) -> Result<(), Duration> {
        for (limiter, key) in [(&self.per_app, app), (&self.per_account, account)] {
            if limiter.len() > MAX_KEYS {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&key.to_owned()) {
                return Err(not_until.wait_time_from(governor::clock::Clock::now(limiter.clock())));
            }
        }
        Ok(())
    }
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_budget_runs_out_on_its_own() {
        let attempts = VoucherAttempts::new(3, 2);
        let (one, two) = ("+821000000001", "+821000000002");
        assert!(attempts.spend("app:a", one).is_ok());
        assert!(attempts.spend("app:a", one).is_ok());
        assert!(
            attempts.spend("app:a", one).is_err(),
            "the account's two are spent"
        );
        assert!(
            attempts.spend("app:a", two).is_err(),
            "so are the application's three"
        );
        assert!(
            attempts.spend("app:b", two).is_ok(),
            "another application has its own"
        );
        assert!(
            attempts.spend("app:b", one).is_err(),
            "but not on a spent account"
        );
    }
}
