//! The per-room limits the core enforces.

/// Limits enforced inside a room. The relay derives them from its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomLimits {
    /// Largest accepted automerge change, in bytes.
    pub max_change_bytes: usize,
    /// Largest stored room (snapshot + log), in bytes.
    pub max_room_bytes: u64,
    /// Longest unreliable key, in bytes.
    pub max_key_bytes: usize,
    /// Most distinct unreliable (target, key) values kept per room.
    pub max_unreliable_values: usize,
    /// Compact once the log since the snapshot holds this many entries...
    pub compact_entries: usize,
    /// ...or this many bytes.
    pub compact_bytes: u64,
    /// A room that has stored no change for this long compacts a shorter
    /// log too (see `quiet_compact_entries`), so that a late joiner of a
    /// room that went quiet gets a snapshot, not hundreds of changes to
    /// apply one by one. 0 turns it off.
    pub quiet_compact_ms: u64,
    /// The shortest log a quiet room compacts, until it has sent a joiner
    /// its snapshot; from then on one entry is enough, so joiners get the
    /// snapshot's view of the latest state.
    pub quiet_compact_entries: usize,
    /// Largest catch-up `Changes` frame, in bytes of change data.
    pub catch_up_batch_bytes: usize,
    /// Change bytes of durable log entries kept in memory per room; older
    /// ones are read back from storage when a joiner or compaction needs
    /// them.
    pub cached_log_bytes: u64,
    /// Most stream screens and spectators (members without a player seat).
    pub max_watchers: usize,
}

impl RoomLimits {
    /// The production defaults; the relay's flags and config start from
    /// these, so each is written here only.
    pub const DEFAULT: RoomLimits = RoomLimits {
        max_change_bytes: 512 * 1024,
        max_room_bytes: 64 * 1024 * 1024,
        max_key_bytes: 256,
        max_unreliable_values: 4096,
        compact_entries: 1000,
        compact_bytes: 1024 * 1024,
        quiet_compact_ms: 2_000,
        quiet_compact_entries: 50,
        catch_up_batch_bytes: 256 * 1024,
        cached_log_bytes: 16 * 1024,
        max_watchers: 64,
    };
}

impl Default for RoomLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
