//! The durable log entries after the snapshot, of which only the newest
//! stay in memory.
//!
//! Every entry is on disk before it is acked, so memory needs only what is
//! cheap to serve from it: the newest entries, which rejoining clients and
//! the next forward want. Older ones are read back from storage for a late
//! joiner or the compactor ([`StoredRange`]). This bounds a busy room's
//! memory by a byte budget instead of the compaction threshold.
//!
//! The budget counts what a cached entry holds in memory, not only its
//! change bytes: a small change (a game's 100-byte write) costs the heap
//! about twice its length again in the entry itself, its sender's id and
//! the allocator's bookkeeping (BENCHMARKS.md, session 20).

use super::effect::StoredRange;
use coinop_protocol::{LogEntry, Seq};
use std::collections::VecDeque;

/// What the allocator adds to each heap block (glibc: an 8-byte header,
/// sizes rounded up to 16).
const ALLOCATION_OVERHEAD: usize = 16;

/// The memory a cached entry holds: the entry itself, its change bytes and
/// its sender's id, each with the allocator's bookkeeping.
pub(crate) fn held_bytes(entry: &LogEntry) -> u64 {
    (std::mem::size_of::<LogEntry>()
        + entry.change.len()
        + entry.sender.as_str().len()
        + 2 * ALLOCATION_OVERHEAD) as u64
}

#[derive(Debug, Default)]
pub(crate) struct DurableTail {
    /// The seq the tail starts after (the snapshot's `upto`, or 0).
    after: Seq,
    /// The size of every durable entry after `after`, in seq order.
    lens: VecDeque<u32>,
    /// The newest of those entries, whole.
    cached: VecDeque<LogEntry>,
    /// What `cached` holds in memory ([`held_bytes`]).
    cached_bytes: u64,
    /// Most bytes `cached` may hold; the newest entry always stays.
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
        let len = entry.change.len();
        self.lens.push_back(u32::try_from(len).unwrap_or(u32::MAX));
        self.cached_bytes += held_bytes(&entry);
        self.cached.push_back(entry);
        while self.cached_bytes > self.budget && self.cached.len() > 1 {
            if let Some(old) = self.cached.pop_front() {
                self.cached_bytes -= held_bytes(&old);
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
                self.cached_bytes -= held_bytes(&old);
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
        // Room for two entries of 10 change bytes, not three.
        let mut tail = DurableTail::new(Seq(10), 2 * held_bytes(&entry(0, 10)) + 5);
        for seq in 11..=15 {
            tail.push(entry(seq, 10));
        }
        assert_eq!((tail.len(), tail.bytes()), (5, 50));
        // 15 and 14 fit; 11..=13 are on disk only.
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
    fn the_budget_counts_what_an_entry_holds_not_only_its_change() {
        // 64 entries of 100 change bytes are 6,400 change bytes, but each
        // holds more than that in memory: an 8 KiB budget keeps fewer.
        let mut tail = DurableTail::new(Seq(0), 8 * 1024);
        for seq in 1..=64 {
            tail.push(entry(seq, 100));
        }
        let (stored, cached) = tail.since(Seq(0));
        let held: u64 = cached.iter().map(held_bytes).sum();
        assert!(held <= 8 * 1024, "{held}");
        assert!(held > 8 * 1024 - held_bytes(&entry(0, 100)), "{held}");
        assert!(cached.len() < 64 && stored.is_some(), "{}", cached.len());
        assert_eq!(tail.bytes(), 6_400, "compaction still counts change bytes");
    }

    #[test]
    fn a_large_entry_stays_cached_alone() {
        let mut tail = DurableTail::new(Seq(0), 8);
        tail.push(entry(1, 100));
        assert_eq!(tail.since(Seq(0)), (None, vec![entry(1, 100)]));
    }
}
