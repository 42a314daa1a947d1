//! Changes other players made, as the relay forwards them: shown at once,
//! applied to the document in batches (see [`super::unapplied`]).

use super::authors::Authors;
use super::room_core::RoomCore;
use super::unapplied::Absorbed;
use automerge::{Change, PatchLog};
use coinop_protocol::{LogEntry, PlayerId, StateTarget};
use std::collections::HashMap;

impl RoomCore {
    /// Takes log entries in. Plain state writes are shown at once and wait
    /// to be applied; from the first other change on, everything is
    /// applied now, in order.
    pub(crate) fn on_changes(&mut self, entries: Vec<LogEntry>) {
        let Some(last_seq) = entries.last().map(|e| e.seq) else {
            return;
        };
        let mut shown: Vec<(StateTarget, String)> = Vec::new();
        let mut rest: Vec<(Change, PlayerId)> = Vec::new();
        for e in entries {
            let change = match Change::from_bytes(e.change.to_vec()) {
                Ok(c) => c,
                Err(err) => {
                    tracing::warn!("ignoring an undecodable change at {:?}: {err}", e.seq);
                    continue;
                }
            };
            if !rest.is_empty() {
                rest.push((change, e.sender));
                continue;
            }
            let mut absorbed = self.absorb(change, &e.sender);
            if let Absorbed::Held(change) = absorbed {
                // It writes a key we buffered, before it came: our write
                // goes first, and so merges as if committed when made.
                self.commit_writes(self.last_now);
                absorbed = self.absorb(*change, &e.sender);
            }
            match absorbed {
                Absorbed::Shown(keys) => {
                    self.saves.mark_dirty();
                    for k in keys {
                        if !shown.contains(&k) {
                            shown.push(k);
                        }
                    }
                }
                Absorbed::Known => {}
                Absorbed::Other(change) | Absorbed::Held(change) => {
                    // Applied to the document: our buffered writes, made
                    // before it came, are committed first.
                    self.commit_writes(self.last_now);
                    rest.push((*change, e.sender));
                }
            }
        }
        for (target, key) in shown {
            let by = self.unapplied.author(&target, &key);
            self.report_reliable(target, key, by);
        }
        if !rest.is_empty() {
            self.apply_now(rest);
        } else if self.unapplied.is_due(self.last_now, self.history()) {
            self.apply_waiting();
        }
        self.advance_cursor(last_seq);
    }

    /// [`super::unapplied::Unapplied::absorb`], with the keys our
    /// buffered writes hold.
    fn absorb(&mut self, change: Change, sender: &PlayerId) -> Absorbed {
        let now = self.last_now;
        let writes = &self.writes;
        self.unapplied
            .absorb(&self.doc, change, Some(sender.clone()), now, |k| {
                writes.holds(k)
            })
    }

    /// Applies the waiting changes to the document. What they show was
    /// reported when they came, so this reports nothing.
    pub(crate) fn apply_waiting(&mut self) {
        if self.unapplied.is_empty() {
            return;
        }
        let before = self.doc.get_heads();
        let (max_op, own) = (self.unapplied.max_op(), self.unapplied.own());
        let changes = self.unapplied.take();
        if let Err(err) = self.doc.apply_changes(changes) {
            tracing::warn!("ignoring changes that do not apply: {err}");
        }
        let after = self.doc.get_heads();
        self.doc_clock.advance(&before, after, max_op, own);
        self.saves.mark_dirty();
    }

    /// Applies `changes` after the waiting ones, all in one automerge
    /// apply (its cost is a walk of each object the changes touch, so a
    /// batch costs about what one change does), and reports what they
    /// changed.
    fn apply_now(&mut self, changes: Vec<(Change, PlayerId)>) {
        self.apply_waiting();
        let one_sender = changes
            .first()
            .map(|(_, p)| p.clone())
            .filter(|first| changes.iter().all(|(_, p)| p == first));
        let authors = match one_sender {
            Some(p) => Authors::One(Some(p)),
            None => Authors::ByActor(
                changes
                    .iter()
                    .map(|(c, p)| (c.actor_id().clone(), p.clone()))
                    .collect::<HashMap<_, _>>(),
            ),
        };
        let before = self.doc.get_heads();
        let mut log = PatchLog::active();
        let changes = changes.into_iter().map(|(c, _)| c);
        if let Err(err) = self.doc.apply_changes_log_patches(changes, &mut log) {
            tracing::warn!("ignoring changes that do not apply: {err}");
        }
        self.after_change(&before, &mut log, &authors);
    }
}
