//! Raking by hand on tiny fixtures, its refusals, and as a property over generated fixtures.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

const NO_TRIM: (f64, f64) = (0.0, f64::INFINITY);

/// The weighted shares of each category among the respondents known on `margin`.
fn weighted_shares(weights: &[f64], cells: &[Vec<Option<usize>>], margin: usize, categories: usize) -> Vec<f64> {
    let mut totals = vec![0.0; categories];
    for (weight, respondent) in weights.iter().zip(cells) {
        if let Some(category) = respondent[margin] {
            totals[category] += weight;
        }
    }
    let known: f64 = totals.iter().sum();
    totals.iter().map(|total| total / known).collect()
}

fn assert_margins(raked: &Raked, cells: &[Vec<Option<usize>>], targets: &[Vec<f64>], tolerance: f64) {
    for (margin, targets) in targets.iter().enumerate() {
        let total: f64 = targets.iter().sum();
        let shares = weighted_shares(&raked.weights, cells, margin, targets.len());
        for (share, target) in shares.iter().zip(targets) {
            assert!((share - target / total).abs() <= tolerance, "margin {margin}: {shares:?} against {targets:?}");
        }
    }
}

fn sum(weights: &[f64]) -> f64 {
    weights.iter().sum()
}

#[test]
fn one_margin_is_met_in_one_pass() {
    // Three men and one woman; the population is half and half: the men weigh 2/3, the woman 2.
    let cells = vec![vec![Some(0)], vec![Some(0)], vec![Some(0)], vec![Some(1)]];
    let raked = rake(&cells, &[vec![5000.0, 5000.0]], DEFAULT_TRIM).unwrap();
    assert!(raked.converged);
    assert_eq!(raked.trimmed, 0);
    for (weight, expected) in raked.weights.iter().zip([2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0]) {
        assert!((weight - expected).abs() < 1e-12, "{:?}", raked.weights);
    }
}

#[test]
fn two_margins_reproduce_the_population_to_1e_9() {
    // Gender (2) and age band (3): 16–29, 30–64, 65–85.
    let pairs = [(0, 0), (0, 1), (0, 1), (0, 2), (0, 2), (0, 2), (1, 0), (1, 1), (1, 1), (1, 1), (1, 2), (1, 2)];
    let cells: Vec<Vec<Option<usize>>> = pairs.iter().map(|&(gender, age)| vec![Some(gender), Some(age)]).collect();
    let targets = vec![vec![10_150.0, 9_850.0], vec![4_200.0, 10_300.0, 5_500.0]];
    let raked = rake(&cells, &targets, DEFAULT_TRIM).unwrap();
    assert!(raked.converged, "{raked:?}");
    assert!(raked.iterations > 1 && raked.iterations < MAX_ITERATIONS);
    assert_margins(&raked, &cells, &targets, 1e-9);
    assert!((sum(&raked.weights) - 12.0).abs() < 1e-9);
}

#[test]
fn an_unknown_category_is_not_adjusted_on_its_margin() {
    // Two men, a woman and one who did not say; half and half among the three known.
    let cells = vec![vec![Some(0)], vec![Some(0)], vec![Some(1)], vec![None]];
    let raked = rake(&cells, &[vec![1.0, 1.0]], DEFAULT_TRIM).unwrap();
    assert!(raked.converged);
    assert_eq!(raked.weights, vec![0.75, 0.75, 1.5, 1.0]);
}

#[test]
fn unknown_on_one_margin_and_known_on_another_keeps_the_sum_and_the_shares() {
    let cells = vec![
        vec![Some(0), None],
        vec![Some(1), Some(0)],
        vec![Some(1), Some(1)],
        vec![None, Some(0)],
        vec![Some(0), Some(1)],
        vec![Some(1), Some(0)],
    ];
    let targets = vec![vec![1.0, 1.0], vec![9.0, 1.0]];
    let raked = rake(&cells, &targets, NO_TRIM).unwrap();
    assert!(raked.converged, "{raked:?}");
    assert_margins(&raked, &cells, &targets, 1e-9);
    assert!((sum(&raked.weights) - 6.0).abs() < 1e-9);
}

#[test]
fn trimming_holds_weights_within_the_bounds_even_when_the_margin_cannot_be_met() {
    // One woman among ten; half and half would give her weight 5, above 3 times the mean.
    let mut cells = vec![vec![Some(0)]; 9];
    cells.push(vec![Some(1)]);
    let raked = rake(&cells, &[vec![1.0, 1.0]], DEFAULT_TRIM).unwrap();
    assert!(!raked.converged);
    assert_eq!(raked.iterations, MAX_ITERATIONS);
    assert_eq!(raked.trimmed, 1);
    assert!((raked.weights[9] - 3.0).abs() < 1e-9, "{:?}", raked.weights);
    assert!((sum(&raked.weights) - 10.0).abs() < 1e-9);
    // Without trimming she weighs 5.
    let untrimmed = rake(&cells, &[vec![1.0, 1.0]], NO_TRIM).unwrap();
    assert!(untrimmed.converged);
    assert!((untrimmed.weights[9] - 5.0).abs() < 1e-12);
}

