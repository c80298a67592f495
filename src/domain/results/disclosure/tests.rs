//! Small-group protection on tiny groups, the complementary cases, and as a property over random rows.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn hidden(counts: &[u64]) -> Vec<bool> {
    Disclosure::default().protect_cells(counts)
}

#[test]
fn the_defaults_are_thirty_answers_and_five_respondents() {
    assert_eq!(Disclosure::default(), Disclosure { min_base: 30, min_cell: 5 });
}

#[test]
fn an_index_needs_thirty_valid_answers() {
    let rules = Disclosure::default();
    assert!(!rules.protect_base(0));
    assert!(!rules.protect_base(29));
    assert!(rules.protect_base(30));
    assert!(rules.protect_base(1884));
    assert!(Disclosure { min_base: 10, min_cell: 3 }.protect_base(10));
}

#[test]
fn counts_of_five_or_more_and_zeros_are_shown() {
    assert_eq!(hidden(&[12, 5, 30]), vec![false; 3]);
    assert_eq!(hidden(&[0, 0, 7]), vec![false; 3]);
    assert_eq!(hidden(&[]), Vec::<bool>::new());
}

#[test]
fn one_small_count_takes_the_next_smallest_with_it() {
    // 3 alone could be read as the total minus the rest; 10 is the smallest other count.
    assert_eq!(hidden(&[10, 3, 12, 0]), vec![true, true, false, false]);
    // A zero is never the complement.
    assert_eq!(hidden(&[4, 0, 50]), vec![true, false, true]);
    // Of equal counts the first is taken.
    assert_eq!(hidden(&[6, 2, 6]), vec![true, true, false]);
}

#[test]
fn small_counts_that_hold_fewer_than_five_together_take_more_with_them() {
    // 1 + 1 = 2: still a small group, so the smallest shown count (20) joins them.
    assert_eq!(hidden(&[1, 1, 20, 30]), vec![true, true, true, false]);
    // 1 + 2 + 1 = 4, then 5 makes 9.
    assert_eq!(hidden(&[1, 2, 1, 5, 40]), vec![true, true, true, true, false]);
    // 2 + 2 + 2 = 6 is enough.
    assert_eq!(hidden(&[2, 2, 2, 40]), vec![true, true, true, false]);
    // 4 + 4 = 8 is enough.
    assert_eq!(hidden(&[4, 4, 9]), vec![true, true, false]);
}

#[test]
fn a_tiny_group_is_hidden_whole() {
    assert_eq!(hidden(&[3]), vec![true]);
    assert_eq!(hidden(&[3, 0]), vec![true, false]);
    assert_eq!(hidden(&[1, 2]), vec![true, true]);
    assert_eq!(hidden(&[1, 1, 1]), vec![true, true, true]);
    assert_eq!(hidden(&[1, 8]), vec![true, true]);
}

#[test]
fn a_minimum_cell_of_one_or_zero_hides_nothing() {
    for min_cell in [0, 1] {
        let rules = Disclosure { min_base: 0, min_cell };
        assert_eq!(rules.protect_cells(&[1, 0, 2]), vec![false; 3]);
    }
    let rules = Disclosure { min_base: 30, min_cell: 3 };
    assert_eq!(rules.protect_cells(&[3, 2, 4]), vec![true, true, false]);
}

#[test]
fn no_hidden_count_can_be_recovered_from_the_total_in_random_rows() {
    let mut random = StdRng::seed_from_u64(0x2016_0501);
    for _ in 0..2000 {
        let rules = Disclosure { min_base: 30, min_cell: random.random_range(0..=6) };
        let counts: Vec<u64> = (0..random.random_range(0..=6)).map(|_| random.random_range(0..=12)).collect();
        let hidden = rules.protect_cells(&counts);
        let sum: u64 = counts.iter().zip(&hidden).filter(|(_, hidden)| **hidden).map(|(count, _)| count).sum();
        let cells = hidden.iter().filter(|hidden| **hidden).count();
        let everything = counts.iter().zip(&hidden).all(|(count, hidden)| *hidden || *count == 0);
        for (count, hidden) in counts.iter().zip(&hidden) {
            assert!(!(*count == 0 && *hidden), "a zero is hidden in {counts:?}");
            assert!(*hidden || *count == 0 || *count >= rules.min_cell, "a small count is shown in {counts:?}");
        }
        assert!(cells == 0 || (cells >= 2 && sum >= rules.min_cell) || everything, "{counts:?} → {hidden:?}");
    }
}
