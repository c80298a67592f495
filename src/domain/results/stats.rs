//! Distributions, intervals and tests for survey results: Student's t and the normal distribution, the interval of
//! a mean and of a share, and the difference of two means (Welch) or two shares.
//!
//! Every function takes what a weighted survey estimate provides, the estimate, the variance of the estimate and
//! its degrees of freedom or effective sample size, so the same code serves unweighted and weighted results. All
//! intervals are at 95 % and two-sided. An input that allows no interval or test (no answers, no variance) gives
//! `None`, never NaN, so a page or an export can show "–".

use serde::Serialize;

use super::special::{ln_beta, regularized_beta, upper_gamma_half};

/// Two-sided 95 %: the quantiles at 2.5 % and 97.5 %.
const UPPER: f64 = 0.975;

/// Significance level of [`Comparison::significant`].
pub const ALPHA: f64 = 0.05;

/// The cumulative distribution function of Student's t with `df` > 0 degrees of freedom (any real `df`):
/// P(T ≤ t) = 1 − ½ I_x(df/2, ½) for t ≥ 0 and ½ I_x(df/2, ½) for t < 0, with x = df/(df + t²)
/// (Abramowitz & Stegun 26.7.1 and 26.5.27). Infinite `df` is the normal distribution. NaN for `df` ≤ 0.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let upper = student_t_tail(t.abs(), df);
    if t >= 0.0 { 1.0 - upper } else { upper }
}

/// P(T > t) for t ≥ 0, kept apart from the distribution function so small tails keep their digits.
fn student_t_tail(t: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return normal_tail(t);
    }
    if t.is_infinite() {
        return 0.0;
    }
    let square = t * t;
    0.5 * regularized_beta(0.5 * df, 0.5, df / (df + square), square / (df + square))
}

/// The density of Student's t: (1 + t²/df)^−(df + 1)/2 / (√df B(df/2, ½)).
fn student_t_density(t: f64, df: f64) -> f64 {
    (-0.5 * (df + 1.0) * (t * t / df).ln_1p() - ln_beta(0.5 * df, 0.5) - 0.5 * df.ln()).exp()
}

/// The quantile function of Student's t: the t with P(T ≤ t) = p, for 0 < p < 1 and any real `df` > 0 (the
/// Welch–Satterthwaite degrees of freedom are rarely whole). For a two-sided 95 % interval use
/// `student_t_quantile(0.975, df)`.
///
/// Method: the root of P(T > t) = 1 − p between the normal quantile and the Cauchy quantile 1/tan(π(1 − p)),
/// which bracket it for df ≥ 1 (the bracket is widened for df < 1), found by Newton's method on the distribution
/// function through [`student_t_cdf`] with bisection where a step would leave the bracket ("rtsafe", *Numerical
/// Recipes* §9.4); the start is the Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5). Accurate to about
/// 10⁻¹⁴ relative. p ≤ 0 and p ≥ 1 give ∓∞, NaN arguments or `df` ≤ 0 give NaN; infinite `df` is the normal.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df.is_infinite() {
        return normal_quantile(p);
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    if p == 0.5 {
        return 0.0;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    // 1 − p is exact for p ≥ ½.
    let tail = 1.0 - p;
    let (mut low, mut high) = (normal_quantile(p), 1.0 / (std::f64::consts::PI * tail).tan());
    while student_t_tail(high, df) > tail {
        low = high;
        high *= 2.0;
    }
    let start = cornish_fisher(normal_quantile(p), df).clamp(low, high);
    solve_tail(tail, df, [low, high], start)
}

/// Abramowitz & Stegun 26.7.5: t ≈ z + g₁/df + g₂/df² + g₃/df³ + g₄/df⁴.
fn cornish_fisher(z: f64, df: f64) -> f64 {
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

/// The t in `bracket` with P(T > t) = `tail`, by safeguarded Newton steps from `start`.
fn solve_tail(tail: f64, df: f64, bracket: [f64; 2], start: f64) -> f64 {
    let [mut low, mut high] = bracket;
    let mut t = start;
    for _ in 0..200 {
        let excess = student_t_tail(t, df) - tail;
        if excess == 0.0 {
            return t;
        }
        // The tail falls as t grows: too much tail means the root lies above t.
        if excess > 0.0 {
            low = t;
        } else {
            high = t;
        }
        let newton = t + excess / student_t_density(t, df);
        let next = if newton > low && newton < high { newton } else { 0.5 * (low + high) };
        if (next - t).abs() <= 4.0 * f64::EPSILON * t.abs() {
            return next;
        }
        t = next;
    }
    t
}

/// The standard normal distribution function Φ(z) = ½ erfc(−z/√2), with erfc(x) = Q(½, x²) the regularized
/// upper incomplete gamma function (Abramowitz & Stegun 7.1.2, 6.5.17), so the lower tail keeps its relative
/// precision. NaN gives NaN.
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z >= 0.0 { 1.0 - normal_tail(z) } else { normal_tail(-z) }
}

