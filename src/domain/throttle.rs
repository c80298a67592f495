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
    fn a_lock_counts_down_to_its_end() {
        let counter = Counter { failures: 5, window_started_at: at(0), locked_until: Some(at(15)) };
        assert_eq!(counter.locked_for(at(2)), Some(13 * 60));
        assert_eq!(counter.locked_for(at(15)), None, "the lock ends");
        assert_eq!(Counter { locked_until: None, ..counter }.locked_for(at(2)), None);
    }

    #[test]
    fn each_failure_slows_the_next_answer_a_little_more() {
        assert!(delay_after(1) < delay_after(4));
        assert_eq!(delay_after(100), std::time::Duration::from_secs(2));
    }
}
