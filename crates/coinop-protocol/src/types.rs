//! Small value types carried inside messages.

use crate::ids::PlayerId;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A room sequence number: the position of a change in the room's log.
/// The first change of a room has `Seq(1)`; `Seq(0)` means "nothing yet".
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    /// The sequence number after this one.
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

/// Where a client stands in a room's history: the room's incarnation (a
/// random number the relay picks when it creates the room) and the last
/// sequence number the client holds.
///
/// A different epoch means the relay lost the room and made it anew, so the
/// client must publish its changes again (see [`crate::Welcome::reset`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCursor {
    /// The room's incarnation.
    pub epoch: u64,
    /// The last sequence number held.
    pub seq: Seq,
}

/// A player's public profile, shown in lobbies and player lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Display name.
    pub name: String,
    /// Colour as a CSS hex string such as `#ff8800`.
    pub color: String,
    /// Avatar: an index, URL or data URL; opaque to the relay.
    pub avatar: String,
}

/// A player in the room roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerInfo {
    /// The player's id.
    pub id: PlayerId,
    /// The profile given at join.
    pub profile: Profile,
    /// When the player took their seat, in relay milliseconds since the Unix
    /// epoch. The earliest seated player is the host unless it was transferred.
    pub joined_at: u64,
    /// Whether the seat is a bot (joined with [`crate::Join::bot_of`]). A
    /// bot is never elected host.
    pub bot: bool,
    /// What this member is: a player, a stream screen or a spectator.
    pub role: Role,
}

/// What a connection is in a room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// A player: takes one of the room's seats (`max_players`).
    #[default]
    Player,
    /// A shared screen (the TV of a party game, a quiz's host screen): in
    /// the roster, may write and be host, but takes no player seat.
    StreamScreen,
    /// A read-only watcher: takes no player seat, is never host, and the
    /// relay refuses its writes ([`crate::ErrorCode::READ_ONLY`]).
    Spectator,
}

impl Role {
    /// Whether this role takes one of the room's player seats.
    pub fn is_player(self) -> bool {
        self == Role::Player
    }
}

/// How a matchmaking join waits (see [`crate::Join::matchmaking`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matchmaking {
    /// How long to wait for a public room with an open seat before a new
    /// one is created, in ms (Playroom's `waitBeforeCreatingNewRoom`).
    pub wait_before_creating_ms: u32,
}

/// A value kept under one of a player's persistent keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersistentValue {
    /// One opaque value (set with `PersistentSet`).
    One(Bytes),
    /// A list of opaque values (appended with `PersistentInsert`), oldest first.
    List(Vec<Bytes>),
}

impl PersistentValue {
    /// The bytes the value holds (the sum over a list's entries).
    pub fn byte_len(&self) -> usize {
        match self {
            PersistentValue::One(b) => b.len(),
            PersistentValue::List(items) => items.iter().map(Bytes::len).sum(),
        }
    }
}

/// The outcome of a request answered by [`crate::RelayMessage::Reply`].
/// Variants are only ever appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ReplyOutcome {
    /// A read's result: the key's value, or `None` when unset.
    Value(Option<PersistentValue>),
    /// A write or action succeeded (for writes: durably stored).
    Done,
    /// Refused; nothing changed.
    Refused {
        /// The stable code.
        code: crate::ErrorCode,
        /// A human-readable explanation.
        message: String,
    },
}

/// One entry of a room's log, as sent to catching-up clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The entry's room sequence number.
    pub seq: Seq,
    /// Who published it, stamped by the relay.
    pub sender: PlayerId,
    /// The automerge change bytes, verbatim.
    pub change: Bytes,
}

/// What an unreliable value belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateTarget {
    /// Room-wide state.
    Room,
    /// One player's state. Any player may write any player's value (as in
    /// Playroom Kit); the relay stamps who wrote it.
    Player(PlayerId),
}

/// A current unreliable value, as given to late joiners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreliableValue {
    /// Who last wrote it.
    pub sender: PlayerId,
    /// What it belongs to.
    pub target: StateTarget,
    /// The key.
    pub key: String,
    /// The opaque value.
    pub value: Bytes,
}

/// Who an RPC goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RpcTarget {
    /// The current host (which may be the caller).
    Host,
    /// Every player, the caller included.
    All,
    /// Every player but the caller.
    Others,
    /// One player.
    Player(PlayerId),
}

/// A caller-chosen id that ties an RPC reply to its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

/// The outcome of one RPC handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RpcOutcome {
    /// The handler returned a value.
    Ok(Bytes),
    /// The handler failed, or no handler is registered under that name.
    Err(String),
}
