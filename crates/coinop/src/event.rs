//! What a room tells the application.

use crate::error::Error;
use crate::player::Player;
use crate::reliability::Reliability;
use crate::status::Status;
use coinop_protocol::{PlayerId, StateTarget};

/// Something that happened in the room. Read them from [`crate::Events`],
/// either as a `Stream` or with a non-blocking drain.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A state key changed value (or was removed, then `value` is `None`).
    StateChanged {
        /// Room state or which player's state.
        target: StateTarget,
        /// The top-level key under that target.
        key: String,
        /// The value now visible through `get_state`, as JSON.
        value: Option<serde_json::Value>,
        /// Who made the change: the relay-stamped sender for remote
        /// changes, this player for local ones, `None` when unknown
        /// (a compacted snapshot during catch-up).
        by: Option<PlayerId>,
        /// Which channel carried it.
        reliability: Reliability,
    },
    /// A player's profile in the document changed.
    ProfileChanged {
        /// Whose.
        player: PlayerId,
    },
    /// A player is in the room. A new subscription first receives one of
    /// these for everyone already present, then one per new arrival.
    PlayerJoined(Player),
    /// A player left for good (after the relay's grace period, on leave or
    /// kick). Their unreliable values are gone.
    PlayerLeft(PlayerId),
    /// The host changed.
    HostChanged(Option<PlayerId>),
    /// The connection status changed.
    StatusChanged(Status),
    /// Every local change is acknowledged by the relay (`true`), or a new
    /// one is waiting (`false`).
    Saved(bool),
    /// Caught up: everything the relay held when this connection joined is
    /// applied. Sent after every (re)connection.
    Synced,
    /// A call for a name with no handler registered on this client
    /// ([`crate::Room::register_rpc`]). Answer it with
    /// [`crate::Room::reply_rpc`] — from async code, or another language
    /// through the bindings — or ignore it: the caller's timeout ends the call.
    RpcRequest {
        /// Ties the reply to the call.
        call: u64,
        /// The caller, stamped by the relay.
        from: PlayerId,
        /// The handler's name.
        name: String,
        /// The JSON argument (`null` when it is not valid JSON).
        payload: serde_json::Value,
        /// Whether the caller waits for a reply.
        want_reply: bool,
    },
    /// Something failed. Fatal errors are followed by
    /// `StatusChanged(Status::Offline)`; others (a refused change, a host-only
    /// command) leave the room running.
    Error(Error),
}
