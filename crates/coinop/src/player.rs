//! A seated player as the application sees it.

use coinop_protocol::{PlayerId, Profile, Role};

/// A player in the room, with the profile from the room document (falling
/// back to the one given at join).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    /// The player's stable id.
    pub id: PlayerId,
    /// Name, colour, avatar.
    pub profile: Profile,
    /// When the player took their seat, in relay milliseconds since the Unix epoch.
    pub joined_at: u64,
    /// Whether this player is the host.
    pub is_host: bool,
    /// Whether this player is the local one.
    pub is_me: bool,
    /// Whether this seat is a bot (see [`crate::RoomBuilder::bot_of`]).
    pub is_bot: bool,
    /// A player, a stream screen or a spectator.
    pub role: Role,
}
