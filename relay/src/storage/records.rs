//! The rows a backend stores, and the groups the storage thread commits.

use crate::core::RoomMeta;
use coinop_protocol::{LogEntry, PlayerId, RoomCode};

/// Entries to append to one room's log.
#[derive(Debug, Clone)]
pub struct Append {
    /// The room.
    pub room: RoomCode,
    /// Consecutive entries, in seq order.
    pub entries: Vec<LogEntry>,
}

/// One row of the per-player room index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRoom {
    /// The room.
    pub room: RoomCode,
    /// Whether the player was ever host there.
    pub host: bool,
    /// The last time the player joined (or became host), ms since the Unix epoch.
    pub last_joined_ms: u64,
}

/// One join to record in the per-player room index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRoomUpdate {
    /// The player.
    pub player: PlayerId,
    /// The room.
    pub room: RoomCode,
    /// Whether the player is host there now.
    pub host: bool,
    /// When, in ms since the Unix epoch.
    pub at_ms: u64,
}

/// Writes the storage thread commits together.
#[derive(Debug, Default)]
pub struct Group {
    /// New rooms' metadata.
    pub rooms: Vec<RoomMeta>,
    /// First-use bindings of player ids to secret hashes; an id that is
    /// already bound keeps its hash.
    pub secrets: Vec<(PlayerId, [u8; 32])>,
    /// Log entries.
    pub appends: Vec<Append>,
    /// Per-player room index rows queued meanwhile. They ride along with
    /// the rest instead of costing an fsync of their own; they alone do not
    /// make a group.
    pub index: Vec<PlayerRoomUpdate>,
    /// When the group is committed, in ms since the Unix epoch: the rooms
    /// of its appends are touched then (see [`super::Storage::touch_rooms`]).
    pub at_ms: u64,
}

impl Group {
    pub(crate) fn is_empty(&self) -> bool {
        self.rooms.is_empty() && self.secrets.is_empty() && self.appends.is_empty()
    }
}
