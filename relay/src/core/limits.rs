//! The per-room limits the core enforces.

use coinop_protocol::Limits;

/// Limits enforced inside a room. The relay derives them from its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomLimits {
    /// Largest frame a client reads from us (and we from it): a longer
    /// reliable message is sent in [`coinop_protocol::RelayMessage::Part`]s.
    pub max_frame_bytes: usize,
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
    /// Bytes of memory the newest durable log entries may hold per room
    /// (each entry's change, sender and bookkeeping); older ones are read
    /// back from storage when a joiner or compaction needs them.
    pub cached_log_bytes: u64,
    // What a hostile player could make a room keep or forward (issue 15).
    /// Largest profile at a join (name, colour and avatar), in bytes.
    pub max_profile_bytes: usize,
    /// Largest unreliable value, in bytes.
    pub max_unreliable_value_bytes: usize,
    /// Most bytes of unreliable values (keys included) a room keeps. They
    /// all go to a joiner in its `Welcome`, with every profile: the
    /// defaults (64 players' profiles at 8 KiB, 256 KiB of values) keep it
    /// under the 1 MiB frame limit.
    pub max_unreliable_bytes: u64,
    /// Largest RPC (name and payload) or RPC reply outcome, in bytes.
    pub max_rpc_bytes: usize,
    /// How long a forwarded RPC accepts replies, in ms.
    pub rpc_reply_ms: u64,
    /// Most RPCs waiting for replies per caller.
    pub max_calls_per_player: usize,
    /// Most stream screens and spectators (members without a player seat).
    pub max_watchers: usize,
}

impl RoomLimits {
    /// The production defaults; the relay's flags and config start from
    /// these, so each is written here only.
    pub const DEFAULT: RoomLimits = RoomLimits {
        max_frame_bytes: Limits::DEFAULT.max_frame_bytes as usize,
        max_change_bytes: Limits::DEFAULT.max_change_bytes as usize,
        max_room_bytes: 64 * 1024 * 1024,
        max_key_bytes: Limits::DEFAULT.max_key_bytes as usize,
        max_unreliable_values: 4096,
        compact_entries: 1000,
        compact_bytes: 1024 * 1024,
        quiet_compact_ms: 2_000,
        quiet_compact_entries: 50,
        catch_up_batch_bytes: 256 * 1024,
        cached_log_bytes: 16 * 1024,
        max_profile_bytes: Limits::DEFAULT.max_profile_bytes as usize,
        max_unreliable_value_bytes: Limits::DEFAULT.max_unreliable_bytes as usize,
        max_unreliable_bytes: 256 * 1024,
        max_rpc_bytes: Limits::DEFAULT.max_rpc_bytes as usize,
        rpc_reply_ms: 60_000,
        max_calls_per_player: 256,
        max_watchers: 64,
    };
}

impl RoomLimits {
    /// The sizes clients are told in their welcome.
    pub fn wire(&self) -> Limits {
        let frame = clamp(self.max_frame_bytes);
        Limits {
            max_frame_bytes: frame,
            max_change_bytes: clamp(self.max_change_bytes),
            max_key_bytes: clamp(self.max_key_bytes),
            max_profile_bytes: clamp(self.max_profile_bytes).min(frame),
            max_unreliable_bytes: clamp(self.max_unreliable_value_bytes).min(frame),
            max_rpc_bytes: clamp(self.max_rpc_bytes).min(frame),
        }
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Default for RoomLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
