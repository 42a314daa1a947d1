//! The plugin's systems: events in once per frame, a leave on exit.

use crate::messages::{
    HostChanged, PlayerJoined, PlayerLeft, RoomEvent, StateChanged, StatusChanged,
};
use crate::room_resource::CoinopRoom;
use crate::status_resource::CoinopStatus;
use bevy_app::AppExit;
use bevy_ecs::message::{MessageReader, MessageWriter};
use bevy_ecs::system::{Res, ResMut, SystemParam};
use coinop::Event;

/// Every message the plugin writes.
#[derive(SystemParam)]
pub(crate) struct RoomWriters<'w> {
    all: MessageWriter<'w, RoomEvent>,
    state: MessageWriter<'w, StateChanged>,
    joined: MessageWriter<'w, PlayerJoined>,
    left: MessageWriter<'w, PlayerLeft>,
    host: MessageWriter<'w, HostChanged>,
    status: MessageWriter<'w, StatusChanged>,
}

impl RoomWriters<'_> {
    fn write(&mut self, event: Event) {
        match &event {
            Event::StateChanged {
                target,
                key,
                value,
                by,
                reliability,
            } => {
                self.state.write(StateChanged {
                    target: target.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    by: by.clone(),
                    reliability: *reliability,
                });
            }
            Event::PlayerJoined(p) => {
                self.joined.write(PlayerJoined(p.clone()));
            }
            Event::PlayerLeft(id) => {
                self.left.write(PlayerLeft(id.clone()));
            }
            Event::HostChanged(h) => {
                self.host.write(HostChanged(h.clone()));
            }
            Event::StatusChanged(s) => {
                self.status.write(StatusChanged(*s));
            }
            _ => {}
        }
        self.all.write(RoomEvent(event));
    }
}

/// Drains the room's events into messages and refreshes [`CoinopStatus`].
pub(crate) fn pump_room_events(
    room: Option<Res<CoinopRoom>>,
    mut status: ResMut<CoinopStatus>,
    mut writers: RoomWriters,
) {
    let Some(room) = room else {
        if status.status.is_some() {
            *status = CoinopStatus::default();
        }
        return;
    };
    let drained = room
        .events
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain();
    for event in drained {
        writers.write(event);
    }
    let next = CoinopStatus {
        status: Some(room.status()),
        saved: room.is_saved(),
        error: room.ended().and_then(Result::err),
    };
    // Written only on change, so `status.is_changed()` means something.
    if next.status != status.status
        || next.saved != status.saved
        || next.error.is_some() != status.error.is_some()
    {
        *status = next;
    }
}

/// Leaves the room when the app exits, so others see the player go at once
/// rather than after the relay's grace period.
pub(crate) fn leave_on_exit(room: Option<Res<CoinopRoom>>, mut exits: MessageReader<AppExit>) {
    if exits.read().next().is_some()
        && let Some(room) = room
    {
        room.leave();
    }
}
