//! The room's events as Bevy messages, written once per frame in
//! `PreUpdate` so that every system of the frame sees them.

use bevy_ecs::message::Message;
use coinop::{Event, Player, PlayerId, Reliability, StateTarget, Status};

/// Every room event, as the SDK reports it (including the ones with a
/// typed message of their own below, and `Saved`, `Synced`, RPC and profile
/// events, which have none).
#[derive(Message, Debug, Clone)]
pub struct RoomEvent(pub Event);

/// A state key changed (room state or a player's state).
#[derive(Message, Debug, Clone)]
pub struct StateChanged {
    /// Room state or which player's state.
    pub target: StateTarget,
    /// The top-level key.
    pub key: String,
    /// The value now visible through `get_state`, `None` once removed.
    pub value: Option<serde_json::Value>,
    /// Who made the change, when known.
    pub by: Option<PlayerId>,
    /// Which channel carried it.
    pub reliability: Reliability,
}

/// A player is in the room (first one per player already present, then one
/// per arrival).
#[derive(Message, Debug, Clone)]
pub struct PlayerJoined(pub Player);

/// A player left for good.
#[derive(Message, Debug, Clone)]
pub struct PlayerLeft(pub PlayerId);

/// The host changed.
#[derive(Message, Debug, Clone)]
pub struct HostChanged(pub Option<PlayerId>);

/// The connection status changed.
#[derive(Message, Debug, Clone)]
pub struct StatusChanged(pub Status);
