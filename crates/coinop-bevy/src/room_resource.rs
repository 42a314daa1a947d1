//! The room as a Bevy resource.

use crate::driver_thread::{self, Outcome};
use bevy_ecs::resource::Resource;
use coinop::{Error, Events, Room, RoomBuilder};
use std::ops::Deref;
use std::sync::Mutex;

/// The joined room: derefs to the SDK's [`Room`], so systems call
/// `room.set_state(…)`, `room.get_state(…)`, `room.players()`,
/// `room.is_host()`, `room.call(…)` exactly as in any Rust program.
///
/// Insert it with [`crate::CoinopPlugin::new`] (joins at startup) or later
/// with `commands.insert_resource(CoinopRoom::connect(builder)?)` (after a
/// lobby screen, say). Removing the resource leaves the room.
#[derive(Resource)]
pub struct CoinopRoom {
    room: Room,
    /// Drained once per frame by the plugin's `PreUpdate` system.
    pub(crate) events: Mutex<Events>,
    pub(crate) outcome: Outcome,
}

impl CoinopRoom {
    /// Builds the room and starts its driver (natively on a thread of its
    /// own, in the browser on the page's event loop). Fails only on a bad
    /// configuration (URL, room code, identity store); connection trouble
    /// shows in [`crate::CoinopStatus`] instead.
    pub fn connect(builder: RoomBuilder) -> Result<CoinopRoom, Error> {
        let (room, driver) = builder.build()?;
        // Subscribe before the driver runs, so that no event is missed.
        let events = Mutex::new(room.events());
        let outcome = driver_thread::spawn(driver)?;
        Ok(CoinopRoom {
            room,
            events,
            outcome,
        })
    }

    /// The SDK handle, for code outside Bevy (it is cheap to clone).
    pub fn room(&self) -> &Room {
        &self.room
    }

    /// How the driver ended, if it has: `Some(Err(_))` when the relay
    /// refused the room for good (kicked, wrong secret, room full …).
    pub fn ended(&self) -> Option<Result<(), Error>> {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Deref for CoinopRoom {
    type Target = Room;

    fn deref(&self) -> &Room {
        &self.room
    }
}

impl Drop for CoinopRoom {
    fn drop(&mut self) {
        // The driver holds no handle of its own, but a clone taken by user
        // code would keep the seat: leaving here is what "removing the
        // resource leaves the room" promises.
        self.room.leave();
    }
}
