//! The core's side of replica saving: errors reported as events, the
//! state kept in [`super::replica_saves::ReplicaSaves`].

use super::room_core::RoomCore;
use crate::error::Error;
use crate::event::Event;
use std::sync::Arc;

impl RoomCore {
    /// The stored replica could not be read; the room started without it.
    pub(crate) fn replica_unreadable(&mut self, error: Error) {
        tracing::warn!("the stored replica was set aside: {error}");
        self.saves.set_aside(error.clone());
        self.out.event(Event::Error(error));
    }

    /// A save failed: try again after a backoff; the first failure of a
    /// run is reported.
    pub(crate) fn replica_save_failed(&mut self, now: u64, error: Error) {
        tracing::warn!("could not save the replica: {error}");
        let error = Error::ReplicaNotSaved(Arc::new(error));
        if self.saves.failed(now, error.clone()) {
            self.out.event(Event::Error(error));
        }
        self.flush(now);
    }

    /// Whether saves are failing (and tried again with backoff).
    pub(crate) fn replica_save_failing(&self) -> bool {
        self.saves.is_failing()
    }

    /// A save succeeded.
    pub(crate) fn replica_save_succeeded(&mut self, now: u64) {
        if self.saves.succeeded() {
            tracing::info!("the replica is saved again");
            self.flush(now);
        }
    }

    /// Why the replica is not (fully) kept: the current save failure, else
    /// the unreadable replica set aside at start.
    pub(crate) fn replica_error(&self) -> Option<&Error> {
        self.saves.error()
    }
}
