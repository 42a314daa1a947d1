//! The size limits a relay enforces, as it tells its clients.

use serde::{Deserialize, Serialize};

/// The sizes a relay accepts, sent in [`crate::Welcome::limits`] so that a
/// client can refuse an oversized write at the call, with a clear error,
/// instead of queueing something the relay can never accept.
///
/// Every size is in bytes. A client that has not been welcomed yet (an
/// offline start) checks against [`Limits::DEFAULT`], the relay's own
/// defaults, and checks its queue again against the relay's figures at the
/// welcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest WebSocket frame the relay reads (and sends: a longer relay
    /// message travels as [`crate::RelayMessage::Part`]s).
    pub max_frame_bytes: u32,
    /// Largest automerge change in a publish.
    pub max_change_bytes: u32,
    /// Longest unreliable key.
    pub max_key_bytes: u32,
    /// Largest profile (name, color and avatar together).
    pub max_profile_bytes: u32,
    /// Largest unreliable value.
    pub max_unreliable_bytes: u32,
    /// Largest RPC argument or reply.
    pub max_rpc_bytes: u32,
}

impl Limits {
    /// The relay's defaults: its flags start from these, so each figure is
    /// written here only. Profiles, unreliable values and RPC payloads are
    /// bounded by the frame unless the relay says less.
    pub const DEFAULT: Limits = Limits {
        max_frame_bytes: 1024 * 1024,
        max_change_bytes: 512 * 1024,
        max_key_bytes: 256,
        max_profile_bytes: 8 * 1024,
        max_unreliable_bytes: 16 * 1024,
        max_rpc_bytes: 64 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
