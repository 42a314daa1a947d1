//! What a snapshot holds, per automerge actor: the highest change seq.
//!
//! An automerge actor's changes are numbered 1, 2, 3, … and each depends on
//! the one before, so "actor A up to seq n" names exactly the changes of A a
//! snapshot folded in. The relay keeps this clock instead of the hash of
//! every change it ever folded: a republished change that is already in the
//! snapshot is recognised without loading the document, and the relay's
//! memory does not grow with a room's history.
//!
//! It also remembers which session actors are *owned*: their player (named
//! by the actor's tag, see [`coinop_protocol::actor`]) published a change
//! under them in this room. Only that player may continue an owned actor.

use coinop_protocol::PlayerId;
use coinop_protocol::actor::{is_tagged_for, player_tag, tag_of};
use std::collections::{HashMap, HashSet};

/// The highest folded change seq of every actor, and which actors are
/// owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorClock {
    seqs: HashMap<Box<[u8]>, u64>,
    owned: HashSet<Box<[u8]>>,
}

/// The bit of an encoded seq that marks an owned actor. Automerge seqs
/// count one actor's changes and never come near it.
const OWNED_BIT: u64 = 1 << 63;

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

    /// Records that `sender` published `actor`'s change `seq`: the actor is
    /// owned from then on when it is tagged for `sender`.
    pub fn observe_from(&mut self, actor: &[u8], seq: u64, sender: &PlayerId) {
        self.observe(actor, seq);
        self.claim(actor, sender);
    }

    /// Marks `actor` owned when it is tagged for `sender`, without
    /// recording a seq.
    pub fn claim(&mut self, actor: &[u8], sender: &PlayerId) {
        // Cheap tests first: the hash runs once per actor, not per change.
        if tag_of(actor).is_none() || self.owned.contains(actor) {
            return;
        }
        if is_tagged_for(actor, &player_tag(sender)) {
            self.owned.insert(actor.into());
        }
    }

    /// Whether `actor`'s player published under it here.
    pub fn is_owned(&self, actor: &[u8]) -> bool {
        self.owned.contains(actor)
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
    /// equal clocks encode equally; an owned actor's seq has its top bit
    /// set (clocks stored before ownership decode as owning nothing).
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
            let flag = if self.owned.contains(actor) {
                OWNED_BIT
            } else {
                0
            };
            out.extend_from_slice(&(seq | flag).to_le_bytes());
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
            let seq = u64::from_le_bytes(seq.try_into().ok()?);
            clock.observe(actor, seq & !OWNED_BIT);
            if seq & OWNED_BIT != 0 {
                clock.owned.insert(actor.into());
            }
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
    fn an_actor_is_owned_once_its_player_publishes_under_it() {
        let alice = PlayerId::new("alice").expect("id");
        let bob = PlayerId::new("bob").expect("id");
        let actor = coinop_protocol::actor::session_actor(&alice, [3; 16]);
        let mut clock = ActorClock::default();
        clock.observe_from(&actor, 1, &bob);
        assert!(!clock.is_owned(&actor), "bob relayed alice's change");
        clock.observe_from(&[9; 16], 1, &alice);
        assert!(!clock.is_owned(&[9; 16]), "untagged actors name nobody");
        clock.observe_from(&actor, 2, &alice);
        assert!(clock.is_owned(&actor));
        assert!(clock.covers(&actor, 2));
    }

    #[test]
    fn round_trips_and_refuses_garbage() {
        let mut clock = ActorClock::default();
        clock.observe(&[7; 16], 10_000);
        clock.observe(&[1; 16], 1);
        let alice = PlayerId::new("alice").expect("id");
        let owned = coinop_protocol::actor::session_actor(&alice, [3; 16]);
        clock.observe_from(&owned, 5, &alice);
        let bytes = clock.encode();
        let decoded = ActorClock::decode(&bytes).expect("decodes");
        assert!(decoded.is_owned(&owned) && decoded.covers(&owned, 5));
        assert!(!decoded.covers(&owned, 6));
        assert_eq!(decoded, clock);
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
