//! What the room core asks its shell to do.

use super::conn_id::ConnId;
use super::snapshot::Snapshot;
use coinop_protocol::{Bytes, LogEntry, PlayerId, Seq, StateTarget};

/// WebSocket close codes the core uses (RFC 6455 §7.4.1).
pub mod close_code {
    /// Normal closure (after a `Leave`).
    pub const NORMAL: u16 = 1000;
    /// Policy violation: refused join, kick, replaced, malformed frames.
    pub const POLICY: u16 = 1008;
    /// A frame exceeded the size limit.
    pub const TOO_BIG: u16 = 1009;
    /// The relay failed internally.
    pub const INTERNAL: u16 = 1011;
    /// The relay is restarting or shutting down.
    pub const RESTART: u16 = 1012;
}

/// How a frame may be treated on its way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Never dropped, never reordered, never waits behind unreliable frames.
    Reliable,
    /// May be coalesced with later frames of the same key (latest wins) or
    /// dropped for a slow receiver.
    Unreliable(CoalesceKey),
}

/// Frames with the same key replace each other in a slow receiver's queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoalesceKey {
    /// Who wrote the value.
    pub sender: PlayerId,
    /// What the value belongs to.
    pub target: StateTarget,
    /// The value's key.
    pub key: String,
}

/// One thing the shell must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send this already-encoded `RelayMessage` frame to a connection.
    /// Frames meant for several connections share the same [`Bytes`].
    Send {
        /// The receiver.
        conn: ConnId,
        /// The encoded frame.
        frame: Bytes,
        /// Reliable or coalescable.
        delivery: Delivery,
    },
    /// Close a connection after its queued reliable frames are written.
    /// The core has already forgotten it; a later
    /// [`super::Input::Disconnected`] for it is ignored.
    Close {
        /// The connection.
        conn: ConnId,
        /// The WebSocket close code (see [`close_code`]).
        code: u16,
        /// A short human-readable reason.
        reason: String,
    },
    /// Durably append these entries (consecutive seqs) to the room log, then
    /// answer [`super::Input::Persisted`] or [`super::Input::PersistFailed`].
    /// At most one persist is outstanding per room.
    Persist {
        /// The entries, in seq order.
        entries: Vec<LogEntry>,
    },
    /// Fold `base` and `entries` into one automerge document off the hot
    /// path, store it as the snapshot (trimming the log up to its last seq),
    /// then answer [`super::Input::Compacted`] or
    /// [`super::Input::CompactionFailed`].
    Compact {
        /// The current snapshot, if any.
        base: Option<Snapshot>,
        /// Entries no longer in memory, to read from storage first.
        stored: Option<StoredRange>,
        /// Every durable entry after it, in seq order.
        entries: Vec<LogEntry>,
        /// The room does not know the hashes of the changes folded before
        /// it was loaded: fold with [`super::fold_and_list`] and answer
        /// [`super::Input::FoldedHashes`] before [`super::Input::Compacted`].
        list_hashes: bool,
    },
    /// Catch-up of a joiner: read these durable entries from storage and
    /// send them to `conn` as `Changes` frames of at most `batch_bytes` of
    /// change data, before any later effect for it.
    SendStored {
        /// The joiner.
        conn: ConnId,
        /// What to read.
        range: StoredRange,
        /// Largest frame, in bytes of change data.
        batch_bytes: usize,
    },
    /// Remember that this player sat in this room (the per-player room index).
    IndexPlayer {
        /// The player.
        player: PlayerId,
        /// Whether they are the host now.
        host: bool,
        /// When, in ms since the Unix epoch.
        at_ms: u64,
    },
    /// Store that this player is banned from the room (kicked), or no
    /// longer; loaded back with [`super::RoomState::with_banned`].
    SetBanned {
        /// The player.
        player: PlayerId,
        /// Banned, or unbanned.
        banned: bool,
    },
    /// The room was deleted: once [`super::RoomState::is_idle`], remove
    /// everything stored about it and unload it.
    DeleteRoom,
}

/// Durable log entries the room core no longer holds in memory: those with
/// `after < seq <= upto`, read back with [`crate::storage::Storage::read_tail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRange {
    /// The seq the range starts after.
    pub after: Seq,
    /// Its last seq.
    pub upto: Seq,
}
