//! The fingerprints of the changes in a room's log (durable or on their way
//! to storage), by seq.
//!
//! The log's seqs are consecutive: each new change takes the next one, a
//! rollback drops the newest, and a compaction folds the oldest. So the
//! fingerprints are kept in seq order, 8 bytes a change, where a hash map
//! from fingerprint to seq took 17 bytes a bucket and up to twice as many
//! buckets as changes (about 17 KiB for a room's 500 changes against 4 KiB
//! here). A lookup scans from the newest: a new change's dependencies are
//! nearly always among the last few, and a miss (a change the room does
//! not hold yet) reads the whole log, which compaction keeps to about a
//! thousand entries (a few hundred nanoseconds).

use coinop_protocol::Seq;
use std::collections::VecDeque;

/// Fingerprints compared at once in a scan: a block without an early exit,
/// which the compiler turns into vector compares.
const BLOCK: usize = 16;

/// Capacity a fold keeps for the changes to come (see [`LogHashes::fold`]).
const KEEP: usize = 256;

#[derive(Debug)]
pub(crate) struct LogHashes {
    /// The seq of `prints[0]`.
    first: u64,
    /// One fingerprint per seq from `first` on.
    prints: VecDeque<u64>,
}

impl Default for LogHashes {
    /// A new room's: its first change is seq 1.
    fn default() -> Self {
        Self::after(Seq(0))
    }
}

impl LogHashes {
    /// The fingerprints of the changes after `after` (a snapshot's seq).
    pub(crate) fn after(after: Seq) -> Self {
        Self {
            first: after.0 + 1,
            prints: VecDeque::new(),
        }
    }

    /// Records the change at `seq`, which must follow the last one; out of
    /// order it is refused (false), and nothing changes.
    pub(crate) fn push(&mut self, seq: Seq, print: u64) -> bool {
        if seq.0 != self.next() {
            return false;
        }
        self.prints.push_back(print);
        true
    }

    /// The seq the next change must have.
    fn next(&self) -> u64 {
        self.first + self.prints.len() as u64
    }

    /// The seq of the change with this fingerprint, if the log has it.
    pub(crate) fn seq_of(&self, print: u64) -> Option<Seq> {
        let (front, back) = self.prints.as_slices();
        let at = match rfind(back, print) {
            Some(i) => front.len() + i,
            None => rfind(front, print)?,
        };
        Some(Seq(self.first + at as u64))
    }

    /// Forgets the changes after `seq` (a rollback to the durable head).
    pub(crate) fn truncate_after(&mut self, seq: Seq) {
        let keep = seq.0.saturating_add(1).saturating_sub(self.first);
        self.prints
            .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
    }

    /// Removes the changes up to `upto` (folded into a snapshot) and
    /// returns their fingerprints, oldest first.
    pub(crate) fn fold(&mut self, upto: Seq) -> Vec<u64> {
        let n = upto.0.saturating_add(1).saturating_sub(self.first);
        let n = usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(self.prints.len());
        self.first += n as u64;
        let folded: Vec<u64> = self.prints.drain(..n).collect();
        // Give back what an unusually long log took (compactions that
        // failed for a while), not what the next thousand changes need.
        if self.prints.capacity() > 4 * self.prints.len().max(KEEP) {
            self.prints.shrink_to(2 * self.prints.len());
        }
        folded
    }
}

