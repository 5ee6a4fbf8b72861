//! Small statistics: medians, geometric means, Wilson intervals, and the
//! chance that a few runs out of many catch a race.

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

/// The chance that `m` runs drawn without replacement from `n` runs, `k` of
/// which detected, include at least one detection: `1 - C(n-k, m) / C(n, m)`.
///
/// This is the unbiased estimate, from all `n` runs, of how likely `m` fresh
/// runs are to catch the race at least once; the naive `1 - (1 - k/n)^m` is
/// biased upwards for small `n`. With `m > n` it uses all `n` runs (then it is
/// 1 when any run detected). `None` when there is nothing to estimate from
/// (`n == 0`, `m == 0`) or the counts are inconsistent (`k > n`).
pub(crate) fn any_of(k: usize, n: usize, m: usize) -> Option<f64> {
    if n == 0 || m == 0 || k > n {
        return None;
    }
    let m = m.min(n);
    // C(n-k, m) / C(n, m) = prod_{i<m} (n-k-i) / (n-i): the chance that all m
    // draws miss. It is 0 as soon as fewer than m runs missed.
    let miss = (0..m).fold(1.0, |acc, i| {
        if n - k <= i {
            0.0
        } else {
            acc * (n - k - i) as f64 / (n - i) as f64
        }
    });
    Some(1.0 - miss)
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

    #[test]
    fn any_of_m_runs() {
        // Never detected: no draw can detect; always detected: every draw does.
        assert_eq!(any_of(0, 20, 5), Some(0.0));
        assert_eq!(any_of(20, 20, 5), Some(1.0));
        // By hand: 2 of 10 detected, 5 drawn: 1 - C(8,5)/C(10,5) = 1 - 56/252 = 7/9.
        let p = any_of(2, 10, 5).unwrap();
        assert!((p - 7.0 / 9.0).abs() < 1e-12, "{p}");
        // One detection in n runs is in a draw of m with chance m/n.
        assert!((any_of(1, 20, 5).unwrap() - 0.25).abs() < 1e-12);
        // Fewer misses than draws: some draw must detect.
        assert_eq!(any_of(6, 10, 5), Some(1.0));
        // m > n: all n runs are used.
        assert_eq!(any_of(1, 3, 5), Some(1.0));
        assert_eq!(any_of(0, 3, 5), Some(0.0));
        assert_eq!(any_of(0, 0, 5), None);
        assert_eq!(any_of(3, 2, 5), None);
    }
}