/// P(Z > z) for z ≥ 0.
fn normal_tail(z: f64) -> f64 {
    0.5 * upper_gamma_half(0.5 * z * z)
}

/// Acklam's rational approximation of the normal quantile (relative error below 1.15·10⁻⁹), by region.
const ACKLAM_CENTRAL_NUMERATOR: [f64; 6] = [
    -3.969_683_028_665_376e1,
    2.209_460_984_245_205e2,
    -2.759_285_104_469_687e2,
    1.383_577_518_672_69e2,
    -3.066_479_806_614_716e1,
    2.506_628_277_459_239,
];
const ACKLAM_CENTRAL_DENOMINATOR: [f64; 6] = [
    -5.447_609_879_822_406e1,
    1.615_858_368_580_409e2,
    -1.556_989_798_598_866e2,
    6.680_131_188_771_972e1,
    -1.328_068_155_288_572e1,
    1.0,
];
const ACKLAM_TAIL_NUMERATOR: [f64; 6] = [
    -7.784_894_002_430_293e-3,
    -3.223_964_580_411_365e-1,
    -2.400_758_277_161_838,
    -2.549_732_539_343_734,
    4.374_664_141_464_968,
    2.938_163_982_698_783,
];
const ACKLAM_TAIL_DENOMINATOR: [f64; 5] =
    [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416, 1.0];

/// Horner's rule, highest power first.
fn polynomial(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |sum, c| sum * x + c)
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1: Peter J. Acklam's rational approximation (2003) refined by one
/// step of Halley's method on [`normal_cdf`], x ← x − u/(1 + x u/2) with u = (Φ(x) − p)·√(2π)·e^(x²/2), which
/// brings it to full double precision. Above ½ by symmetry, Φ⁻¹(p) = −Φ⁻¹(1 − p). p ≤ 0 and p ≥ 1 give ∓∞.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -normal_quantile(1.0 - p);
    }
    let x = if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        polynomial(&ACKLAM_TAIL_NUMERATOR, q) / polynomial(&ACKLAM_TAIL_DENOMINATOR, q)
    } else {
        let q = p - 0.5;
        let r = q * q;
        q * polynomial(&ACKLAM_CENTRAL_NUMERATOR, r) / polynomial(&ACKLAM_CENTRAL_DENOMINATOR, r)
    };
    let u = (normal_cdf(x) - p) * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * x * x).exp();
    x - u / (1.0 + 0.5 * x * u)
}

/// The 95 % interval of a mean: mean ± t₀.₉₇₅(df)·√(variance of the mean) (the usual t interval; for a weighted
/// mean the variance of the mean comes from linearisation and df from the design, e.g. n_eff − 1 with Kish's
/// effective sample size). `n` is the (effective) number of answers: below 2, or with `df` ≤ 0 or a negative or
/// non-finite variance, there is no interval (`None`).
pub fn mean_interval(n: f64, mean: f64, variance_of_mean: f64, df: f64) -> Option<[f64; 2]> {
    let usable = n >= 2.0 && df > 0.0 && variance_of_mean >= 0.0 && variance_of_mean.is_finite() && mean.is_finite();
    if !usable {
        return None;
    }
    let half = student_t_quantile(UPPER, df) * variance_of_mean.sqrt();
    Some([mean - half, mean + half])
}

/// The 95 % Wilson score interval of a share: with p = successes/n and z = Φ⁻¹(0.975),
/// (p + z²/2n ± z √(p(1 − p)/n + z²/4n²)) / (1 + z²/n) (Wilson 1927; Agresti & Coull 1998). `n` may be an
/// effective sample size and `successes` a weighted count (then successes = p·n_eff, which may exceed n by a
/// rounding error; it counts as n). `None` for n ≤ 0 or successes outside 0..=n.
pub fn wilson_interval(successes: f64, n: f64) -> Option<[f64; 2]> {
    if !(n > 0.0 && n.is_finite() && successes >= 0.0 && successes <= n * (1.0 + 1e-12)) {
        return None;
    }
    let z = normal_quantile(UPPER);
    let z2_n = z * z / n;
    let p = (successes / n).min(1.0);
    let centre = (p + z2_n / 2.0) / (1.0 + z2_n);
    let half = z * (p * (1.0 - p) / n + z2_n / (4.0 * n)).sqrt() / (1.0 + z2_n);
    Some([(centre - half).max(0.0), (centre + half).min(1.0)])
}

