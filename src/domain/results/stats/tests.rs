//! The distributions against published values and closed forms, t at a fractional df against numeric integration,
//! and the intervals and tests against worked examples computed here by their textbook formulas.

use super::*;

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((actual - expected).abs() <= tolerance, "{what}: {actual} != {expected} (±{tolerance})");
}

fn assert_relative(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert_close(actual, expected, tolerance * expected.abs(), what);
}

/// Composite Simpson's rule with `intervals` (even) steps.
fn simpson(f: impl Fn(f64) -> f64, from: f64, to: f64, intervals: usize) -> f64 {
    let h = (to - from) / intervals as f64;
    let inner: f64 = (1..intervals).map(|i| f(from + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
    (f(from) + inner + f(to)) * h / 3.0
}

/// P(T ≤ t) by numeric integration of the t density, independent of the incomplete beta function: with
/// t = √df tan θ the density becomes proportional to cos^(df−1) θ on (−π/2, π/2), so
/// F(t) = ½ + ∫₀^θ cos^(df−1) / (2 ∫₀^(π/2) cos^(df−1)); the second integral is taken over s = √(π/2 − θ), where
/// it is smooth to the end.
fn t_cdf_by_integration(t: f64, df: f64) -> f64 {
    let power = df - 1.0;
    let whole = simpson(|s: f64| (s * s).sin().powf(power) * 2.0 * s, 0.0, std::f64::consts::FRAC_PI_2.sqrt(), 20_000);
    let part = simpson(|theta: f64| theta.cos().powf(power), 0.0, (t / df.sqrt()).atan(), 20_000);
    0.5 + part / (2.0 * whole)
}

/// The t with F(t) = p by bisection on the integrated distribution function.
fn t_quantile_by_integration(p: f64, df: f64) -> f64 {
    let (mut low, mut high) = (0.0, 100.0);
    while high - low > 1e-13 {
        let middle = 0.5 * (low + high);
        if t_cdf_by_integration(middle, df) < p {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// Φ(z) by Simpson's rule on the normal density, independent of the incomplete gamma function.
fn normal_cdf_by_integration(z: f64) -> f64 {
    let density = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    0.5 + simpson(density, 0.0, z, 20_000)
}

#[test]
fn t_quantiles_match_published_tables() {
    // 97.5 % points; high-precision values (agreeing with the printed tables to their digits).
    let table = [
        (1.0, 12.706_204_736_174_705),
        (2.0, 4.302_652_729_749_464),
        (3.0, 3.182_446_305_284_263_6),
        (10.0, 2.228_138_851_986_275),
        (29.0, 2.045_229_642_132_704_3),
        (100.0, 1.983_971_518_523_552_3),
        (1000.0, 1.962_339_080_826_408_5),
        (1e5, 1.959_987_707_534_609_6),
        (1e7, 1.959_964_221_767_205_5),
        (1e9, 1.959_963_986_912_325_5),
    ];
    for (df, expected) in table {
        assert_close(student_t_quantile(0.975, df), expected, 1e-12, &format!("t(0.975, {df})"));
        assert_close(student_t_quantile(0.025, df), -expected, 1e-12, &format!("t(0.025, {df})"));
    }
    assert_close(student_t_quantile(0.975, f64::INFINITY), 1.959_963_984_540_054, 1e-15, "t(0.975, ∞)");
}

#[test]
fn t_quantiles_match_the_closed_forms_for_one_and_two_degrees_of_freedom() {
    for p in [0.5, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999, 0.999_999, 0.01, 0.2] {
        // Cauchy: tan(π(p − ½)), written with the exact 1 − p or p; two df: (2p − 1)/√(2p(1 − p)).
        let pi = std::f64::consts::PI;
        let cauchy = if p >= 0.5 { 1.0 / (pi * (1.0 - p)).tan() } else { -1.0 / (pi * p).tan() };
        let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
        let tolerance = |expected: f64| 1e-12 * expected.abs().max(1.0);
        assert_close(student_t_quantile(p, 1.0), cauchy, tolerance(cauchy), &format!("t({p}, 1)"));
        assert_close(student_t_quantile(p, 2.0), two, tolerance(two), &format!("t({p}, 2)"));
    }
}

#[test]
fn t_quantiles_at_fractional_df_match_numeric_integration() {
    for df in [2.5, 7.3, 24.988_529_290_231_414] {
        let expected = t_quantile_by_integration(0.975, df);
        assert_close(student_t_quantile(0.975, df), expected, 1e-9, &format!("t(0.975, {df})"));
    }
    // The high-precision value of t(0.975, 2.5).
    assert_close(student_t_quantile(0.975, 2.5), 3.574_654_842_003_683, 1e-12, "t(0.975, 2.5)");
}

#[test]
fn the_t_distribution_function_matches_published_values() {
    assert_close(student_t_cdf(2.0, 3.0), 0.930_337_015_720_578_4, 1e-14, "F(2; 3)");
    assert_close(student_t_cdf(-1.5, 2.5), 0.123_918_226_543_148_13, 1e-14, "F(−1.5; 2.5)");
    assert_close(student_t_cdf(3.0, 1e6), 0.998_650_068_729_289_1, 1e-14, "F(3; 10⁶)");
    assert_relative(student_t_cdf(-40.0, 7.0), 7.951_089_992_425_185e-10, 1e-12, "F(−40; 7)");
    assert_eq!(student_t_cdf(0.0, 4.0), 0.5);
    assert_eq!(student_t_cdf(f64::INFINITY, 4.0), 1.0);
    assert!(student_t_cdf(1.0, 0.0).is_nan());
    assert!(student_t_cdf(1.0, -1.0).is_nan());
}

#[test]
fn small_t_tails_keep_their_relative_precision_on_both_sides_of_thirty_df() {
    // P(T ≤ −t) to 17 digits, across the continued fraction and the asymptotic expansion (df ≥ 30, x > 0.7).
    let tails = [
        (2.5, 31.0, 0.008_960_113_406_693_11),
        (5.0, 100.0, 1.225_086_706_751_900_2e-6),
        (0.5, 45.5, 0.309_742_370_541_127_94),
        (10.0, 1000.0, 8.335_351_479_300_033e-23),
        (1.2, 1e5, 0.115_071_091_659_805_95),
        (25.0, 40.0, 2.481_671_722_239_159_5e-26),
        (4.0, 2e4, 3.178_514_275_634_055e-5),
        (8.0, 30.0, 3.132_911_237_850_379_5e-9),
        (3.0, 14.9, 0.004_513_219_562_776_286),
        (1.7, 29.99, 0.049_740_658_797_490_88),
    ];
    for (t, df, tail) in tails {
        assert_relative(student_t_cdf(-t, df), tail, 1e-13, &format!("F(−{t}; {df})"));
    }
}

#[test]
fn the_t_quantile_inverts_the_distribution_function() {
    for df in [1.0, 1.5, 2.5, 4.0, 9.7, 30.0, 250.0, 12_345.6] {
        for p in [0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.9999] {
            let t = student_t_quantile(p, df);
            assert_close(student_t_cdf(t, df), p, 1e-14, &format!("F(t({p}, {df}))"));
        }
    }
    assert_eq!(student_t_quantile(1.0, 5.0), f64::INFINITY);
    assert_eq!(student_t_quantile(0.0, 5.0), f64::NEG_INFINITY);
    assert!(student_t_quantile(0.5, 0.0).is_nan());
    // Below one degree of freedom the Cauchy bracket is widened.
    assert_close(student_t_cdf(student_t_quantile(0.975, 0.5), 0.5), 0.975, 1e-14, "F(t(0.975, ½))");
}

#[test]
fn the_normal_distribution_matches_published_values() {
    assert_close(normal_cdf(1.0), 0.841_344_746_068_542_9, 1e-15, "Φ(1)");
    assert_relative(normal_cdf(-3.0), 0.001_349_898_031_630_094_5, 1e-13, "Φ(−3)");
    assert_relative(normal_cdf(-10.0), 7.619_853_024_160_526e-24, 1e-12, "Φ(−10)");
    assert_eq!(normal_cdf(0.0), 0.5);
    for z in [0.3, 1.2, 2.5] {
        assert_close(normal_cdf(z), normal_cdf_by_integration(z), 1e-13, &format!("Φ({z})"));
    }
    assert_close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-15, "z(0.975)");
    assert_close(normal_quantile(0.995), 2.575_829_303_548_901, 1e-14, "z(0.995)");
    assert_close(normal_quantile(1e-7), -5.199_337_582_192_817, 1e-12, "z(10⁻⁷)");
    assert_close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-12, "z(10⁻¹⁰)");
    assert_eq!(normal_quantile(0.5), 0.0);
    for p in [1e-300, 1e-8, 0.02, 0.025, 0.3, 0.7, 0.9] {
        assert_relative(normal_cdf(normal_quantile(p)), p, 1e-13, &format!("Φ(z({p}))"));
    }
}

#[test]
fn a_mean_interval_is_the_mean_plus_minus_t_times_the_standard_error() {
    let [low, high] = mean_interval(11.0, 1.5, 0.04, 10.0).unwrap();
    assert_close(low, 1.5 - 2.228_138_851_986_275 * 0.2, 1e-12, "low");
    assert_close(high, 1.5 + 2.228_138_851_986_275 * 0.2, 1e-12, "high");
    assert_eq!(mean_interval(5.0, 2.0, 0.0, 4.0), Some([2.0, 2.0]));
    assert_eq!(mean_interval(1.0, 2.0, 0.1, 1.0), None, "one answer");
    assert_eq!(mean_interval(5.0, 2.0, 0.1, 0.0), None, "no df");
    assert_eq!(mean_interval(5.0, 2.0, -0.1, 4.0), None, "negative variance");
    assert_eq!(mean_interval(5.0, 2.0, f64::NAN, 4.0), None, "NaN variance");
}

#[test]
fn wilson_intervals_match_hand_computed_values() {
    let [low, high] = wilson_interval(8.0, 20.0).unwrap();
    // Published to four places: 0.2188 to 0.6134.
    assert_close(low, 0.218_806_532_372_817_04, 1e-12, "8 of 20, low");
    assert_close(high, 0.613_418_499_237_746_8, 1e-12, "8 of 20, high");
    assert_close(low, 0.2188, 5e-5, "8 of 20, published low");
    assert_close(high, 0.6134, 5e-5, "8 of 20, published high");
    let [low, high] = wilson_interval(3.0, 7.0).unwrap();
    assert_close(low, 0.158_219_855_251_469_7, 1e-12, "3 of 7, low");
    assert_close(high, 0.749_541_635_472_342_8, 1e-12, "3 of 7, high");
    // None of n: from 0 to z²/(n + z²).
    let z2 = normal_quantile(0.975).powi(2);
    let [low, high] = wilson_interval(0.0, 10.0).unwrap();
    assert_eq!(low, 0.0);
    assert_close(high, z2 / (10.0 + z2), 1e-15, "0 of 10, high");
    let [low, high] = wilson_interval(10.0, 10.0).unwrap();
    assert_close(low, 10.0 / (10.0 + z2), 1e-15, "10 of 10, low");
    assert_eq!(high, 1.0);
    // An effective sample size need not be whole.
    let [low, high] = wilson_interval(0.4 * 17.3, 17.3).unwrap();
    assert!(low < 0.4 && 0.4 < high);
    assert_eq!(wilson_interval(0.0, 0.0), None);
    assert_eq!(wilson_interval(3.0, 2.0), None);
    assert_eq!(wilson_interval(-1.0, 2.0), None);
}

/// The sample mean, the variance of the mean s²/n and n − 1.
fn summary(sample: &[f64]) -> (f64, f64, f64) {
    let n = sample.len() as f64;
    let mean = sample.iter().sum::<f64>() / n;
    let variance = sample.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance / n, n - 1.0)
}

#[test]
fn welch_matches_a_worked_example() {
    // The textbook example (also Wikipedia's "Welch's t-test", example 1): t ≈ −2.46, df ≈ 24.99, p ≈ 0.021.
    let a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    let b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    let ((m1, v1, d1), (m2, v2, d2)) = (summary(&a), summary(&b));
    let result = welch(m1, v1, d1, m2, v2, d2).unwrap();

    // Independently: the sample variances s² and the textbook form of the Welch–Satterthwaite df.
    let (s1, s2, n) = (v1 * 15.0, v2 * 15.0, 15.0);
    let df = (s1 / n + s2 / n).powi(2) / ((s1 / n).powi(2) / (n - 1.0) + (s2 / n).powi(2) / (n - 1.0));
    let t = (m1 - m2) / (s1 / n + s2 / n).sqrt();
    let p = 2.0 * (1.0 - t_cdf_by_integration(t.abs(), df));
    let half = t_quantile_by_integration(0.975, df) * (s1 / n + s2 / n).sqrt();

    assert_close(result.difference, m1 - m2, 1e-12, "difference");
    assert_close(result.statistic, t, 1e-12, "t");
    assert_close(result.df.unwrap(), df, 1e-9, "df");
    assert_close(result.p_value, p, 1e-9, "p");
    assert_close(result.ci95[0], m1 - m2 - half, 1e-9, "low");
    assert_close(result.ci95[1], m1 - m2 + half, 1e-9, "high");
    // High-precision values and the published rounding.
    assert_close(result.statistic, -2.455_356_398_286_005, 1e-12, "t, precise");
    assert_close(result.df.unwrap(), 24.988_529_290_231_414, 1e-10, "df, precise");
    assert_close(result.p_value, 0.021_378_001_462_867_032, 1e-12, "p, precise");
    assert!(result.significant);
}

#[test]
fn welch_handles_a_zero_variance_and_refuses_two() {
    let result = welch(2.0, 0.0, 9.0, 1.0, 0.25, 19.0).unwrap();
    assert_eq!(result.df, Some(19.0));
    assert_close(result.statistic, 2.0, 1e-15, "t");
    assert_eq!(welch(2.0, 0.0, 9.0, 1.0, 0.0, 19.0), None);
    assert_eq!(welch(2.0, 0.1, 0.0, 1.0, 0.1, 19.0), None);
    assert_eq!(welch(2.0, -0.1, 9.0, 1.0, 0.1, 19.0), None);
    let same = welch(1.0, 0.1, 9.0, 1.0, 0.1, 9.0).unwrap();
    assert_eq!(same.p_value, 1.0);
    assert!(!same.significant);
}

#[test]
fn two_proportions_match_the_pooled_z_test_and_the_wald_interval() {
    let result = two_proportions(0.4, 200.0, 0.3, 150.0).unwrap();
    // Independently: pooled share 125/350, and Φ by integration.
    let pooled: f64 = 125.0 / 350.0;
    let z = 0.1 / (pooled * (1.0 - pooled) * (1.0 / 200.0 + 1.0 / 150.0)).sqrt();
    let p = 2.0 * (1.0 - normal_cdf_by_integration(z));
    let half = 1.959_963_984_540_054 * (0.4 * 0.6 / 200.0 + 0.3 * 0.7 / 150.0_f64).sqrt();
    assert_close(result.difference, 0.1, 1e-15, "difference");
    assert_close(result.statistic, z, 1e-12, "z");
    assert_close(result.p_value, p, 1e-9, "p");
    assert_close(result.ci95[0], 0.1 - half, 1e-12, "low");
    assert_close(result.ci95[1], 0.1 + half, 1e-12, "high");
    assert_close(result.statistic, 1.932_183_566_158_591_8, 1e-12, "z, precise");
    assert_close(result.p_value, 0.053_336_852_829_139_84, 1e-12, "p, precise");
    assert_eq!(result.df, None);
    assert!(!result.significant);

    assert!(two_proportions(0.0, 10.0, 1.0, 10.0).unwrap().significant);
    assert_eq!(two_proportions(0.0, 10.0, 0.0, 12.0), None, "nobody in either");
    assert_eq!(two_proportions(0.5, 0.0, 0.5, 12.0), None, "no answers");
    assert_eq!(two_proportions(1.5, 10.0, 0.5, 12.0), None, "not a share");
}
