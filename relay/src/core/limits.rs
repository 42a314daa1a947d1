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
    /// Largest catch-up `Changes` frame, in bytes of change data.
    pub catch_up_batch_bytes: usize,
    /// Change bytes of durable log entries kept in memory per room; older
    /// ones are read back from storage when a joiner or compaction needs
    /// them.
    pub cached_log_bytes: u64,
}

impl Default for RoomLimits {
    fn default() -> Self {
        Self {
            max_change_bytes: 512 * 1024,
            max_room_bytes: 64 * 1024 * 1024,
            max_key_bytes: 256,
            max_unreliable_values: 4096,
            compact_entries: 1000,
            compact_bytes: 1024 * 1024,
            catch_up_batch_bytes: 256 * 1024,
            cached_log_bytes: 16 * 1024,
        }
    }
}