/// The index of the last `print` in `prints`.
fn rfind(prints: &[u64], print: u64) -> Option<usize> {
    let whole = prints.len() - prints.len() % BLOCK;
    if let Some(i) = prints[whole..].iter().rposition(|p| *p == print) {
        return Some(whole + i);
    }
    prints[..whole]
        .chunks_exact(BLOCK)
        .rposition(|block| block.iter().fold(false, |hit, p| hit | (*p == print)))
        .and_then(|b| {
            let block = &prints[b * BLOCK..(b + 1) * BLOCK];
            block
                .iter()
                .rposition(|p| *p == print)
                .map(|i| b * BLOCK + i)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(after: u64, prints: impl IntoIterator<Item = u64>) -> LogHashes {
        let mut log = LogHashes::after(Seq(after));
        for (i, p) in prints.into_iter().enumerate() {
            assert!(log.push(Seq(after + 1 + i as u64), p));
        }
        log
    }

    #[test]
    fn finds_each_change_by_its_fingerprint_at_any_length() {
        // Lengths around the block size, and a deque that wrapped around.
        for len in [0, 1, 15, 16, 17, 33, 100] {
            let mut hashes = log(7, (0..len).map(|i| i * 31 + 5));
            for i in 0..len {
                assert_eq!(hashes.seq_of(i * 31 + 5), Some(Seq(8 + i)), "len {len}");
            }
            assert_eq!(hashes.seq_of(4), None);
            // Fold half, push as many: the ring buffer wraps.
            hashes.fold(Seq(7 + len / 2));
            for i in len..len + len / 2 {
                assert!(hashes.push(Seq(8 + i), i * 31 + 5));
            }
            for i in 0..len + len / 2 {
                let expected = (i >= len / 2).then_some(Seq(8 + i));
                assert_eq!(hashes.seq_of(i * 31 + 5), expected, "len {len}, i {i}");
            }
        }
    }

    #[test]
    fn finds_changes_on_both_sides_of_the_ring_buffers_wrap() {
        let mut hashes = LogHashes::after(Seq(0));
        hashes.prints.reserve_exact(40);
        for seq in 1..=30 {
            assert!(hashes.push(Seq(seq), seq * 3));
        }
        hashes.fold(Seq(25));
        for seq in 31..=60 {
            assert!(hashes.push(Seq(seq), seq * 3));
        }
        assert!(!hashes.prints.as_slices().1.is_empty(), "wrapped");
        for seq in 1..=60 {
            let expected = (seq > 25).then_some(Seq(seq));
            assert_eq!(hashes.seq_of(seq * 3), expected, "seq {seq}");
        }
    }

    #[test]
    fn a_repeated_fingerprint_names_its_newest_seq() {
        let hashes = log(0, [9, 1, 9, 2]);
        assert_eq!(hashes.seq_of(9), Some(Seq(3)));
    }

    #[test]
    fn refuses_a_seq_out_of_order() {
        let mut new_room = LogHashes::default();
        assert!(
            !new_room.push(Seq(0), 1),
            "a new room's first change is seq 1"
        );
        assert!(new_room.push(Seq(1), 1));
        let mut hashes = log(10, [1, 2]);
        assert!(!hashes.push(Seq(12), 3), "seq 12 is taken");
        assert!(!hashes.push(Seq(14), 3), "seq 13 is missing");
        assert!(hashes.push(Seq(13), 3));
        assert_eq!(hashes.seq_of(3), Some(Seq(13)));
    }

    #[test]
    fn rollback_and_fold_keep_the_seqs_consecutive() {
        let mut hashes = log(0, 1..=10);
        hashes.truncate_after(Seq(6));
        assert_eq!(hashes.seq_of(7), None);
        assert_eq!(hashes.seq_of(6), Some(Seq(6)));
        assert!(hashes.push(Seq(7), 70), "the rolled-back seq is next again");
        assert_eq!(hashes.fold(Seq(3)), vec![1, 2, 3]);
        assert_eq!(hashes.seq_of(2), None);
        assert_eq!(hashes.seq_of(4), Some(Seq(4)));
        assert_eq!(hashes.seq_of(70), Some(Seq(7)));
        // Folding past the end folds everything and goes on from there.
        assert_eq!(hashes.fold(Seq(20)), vec![4, 5, 6, 70]);
        assert!(hashes.push(Seq(8), 80));
        assert_eq!(hashes.seq_of(80), Some(Seq(8)));
        // A rollback to before the log's start empties it.
        hashes.truncate_after(Seq(2));
        assert_eq!(hashes.seq_of(80), None);
        assert!(hashes.push(Seq(8), 81));
    }

    #[test]
    fn a_fold_gives_back_what_a_long_log_took() {
        let mut hashes = log(0, 0..10_000);
        hashes.fold(Seq(9_990));
        assert!(
            hashes.prints.capacity() < 1_000,
            "{}",
            hashes.prints.capacity()
        );
        assert_eq!(hashes.seq_of(9_995), Some(Seq(9_996)));
    }
}
