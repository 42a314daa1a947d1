//! What the relay persists about a room besides its log.

use coinop_protocol::{PlayerId, RoomCode, RoomRules};

/// A room's fixed settings, chosen when it is created and persisted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomMeta {
    /// The room's code.
    pub code: RoomCode,
    /// The room's incarnation: random, chosen at creation.
    pub epoch: u64,
    /// The player cap.
    pub max_players: u16,
    /// How long a dropped player keeps their seat, in ms.
    pub grace_ms: u64,
    /// When the room was created, in ms since the Unix epoch.
    pub created_ms: u64,
    /// The player who created the room, if known (rooms stored before
    /// owners were kept have none). The owner is made host whenever they
    /// join, cannot be kicked, and alone may delete the room.
    pub owner: Option<PlayerId>,
    /// Who may write what (chosen by the join that created the room).
    pub rules: RoomRules,
}
