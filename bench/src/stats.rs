//! Medians and percentiles of a benchmark's figures.

/// The `fraction` (0 to 1) percentile of `values`, by nearest rank: the value `fraction` of the
/// way from the smallest to the largest. `None` for no values.
pub(crate) fn percentile(values: &[f64], fraction: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let last = sorted.len().checked_sub(1)?;
    Some(sorted[((last as f64 * fraction).round() as usize).min(last)])
}

/// The median of `values`, for an even count the upper of the two middle ones; `None` for no
/// values.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_of_nothing_is_none() {
        assert_eq!(percentile(&[], 0.99), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn percentile_is_the_nearest_rank_of_the_sorted_values() {
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        // The upper of the two middle values, as the figures always were.
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(3.0));
        let hundred: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&hundred, 0.99), Some(99.0));
        assert_eq!(percentile(&hundred, 0.0), Some(1.0));
        assert_eq!(percentile(&hundred, 1.0), Some(100.0));
    }
}
