//! Histograms of numeric columns, for the filters' brushes.

/// Counts of a column's finite values in equal bins from its smallest to its largest value.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub min: f64,
    pub max: f64,
    pub counts: Vec<usize>,
}

impl Histogram {
    /// `bins` equal bins over `[min, max]` of the finite `values` (the largest value falls in
    /// the last bin, as numpy's `histogram` puts it); `None` without a finite value.
    pub fn of(values: &[f64], bins: usize) -> Option<Self> {
        let bins = bins.max(1);
        let (min, max) =
            values
                .iter()
                .filter(|v| v.is_finite())
                .fold(None, |acc: Option<(f64, f64)>, &v| match acc {
                    None => Some((v, v)),
                    Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
                })?;
        let mut counts = vec![0usize; bins];
        let width = (max - min) / bins as f64;
        for &v in values.iter().filter(|v| v.is_finite()) {
            let bin = if width > 0.0 {
                (((v - min) / width) as usize).min(bins - 1)
            } else {
                0
            };
            counts[bin] += 1;
        }
        Some(Histogram { min, max, counts })
    }

    /// The value at `fraction` (0…1) of the range.
    pub fn value_at(&self, fraction: f64) -> f64 {
        self.min + (self.max - self.min) * fraction.clamp(0.0, 1.0)
    }

    /// Where `value` lies in the range (0…1).
    pub fn fraction_of(&self, value: f64) -> f64 {
        if self.max > self.min {
            ((value - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_match_numpys_histogram() {
        // numpy.histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], bins=4) → [3, 2, 3, 3] over
        // [0, 2.5, 5, 7.5, 10] (the last bin is closed).
        let values: Vec<f64> = (0..=10)
            .map(f64::from)
            .chain([f64::NAN, f64::INFINITY])
            .collect();
        let h = Histogram::of(&values, 4).unwrap();
        assert_eq!((h.min, h.max), (0.0, 10.0));
        assert_eq!(h.counts, vec![3, 2, 3, 3]);
        assert_eq!(h.value_at(0.25), 2.5);
        assert_eq!(h.fraction_of(7.5), 0.75);
        assert_eq!(Histogram::of(&[f64::NAN], 4), None);
        assert_eq!(Histogram::of(&[2.0, 2.0], 3).unwrap().counts, vec![2, 0, 0]);
    }
}
