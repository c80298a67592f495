//! How code entry keeps guessing hopeless without locking out residents who share an address.
//!
//! **Why guessing is hopeless.** A code is eleven random characters of 30 and a check character: there are 30^11
//! (about 1.8 × 10^16) valid codes. With `L` letters out, one guessed code hits some letter with probability
//! `L / 30^11`, so a guesser needs `30^11 / L` guesses on average: 590 billion with 30,000 letters out. A typo never
//! costs a lookup (the check character catches it, and 29 of 30 random strings fail it), so only well-formed codes
//! that match nothing count as guesses.
//!
//! **Per address: slowed, never locked.** Many residents may share one address (a reverse proxy, carrier-grade NAT).
//! Each address has an [`ALLOWANCE`] of unknown codes per [`window`]; past it, lookups from that address are paced, one
//! every [`PACE`], and a lookup asked for sooner is answered "try again in a few seconds" without being made. An
//! address can thus make at most [`most_lookups_per_window`] lookups an hour, 3.4 million a year: 170,000 years on
//! average to hit one of 30,000 letters. A resident behind a paced address waits seconds, never minutes, and a browser
//! that has already opened its code carries a pass for it and is not paced at all.
//!
//! **In all: a ceiling.** Many addresses together (a botnet) could each stay within the allowance. Past [`CEILING`]
//! unknown codes from everyone within the window, every address that has tried an unknown code in its window is paced
//! through one shared gate, one lookup every [`SHARED_PACE`] for all of them together, until the window ends. Addresses
//! that have tried no unknown code go on as before, so residents elsewhere are not held up; a botnet gets the ceiling,
//! the shared gate (3,600 an hour) and one lookup per fresh address.

use chrono::Duration;

use crate::domain::codes::RANDOM_CODES;

/// Unknown codes an address may try per window before its lookups are paced: a housing block behind one address, with
/// the odd resident who types a code that is well-formed but wrong, never reaches it.
pub const ALLOWANCE: i32 = 30;

/// Past the allowance, the least time between two lookups from one address.
pub const PACE: Duration = Duration::seconds(10);

/// Unknown codes from all addresses together per window before addresses that tried unknown codes share one gate;
/// a normal survey round sees a handful an hour.
pub const CEILING: i32 = 500;

/// Past the ceiling, the least time between two lookups through the shared gate.
pub const SHARED_PACE: Duration = Duration::seconds(1);

/// How long unknown codes are counted.
pub fn window() -> Duration {
    Duration::hours(1)
}

/// How many valid codes there are.
pub const VALID_CODES: u64 = RANDOM_CODES;

/// The most lookups one address can make in a window: its allowance, then one per pace.
pub fn most_lookups_per_window() -> i64 {
    i64::from(ALLOWANCE) + window().num_seconds() / PACE.num_seconds()
}

/// The guesses needed on average to hit any of `letters_out` valid codes.
pub fn expected_guesses(letters_out: u64) -> u64 {
    VALID_CODES / letters_out.max(1)
}

/// What a lookup must pass before it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gates {
    /// The address is past its allowance: it needs its own next slot.
    pub address: bool,
    /// Everyone is past the ceiling and this address has tried unknown codes: it needs the shared gate's next slot.
    pub shared: bool,
}

/// The gates of a lookup from an address that has `counted` lookups in its window, this one included (those of known
/// codes are taken back once they are found), while everyone together has tried `unknown_in_all` unknown codes.
pub fn gates(counted: i32, unknown_in_all: i32) -> Gates {
    Gates { address: counted > ALLOWANCE, shared: unknown_in_all >= CEILING && counted > 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOURS_A_YEAR: f64 = 24.0 * 365.25;

    #[test]
    fn there_are_thirty_to_the_eleventh_valid_codes() {
        assert_eq!(VALID_CODES, 17_714_700_000_000_000);
        assert_eq!(expected_guesses(30_000), 590_490_000_000);
    }

    #[test]
    fn one_address_needs_about_170_000_years_for_one_of_30_000_letters() {
        assert_eq!(most_lookups_per_window(), 390);
        let per_year = most_lookups_per_window() as f64 * HOURS_A_YEAR;
        let years = expected_guesses(30_000) as f64 / per_year;
        assert!((170_000.0..175_000.0).contains(&years), "{years}");
        // Even with a million letters out, thousands of years.
        assert!(expected_guesses(1_000_000) as f64 / per_year > 5_000.0);
    }

    #[test]
    fn a_botnet_past_the_ceiling_gets_little_more_than_its_fresh_addresses() {
        // 100,000 fresh addresses an hour: each its first lookup, plus the ceiling and the shared gate.
        let per_hour = 100_000.0 + f64::from(CEILING) + 3_600.0 / SHARED_PACE.num_seconds() as f64;
        let years = expected_guesses(30_000) as f64 / (per_hour * HOURS_A_YEAR);
        assert!(years > 600.0, "{years}");
        // Over a six-week round, the chance of a single hit stays below 1 in 5,000.
        let chance = per_hour * 6.0 * 7.0 * 24.0 * 30_000.0 / VALID_CODES as f64;
        assert!(chance < 1.0 / 5_000.0, "{chance}");
    }

    #[test]
    fn an_address_is_paced_only_past_its_allowance() {
        assert_eq!(gates(1, 0), Gates { address: false, shared: false });
        assert_eq!(gates(ALLOWANCE, 0), Gates { address: false, shared: false });
        assert_eq!(gates(ALLOWANCE + 1, 0), Gates { address: true, shared: false });
    }

    #[test]
    fn past_the_ceiling_only_addresses_that_tried_unknown_codes_share_the_gate() {
        assert_eq!(gates(1, CEILING), Gates { address: false, shared: false }, "a fresh address goes on");
        assert_eq!(gates(2, CEILING - 1), Gates { address: false, shared: false });
        assert_eq!(gates(2, CEILING), Gates { address: false, shared: true });
        assert_eq!(gates(ALLOWANCE + 1, CEILING), Gates { address: true, shared: true });
    }
}
