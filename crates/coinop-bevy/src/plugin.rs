//! The plugin: messages, status, the per-frame pump, and the room.

use crate::messages::{
    HostChanged, PlayerJoined, PlayerLeft, RoomEvent, StateChanged, StatusChanged,
};
use crate::room_resource::CoinopRoom;
use crate::status_resource::CoinopStatus;
use crate::systems::{leave_on_exit, pump_room_events};
use bevy_app::{App, Last, Plugin, PreUpdate};
use coinop::RoomBuilder;
use std::sync::Mutex;

/// Adds coinop to a Bevy app.
///
/// ```no_run
/// use bevy_app::App;
/// use coinop_bevy::{CoinopPlugin, coinop::RoomBuilder};
///
/// App::new()
///     .add_plugins(CoinopPlugin::new(RoomBuilder::new("ws://127.0.0.1:8787").room("ARENA")))
///     .run();
/// ```
pub struct CoinopPlugin {
    join: Mutex<Option<RoomBuilder>>,
}

impl CoinopPlugin {
    /// Joins the room `builder` describes when the app is built; the
    /// [`CoinopRoom`] resource is there from the first frame.
    pub fn new(builder: RoomBuilder) -> CoinopPlugin {
        CoinopPlugin {
            join: Mutex::new(Some(builder)),
        }
    }

    /// Joins nothing yet: insert a [`CoinopRoom`] later (after a lobby or
    /// a "join" button) with `CoinopRoom::connect`.
    pub fn deferred() -> CoinopPlugin {
        CoinopPlugin {
            join: Mutex::new(None),
        }
    }
}

impl Plugin for CoinopPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<RoomEvent>()
            .add_message::<StateChanged>()
            .add_message::<PlayerJoined>()
            .add_message::<PlayerLeft>()
            .add_message::<HostChanged>()
            .add_message::<StatusChanged>()
            .init_resource::<CoinopStatus>()
            .add_systems(PreUpdate, pump_room_events)
            .add_systems(Last, leave_on_exit);
        let builder = self.join.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(builder) = builder {
            match CoinopRoom::connect(builder) {
                Ok(room) => {
                    app.insert_resource(room);
                }
                Err(error) => {
                    app.insert_resource(CoinopStatus {
                        error: Some(error),
                        ..CoinopStatus::default()
                    });
                }
            }
        }
    }
}
