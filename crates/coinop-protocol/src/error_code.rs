//! Stable numeric error codes carried in [`crate::RelayMessage::Error`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stable error code. Codes never change meaning; new ones may be added, so
/// a client must handle codes it does not know (see [`ErrorCode::name`]).
///
/// * `1xxx`: the join was refused; the connection closes.
/// * `2xxx`: one message was refused; fatal ones close the connection.
/// * `3xxx`: the relay side (storage, shutdown, timeouts).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub u16);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, retry = $retry:literal;)*) => {
        impl ErrorCode {
            $($(#[$doc])* pub const $name: ErrorCode = ErrorCode($value);)*

            /// The code's name, such as `"ROOM_FULL"`, or `"UNKNOWN"` for a
            /// code newer than this crate.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($value => stringify!($name),)*
                    _ => "UNKNOWN",
                }
            }

            /// Whether trying again later (same request, maybe after a
            /// reconnect) can succeed.
            pub fn is_retryable(self) -> bool {
                match self.0 {
                    $($value => $retry,)*
                    _ => false,
                }
            }

            /// Every code this crate knows.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name),*];
        }
    };
}

codes! {
    /// The client's protocol version is not spoken by this relay.
    UNSUPPORTED_VERSION = 1001, retry = false;
    /// The first frame was not a valid join.
    BAD_HANDSHAKE = 1002, retry = false;
    /// The player id is bound to a different secret.
    WRONG_SECRET = 1003, retry = false;
    /// The room has as many players as it allows.
    ROOM_FULL = 1004, retry = true;
    /// The relay holds as many rooms as it allows.
    TOO_MANY_ROOMS = 1005, retry = true;
    /// The room code is not valid, or the join asked for an existing room
    /// only ([`crate::Join::only_existing`]) and no room has the code.
    ROOM_NOT_FOUND = 1006, retry = false;
    /// The handshake took longer than the relay allows.
    HANDSHAKE_TIMEOUT = 1007, retry = true;
    /// The player was removed from the room by the host, and stays out
    /// until the host unbans them ([`crate::ClientMessage::Unban`]).
    KICKED = 1008, retry = false;
    /// The same player joined the room from another connection.
    REPLACED = 1009, retry = false;
    /// The relay serves as many connections as it allows (sent as the body
    /// of an HTTP 503 before the upgrade).
    TOO_MANY_CONNECTIONS = 1010, retry = true;
    /// The room was deleted by its owner (or expired); the connection closes.
    ROOM_DELETED = 1012, retry = false;
    /// The room has as many stream screens and spectators as it allows.
    WATCHERS_FULL = 1016, retry = true;
    /// Matchmaking needs a game id (`gameId`): public rooms are per game.
    GAME_ID_REQUIRED = 1017, retry = false;
    /// A frame could not be decoded.
    MALFORMED = 2001, retry = false;
    /// A frame exceeded the relay's frame size limit.
    FRAME_TOO_LARGE = 2002, retry = false;
    /// A change exceeded the relay's change size limit.
    CHANGE_TOO_LARGE = 2003, retry = false;
    /// A change is not a valid automerge change, reuses the sequence
    /// number of an actor whose change with that number the room holds, or
    /// is written under a content-addressed actor (see [`crate::actor`])
    /// that names other content.
    INVALID_CHANGE = 2004, retry = false;
    /// The room reached its stored size limit; the change was not stored.
    ROOM_TOO_LARGE = 2005, retry = false;
    /// Too many reliable messages per second, sustained; the connection closes.
    RATE_LIMITED = 2006, retry = true;
    /// A message arrived out of order (for example a second join).
    UNEXPECTED_MESSAGE = 2007, retry = false;
    /// Only the host may do that.
    NOT_HOST = 2008, retry = false;
    /// The named player is not in the room.
    NO_SUCH_PLAYER = 2009, retry = false;
    /// A field was out of range (a key too long, too many entries).
    INVALID_FIELD = 2010, retry = false;
    /// A change continues an automerge actor that belongs to another player
    /// (see [`crate::actor`]): only that player may publish its next changes.
    FOREIGN_ACTOR = 2011, retry = false;
    /// A change depends on a change the room does not hold (published
    /// before it, in the same publish or an earlier one). Nothing of the
    /// publish was stored. Retryable: after a room was lost, a client
    /// uploads its own changes while the ones they build on are still to
    /// come from their authors, so the SDK resends (with backoff) until
    /// they have arrived.
    MISSING_DEPENDENCY = 2017, retry = true;
    /// A join's profile is larger than the relay allows.
    PROFILE_TOO_LARGE = 2018, retry = false;
    /// An unreliable value is larger than the relay allows.
    VALUE_TOO_LARGE = 2019, retry = false;
    /// An RPC's payload (or a reply's outcome) is larger than the relay
    /// allows.
    RPC_TOO_LARGE = 2020, retry = false;
    /// An RPC reply answers no call the relay forwarded to its sender (or
    /// the call expired, or was already answered by it).
    RPC_REPLY_REFUSED = 2021, retry = false;
    /// The caller has as many RPCs waiting for replies as the relay allows.
    TOO_MANY_CALLS = 2022, retry = true;
    /// Only the room's owner (the player who created it) may do that:
    /// delete the room, or kick the owner.
    NOT_OWNER = 2023, retry = false;
    /// A stored replica was written by a newer SDK: it is set aside, not
    /// read (raised by clients, never sent by the relay).
    REPLICA_TOO_NEW = 2028, retry = false;
    /// A stored replica could not be decoded: it is set aside, not read
    /// (raised by clients, never sent by the relay).
    REPLICA_CORRUPT = 2029, retry = false;
    /// A change writes where its author may not (see [`crate::RoomRules`]):
    /// another player's profile, another player's state as a non-host, or a
    /// host-only room key as a non-host. Nothing of the publish was stored.
    WRITE_FORBIDDEN = 2012, retry = false;
    /// A change replaces or deletes part of the document's layout
    /// (`ROOT["state"]`, `ROOT["players"]`, a player's map, state or
    /// profile map), which only the deterministic skeleton changes create.
    LAYOUT_PROTECTED = 2013, retry = false;
    /// The room rules of a join that creates a room exceed their limits
    /// (see [`crate::RoomRules::check`]); the join is refused.
    INVALID_ROOM_RULES = 2014, retry = false;
    /// A bot join named an owner who is not the room's connected host.
    BOT_OWNER_NOT_HOST = 2030, retry = false;
    /// A bot join for an ordinary player's seat, or an ordinary join for a
    /// bot's seat.
    NOT_A_BOT_SEAT = 2031, retry = false;
    /// The host cannot be handed to a bot.
    BOT_CANNOT_HOST = 2032, retry = false;
    /// A persistent value (one value, or a whole list) exceeded the relay's
    /// size limit per key; nothing was stored.
    PERSISTENT_VALUE_TOO_LARGE = 2033, retry = false;
    /// The player holds as many persistent keys as the relay allows.
    TOO_MANY_PERSISTENT_KEYS = 2034, retry = false;
    /// A persistent list holds as many entries as the relay allows.
    PERSISTENT_LIST_TOO_LONG = 2035, retry = false;
    /// A spectator tried to write: spectators are read-only.
    READ_ONLY = 2036, retry = false;
    /// The relay could not persist; nothing was acked. Resend later.
    STORAGE_UNAVAILABLE = 3001, retry = true;
    /// The relay is shutting down.
    SHUTTING_DOWN = 3002, retry = true;
    /// No message arrived within the idle timeout.
    IDLE_TIMEOUT = 3003, retry = true;
    /// The connection read too slowly and its queue overflowed.
    SLOW_CONSUMER = 3004, retry = true;
    /// The room is quarantined: its stored data could not be read.
    ROOM_UNAVAILABLE = 3005, retry = true;
    /// An RPC got no reply in time (raised by clients, never sent by the relay).
    RPC_TIMEOUT = 3006, retry = true;
    /// The relay's data directory reached its quota (or the disk its
    /// reserve): nothing was stored, and new rooms are refused.
    DISK_FULL = 3007, retry = true;
    /// Cluster mode: this node stopped serving the room (its lease moved to
    /// another node, or the node is draining). Reconnect: any node takes
    /// the client to the room's new owner.
    ROOM_MOVED = 3011, retry = true;
    /// Cluster mode: the node that owns the room could not be reached.
    /// Reconnect: once the owner's lease runs out another node takes the
    /// room over.
    OWNER_UNREACHABLE = 3012, retry = true;
    /// Saving the local replica failed; the client retries with backoff
    /// (raised by clients, never sent by the relay).
    REPLICA_NOT_SAVED = 3010, retry = true;
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_named() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.0), "duplicate code {}", code.0);
            assert_ne!(code.name(), "UNKNOWN");
        }
        assert_eq!(ErrorCode(9999).name(), "UNKNOWN");
        assert_eq!(ErrorCode::ROOM_FULL.to_string(), "ROOM_FULL (1004)");
        assert!(ErrorCode::STORAGE_UNAVAILABLE.is_retryable());
        assert!(!ErrorCode::WRONG_SECRET.is_retryable());
    }
}
