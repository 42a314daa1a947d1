//! Messages the relay sends to a client.

use crate::error_code::ErrorCode;
use crate::ids::{PlayerId, RoomCode};
use crate::limits::Limits;
use crate::types::{CallId, LogEntry, PlayerInfo, ReplyOutcome, RpcOutcome, Seq, UnreliableValue};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A message from the relay to a client.
///
/// Variants are only ever appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RelayMessage {
    /// The join succeeded. Catch-up frames follow, then [`RelayMessage::Synced`].
    Welcome(Welcome),
    /// Every change of the publish with this `client_ref` is durably stored.
    Ack {
        /// The publish's `client_ref`.
        client_ref: u64,
        /// The room sequence number of its last change (of the earlier copy
        /// when it was a duplicate).
        seq: Seq,
    },
    /// Log entries: live forwards from other players, or catch-up.
    Changes {
        /// Entries in sequence order.
        entries: Vec<LogEntry>,
    },
    /// A compacted document (automerge `save()`) holding every change up to
    /// and including `upto`. Sent during catch-up before the tail.
    Snapshot {
        /// The last sequence number folded in.
        upto: Seq,
        /// The saved document.
        doc: Bytes,
        /// The document's current state without its history: one change
        /// under a fixed actor, holding what reading `doc` would show
        /// (conflicts resolved, counters summed). Sent only when nothing
        /// follows the snapshot, so it is the room's latest state.
        ///
        /// Loading `doc` rebuilds every change of the history (automerge
        /// needs their hashes): about 17 ms for 10,000 changes. The view
        /// loads in well under a millisecond, so a client can show the state
        /// at once and load `doc` afterwards. The view is for reading only:
        /// never merge it into a replica or publish it.
        view: Option<Bytes>,
    },
    /// Catch-up is complete: the client now holds everything up to `head`.
    Synced {
        /// The room's last sequence number.
        head: Seq,
    },
    /// An unreliable value, stamped with its sender.
    Unreliable(UnreliableValue),
    /// A player took a seat.
    PlayerJoined(PlayerInfo),
    /// A player left (after the grace period, on leave, or on kick). Their
    /// unreliable values are cleared.
    PlayerLeft {
        /// Who left.
        player: PlayerId,
    },
    /// The host changed (`None` when the room is empty).
    HostChanged {
        /// The new host.
        host: Option<PlayerId>,
    },
    /// A forwarded RPC, stamped with its caller.
    Rpc {
        /// The caller's call id.
        call: CallId,
        /// The caller.
        from: PlayerId,
        /// The handler's name.
        name: String,
        /// Opaque argument.
        payload: Bytes,
        /// Whether the caller waits for a reply.
        want_reply: bool,
    },
    /// A reply to one of this client's RPCs.
    RpcReply {
        /// The call.
        call: CallId,
        /// Who answered (stamped by the relay).
        from: PlayerId,
        /// The answer.
        outcome: RpcOutcome,
    },
    /// Something went wrong. `fatal` errors are followed by a close.
    Error {
        /// The stable code.
        code: ErrorCode,
        /// A human-readable explanation.
        message: String,
        /// Whether the relay closes the connection after this frame.
        fatal: bool,
        /// The publish this concerns, if any (its changes were not stored).
        client_ref: Option<u64>,
    },
    /// The answer to a ping.
    Pong {
        /// The ping's `client_time`.
        client_time: u64,
        /// The relay's clock, in milliseconds since the Unix epoch.
        server_time: u64,
    },
    /// One piece of a relay message whose frame would exceed
    /// [`Limits::max_frame_bytes`] (a large room's snapshot): the encoded
    /// message is cut into parts sent one after another, each in its own
    /// frame. A client appends each part's `data` and, once it holds
    /// `total` bytes, decodes them as one message. Other messages may
    /// arrive between two parts; a part whose `offset` is not the length
    /// already held starts over (offset 0) or is dropped.
    Part {
        /// The encoded message's whole length.
        total: u64,
        /// Where `data` starts in it.
        offset: u64,
        /// The bytes from `offset`.
        data: Bytes,
    },
    /// The answer to a request that carried a `request` number
    /// ([`crate::ClientMessage::PersistentGet`] and the other persistent
    /// data messages, [`crate::ClientMessage::StartMatchmaking`]).
    Reply {
        /// The request's number.
        request: u64,
        /// What it produced.
        outcome: ReplyOutcome,
    },
}

/// The relay's answer to a successful join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The protocol version the relay speaks.
    pub version: u16,
    /// The room's code (relay-made for [`crate::RoomRequest::New`]).
    pub room: RoomCode,
    /// The room's incarnation; see [`crate::RoomCursor`].
    pub epoch: u64,
    /// Whether the client's cursor named another incarnation (or a future
    /// sequence number): the relay lost history the client holds, so the
    /// client should publish every change it has.
    pub reset: bool,
    /// Who is seated, this player included, in seating order.
    pub players: Vec<PlayerInfo>,
    /// The current host.
    pub host: Option<PlayerId>,
    /// The relay's clock, in milliseconds since the Unix epoch.
    pub server_time: u64,
    /// The room's player cap.
    pub max_players: u16,
    /// The current unreliable values.
    pub unreliable: Vec<UnreliableValue>,
    /// The sizes this relay accepts.
    pub limits: Limits,
}
