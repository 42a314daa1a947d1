//! Recovering a queue that holds a change the relay can never accept.
//!
//! Writes are checked at the call ([`super::sizes`]), so this only meets a
//! replica saved by an older SDK (which queued a change over the frame
//! limit and met a fatal `FRAME_TOO_LARGE` on every start), or one written
//! while offline under the relay's defaults and restored against a relay
//! with smaller limits.
//!
//! Such a change cannot be split: its hash is fixed and our later changes
//! name it as a dependency. Sending it is useless, and keeping it in the
//! document would make every later change of ours depend on a change the
//! room never holds. So it is dropped with every queued change that builds
//! on it, from the queue and from the document, and reported as an
//! [`Error::TooLarge`] event: the room goes on with what it can send.

use super::room_core::RoomCore;
use super::sizes;
use crate::doc_layout::{self, Touched};
use crate::error::{Error, SizeOf};
use crate::event::Event;
use automerge::{Automerge, Change, ChangeHash, PatchLog};
use bytes::Bytes;
use std::collections::HashSet;

impl RoomCore {
    /// Drops the queued changes over the relay's limits, and those that
    /// build on them (see the module docs).
    pub(crate) fn drop_unsendable(&mut self) {
        let limit = sizes::change_limit(&self.limits);
        let big = self.outbox.remove_larger_than(limit);
        if big.is_empty() {
            return;
        }
        // The document is rebuilt from its changes: all of them.
        self.apply_waiting();
        let mut dropped: HashSet<ChangeHash> = big.iter().filter_map(hash_of).collect();
        let mut keep: Vec<Change> = Vec::new();
        let mut gone: Vec<Change> = Vec::new();
        for change in self.doc.get_changes(&[]) {
            // In causal order: a change's dependencies are decided first.
            if dropped.contains(&change.hash()) || change.deps().iter().any(|d| dropped.contains(d))
            {
                dropped.insert(change.hash());
                gone.push(change.clone());
            } else {
                keep.push(change.clone());
            }
        }
        let queued = self.outbox.all();
        let rest: Vec<Bytes> = queued
            .into_iter()
            .filter(|b| hash_of(b).is_none_or(|h| !dropped.contains(&h)))
            .collect();
        self.outbox.replace(rest);
        let mut doc = Automerge::new();
        doc.set_actor(self.doc.get_actor().clone());
        match doc.apply_changes(keep) {
            Ok(()) => {
                // What the dropped changes wrote reads differently now.
                let touched = touched_by(&doc, gone);
                self.doc = doc;
                self.report(touched);
            }
            Err(e) => tracing::warn!("could not rebuild the document without a change: {e}"),
        }
        self.saves.mark_dirty();
        for change in big {
            tracing::warn!(
                "dropping a queued change of {} bytes, over the relay's limit of {limit}",
                change.len()
            );
            self.out.event(Event::Error(Error::TooLarge {
                what: SizeOf::Change,
                size: change.len(),
                limit,
            }));
        }
    }
}

/// The state keys and profiles `changes` write, applied onto `doc`.
fn touched_by(doc: &Automerge, changes: Vec<Change>) -> Vec<Touched> {
    let mut probe = doc.fork();
    let mut log = PatchLog::active();
    if let Err(e) = probe.apply_changes_log_patches(changes, &mut log) {
        tracing::warn!("could not tell what a dropped change wrote: {e}");
        return Vec::new();
    }
    doc_layout::touched(&probe.make_patches(&mut log))
}

fn hash_of(bytes: &Bytes) -> Option<ChangeHash> {
    Change::from_bytes(bytes.to_vec()).ok().map(|c| c.hash())
}
