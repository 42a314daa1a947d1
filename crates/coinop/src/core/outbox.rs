//! Local changes not yet acknowledged by the relay.

use bytes::Bytes;
use std::collections::BTreeMap;

/// Publish frames stay under this many bytes of change data, well below the
/// relay's frame limit (and under the frame limit the relay announces).
pub(crate) const MAX_BATCH_BYTES: usize = 512 * 1024;

/// Changes waiting to be sent (`pending`) or sent and waiting for their ack
/// (`inflight`, by `client_ref`). Nothing leaves the outbox without an ack or
/// a non-retryable refusal.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pending: Vec<Bytes>,
    inflight: BTreeMap<u64, Vec<Bytes>>,
    next_ref: u64,
    /// Send one change per publish until everything is acknowledged (see
    /// [`Outbox::one_by_one`]).
    one_by_one: bool,
    /// Counts the edits that may have changed which changes it holds (see
    /// [`Outbox::edits`]).
    edits: u64,
}

impl Outbox {
    /// Queues one change.
    pub(crate) fn push(&mut self, change: Bytes) {
        self.edits += 1;
        self.pending.push(change);
    }

    /// A count that moves whenever the changes held may have changed
    /// (queued, acknowledged, dropped or put back): the replica is written
    /// again when it moved since the last record.
    pub(crate) fn edits(&self) -> u64 {
        self.edits
    }

