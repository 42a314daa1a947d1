//! The durable log entries after the snapshot, of which only the newest
//! stay in memory.
//!
//! Every entry is on disk before it is acked, so memory needs only what is
//! cheap to serve from it: the newest entries, which rejoining clients and
//! the next forward want. Older ones are read back from storage for a late
//! joiner or the compactor ([`StoredRange`]). This bounds a busy room's
//! memory by a byte budget instead of the compaction threshold.

use super::effect::StoredRange;
use coinop_protocol::{LogEntry, Seq};
use std::collections::VecDeque;

#[derive(Debug, Default)]
pub(crate) struct DurableTail {
    /// The seq the tail starts after (the snapshot's `upto`, or 0).
    after: Seq,
    /// The size of every durable entry after `after`, in seq order.
    lens: VecDeque<u32>,
    /// The newest of those entries, whole.
    cached: VecDeque<LogEntry>,
    cached_bytes: u64,
    /// Most change bytes kept in `cached`; the newest entry always stays.
    budget: u64,
}

impl DurableTail {
    pub(crate) fn new(after: Seq, budget: u64) -> Self {
        Self {
            after,
            budget,
            ..Self::default()
        }
    }

    /// Appends the next durable entry (its seq follows the last one).
    pub(crate) fn push(&mut self, entry: LogEntry) {
        let len = entry.change.len() as u64;
        self.lens.push_back(u32::try_from(len).unwrap_or(u32::MAX));
        self.cached_bytes += len;
        self.cached.push_back(entry);
        while self.cached_bytes > self.budget && self.cached.len() > 1 {
            if let Some(old) = self.cached.pop_front() {
                self.cached_bytes -= old.change.len() as u64;
            }
        }
    }

    /// How many durable entries follow the snapshot.
    pub(crate) fn len(&self) -> usize {
        self.lens.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// Their change bytes.
    pub(crate) fn bytes(&self) -> u64 {
        self.lens.iter().map(|l| u64::from(*l)).sum()
    }

    /// The last seq held only in storage.
    fn evicted_upto(&self) -> Seq {
        Seq(self.after.0 + (self.lens.len() - self.cached.len()) as u64)
    }

    /// The entries after `after`: a range to read from storage (when some
    /// were evicted), then the cached ones.
    pub(crate) fn since(&self, after: Seq) -> (Option<StoredRange>, Vec<LogEntry>) {
        let evicted = self.evicted_upto();
        let after_snapshot = after.max(self.after);
        let stored = (after_snapshot < evicted).then_some(StoredRange {
            after: after_snapshot,
            upto: evicted,
        });
        let cached = self
            .cached
            .iter()
            .filter(|e| e.seq > after)
            .cloned()
            .collect();
        (stored, cached)
    }

    /// Forgets the entries up to `upto`, folded into a snapshot; returns
    /// their change bytes.
    pub(crate) fn fold(&mut self, upto: Seq) -> u64 {
        let n = usize::try_from(upto.0.saturating_sub(self.after.0)).unwrap_or(usize::MAX);
        let folded = self
            .lens
            .drain(..n.min(self.lens.len()))
            .map(u64::from)
            .sum();
        while self.cached.front().is_some_and(|e| e.seq <= upto) {
            if let Some(old) = self.cached.pop_front() {
                self.cached_bytes -= old.change.len() as u64;
            }
        }
        self.after = self.after.max(upto);
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coinop_protocol::{Bytes, PlayerId};

    fn entry(seq: u64, len: usize) -> LogEntry {
        LogEntry {
            seq: Seq(seq),
            sender: PlayerId::new("p").expect("id"),
            change: Bytes::from(vec![0; len]),
        }
    }

    #[test]
    fn keeps_the_newest_within_budget_and_names_the_rest() {
        let mut tail = DurableTail::new(Seq(10), 25);
        for seq in 11..=15 {
            tail.push(entry(seq, 10));
        }
        assert_eq!((tail.len(), tail.bytes()), (5, 50));
        // 15 and 14 fit in 25 bytes; 11..=13 are on disk only.
        let (stored, cached) = tail.since(Seq(10));
        assert_eq!(
            stored,
            Some(StoredRange {
                after: Seq(10),
                upto: Seq(13)
            })
        );
        assert_eq!(cached.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [14, 15]);
        let (stored, cached) = tail.since(Seq(14));
        assert_eq!((stored, cached.len()), (None, 1));
        assert_eq!(tail.fold(Seq(14)), 40);
        assert_eq!((tail.len(), tail.bytes()), (1, 10));
        assert_eq!(tail.since(Seq(14)).0, None);
        assert_eq!(tail.since(Seq(3)).0, None, "nothing before the snapshot");
    }

    #[test]
    fn a_large_entry_stays_cached_alone() {
        let mut tail = DurableTail::new(Seq(0), 8);
        tail.push(entry(1, 100));
        assert_eq!(tail.since(Seq(0)), (None, vec![entry(1, 100)]));
    }
}
