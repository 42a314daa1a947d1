//! What drives the room core.

use super::conn_id::ConnId;
use coinop_protocol::{ClientMessage, Join, Seq};

/// One event for [`super::RoomState::handle`]. Every input carries no clock;
/// the current time is passed alongside it.
#[derive(Debug, Clone)]
pub enum Input {
    /// A connection whose identity the shell has already checked (player
    /// secret) asks to join. The core answers with `Welcome`, catch-up and
    /// `Synced`, or a fatal error and a close.
    Join {
        /// The new connection.
        conn: ConnId,
        /// Its join handshake.
        join: Join,
    },
    /// A decoded message from a joined connection.
    Message {
        /// The sender.
        conn: ConnId,
        /// The message.
        msg: ClientMessage,
    },
    /// The connection went away (socket closed, fatal error in the shell).
    /// Its seat enters the grace period.
    Disconnected {
        /// The connection.
        conn: ConnId,
    },
    /// The outstanding [`super::Effect::Persist`] is durable up to `upto`.
    Persisted {
        /// The last seq of the persisted batch.
        upto: Seq,
    },
    /// The outstanding [`super::Effect::Persist`] failed: nothing of it
    /// was stored. Every publish not yet acked is refused and rolled back.
    PersistFailed,
    /// The outstanding [`super::Effect::Compact`] is stored.
    /// A snapshot whose `clock` is `None` keeps the hashes of the folded
    /// changes in memory instead ([`super::fold`] computes the clock).
    Compacted(super::Snapshot),
    /// The outstanding [`super::Effect::Compact`] failed; the log is kept.
    CompactionFailed,
    /// Time passed; expire grace periods due by now.
    Tick,
    /// The hash of every change in the snapshot up to `upto`, for a
    /// compaction asked with `list_hashes`; sent just before its
    /// [`Input::Compacted`].
    FoldedHashes {
        /// The snapshot's seq.
        upto: Seq,
        /// Its changes' hashes.
        hashes: Vec<[u8; 32]>,
    },
}