#[test]
fn impossible_input_is_refused_with_its_place() {
    let two = vec![vec![Some(0)], vec![Some(1)]];
    assert_eq!(
        rake(&[vec![Some(0), None]], &[vec![1.0]], DEFAULT_TRIM),
        Err(RakingError::MarginCount { respondent: 0, found: 2, margins: 1 })
    );
    assert_eq!(
        rake(&[vec![Some(0)], vec![Some(2)]], &[vec![1.0, 1.0]], DEFAULT_TRIM),
        Err(RakingError::Category { respondent: 1, margin: 0, category: 2 })
    );
    assert_eq!(rake(&two, &[vec![1.0, -1.0]], DEFAULT_TRIM), Err(RakingError::Targets { margin: 0 }));
    assert_eq!(rake(&two, &[vec![0.0, 0.0]], DEFAULT_TRIM), Err(RakingError::Targets { margin: 0 }));
    assert_eq!(rake(&two, &[vec![1.0, f64::NAN]], DEFAULT_TRIM), Err(RakingError::Targets { margin: 0 }));
    assert_eq!(
        rake(&two, &[vec![1.0, 1.0, 1.0]], DEFAULT_TRIM),
        Err(RakingError::NoRespondents { margin: 0, category: 2 })
    );
    assert_eq!(rake(&two, &[vec![1.0, 0.0]], DEFAULT_TRIM), Err(RakingError::NoPopulation { margin: 0, category: 1 }));
    assert_eq!(rake(&two, &[vec![1.0, 1.0]], (1.5, 3.0)), Err(RakingError::Trim));
    assert_eq!(rake(&two, &[vec![1.0, 1.0]], (0.3, f64::NAN)), Err(RakingError::Trim));
    // An empty category of the population is fine, and so is nobody at all.
    assert!(rake(&two, &[vec![1.0, 2.0, 0.0]], DEFAULT_TRIM).is_ok());
    assert_eq!(rake(&[], &[vec![1.0, 2.0]], DEFAULT_TRIM).unwrap().weights, Vec::<f64>::new());
}

#[test]
fn effective_n_is_kish() {
    assert_eq!(effective_n(&[1.0; 4]), 4.0);
    assert!((effective_n(&[1.0, 3.0]) - 1.6).abs() < 1e-15);
    assert_eq!(effective_n(&[2.0, 0.0, 0.0]), 1.0);
    assert_eq!(effective_n(&[]), 0.0);
}

/// A random fixture: 1–3 margins of 2–4 categories, 20–200 respondents, about 5 % unknown on each margin, every
/// category with at least one respondent, and population counts from 0.5 to 2 times an even split.
fn fixture(random: &mut StdRng) -> (Vec<Vec<Option<usize>>>, Vec<Vec<f64>>) {
    let sizes: Vec<usize> = (0..random.random_range(1..=3)).map(|_| random.random_range(2..=4)).collect();
    let cells = (0..random.random_range(20..=200))
        .map(|respondent| {
            let category = |(margin, &size): (usize, &usize)| match respondent {
                r if r < size => Some((r + margin) % size),
                _ if random.random_bool(0.05) => None,
                _ => Some(random.random_range(0..size)),
            };
            sizes.iter().enumerate().map(category).collect()
        })
        .collect();
    let targets = sizes.iter().map(|&size| (0..size).map(|_| 1000.0 * random.random_range(0.5..2.0)).collect());
    (cells, targets.collect())
}

#[test]
fn converged_raking_meets_the_margins_within_the_bounds_for_generated_fixtures() {
    let mut random = StdRng::seed_from_u64(0x2016_1221);
    let (mut converged, mut trimmed) = (0, 0);
    for _ in 0..300 {
        let (cells, targets) = fixture(&mut random);
        let raked = rake(&cells, &targets, DEFAULT_TRIM).unwrap();
        let n = cells.len() as f64;
        assert!((sum(&raked.weights) - n).abs() <= 1e-9 * n, "the weights sum to n");
        let (lower, upper) = DEFAULT_TRIM;
        let within = |weight: &f64| lower * (1.0 - 1e-9) <= *weight && *weight <= upper * (1.0 + 1e-9);
        assert!(raked.weights.iter().all(within), "{:?}", raked.weights);
        if raked.converged {
            assert_margins(&raked, &cells, &targets, 1e-9);
            converged += 1;
            trimmed += usize::from(raked.trimmed > 0);
        }
    }
    assert!(converged >= 250, "only {converged} of 300 converged");
    assert!(trimmed >= 20, "only {trimmed} converged with trimming");
}
