//! What the core needs to know before it starts.

use coinop_protocol::{Matchmaking, PlayerId, Profile, Role, RoomRequest, RoomRules, Secret};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The room core's fixed settings.
#[derive(Debug, Clone)]
pub(crate) struct CoreConfig {
    /// Which room to join (a new one, or a code).
    pub(crate) room: RoomRequest,
    /// This player's id.
    pub(crate) player: PlayerId,
    /// This player's secret.
    pub(crate) secret: Secret,
    /// This player's profile, written into the document on start.
    pub(crate) profile: Profile,
    /// Whether a profile already stored in the room for this player wins
    /// over `profile` (which is then only a default for a new player).
    pub(crate) profile_is_default: bool,
    /// Player cap when this client creates the room.
    pub(crate) max_players: Option<u16>,
    /// Seat grace period when this client creates the room, in ms.
    pub(crate) grace_period_ms: Option<u32>,
    /// Join only a room that exists (ROOM_NOT_FOUND otherwise).
    pub(crate) only_existing: bool,
    /// Write rules when this client creates the room.
    pub(crate) rules: Option<RoomRules>,
    /// How long an RPC waits for a reply, in ms.
    pub(crate) rpc_timeout_ms: u64,
    /// Values room keys read as until someone writes them.
    pub(crate) default_states: BTreeMap<String, Json>,
    /// Values player keys read as until someone writes them.
    pub(crate) default_player_states: BTreeMap<String, Json>,
    /// Seeds the actor id and the backoff jitter.
    pub(crate) seed: u64,
    /// Join as a bot seat run by this player (see `Join::bot_of`).
    pub(crate) bot_of: Option<PlayerId>,
    /// The game (public rooms and matchmaking are per game).
    pub(crate) game: Option<String>,
    /// Matchmake into a public room of `game` on the first join.
    pub(crate) matchmaking: Option<Matchmaking>,
    /// What this client is in the room.
    pub(crate) role: Role,
}

impl CoreConfig {
    /// A configuration with defaults, for `player` joining `room`.
    pub(crate) fn new(room: RoomRequest, player: PlayerId, secret: Secret, seed: u64) -> Self {
        CoreConfig {
            room,
            player,
            secret,
            profile: Profile::default(),
            profile_is_default: false,
            max_players: None,
            grace_period_ms: None,
            only_existing: false,
            rules: None,
            rpc_timeout_ms: 10_000,
            default_states: BTreeMap::new(),
            default_player_states: BTreeMap::new(),
            seed,
            bot_of: None,
            game: None,
            matchmaking: None,
            role: Role::Player,
        }
    }
}
