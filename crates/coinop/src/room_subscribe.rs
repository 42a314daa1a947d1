//! Subscribing to events, and futures built on them.

use crate::error::Error;
use crate::event::Event;
use crate::room::Room;
use crate::shared::lock;
use crate::status::Status;
use crate::subscription::Events;
use futures_channel::mpsc;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

impl Room {
    /// Subscribes to the room's events. The subscription starts with one
    /// [`Event::PlayerJoined`] per player already present, then carries
    /// everything that happens from now on.
    pub fn events(&self) -> Events {
        let (tx, rx) = mpsc::unbounded();
        let mut subs = lock(&self.shared.subscribers);
        let core = lock(&self.shared.core);
        for p in core.players() {
            let _ = tx.unbounded_send(Event::PlayerJoined(p));
        }
        drop(core);
        subs.push(tx);
        Events { rx }
    }

    /// Waits until the room is joined and caught up with the relay. Fails
    /// if the relay refuses the room for good (wrong secret, room full, …).
    /// While the relay is unreachable it keeps waiting (the driver keeps
    /// retrying): wrap it in a timeout to give up earlier.
    pub async fn ready(&self) -> Result<(), Error> {
        self.wait_until(|room| room.read(|c| c.is_synced()).then_some(()))
            .await
    }

    /// Waits until every local change is acknowledged by the relay, i.e.
    /// durably stored (call it before [`Room::leave`] to not lose edits when
    /// there is no replica store). Fails if the room stops first.
    pub async fn saved(&self) -> Result<(), Error> {
        self.wait_until(|room| room.is_saved().then_some(())).await
    }

    /// Waits until the room state key has a value convertible to `T`.
    pub async fn wait_for_state<T: DeserializeOwned>(&self, key: &str) -> Result<T, Error> {
        self.wait_until(|room| room.get_state(key)).await
    }

    /// Waits until `done` gives a value, checking again after every event;
    /// fails when the room stops first (with its fatal error, if any).
    async fn wait_until<T>(&self, done: impl Fn(&Room) -> Option<T>) -> Result<T, Error> {
        let mut events = self.events();
        loop {
            if let Some(v) = done(self) {
                return Ok(v);
            }
            if self.status() == Status::Offline {
                return Err(self.read(|c| c.fatal().cloned()).unwrap_or(Error::Closed));
            }
            if events.next().await.is_none() {
                return Err(Error::Closed);
            }
        }
    }
}
