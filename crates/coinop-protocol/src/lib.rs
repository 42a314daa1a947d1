//! # coinop-protocol
//!
//! The wire format spoken between coinop clients (the Rust SDK and the Wasm
//! bindings) and the coinop relay. It is deliberately small: no tokio, no
//! automerge, no wasm-bindgen, so every side can depend on it.
//! The [`actor`] module names how clients tag their automerge actor ids.
//!
//! ## Shape of a session
//!
//! 1. The client opens a WebSocket and sends one binary frame holding
//!    [`ClientMessage::Join`]. Its first two fields (the enum tag `0` and the
//!    protocol version) are frozen forever, so a relay can always read the
//!    version with [`peek_version`] and answer an unknown one with
//!    [`ErrorCode::UNSUPPORTED_VERSION`].
//! 2. The relay answers [`RelayMessage::Welcome`], then what the client lacks
//!    ([`RelayMessage::Snapshot`], [`RelayMessage::Changes`]) and finally
//!    [`RelayMessage::Synced`].
//! 3. From then on both sides exchange the messages below. Every message
//!    travels in its own binary WebSocket frame.
//!
//! ## Messages are named by direction
//!
//! [`ClientMessage`] travels client → relay, [`RelayMessage`] relay → client.
//! Both are `#[non_exhaustive]`: new variants are only ever appended, so the
//! tags of existing variants never change.
//!
//! ## Encoding: postcard
//!
//! Frames are [`postcard`]-encoded serde values. We picked postcard because its
//! wire format is specified and stable since 1.0, it is compact (varint
//! integers, one-byte enum tags, length-prefixed byte strings with no
//! per-field overhead), it decodes without allocating beyond the owned output
//! and it is widely used and well kept. Encoding is derive-based: there is no
//! hand-written decoder to get wrong. Self-describing formats (JSON,
//! MessagePack, CBOR) would spend bytes naming fields on every cursor update;
//! bincode 2 and rkyv give no stable spec for our use.
//!
//! Payloads — automerge changes, snapshots, unreliable values, RPC
//! arguments — are opaque [`Bytes`]: the protocol never looks inside them.
//!
//! ```
//! use coinop_protocol::{ClientMessage, RelayMessage, StateTarget, Seq};
//! use bytes::Bytes;
//!
//! let msg = ClientMessage::Unreliable {
//!     target: StateTarget::Room,
//!     key: "cursor".into(),
//!     value: Bytes::from_static(b"{\"x\":1}"),
//! };
//! let frame = msg.encode();
//! assert_eq!(ClientMessage::decode(&frame).unwrap(), msg);
//!
//! let ack = RelayMessage::Ack { client_ref: 7, seq: Seq(42) };
//! assert_eq!(RelayMessage::decode(&ack.encode()).unwrap(), ack);
//! ```

pub mod actor;
mod client_message;
mod codec;
mod error_code;
mod ids;
mod limits;
mod parts;
mod relay_message;
mod room_rules;
mod types;
mod version;

pub use bytes::Bytes;
pub use client_message::{ClientMessage, Join, RoomRequest};
pub use codec::{DecodeError, peek_version};
pub use error_code::ErrorCode;
pub use ids::{IdError, PlayerId, RoomCode, Secret};
pub use limits::Limits;
pub use parts::{PartError, Reassembly, split_frame};
pub use relay_message::{RelayMessage, Welcome};
pub use room_rules::{MAX_HOST_ONLY_KEYS, MAX_RULE_KEY_BYTES, PlayerStateWriters, RoomRules};
pub use types::{
    CallId, LogEntry, Matchmaking, PersistentValue, PlayerInfo, Profile, ReplyOutcome, Role,
    RoomCursor, RpcOutcome, RpcTarget, Seq, StateTarget, UnreliableValue,
};
pub use version::PROTOCOL_VERSION;