/// A difference between two estimates (first minus second) and its test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// The first estimate minus the second.
    pub difference: f64,
    /// The 95 % interval of the difference.
    pub ci95: [f64; 2],
    /// The test statistic: t (Welch) or z (two shares).
    pub statistic: f64,
    /// The degrees of freedom of t; `None` for a z test (the normal distribution).
    pub df: Option<f64>,
    /// The two-sided p-value.
    pub p_value: f64,
    /// Whether p < [`ALPHA`] (5 %).
    pub significant: bool,
}

impl Comparison {
    fn new(difference: f64, ci95: [f64; 2], statistic: f64, df: Option<f64>, p_value: f64) -> Self {
        Comparison { difference, ci95, statistic, df, p_value, significant: p_value < ALPHA }
    }
}

/// Welch's test of two means from independent samples, from each mean, the variance of that mean (s²/n for a
/// simple sample) and its degrees of freedom (n − 1): t = (m₁ − m₂)/√(v₁ + v₂) on the Welch–Satterthwaite
/// df = (v₁ + v₂)² / (v₁²/df₁ + v₂²/df₂) (Welch 1947, Satterthwaite 1946), two-sided p = 2 P(T > |t|), and the
/// interval (m₁ − m₂) ± t₀.₉₇₅(df) √(v₁ + v₂). `None` when both variances are 0 (nothing to test against), a
/// variance is negative or not finite, or a positive variance comes with df ≤ 0.
pub fn welch(mean1: f64, var_of_mean1: f64, df1: f64, mean2: f64, var_of_mean2: f64, df2: f64) -> Option<Comparison> {
    let valid = |variance: f64, df: f64| variance == 0.0 || (variance > 0.0 && variance.is_finite() && df > 0.0);
    let variance = var_of_mean1 + var_of_mean2;
    if !(valid(var_of_mean1, df1) && valid(var_of_mean2, df2) && variance > 0.0) {
        return None;
    }
    let share = |variance: f64, df: f64| if variance == 0.0 { 0.0 } else { variance * variance / df };
    let df = variance * variance / (share(var_of_mean1, df1) + share(var_of_mean2, df2));
    let difference = mean1 - mean2;
    let error = variance.sqrt();
    let statistic = difference / error;
    let half = student_t_quantile(UPPER, df) * error;
    let p_value = 2.0 * student_t_tail(statistic.abs(), df);
    Some(Comparison::new(difference, [difference - half, difference + half], statistic, Some(df), p_value))
}

/// Two shares from independent samples (p₁ of n₁, p₂ of n₂; n may be an effective sample size). The p-value is
/// the pooled z test's: z = (p₁ − p₂)/√(p̄(1 − p̄)(1/n₁ + 1/n₂)) with p̄ = (n₁p₁ + n₂p₂)/(n₁ + n₂), p = 2 P(Z > |z|).
/// The interval is the unpooled Wald interval (p₁ − p₂) ± z₀.₉₇₅ √(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂), which
/// shrinks to a point when both shares are 0 or 1. `None` for n ≤ 0, a share outside 0..=1, or p̄ of 0 or 1
/// (both shares 0 or both 1: nothing to test).
pub fn two_proportions(p1: f64, n1: f64, p2: f64, n2: f64) -> Option<Comparison> {
    let valid = |p: f64, n: f64| (0.0..=1.0).contains(&p) && n > 0.0 && n.is_finite();
    if !(valid(p1, n1) && valid(p2, n2)) {
        return None;
    }
    let pooled = (n1 * p1 + n2 * p2) / (n1 + n2);
    let pooled_variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    if pooled_variance <= 0.0 {
        return None;
    }
    let difference = p1 - p2;
    let statistic = difference / pooled_variance.sqrt();
    let p_value = 2.0 * normal_tail(statistic.abs());
    let half = normal_quantile(UPPER) * (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    Some(Comparison::new(difference, [difference - half, difference + half], statistic, None, p_value))
}

#[cfg(test)]
mod tests;
