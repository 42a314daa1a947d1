//! What a join brought: the welcome and the catch-up.

use coinop_protocol::{Bytes, LogEntry, Seq, Welcome};

/// What the relay sent between `Welcome` and `Synced`.
#[derive(Debug)]
pub struct Joined {
    /// The welcome.
    pub welcome: Welcome,
    /// The snapshot and the seq it covers, if the room was compacted.
    pub snapshot: Option<(Seq, Bytes)>,
    /// The snapshot's history-free state view, when the relay sent one
    /// (protocol 3).
    pub view: Option<Bytes>,
    /// The log entries after the snapshot.
    pub entries: Vec<LogEntry>,
    /// The head named by `Synced`.
    pub head: Seq,
}
