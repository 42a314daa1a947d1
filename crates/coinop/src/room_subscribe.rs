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
        let mut events = self.events();
        loop {
            let (synced, status, fatal) =
                self.read(|c| (c.is_synced(), c.status(), c.fatal().cloned()));
            if synced {
                return Ok(());
            }
            if status == Status::Offline {
                return Err(fatal.unwrap_or(Error::Closed));
            }
            if events.next().await.is_none() {
                return Err(Error::Closed);
            }
        }
    }

    /// Waits until every local change is acknowledged by the relay, i.e.
    /// durably stored (call it before [`Room::leave`] to not lose edits when
    /// there is no replica store). Fails if the room stops first.
    pub async fn saved(&self) -> Result<(), Error> {
        let mut events = self.events();
        loop {
            let (saved, status, fatal) =
                self.read(|c| (c.is_saved(), c.status(), c.fatal().cloned()));
            if saved {
                return Ok(());
            }
            if status == Status::Offline {
                return Err(fatal.unwrap_or(Error::Closed));
            }
            if events.next().await.is_none() {
                return Err(Error::Closed);
            }
        }
    }

    /// Waits until the room state key has a value convertible to `T`.
    pub async fn wait_for_state<T: DeserializeOwned>(&self, key: &str) -> Result<T, Error> {
        let mut events = self.events();
        loop {
            if let Some(v) = self.get_state(key) {
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
