//! Saving the local replica: whether it changed since the last save, and
//! a failed save retried with backoff and surfaced (an error event, the
//! room's `replica_error`, and `is_saved` false until a save succeeds),
//! never only logged. The core's side is in `replica_io`.

use super::backoff::Backoff;
use crate::error::Error;

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

    /// The stored replica could not be read at start.
    pub(crate) fn set_aside(&mut self, error: Error) {
        self.set_aside = Some(error);
    }

    /// A save failed at `now`: retried after a backoff, the replica taken
    /// for it still to be written. Returns whether this failure starts a
    /// run of them (the one to report).
    pub(crate) fn failed(&mut self, now: u64, error: Error) -> bool {
        let first = self.failing.is_none();
        self.failing = Some(error);
        self.retry_at = now + self.backoff.next_delay();
        self.dirty = true;
        first
    }

    /// A save succeeded. Returns whether saves were failing until now.
    pub(crate) fn succeeded(&mut self) -> bool {
        let recovered = self.failing.take().is_some();
        if recovered {
            self.backoff.reset();
        }
        recovered
    }

    /// Why the replica is not (fully) kept: the current save failure, else
    /// the unreadable replica set aside at start.
    pub(crate) fn error(&self) -> Option<&Error> {
        self.failing.as_ref().or(self.set_aside.as_ref())
    }
}
