//! Brute-force protection for sign-in, shared by all instances through the database.
//!
//! Failures are counted per account (a keyed hash of the typed e-mail address, whether or not the account
//! exists, so the answer never reveals which addresses have accounts) and per client address. Each failure makes
//! the next answer slower; past a limit within the window, the key is locked and every attempt, even with the
//! right password, gets 429 with Retry-After until the lock ends.

use chrono::{Duration, NaiveDateTime};

/// Failures allowed per account within the window before it is locked.
pub const ACCOUNT_LIMIT: i32 = 5;
/// Failures allowed per client address within the window (one office may share an address).
pub const ADDRESS_LIMIT: i32 = 30;

/// How long failures are remembered, and how long a lock lasts.
pub fn window() -> Duration {
    Duration::minutes(15)
}

/// The state kept for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Counter {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

impl Counter {
    /// Seconds until the lock ends, if locked at `now`.
    pub fn locked_for(&self, now: NaiveDateTime) -> Option<i64> {
        self.locked_until.filter(|until| *until > now).map(|until| (until - now).num_seconds().max(1))
    }

    /// The counter after one more failure at `now`, with `limit` failures allowed per window.
    pub fn after_failure(previous: Option<&Counter>, now: NaiveDateTime, limit: i32) -> Counter {
        let fresh = previous.is_none_or(|counter| now - counter.window_started_at > window());
        let (failures, window_started_at) = match previous {
            Some(counter) if !fresh => (counter.failures + 1, counter.window_started_at),
            _ => (1, now),
        };
        let locked_until = (failures >= limit).then(|| now + window());
        Counter { failures, window_started_at, locked_until }
    }
}

/// How long to hold back the answer after the `failures`-th failure: slows scripted guessing without bothering a
/// person who mistypes once.
pub fn delay_after(failures: i32) -> std::time::Duration {
    std::time::Duration::from_millis(100 * u64::try_from(failures.clamp(0, 20)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc() + Duration::minutes(minutes)
    }

    #[test]
    fn the_limit_th_failure_locks_for_the_window() {
        let mut counter = Counter::after_failure(None, at(0), 3);
        assert_eq!(counter.failures, 1);
        counter = Counter::after_failure(Some(&counter), at(1), 3);
        assert_eq!(counter.locked_for(at(1)), None);
        counter = Counter::after_failure(Some(&counter), at(2), 3);
        assert_eq!(counter.locked_for(at(2)), Some(15 * 60));
        assert_eq!(counter.locked_for(at(17)), None, "the lock ends");
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let old = Counter::after_failure(None, at(0), 3);
        let counter = Counter::after_failure(Some(&old), at(20), 3);
        assert_eq!(counter.failures, 1);
        assert_eq!(counter.window_started_at, at(20));
    }

    #[test]
    fn each_failure_slows_the_next_answer_a_little_more() {
        assert!(delay_after(1) < delay_after(4));
        assert_eq!(delay_after(100), std::time::Duration::from_secs(2));
    }
}
