//! A compacted room document.

use coinop_protocol::{Bytes, Seq};

/// An automerge `save()` of every change up to and including `upto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The last sequence number folded in.
    pub upto: Seq,
    /// The saved document.
    pub doc: Bytes,
}
