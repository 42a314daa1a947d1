//! A compacted room document.

use super::ActorClock;
use coinop_protocol::{Bytes, Seq};

/// An automerge `save()` of every change up to and including `upto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The last sequence number folded in.
    pub upto: Seq,
    /// The saved document.
    pub doc: Bytes,
    /// The highest change seq per actor in `doc`; `None` for snapshots
    /// stored before clocks were (computed from `doc` on load).
    pub clock: Option<ActorClock>,
    /// The document's latest state without its history
    /// ([`super::state_view`]), sent to a joiner when nothing follows the
    /// snapshot. `None` for snapshots stored before views were.
    pub view: Option<Bytes>,
}

impl Snapshot {
    /// The bytes it takes in storage (document and view), counted against
    /// the room's stored-bytes limit.
    pub fn stored_len(&self) -> u64 {
        (self.doc.len() + self.view.as_ref().map_or(0, Bytes::len)) as u64
    }
}
