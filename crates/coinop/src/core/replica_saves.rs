//! Saving the local replica: whether it changed since the last save, and
//! a failed save retried with backoff and
//! surfaced (an error event, [`RoomCore::replica_error`], and
//! [`RoomCore::is_saved`] false until a save succeeds), never only logged.

use super::backoff::Backoff;
use super::room_core::RoomCore;
use crate::error::Error;
use crate::event::Event;
use std::sync::Arc;

/// The state of replica saving.
#[derive(Debug)]
pub(crate) struct ReplicaSaves {
    /// Whether the replica changed since it was last taken for a save.
    dirty: bool,
    /// The last save's error, while saves fail.
    failing: Option<Error>,
    /// When to try again while failing, in ms.
    retry_at: u64,
    backoff: Backoff,
    /// Why the stored replica was not read at start, if it was unreadable.
    set_aside: Option<Error>,
}

impl ReplicaSaves {
    pub(crate) fn new(seed: u64) -> Self {
        ReplicaSaves {
            dirty: false,
            failing: None,
            retry_at: 0,
            // From a quarter second up to half a minute between attempts.
            backoff: Backoff::new(250, 30_000, seed),
            set_aside: None,
        }
    }

    /// The document, outbox or cursor changed: the replica needs a save.
    pub(crate) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Whether the replica changed since it was last taken.
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The replica was taken for a save.
    pub(crate) fn taken(&mut self) {
        self.dirty = false;
    }

    /// Whether saving failed and the next attempt is not due at `now`.
    pub(crate) fn waiting(&self, now: u64) -> bool {
        self.failing.is_some() && now < self.retry_at
    }

    /// Whether the last save failed.
    pub(crate) fn is_failing(&self) -> bool {
        self.failing.is_some()
    }

    /// When the next attempt is due, while failing.
    pub(crate) fn retry_at(&self) -> Option<u64> {
        self.failing.as_ref().map(|_| self.retry_at)
    }
}

impl RoomCore {
    /// The stored replica could not be read; the room started without it.
    pub(crate) fn replica_unreadable(&mut self, error: Error) {
        tracing::warn!("the stored replica was set aside: {error}");
        self.saves.set_aside = Some(error.clone());
        self.out.event(Event::Error(error));
    }

    /// A save failed: try again after a backoff; the first failure of a
    /// run is reported.
    pub(crate) fn replica_save_failed(&mut self, now: u64, error: Error) {
        tracing::warn!("could not save the replica: {error}");
        let error = Error::ReplicaNotSaved(Arc::new(error));
        if self.saves.failing.is_none() {
            self.out.event(Event::Error(error.clone()));
        }
        self.saves.failing = Some(error);
        self.saves.retry_at = now + self.saves.backoff.next_delay();
        // The replica taken for this save is still to be written.
        self.saves.mark_dirty();
        self.flush(now);
    }

    /// A save succeeded.
    pub(crate) fn replica_save_succeeded(&mut self, now: u64) {
        if self.saves.failing.take().is_some() {
            tracing::info!("the replica is saved again");
            self.saves.backoff.reset();
            self.flush(now);
        }
    }

    /// Why the replica is not (fully) kept: the current save failure, else
    /// the unreadable replica set aside at start.
    pub(crate) fn replica_error(&self) -> Option<&Error> {
        self.saves
            .failing
            .as_ref()
            .or(self.saves.set_aside.as_ref())
    }
}
