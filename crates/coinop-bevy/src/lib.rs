#![doc = include_str!("../README.md")]
// Bevy system signatures (`Res<T>`, `MessageReader<M>`) read best without
// `'_`, as in Bevy's own docs.
#![allow(elided_lifetimes_in_paths)]

mod driver_thread;
mod messages;
mod plugin;
mod room_resource;
mod status_resource;
mod systems;

pub use messages::{HostChanged, PlayerJoined, PlayerLeft, RoomEvent, StateChanged, StatusChanged};
pub use plugin::CoinopPlugin;
pub use room_resource::CoinopRoom;
pub use status_resource::CoinopStatus;

/// The SDK itself, for `RoomBuilder`, `Reliability`, `PlayerId` and the rest.
pub use coinop;
