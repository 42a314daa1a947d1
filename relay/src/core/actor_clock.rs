//! What a snapshot holds, per automerge actor: the highest change seq.
//!
//! An automerge actor's changes are numbered 1, 2, 3, … and each depends on
//! the one before, so "actor A up to seq n" names exactly the changes of A a
//! snapshot folded in. The relay keeps this clock instead of the hash of
//! every change it ever folded: a republished change that is already in the
//! snapshot is recognised without loading the document, and the relay's
//! memory does not grow with a room's history.

use std::collections::HashMap;

/// The highest folded change seq of every actor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorClock {
    seqs: HashMap<Box<[u8]>, u64>,
}

/// Longest actor id accepted when decoding (automerge's are 16 bytes).
const MAX_ACTOR_BYTES: usize = 255;

impl ActorClock {
    /// Records that `actor`'s changes up to `seq` are held.
    pub fn observe(&mut self, actor: &[u8], seq: u64) {
        match self.seqs.get_mut(actor) {
            Some(held) => *held = (*held).max(seq),
            None => {
                self.seqs.insert(actor.into(), seq);
            }
        }
    }

    /// Whether the change `seq` of `actor` is held.
    pub fn covers(&self, actor: &[u8], seq: u64) -> bool {
        self.seqs.get(actor).is_some_and(|held| seq <= *held)
    }

    /// The clock of every change in `doc` (slow: rebuilds each change; only
    /// for snapshots stored before clocks were).
    pub fn of_doc(doc: &automerge::Automerge) -> Self {
        let mut clock = Self::default();
        for change in doc.get_changes(&[]) {
            clock.observe(change.actor_id().to_bytes(), change.seq());
        }
        clock
    }

    /// `[actor len: u8][actor][seq: u64 LE]` per actor, in actor order so
    /// equal clocks encode equally.
    pub fn encode(&self) -> Vec<u8> {
        let mut actors: Vec<_> = self.seqs.iter().collect();
        actors.sort();
        let mut out = Vec::with_capacity(actors.len() * 25);
        for (actor, seq) in actors {
            // Longer ids never come from automerge; `observe` callers pass
            // parsed actor ids, and `decode` refuses them.
            let Ok(len) = u8::try_from(actor.len()) else {
                continue;
            };
            out.push(len);
            out.extend_from_slice(actor);
            out.extend_from_slice(&seq.to_le_bytes());
        }
        out
    }

    /// Parses [`ActorClock::encode`]'s output; `None` when malformed.
    pub fn decode(mut bytes: &[u8]) -> Option<Self> {
        let mut clock = Self::default();
        while let Some((&len, rest)) = bytes.split_first() {
            let len = usize::from(len);
            if len > MAX_ACTOR_BYTES || rest.len() < len + 8 {
                return None;
            }
            let (actor, rest) = rest.split_at(len);
            let (seq, rest) = rest.split_at(8);
            clock.observe(actor, u64::from_le_bytes(seq.try_into().ok()?));
            bytes = rest;
        }
        Some(clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_up_to_the_highest_seq() {
        let mut clock = ActorClock::default();
        clock.observe(b"alice", 3);
        clock.observe(b"alice", 2);
        assert!(clock.covers(b"alice", 1));
        assert!(clock.covers(b"alice", 3));
        assert!(!clock.covers(b"alice", 4));
        assert!(!clock.covers(b"bob", 1));
    }

    #[test]
    fn round_trips_and_refuses_garbage() {
        let mut clock = ActorClock::default();
        clock.observe(&[7; 16], 10_000);
        clock.observe(&[1; 16], 1);
        let bytes = clock.encode();
        assert_eq!(ActorClock::decode(&bytes), Some(clock));
        assert_eq!(ActorClock::decode(&[]), Some(ActorClock::default()));
        assert_eq!(ActorClock::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(ActorClock::decode(&[16, 1, 2]), None);
    }

    #[test]
    fn of_doc_matches_the_changes() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        for i in 0..5 {
            doc.put(automerge::ROOT, "k", i).expect("put");
            doc.commit();
        }
        let actor = doc.get_actor().to_bytes().to_vec();
        let clock = ActorClock::of_doc(doc.document());
        assert!(clock.covers(&actor, 5));
        assert!(!clock.covers(&actor, 6));
    }
}
