//! Special functions behind the distributions in [`stats`](super::stats): the logarithms of the gamma and beta
//! functions, the regularized incomplete beta function and the regularized upper incomplete gamma function of
//! order ½. Each is accurate to a few units in the last place of an `f64` over the arguments the distributions use
//! (the tests of `stats` check them through the distributions against published values).

use std::f64::consts::PI;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Relative precision at which the continued fractions and series stop.
const EPSILON: f64 = 1e-16;

/// Smallest number the modified Lentz method divides by instead of 0.
const TINY: f64 = 1e-300;

/// Enough terms for a ≈ 10⁹ (the continued fraction needs O(√a) terms).
const MAX_TERMS: usize = 200_000;

/// Lanczos's approximation (g = 7, n = 9), coefficients from Godfrey as printed in *Numerical Recipes*:
/// Γ(x + 1) = √(2π) (x + g + ½)^(x + ½) e^−(x + g + ½) A_g(x).
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 by Lanczos's approximation (relative error of Γ below 2·10⁻¹⁵); below ½ through
/// ln Γ(x) = ln Γ(x + 1) − ln x.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        return ln_gamma(x + 1.0) - x.ln();
    }
    let x = x - 1.0;
    let series = LANCZOS[1..].iter().enumerate().fold(LANCZOS[0], |sum, (i, c)| sum + c / (x + i as f64 + 1.0));
    let t = x + 7.5;
    LN_SQRT_2PI + (x + 0.5) * t.ln() - t + series.ln()
}

/// The remainder of Stirling's series, ln Γ(x) − [(x − ½) ln x − x + ln √(2π)] = Σ B₂ₖ / (2k(2k − 1) x^(2k−1)),
/// for x ≥ 10 (seven terms; the first left out is below 10⁻¹⁶ there).
fn stirling_remainder(x: f64) -> f64 {
    const TERMS: [f64; 7] =
        [1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0, -691.0 / 360_360.0, 1.0 / 156.0];
    let inverse_square = 1.0 / (x * x);
    TERMS.iter().rev().fold(0.0, |sum, term| sum * inverse_square + term) / x
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. For a large argument the three logarithms would
/// cancel, so the large ones go through Stirling's series and `ln_1p` (the arrangement of R's `lbeta`).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    let (p, q) = (a.min(b), a.max(b));
    let share = p / (p + q);
    if p >= 10.0 {
        let remainder = stirling_remainder(p) + stirling_remainder(q) - stirling_remainder(p + q);
        -0.5 * q.ln() + LN_SQRT_2PI + remainder + (p - 0.5) * share.ln() + q * (-share).ln_1p()
    } else if q >= 10.0 {
        let remainder = stirling_remainder(q) - stirling_remainder(p + q);
        ln_gamma(p) + remainder + p - p * (p + q).ln() + (q - 0.5) * (-share).ln_1p()
    } else {
        ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q)
    }
}

/// ln x where 1 − x = y is known more precisely than x itself.
fn ln_of(x: f64, y: f64) -> f64 {
    if x > 0.5 { (-y).ln_1p() } else { x.ln() }
}

/// The regularized incomplete beta function I_x(a, b), given x and y = 1 − x separately so that neither loses
/// digits near 1. Continued fraction (*Numerical Recipes* §6.4, evaluated by the modified Lentz method) on the
/// side of x < (a + 1)/(a + b + 2) where it converges fast, and I_x(a, b) = 1 − I_y(b, a) on the other. Near that
/// boundary with a large the fraction cancels (it loses digits in proportion to a·y), so for b = ½, a ≥ 15 and
/// x > 0.7 (Student's t beyond about 30 degrees of freedom) the asymptotic expansion [`beta_large_a_half_b`] is
/// used instead.
pub fn regularized_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - regularized_beta(b, a, y, x);
    }
    if b == 0.5 && a >= 15.0 && x > 0.7 {
        return beta_large_a_half_b(a, x, y);
    }
    let front = (a * ln_of(x, y) + b * ln_of(y, x) - ln_beta(a, b)).exp();
    front * beta_fraction(a, b, x) / a
}

