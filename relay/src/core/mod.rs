//! The sans-IO room logic.
//!
//! A [`RoomState`] is a plain struct: no tokio, no sockets, no clock. The relay
//! runs one per room inside a task; tests drive it directly.
//!
//! ## Contract
//!
//! * Feed it [`Input`]s with the current time in ms since the Unix epoch:
//!   `room.handle(input, now)`. It returns [`Effect`]s; carry them out in
//!   order.
//! * Before [`Input::Join`] the shell has checked the player's secret (player
//!   ids are relay-wide, so that check is not per room) and the protocol
//!   version. [`ConnId`]s are the shell's; never reuse one within a room.
//! * [`Effect::Send`] carries an encoded [`coinop_protocol::RelayMessage`].
//!   Frames for several receivers share one [`coinop_protocol::Bytes`]: the
//!   relay never re-encodes per receiver.
//! * [`Effect::Persist`]: store the entries durably, then answer
//!   [`Input::Persisted`] (or [`Input::PersistFailed`]). Acks and forwards
//!   are only emitted after that answer, in seq order. At most one persist
//!   is outstanding; publishes arriving meanwhile are batched into the next.
//! * [`Effect::Compact`]: build the snapshot off the hot path, store it, then
//!   answer [`Input::Compacted`] (or [`Input::CompactionFailed`]).
//! * When [`RoomState::next_deadline`] is `Some(t)`, send [`Input::Tick`] at `t`
//!   (grace periods expire then).
//! * After an [`Effect::Close`] the core has forgotten the connection.
//!
//! ```
//! use coinop_protocol::*;
//! use coinop_relay::core::*;
//!
//! let meta = RoomMeta {
//!     code: RoomCode::new("ABCD").unwrap(),
//!     epoch: 7,
//!     max_players: 8,
//!     grace_ms: 5_000,
//!     created_ms: 0,
//!     owner: None,
//!     rules: RoomRules::default(),
//! };
//! let mut room = RoomState::new(meta, RoomLimits::default());
//! let join = Join::new(
//!     RoomCode::new("ABCD").unwrap(),
//!     PlayerId::new("alice").unwrap(),
//!     Secret::new(vec![1; 16]).unwrap(),
//! );
//! let effects = room.handle(Input::Join { conn: ConnId(1), join }, 1_000);
//! let frames: Vec<RelayMessage> = effects
//!     .iter()
//!     .filter_map(|e| match e {
//!         Effect::Send { frame, .. } => RelayMessage::decode(frame).ok(),
//!         _ => None,
//!     })
//!     .collect();
//! assert!(matches!(frames[0], RelayMessage::Welcome(_)));
//! assert!(matches!(frames[1], RelayMessage::Synced { head: Seq(0) }));
//! ```

mod actor_clock;
mod change_hash;
mod change_log;
mod change_ops;
#[doc(hidden)]
pub mod check_cost;
mod conn_id;
mod durable_tail;
mod effect;
mod fold;
mod folded_hashes;
#[doc(hidden)]
pub mod fuzzing;
mod handoff;
mod input;
mod layout_index;
mod limits;
mod log_hashes;
mod persistent;
mod print_set;
mod public_rooms;
mod room_lifecycle;
mod room_messages;
mod room_meta;
mod room_publish;
mod room_state;
mod roster;
mod rpc_calls;
mod snapshot;
mod state_view;
#[cfg(test)]
mod tests;
mod unreliable_store;
mod write_rules;

pub use actor_clock::ActorClock;
pub use change_log::LoadError;
pub use conn_id::ConnId;
pub use effect::{CoalesceKey, Delivery, Effect, StoredRange, close_code};
pub use fold::{fold, fold_and_list};
pub use handoff::{HandedSeat, Handoff};
pub use input::Input;
pub use limits::RoomLimits;
pub use persistent::{PersistentLimits, PersistentWrite, Refusal, check_key};
pub use public_rooms::{Placement, PublicRoom, PublicRooms, RESERVATION_MS};
pub use room_messages::MAX_GAME_BYTES;
pub use room_meta::RoomMeta;
pub use room_state::{RoomState, changes_frames};
pub use snapshot::Snapshot;
pub use state_view::{VIEW_ACTOR, state_view};