    /// Whether every change is acknowledged.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.inflight.is_empty()
    }

    /// Whether a publish waits for its ack.
    pub(crate) fn has_inflight(&self) -> bool {
        !self.inflight.is_empty()
    }

    /// Whether changes wait to be sent.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Moves every pending change into flight, batched into as few publishes
    /// as the size cap (and `budget`, the bytes a frame carries) allows;
    /// returns `(client_ref, changes)` per publish.
    pub(crate) fn take_batches(&mut self, budget: usize) -> Vec<(u64, Vec<Bytes>)> {
        // One change per publish: a change whose dependencies the room lacks
        // then refuses only itself, not the changes before it.
        let cap = if self.one_by_one {
            0
        } else {
            MAX_BATCH_BYTES.min(budget)
        };
        let mut out = Vec::new();
        let mut batch: Vec<Bytes> = Vec::new();
        let mut size = 0;
        for change in std::mem::take(&mut self.pending) {
            if !batch.is_empty() && size + change.len() > cap {
                out.push(self.send(std::mem::take(&mut batch)));
                size = 0;
            }
            size += change.len();
            batch.push(change);
        }
        if !batch.is_empty() {
            out.push(self.send(batch));
        }
        out
    }

    fn send(&mut self, batch: Vec<Bytes>) -> (u64, Vec<Bytes>) {
        self.next_ref += 1;
        self.inflight.insert(self.next_ref, batch.clone());
        (self.next_ref, batch)
    }

    /// The relay stored this publish; returns whether it was ours.
    pub(crate) fn ack(&mut self, client_ref: u64) -> bool {
        self.edits += 1;
        let ours = self.inflight.remove(&client_ref).is_some();
        if self.is_empty() {
            self.one_by_one = false;
        }
        ours
    }

    /// The room lacked a dependency of a publish (`MISSING_DEPENDENCY`):
    /// after the relay lost a room, players re-upload their own changes,
    /// which build on each other's. A publish is refused whole, so a batch
    /// whose last change waits for another player's change would hold back
    /// its first ones, which that player's change may need in turn: a
    /// deadlock. Everything goes back to pending, in order, and is sent one
    /// change per publish until the outbox is empty: each change lands as
    /// soon as what it builds on has.
    pub(crate) fn one_by_one(&mut self) {
        self.one_by_one = true;
        self.requeue_all();
    }

    /// The changes of publish `client_ref`, while it waits for its ack.
    pub(crate) fn in_flight(&self, client_ref: u64) -> Option<&[Bytes]> {
        self.inflight.get(&client_ref).map(Vec::as_slice)
    }

    /// The relay refused this publish for good; its changes leave the outbox.
    pub(crate) fn discard(&mut self, client_ref: u64) -> Option<Vec<Bytes>> {
        self.edits += 1;
        self.inflight.remove(&client_ref)
    }

    /// The publish must be sent again later (retryable refusal).
    pub(crate) fn retry(&mut self, client_ref: u64) {
        if let Some(batch) = self.inflight.remove(&client_ref) {
            self.pending.splice(0..0, batch);
        }
    }

    /// Keeps only the changes (pending or in flight) for which `keep`
    /// holds; a publish left empty counts as acknowledged.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Bytes) -> bool) {
        self.edits += 1;
        self.pending.retain(&mut keep);
        for batch in self.inflight.values_mut() {
            batch.retain(&mut keep);
        }
        self.inflight.retain(|_, batch| !batch.is_empty());
    }

    /// Puts `changes` back ahead of the pending ones.
    pub(crate) fn requeue_front(&mut self, changes: Vec<Bytes>) {
        self.edits += 1;
        self.pending.splice(0..0, changes);
    }

    /// The connection dropped: everything in flight goes back to pending, in
    /// its original order, ahead of newer changes.
    pub(crate) fn requeue_all(&mut self) {
        let mut all: Vec<Bytes> = std::mem::take(&mut self.inflight)
            .into_values()
            .flatten()
            .collect();
        all.append(&mut self.pending);
        self.pending = all;
    }

    /// Every unacknowledged change, oldest first (for the replica store).
    pub(crate) fn all(&self) -> Vec<Bytes> {
        let mut all: Vec<Bytes> = self.inflight.values().flatten().cloned().collect();
        all.extend(self.pending.iter().cloned());
        all
    }

    /// Removes the pending changes larger than `limit`, returning them: the
    /// relay would refuse them (see `RoomCore::drop_unsendable`).
    pub(crate) fn remove_larger_than(&mut self, limit: usize) -> Vec<Bytes> {
        self.edits += 1;
        let (big, keep) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|c| c.len() > limit);
        self.pending = keep;
        big
    }

    /// Replaces the whole outbox (the relay lost history: send everything).
    pub(crate) fn replace(&mut self, changes: Vec<Bytes>) {
        self.edits += 1;
        self.inflight.clear();
        self.pending = changes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn ack_and_requeue_bookkeeping() {
        let mut o = Outbox::default();
        o.push(b("a"));
        o.push(b("b"));
        let batches = o.take_batches(usize::MAX);
        assert_eq!(batches.len(), 1, "pending changes share one publish");
        assert_eq!(batches[0].1, vec![b("a"), b("b")]);
        assert!(!o.is_empty() && !o.has_pending());
        o.push(b("c"));
        let r2 = o.take_batches(usize::MAX)[0].0;
        o.push(b("d"));
        assert!(o.ack(batches[0].0));
        assert!(!o.ack(batches[0].0), "an ack counts once");
        o.requeue_all();
        assert_eq!(o.all(), vec![b("c"), b("d")]);
        assert!(!o.ack(r2), "requeued publishes get new refs");
        let again = o.take_batches(usize::MAX);
        o.retry(again[0].0);
        assert_eq!(o.all(), vec![b("c"), b("d")]);
        let last = o.take_batches(usize::MAX);
        assert!(o.discard(last[0].0).is_some());
        assert!(o.is_empty());
    }

    #[test]
    fn every_edit_of_what_it_holds_moves_the_count() {
        let mut o = Outbox::default();
        let mut seen = o.edits();
        let mut moved = |o: &Outbox, what: &str| {
            assert!(o.edits() > seen, "{what} did not move the count");
            seen = o.edits();
        };
        o.push(b("a"));
        moved(&o, "push");
        let r = o.take_batches(usize::MAX)[0].0;
        o.ack(r);
        moved(&o, "ack");
        o.push(b("b"));
        let r = o.take_batches(usize::MAX)[0].0;
        let refused = o.discard(r).unwrap_or_default();
        moved(&o, "discard");
        o.requeue_front(refused);
        moved(&o, "requeue_front");
        o.retain(|_| false);
        moved(&o, "retain");
        o.replace(vec![b("c")]);
        moved(&o, "replace");
        o.remove_larger_than(0);
        moved(&o, "remove_larger_than");
    }

    #[test]
    fn big_batches_split() {
        let mut o = Outbox::default();
        let big = Bytes::from(vec![0u8; MAX_BATCH_BYTES / 2 + 1]);
        o.push(big.clone());
        o.push(big.clone());
        o.push(b("x"));
        let batches = o.take_batches(usize::MAX);
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[1].1.len(), 2);
    }
}
