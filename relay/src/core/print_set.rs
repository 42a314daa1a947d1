//! A set of 64-bit fingerprints that only grows, at 8 bytes each.
//!
//! A loaded room keeps the fingerprint of every change its snapshot folded
//! in ([`super::folded_hashes`]), so this set grows with the room's whole
//! history while it stays loaded. A hash set spent 9 bytes a bucket and up
//! to twice as many buckets as entries. Here the fingerprints are sorted
//! runs, each at most half as long as the one before it (a binary
//! counter): a batch of new ones is sorted and merged into the smaller
//! runs, so an insert costs O(log n) amortised, a lookup is a binary search
//! in each of at most log2(n) runs, and each run is allocated to its size.

#[derive(Debug, Default)]
pub(crate) struct PrintSet {
    /// Sorted, longest first; each at most half the one before.
    runs: Vec<Vec<u64>>,
}

impl PrintSet {
    /// Adds these fingerprints (a compaction's folded changes).
    pub(crate) fn extend(&mut self, prints: impl IntoIterator<Item = u64>) {
        let mut run: Vec<u64> = prints.into_iter().collect();
        if run.is_empty() {
            return;
        }
        run.sort_unstable();
        run.dedup();
        run.shrink_to_fit();
        self.runs.push(run);
        while let [.., older, newer] = self.runs.as_slice()
            && older.len() < 2 * newer.len()
        {
            let (Some(newer), Some(older)) = (self.runs.pop(), self.runs.pop()) else {
                break;
            };
            self.runs.push(merge(&older, &newer));
        }
    }

    /// Whether the set holds this fingerprint.
    pub(crate) fn contains(&self, print: u64) -> bool {
        self.runs
            .iter()
            .any(|run| run.binary_search(&print).is_ok())
    }

    /// How many fingerprints it holds (a fingerprint in two batches counts
    /// twice).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }
}

/// The sorted union of two sorted runs, allocated to its size.
fn merge(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

impl FromIterator<u64> for PrintSet {
    fn from_iter<I: IntoIterator<Item = u64>>(prints: I) -> Self {
        let mut set = PrintSet::default();
        set.extend(prints);
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A reproducible stream of fingerprints (splitmix64).
    fn prints(seed: u64, n: usize) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = x;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^ (z >> 31)
            })
            .collect()
    }

    #[test]
    fn holds_exactly_what_was_added_in_batches_of_any_size() {
        let mut set = PrintSet::default();
        let mut model = HashSet::new();
        for (round, size) in [1, 1000, 3, 0, 1000, 17, 1000, 250, 1, 1000]
            .into_iter()
            .enumerate()
        {
            let batch = prints(round as u64, size);
            model.extend(batch.iter().copied());
            set.extend(batch);
            for p in &model {
                assert!(set.contains(*p), "round {round}");
            }
            for p in prints(1_000 + round as u64, 200) {
                assert_eq!(set.contains(p), model.contains(&p), "round {round}");
            }
        }
        assert_eq!(set.len(), model.len());
    }

    #[test]
    fn keeps_runs_halving_and_allocated_to_size() {
        let mut set = PrintSet::default();
        for round in 0..200 {
            set.extend(prints(round, 1000));
            for pair in set.runs.windows(2) {
                assert!(pair[0].len() >= 2 * pair[1].len(), "round {round}");
            }
            for run in &set.runs {
                assert!(run.is_sorted());
            }
        }
        assert_eq!(set.len(), 200_000);
        assert!(set.runs.len() <= 8, "{} runs", set.runs.len());
        let bytes: usize = set.runs.iter().map(|r| r.capacity() * 8).sum();
        assert_eq!(bytes, 200_000 * 8, "8 bytes a fingerprint");
    }

    #[test]
    fn a_repeated_fingerprint_is_still_found() {
        let mut set: PrintSet = [5, 5, 7].into_iter().collect();
        set.extend([5]);
        assert!(set.contains(5) && set.contains(7) && !set.contains(6));
    }
}
