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
}
