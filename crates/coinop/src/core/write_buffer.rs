//! Reliable `set_state` writes not yet committed to the document.
//!
//! An automerge commit costs tens of microseconds, every receiver pays about
//! as much again to apply the change, and a game loop may set many keys (or
//! one key many times) per frame. So a reliable write lands here first: it
//! is visible to reads and reported at once, and the core commits
//! everything buffered as **one** change when its outputs are next taken
//! ([`super::RoomCore::poll_transmit`]: the driver's next turn, right after
//! the call that wrote), or before anything else touches the document.
//! Writing a key twice before that commit keeps the latest value: the
//! relay, the log and the other players see the state the writer settled on
//! within its turn, as with any batched transaction.
//!
//! **While a publish waits for its ack**, the buffer is not committed on
//! the next turn but when the ack comes. Nothing committed meanwhile could
//! leave earlier (one publish is in flight at a time, see
//! [`super::RoomCore::flush`]), so the writes reach the others exactly when
//! they would have, as one change instead of one per turn: under load (a
//! slow relay, a busy process) a client's changes, and every receiver's
//! work, no longer grow with its frame rate. Offline nothing waits for an
//! ack, and each turn commits.
//!
//! Nothing else changes the document while writes wait here: snapshots and
//! every other local edit commit the buffer first, and so does a received
//! change that writes a buffered key or is more than plain state writes
//! (see [`super::unapplied`]). Received changes that write other keys are
//! only shown meanwhile, so committing after them gives the same state. So
//! a buffered write merges exactly as it would have if committed when it
//! was made (a write made offline stays concurrent with what others wrote
//! meanwhile, and the usual conflict rule picks the winner). Received
//! changes shown but not applied yet are applied first when the commit
//! writes a key they wrote, so the commit's op follows theirs exactly as
//! the reader saw it.

use coinop_protocol::StateTarget;
use serde_json::Value as Json;
use std::collections::HashMap;

/// One buffered write: where, what, and its share of a change in bytes
/// (see [`super::sizes::write_cost`]), so that a commit splits writes that
/// together would exceed the relay's change limit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Write {
    pub(crate) target: StateTarget,
    pub(crate) key: String,
    pub(crate) value: Json,
    pub(crate) cost: usize,
}

/// Buffered reliable writes, latest value per key, in last-write order.
#[derive(Debug, Default)]
pub(crate) struct WriteBuffer {
    order: Vec<(StateTarget, String)>,
    values: HashMap<(StateTarget, String), (Json, usize)>,
}

impl WriteBuffer {
    /// Records a write, replacing an earlier buffered value of the key.
    /// The key moves to the end: its op then comes after those of keys
    /// written before it, as separate commits would have placed it.
    pub(crate) fn put(&mut self, target: StateTarget, key: &str, value: Json, cost: usize) {
        let k = (target, key.to_owned());
        if self.values.insert(k.clone(), (value, cost)).is_some() {
            self.order.retain(|o| o != &k);
        }
        self.order.push(k);
    }

    /// The buffered value of a key, if any.
    pub(crate) fn get(&self, target: &StateTarget, key: &str) -> Option<&Json> {
        if self.values.is_empty() {
            return None;
        }
        self.values
            .get(&(target.clone(), key.to_owned()))
            .map(|(v, _)| v)
    }

    /// Whether a write of this key waits here.
    pub(crate) fn holds(&self, key: &(StateTarget, String)) -> bool {
        !self.values.is_empty() && self.values.contains_key(key)
    }

    /// The buffered keys of a target.
    pub(crate) fn keys(&self, target: &StateTarget) -> impl Iterator<Item = &str> {
        self.order
            .iter()
            .filter(move |(t, _)| t == target)
            .map(|(_, k)| k.as_str())
    }

    /// Whether nothing waits to be committed.
    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Every buffered write in last-write order, leaving the buffer empty.
    pub(crate) fn take(&mut self) -> Vec<Write> {
        let mut values = std::mem::take(&mut self.values);
        std::mem::take(&mut self.order)
            .into_iter()
            .filter_map(|k| {
                values.remove(&k).map(|(value, cost)| Write {
                    target: k.0,
                    key: k.1,
                    value,
                    cost,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use coinop_protocol::PlayerId;
    use serde_json::json;

    #[test]
    fn latest_value_per_key_in_last_write_order() {
        let mut b = WriteBuffer::default();
        let p = StateTarget::Player(PlayerId::new("p").unwrap());
        b.put(StateTarget::Room, "a", json!(1), 1);
        b.put(p.clone(), "a", json!("x"), 1);
        b.put(StateTarget::Room, "b", json!(2), 1);
        b.put(StateTarget::Room, "a", json!(3), 1);
        assert_eq!(b.get(&StateTarget::Room, "a"), Some(&json!(3)));
        assert_eq!(b.keys(&StateTarget::Room).collect::<Vec<_>>(), ["b", "a"]);
        let all: Vec<_> = b
            .take()
            .into_iter()
            .map(|w| (w.target, w.key, w.value))
            .collect();
        assert_eq!(
            all,
            vec![
                (p, "a".to_owned(), json!("x")),
                (StateTarget::Room, "b".to_owned(), json!(2)),
                (StateTarget::Room, "a".to_owned(), json!(3)),
            ]
        );
        assert!(b.is_empty() && b.get(&StateTarget::Room, "a").is_none());
        assert!(!b.holds(&(StateTarget::Room, "a".to_owned())));
        b.put(StateTarget::Room, "c", json!(4), 1);
        assert!(b.holds(&(StateTarget::Room, "c".to_owned())));
        assert!(!b.holds(&(StateTarget::Room, "a".to_owned())));
    }
}
