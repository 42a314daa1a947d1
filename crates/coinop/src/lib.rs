#![doc = include_str!("guide.md")]

#[cfg(not(target_arch = "wasm32"))]
mod bot_host;
mod builder;
mod core;
mod doc_layout;
mod doc_value;
mod driver;
mod error;
mod event;
#[cfg(not(target_arch = "wasm32"))]
mod file_store;
mod identity;
mod player;
#[cfg(not(target_arch = "wasm32"))]
mod public_rooms;
mod reliability;
mod replica;
mod room;
mod room_bots;
mod room_players;
mod room_requests;
mod room_rpc;
mod room_subscribe;
mod shared;
mod status;
mod subscription;
mod transport;

#[cfg(not(target_arch = "wasm32"))]
pub use bot_host::{BotDriver, BotHost};
pub use builder::{Driver, RoomBuilder};
pub use doc_layout::state_map;
pub use error::{Error, SizeOf};
pub use event::Event;
#[cfg(not(target_arch = "wasm32"))]
pub use file_store::{FileIdentityStore, FileReplicaStore, default_data_dir};
pub use identity::{Identity, IdentityStore, MemoryIdentityStore};
pub use player::Player;
#[cfg(not(target_arch = "wasm32"))]
pub use public_rooms::{PublicRoom, public_rooms};
pub use reliability::Reliability;
pub use replica::{MemoryReplicaStore, REPLICA_VERSION, Replica, ReplicaStore};
pub use room::Room;
pub use status::Status;
pub use subscription::Events;

pub use automerge;
/// The wire protocol, for bindings and tools.
pub use coinop_protocol as protocol;
pub use coinop_protocol::{
    ErrorCode, Limits, PlayerId, PlayerStateWriters, Profile, Role, RoomCode, RoomRules, RpcTarget,
    StateTarget,
};
