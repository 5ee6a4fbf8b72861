//! Small statistics: medians, geometric means, Wilson intervals.

/// The median (the mean of the middle two for an even count); NaN if empty.
pub(crate) fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// The geometric mean of positive values; NaN if empty.
pub(crate) fn geomean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

/// The Wilson score interval (95%) for `k` successes in `n` trials, as
/// `kcsan hunt` prints it: honest near 0 and 1, where the normal
/// approximation would claim certainty.
pub(crate) fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_985_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_geomean() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert!((geomean(&[1.0, 4.0]) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn wilson_bounds() {
        let (lo, hi) = wilson(20, 20);
        assert!(hi == 1.0 && (lo - 0.839).abs() < 0.001, "{lo}");
        let (lo, hi) = wilson(0, 20);
        assert!(lo == 0.0 && (hi - 0.161).abs() < 0.001, "{hi}");
        let (lo, hi) = wilson(10, 20);
        assert!(lo < 0.5 && hi > 0.5);
    }
}
