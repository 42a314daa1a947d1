//! Messages a client sends to the relay.

use crate::ids::{PlayerId, RoomCode, Secret};
use crate::room_rules::RoomRules;
use crate::types::{
    CallId, Matchmaking, Profile, Role, RoomCursor, RpcOutcome, RpcTarget, StateTarget,
};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A message from a client to the relay.
///
/// Variants are only ever appended; `Join` stays tag `0` forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClientMessage {
    /// The handshake; must be the first frame and only the first.
    Join(Join),
    /// Reliable document changes to append to the room log.
    ///
    /// The relay validates, de-duplicates (a change it already holds is not
    /// appended again), persists, then answers [`crate::RelayMessage::Ack`]
    /// with the same `client_ref` and forwards new changes to the others.
    Publish {
        /// A number of the client's choosing, echoed in the ack.
        client_ref: u64,
        /// Automerge change bytes, one change per entry.
        changes: Vec<Bytes>,
    },
    /// An unreliable value: latest wins per (target, key), kept in relay
    /// memory only, never persisted, dropped for slow receivers. An empty
    /// `value` withdraws the key's value (clients read it as "no value"),
    /// as a client does after writing the same key reliably.
    Unreliable {
        /// Room-wide, or which player's.
        target: StateTarget,
        /// The key.
        key: String,
        /// The opaque value.
        value: Bytes,
    },
    /// A remote procedure call or event, forwarded by the relay.
    Rpc {
        /// Ties replies to this call.
        call: CallId,
        /// Who receives it.
        target: RpcTarget,
        /// The handler's name.
        name: String,
        /// Opaque argument.
        payload: Bytes,
        /// Whether the caller waits for replies.
        want_reply: bool,
    },
    /// The reply to an [`crate::RelayMessage::Rpc`].
    RpcReply {
        /// The call answered.
        call: CallId,
        /// The caller.
        to: PlayerId,
        /// What the handler produced.
        outcome: RpcOutcome,
    },
    /// Host only: make another seated player the host.
    TransferHost {
        /// The new host.
        to: PlayerId,
    },
    /// Host only: remove a player from the room. The player stays banned
    /// (their joins get [`crate::ErrorCode::KICKED`]) until
    /// [`ClientMessage::Unban`]; the room's owner cannot be kicked
    /// ([`crate::ErrorCode::NOT_OWNER`]).
    Kick {
        /// Who to remove.
        player: PlayerId,
    },
    /// Leave the room now, without a grace period.
    Leave,
    /// A heartbeat and clock probe; the relay answers [`crate::RelayMessage::Pong`].
    Ping {
        /// The client's clock when sent, echoed back.
        client_time: u64,
    },
    /// Host only: let a kicked player join the room again. A kick is kept
    /// with the room (across restarts) until this; unbanning a player who
    /// is not banned does nothing.
    Unban {
        /// Who may come back.
        player: PlayerId,
    },
    /// Owner only: delete the room now. Its log, snapshot, settings, bans
    /// and index rows are removed, and every connected player (the owner
    /// included) gets [`crate::ErrorCode::ROOM_DELETED`] and a close.
    /// Anyone else gets [`crate::ErrorCode::NOT_OWNER`].
    DeleteRoom,
    /// Reads one of this player's persistent keys (kept by the relay across
    /// rooms and sessions, bound to the player's secret). Answered by
    /// [`crate::RelayMessage::Reply`] with the same `request`.
    PersistentGet {
        /// A number of the client's choosing, echoed in the reply.
        request: u64,
        /// The key.
        key: String,
    },
    /// Sets (or with `None` deletes) one of this player's persistent keys,
    /// replacing a list too. Answered once durable.
    PersistentSet {
        /// Echoed in the reply.
        request: u64,
        /// The key.
        key: String,
        /// The opaque value, or `None` to delete the key.
        value: Option<Bytes>,
    },
    /// Appends a value to the list under one of this player's persistent
    /// keys (creating the list). Answered once durable.
    PersistentInsert {
        /// Echoed in the reply.
        request: u64,
        /// The key.
        key: String,
        /// The opaque value to append.
        value: Bytes,
    },
    /// Host only: open this room to matchmaking, so that players
    /// matchmaking for its game are seated in it while it has open seats.
    /// Answered by [`crate::RelayMessage::Reply`].
    StartMatchmaking {
        /// Echoed in the reply.
        request: u64,
        /// The game whose players may be matched into this room (the
        /// join's `game` when `None`).
        game: Option<String>,
    },
}