/// I_x(a, ½) for large a by DiDonato & Morris's asymptotic expansion in incomplete gamma functions (ACM TOMS 708,
/// 1992, routine BGRAT, eq. 9–9.6; arranged as in Boost.Math): with T = a − ¼ and u = −T ln x,
/// I_x(a, b) = Γ(a + b)/(Γ(a) T^b) Σₙ pₙ Jₙ, J₀ = Q(b, u) e^u u^−b Γ(b), where
/// pₙ = (b − 1)/(2n + 1)! + (1/n) Σₘ₌₁ⁿ⁻¹ (m b − n) pₙ₋ₘ/(2m + 1)! and
/// Jₙ = [(b + 2n − 2)(b + 2n − 1) Jₙ₋₁ + (u + b + 2n − 1)(ln x / 2)^(2n − 2)] / (4T²).
fn beta_large_a_half_b(a: f64, x: f64, y: f64) -> f64 {
    const B: f64 = 0.5;
    const TERMS: usize = 30;
    let big_t = a + (B - 1.0) / 2.0;
    let ln_x = ln_of(x, y);
    let u = -big_t * ln_x;
    // h = u^b e^−u / Γ(b); the prefix is h Γ(a + b)/(Γ(a) T^b), with Γ(a + ½)/Γ(a) = Γ(½)/B(a, ½).
    let h = (B * u.ln() - u - 0.5 * PI.ln()).exp();
    if h <= 0.0 {
        return 0.0;
    }
    let prefix = (B * u.ln() - u - ln_beta(a, B) - B * big_t.ln()).exp();
    let factorials: Vec<f64> = (0..=2 * TERMS + 1)
        .scan(1.0, |product, k| {
            *product *= k.max(1) as f64;
            Some(*product)
        })
        .collect();
    let mut p = [0.0; TERMS];
    p[0] = 1.0;
    let mut j = upper_gamma_half(u) / h;
    let mut sum = prefix * j;
    let (half_ln_x_squared, mut power, mut b2n) = ((ln_x / 2.0).powi(2), 1.0, B);
    for n in 1..TERMS {
        let history: f64 = (1..n).map(|m| (m as f64 * B - n as f64) * p[n - m] / factorials[2 * m + 1]).sum();
        p[n] = history / n as f64 + (B - 1.0) / factorials[2 * n + 1];
        j = (b2n * (b2n + 1.0) * j + (u + b2n + 1.0) * power) / (4.0 * big_t * big_t);
        power *= half_ln_x_squared;
        b2n += 2.0;
        let term = prefix * p[n] * j;
        sum += term;
        if term.abs() <= sum.abs() * EPSILON {
            break;
        }
    }
    sum
}

/// The continued fraction of I_x(a, b): 1/(1 + d₁/(1 + d₂/(1 + …))) with
/// d₂ₘ₊₁ = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and d₂ₘ = m (b − m) x / ((a + 2m − 1)(a + 2m)).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let mut lentz = Lentz::new(-(a + b) * x / (a + 1.0));
    for m in 1..MAX_TERMS {
        let m = m as f64;
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        lentz.step(even);
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        if lentz.step(odd) {
            break;
        }
    }
    lentz.value
}

/// The modified Lentz method for a continued fraction 1/(1 + d₁/(1 + d₂/(1 + …))): each step takes the next dᵢ.
struct Lentz {
    c: f64,
    d: f64,
    value: f64,
}

impl Lentz {
    fn new(first: f64) -> Self {
        let d = 1.0 / away_from_zero(1.0 + first);
        Lentz { c: 1.0, d, value: d }
    }

    /// Takes the next partial numerator (all partial denominators are 1); true once the value stopped changing.
    fn step(&mut self, numerator: f64) -> bool {
        self.d = 1.0 / away_from_zero(1.0 + numerator * self.d);
        self.c = away_from_zero(1.0 + numerator / self.c);
        let factor = self.c * self.d;
        self.value *= factor;
        (factor - 1.0).abs() < EPSILON
    }
}

fn away_from_zero(value: f64) -> f64 {
    if value.abs() < TINY { TINY } else { value }
}

/// Q(½, x) = Γ(½, x)/Γ(½), the regularized upper incomplete gamma function of order ½, x ≥ 0 (so that the normal
/// tail is ½ Q(½, z²/2)). Below x = 1.5 by the series of P = 1 − Q, above by the continued fraction of Q
/// (*Numerical Recipes* §6.2).
pub fn upper_gamma_half(x: f64) -> f64 {
    const A: f64 = 0.5;
    if x <= 0.0 {
        return 1.0;
    }
    // ln Γ(½) = ln √π.
    let front = (-x + A * x.ln() - 0.5 * PI.ln()).exp();
    if x < A + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / A, 1.0 / A, A);
        while term.abs() > sum.abs() * EPSILON {
            n += 1.0;
            term *= x / n;
            sum += term;
        }
        return 1.0 - front * sum;
    }
    // Q = front · 1/(x + 1 − a − 1(1 − a)/(x + 3 − a − 2(2 − a)/(x + 5 − a − …))).
    let mut b = x + 1.0 - A;
    let (mut c, mut d) = (1.0 / TINY, 1.0 / b);
    let mut value = d;
    for i in 1..MAX_TERMS {
        let numerator = -(i as f64) * (i as f64 - A);
        b += 2.0;
        d = 1.0 / away_from_zero(numerator * d + b);
        c = away_from_zero(b + numerator / c);
        let factor = c * d;
        value *= factor;
        if (factor - 1.0).abs() < EPSILON {
            break;
        }
    }
    front * value
}
