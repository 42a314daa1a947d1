//! Saving the local replica: whether it changed since the last save, and
//! a failed save retried with backoff and surfaced (an error event, the
//! room's `replica_error`, and `is_saved` false until a save succeeds),
//! never only logged. The core's side is in `replica_io`.
//!
//! A replica record is the document, the room position it holds, and the
//! changes the relay has not acknowledged (the outbox). Those changes are
//! what only this client has: a record is written whenever they change, so
//! a write survives a crash a moment later. The document is a full
//! automerge save (with compression), whose cost grows with the room's
//! history; every other player's write changes it, and the relay holds all
//! of it. So the document is saved again at most every [`DOC_SAVE_MS`],
//! and the records in between carry the last saved one with its position:
//! a client that restarts from such a record loads that document, applies
//! its outbox on top, and catches up from that position.

use super::backoff::Backoff;
use crate::error::Error;
use coinop_protocol::RoomCursor;

/// Longest time a changed document waits for its next save, in ms.
pub(crate) const DOC_SAVE_MS: u64 = 1000;

/// A saved document and the room position it holds.
#[derive(Debug)]
pub(crate) struct SavedDoc {
    pub(crate) bytes: Vec<u8>,
    pub(crate) cursor: Option<RoomCursor>,
    /// When it was saved, in ms.
    at: u64,
}

/// The state of replica saving.
#[derive(Debug)]
pub(crate) struct ReplicaSaves {
    /// Whether the document or position changed since the document was
    /// last saved.
    dirty: bool,
    /// The last saved document.
    doc: Option<SavedDoc>,
    /// The outbox's edit count in the last record taken (`None`: write the
    /// next record whatever the count).
    outbox_edits: Option<u64>,
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
            doc: None,
            outbox_edits: None,
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

    /// Whether a record is to be written at `now`, given the outbox's edit
    /// count: its changes moved, or the document is due.
    pub(crate) fn record_due(&self, now: u64, outbox_edits: u64) -> bool {
        self.outbox_edits != Some(outbox_edits) || self.doc_due(now)
    }

    /// Whether the document is to be saved again at `now`: never saved, or
    /// changed and its last save [`DOC_SAVE_MS`] old.
    pub(crate) fn doc_due(&self, now: u64) -> bool {
        match &self.doc {
            None => true,
            Some(doc) => self.dirty && now >= doc.at.saturating_add(DOC_SAVE_MS),
        }
    }

    /// When the changed document is due for its save.
    pub(crate) fn doc_due_at(&self) -> Option<u64> {
        let doc = self.doc.as_ref().filter(|_| self.dirty)?;
        Some(doc.at.saturating_add(DOC_SAVE_MS))
    }

    /// The document was saved at `now`, holding the room up to `cursor`.
    pub(crate) fn doc_saved(&mut self, now: u64, bytes: Vec<u8>, cursor: Option<RoomCursor>) {
        self.doc = Some(SavedDoc {
            bytes,
            cursor,
            at: now,
        });
        self.dirty = false;
    }

    /// The last saved document.
    pub(crate) fn saved_doc(&self) -> Option<&SavedDoc> {
        self.doc.as_ref()
    }

    /// A record was taken for a save, with the outbox at this edit count.
    pub(crate) fn taken(&mut self, outbox_edits: u64) {
        self.outbox_edits = Some(outbox_edits);
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
        // The record taken was not written: write one again.
        self.outbox_edits = None;
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