/// The join handshake.
///
/// `version` is its first field and stays so in every future version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Join {
    /// The protocol version the client speaks ([`crate::PROTOCOL_VERSION`]).
    pub version: u16,
    /// Which room.
    pub room: RoomRequest,
    /// The player's stable id.
    pub player: PlayerId,
    /// The player's secret; binds the id on first join.
    pub secret: Secret,
    /// The player's profile.
    pub profile: Profile,
    /// What the client already holds of this room, if anything.
    pub since: Option<RoomCursor>,
    /// The room's player cap, used only when this join creates the room
    /// (capped by the relay's own limit).
    pub max_players: Option<u16>,
    /// How long a dropped player keeps their seat before others see them
    /// leave, in milliseconds; used only when this join creates the room
    /// (capped by the relay's own limit).
    pub grace_period_ms: Option<u32>,
    /// Join only a room that exists: when no room has this code, the relay
    /// answers [`crate::ErrorCode::ROOM_NOT_FOUND`] and stores nothing
    /// (probing codes creates no rooms). Ignored for [`RoomRequest::New`].
    pub only_existing: bool,
    /// The room's write rules, used only when this join creates the room;
    /// `None` means [`RoomRules::default`]. Kept with the room.
    pub rules: Option<RoomRules>,
    /// Join as a bot seat, run by the player named here (`None`: an
    /// ordinary player). The roster flags the seat as a bot.
    ///
    /// * `Some(player)` itself: a program that is its own bot (the secret
    ///   proves `player`, as usual);
    /// * `Some(owner)`, another player: a bot the owner's client runs, as
    ///   Playroom's bots are run by the host. The secret then proves
    ///   `owner`, who must be the room's connected host; the bot's seat
    ///   follows the host, so after a host change the new host joins it.
    pub bot_of: Option<PlayerId>,
    /// The game this client plays (Playroom's `gameId`): public rooms and
    /// matchmaking are per game. Required with `matchmaking`.
    pub game: Option<String>,
    /// Matchmaking: seat this player in the fullest public room of `game`
    /// with an open seat, or in a new public room when none opens in time.
    /// `room` is then ignored.
    pub matchmaking: Option<Matchmaking>,
    /// What this connection is in the room; `None` is [`Role::Player`].
    pub role: Option<Role>,
}

impl Join {
    /// A join at this crate's [`crate::PROTOCOL_VERSION`] with an empty
    /// profile, holding nothing of the room yet, and the relay's defaults for
    /// a room it creates; the `with_*` methods change one field each.
    ///
    /// ```
    /// use coinop_protocol::{Join, PlayerId, RoomCode, Secret};
    ///
    /// let join = Join::new(
    ///     RoomCode::new("GAME").unwrap(),
    ///     PlayerId::new("alice").unwrap(),
    ///     Secret::new([7; 16]).unwrap(),
    /// )
    /// .with_max_players(4);
    /// assert_eq!(join.max_players, Some(4));
    /// assert_eq!(join.since, None);
    /// ```
    pub fn new(room: impl Into<RoomRequest>, player: PlayerId, secret: Secret) -> Join {
        Join {
            version: crate::PROTOCOL_VERSION,
            room: room.into(),
            player,
            secret,
            profile: Profile::default(),
            since: None,
            max_players: None,
            grace_period_ms: None,
            only_existing: false,
            rules: None,
            bot_of: None,
            game: None,
            matchmaking: None,
            role: None,
        }
    }

    /// The same join speaking protocol `version` (to test old or unknown versions).
    pub fn with_version(mut self, version: u16) -> Join {
        self.version = version;
        self
    }

    /// The same join with this profile.
    pub fn with_profile(mut self, profile: Profile) -> Join {
        self.profile = profile;
        self
    }

    /// The same join from a client that holds the room up to `since`
    /// (a cursor, or an `Option` of one).
    pub fn with_since(mut self, since: impl Into<Option<RoomCursor>>) -> Join {
        self.since = since.into();
        self
    }

    /// The same join asking for a room of at most `max_players` (a number,
    /// or an `Option` of one).
    pub fn with_max_players(mut self, max_players: impl Into<Option<u16>>) -> Join {
        self.max_players = max_players.into();
        self
    }

    /// The same join asking for a grace period of `ms` milliseconds (a
    /// number, or an `Option` of one).
    pub fn with_grace_period_ms(mut self, ms: impl Into<Option<u32>>) -> Join {
        self.grace_period_ms = ms.into();
        self
    }

    /// The same join, refused with [`crate::ErrorCode::ROOM_NOT_FOUND`]
    /// instead of creating the room when it does not exist.
    pub fn with_only_existing(mut self, only_existing: bool) -> Join {
        self.only_existing = only_existing;
        self
    }

    /// The same join asking for these write rules if it creates the room
    /// (rules, or an `Option` of them).
    pub fn with_rules(mut self, rules: impl Into<Option<RoomRules>>) -> Join {
        self.rules = rules.into();
        self
    }

    /// The same join as a bot seat run by `owner` (see [`Join::bot_of`]).
    pub fn with_bot_of(mut self, owner: impl Into<Option<PlayerId>>) -> Join {
        self.bot_of = owner.into();
        self
    }
    /// The same join for this game (a game id, or an `Option` of one).
    pub fn with_game(mut self, game: impl Into<Option<String>>) -> Join {
        self.game = game.into();
        self
    }

    /// The same join asking to be matchmade (see [`Join::matchmaking`]).
    pub fn with_matchmaking(mut self, matchmaking: impl Into<Option<Matchmaking>>) -> Join {
        self.matchmaking = matchmaking.into();
        self
    }

    /// The same join in this role.
    pub fn with_role(mut self, role: impl Into<Option<Role>>) -> Join {
        self.role = role.into();
        self
    }

    /// The role this join asks for ([`Role::Player`] when unset).
    pub fn role(&self) -> Role {
        self.role.unwrap_or_default()
    }
}

/// Which room a join is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomRequest {
    /// Create a room with a fresh relay-made code.
    New,
    /// Join the room with this code, creating it if it does not exist.
    Code(RoomCode),
}

impl From<RoomCode> for RoomRequest {
    fn from(code: RoomCode) -> RoomRequest {
        RoomRequest::Code(code)
    }
}
