//! Failed-authentication lock-out.
//!
//! Failures are counted per source address and per (source address, username), each over a one
//! minute window; past its allowance a key is refused until its window ends, so passwords cannot
//! be guessed at line rate. Never per username alone: whoever knows an application's username
//! could otherwise lock it out from anywhere. IPv6 sources count per /64, the block one
//! subscriber line gets, so rotating addresses inside it buys no attempts.
//!
//! Memory is bounded: keys exist only for sources that failed within the last minute, and at most
//! [`MAX_KEYS`] of them (past that, new sources are not tracked until old windows end; a warning
//! says so).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use sha2::{Digest, Sha256};

/// How long failures are counted.
const WINDOW: Duration = Duration::from_secs(60);

/// Most keys tracked at once.
pub const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    /// The address and the first 128 bits of SHA-256 over the username.
    Pair(IpAddr, [u8; 16]),
}

#[derive(Debug, Clone, Copy)]
struct Tally {
    since: Instant,
    failures: u32,
}

/// Failure counts, shared by every binding.
pub struct Lockout {
    per_pair: u32,
    per_address: u32,
    tallies: DashMap<Key, Tally>,
}

impl Lockout {
    /// `per_pair` failures a minute for one username from one address, `per_address` for all
    /// usernames from one address.
    pub fn new(per_pair: u32, per_address: u32) -> Self {
        Self {
            per_pair,
            per_address,
            tallies: DashMap::new(),
        }
    }

    fn keys(peer: IpAddr, username: Option<&str>) -> impl Iterator<Item = Key> {
        let source = source(peer);
        let pair = username.map(|u| {
            let mut key = [0; 16];
            key.copy_from_slice(&Sha256::digest(u.as_bytes())[..16]);
            Key::Pair(source, key)
        });
        std::iter::once(Key::Address(source)).chain(pair)
    }

    fn allowance(&self, key: &Key) -> u32 {
        match key {
            Key::Address(_) => self.per_address,
            Key::Pair(..) => self.per_pair,
        }
    }

    /// `Err(wait)` while the address, or this username from this address, is locked out.
    pub fn check(&self, peer: IpAddr, username: Option<&str>) -> Result<(), Duration> {
        let now = Instant::now();
        for key in Self::keys(peer, username) {
            if let Some(t) = self.tallies.get(&key) {
                let age = now.saturating_duration_since(t.since);
                if age < WINDOW && t.failures > self.allowance(&key) {
                    return Err(WINDOW - age);
                }
            }
        }
        Ok(())
    }

    /// Counts one failure against the address and the (address, username) pair.
    pub fn failed(&self, peer: IpAddr, username: Option<&str>) {
        let now = Instant::now();
        if self.tallies.len() >= MAX_KEYS {
            self.tallies
                .retain(|_, t| now.saturating_duration_since(t.since) < WINDOW);
        }
        for key in Self::keys(peer, username) {
            if self.tallies.len() >= MAX_KEYS && !self.tallies.contains_key(&key) {
                tracing::warn!(
                    keys = MAX_KEYS,
                    "lock-out table full; a new source is not tracked"
                );
                continue;
            }
            let mut tally = self.tallies.entry(key).or_insert(Tally {
                since: now,
                failures: 0,
            });
            if now.saturating_duration_since(tally.since) >= WINDOW {
                *tally = Tally {
                    since: now,
                    failures: 0,
                };
            }
            tally.failures = tally.failures.saturating_add(1);
        }
    }

    /// Keys tracked now.
    pub fn len(&self) -> usize {
        self.tallies.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.tallies.is_empty()
    }
}

/// The unit failures are counted for: an IPv4 address (also when seen through an IPv6 socket),
/// or an IPv6 /64.
fn source(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn failures_lock_the_pair_and_then_the_address_never_the_username_alone() {
        let lockout = Lockout::new(3, 5);
        let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
        for _ in 0..3 {
            assert!(lockout.check(a, Some("shop")).is_ok());
            lockout.failed(a, Some("shop"));
        }
        assert!(
            lockout.check(a, Some("shop")).is_ok(),
            "the allowance is three failures"
        );
        lockout.failed(a, Some("shop"));
        let wait = lockout.check(a, Some("shop")).unwrap_err();
        assert!(
            wait <= WINDOW && wait > WINDOW - Duration::from_secs(5),
            "{wait:?}"
        );
        assert!(
            lockout.check(b, Some("shop")).is_ok(),
            "shop is not locked from elsewhere"
        );
        assert!(
            lockout.check(a, Some("news")).is_ok(),
            "the address is not locked yet"
        );
        lockout.failed(a, Some("news"));
        lockout.failed(a, None);
        assert!(
            lockout.check(a, Some("news")).is_err(),
            "six failures lock the address"
        );
        assert!(lockout.check(a, None).is_err());
        assert!(lockout.check(b, Some("news")).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(source(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(source(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        let lockout = Lockout::new(1, 100);
        lockout.failed(ip("2001:db8::1"), Some("shop"));
        lockout.failed(ip("2001:db8::2"), Some("shop"));
        assert!(lockout.check(ip("2001:db8::3"), Some("shop")).is_err());
        assert!(lockout.check(ip("2001:db8:0:1::3"), Some("shop")).is_ok());
    }

    #[test]
    fn the_table_is_bounded() {
        let lockout = Lockout::new(1, 1);
        for n in 0..(MAX_KEYS as u32 / 2 + 10) {
            lockout.failed(IpAddr::V4(n.into()), Some("shop"));
        }
        assert!(lockout.len() <= MAX_KEYS, "{}", lockout.len());
    }
}
