//! Catching up from a snapshot.
//!
//! Loading a room's saved document makes automerge rebuild and hash every
//! change of its history: about 17 ms for 10,000 changes. When the relay
//! sends the snapshot's state view too (the latest state, history-free, one
//! change), the core shows that view at once and the document is loaded
//! afterwards, off the core when the driver can ([`RoomCore::pending_load`],
//! [`RoomCore::loaded`]), else by the first call that needs it
//! ([`RoomCore::finish_pending`]).
//!
//! While the view is shown:
//! * reads (state, keys, profiles) read the view;
//! * changes that arrive are held and applied once the document is in;
//! * a reliable write, [`crate::Room::read_doc`] or a reset welcome loads
//!   the document first, in the calling thread;
//! * the profile is written, and the replica saved, once it is in.
//!
//! The view is only used when our own document holds nothing the room does
//! not (a fresh joiner holds only the shared skeleton), so it shows exactly
//! what the loaded document will.

use super::authors::Authors;
use super::pending_load::{LoadedSnapshot, PendingLoad};
use super::room_core::RoomCore;
use crate::doc_layout::{self, Touched};
use crate::doc_value::get_json;
use crate::event::Event;
use automerge::{Automerge, ChangeHash, PatchLog, ReadDoc};
use bytes::Bytes;
use coinop_protocol::LogEntry;
use coinop_protocol::actor::is_content_actor;

impl RoomCore {
    /// The document reads see: a pending snapshot's view, else ours.
    pub(crate) fn read_doc(&self) -> &Automerge {
        self.pending.as_ref().map_or(&self.doc, |p| &p.view)
    }

    /// Whether a snapshot is shown through its view, its document not
    /// loaded yet.
    pub(crate) fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// The room's history up to some seq, as one saved document, and
    /// perhaps its state view.
    ///
    /// The document is loaded as a new document and ours is merged into
    /// that: merging the snapshot into ours instead applies every change
    /// one by one and took 3.6 times as long. Events are emitted for the
    /// keys and profiles whose value differs from what we showed.
    pub(crate) fn on_snapshot(&mut self, now: u64, bytes: Bytes, view: Option<Bytes>) {
        self.commit_writes(now);
        self.finish_pending(now);
        if !self.doc.get_missing_deps(&[]).is_empty() {
            // Ours queues changes waiting for their dependencies, which
            // `get_changes` would not carry over: merge the slow way.
            let before = self.doc.get_heads();
            let mut log = PatchLog::active();
            if let Err(e) = self.doc.load_incremental_log_patches(&bytes, &mut log) {
                tracing::warn!("ignoring a snapshot that does not load: {e}");
            }
            self.after_change(&before, &mut log, &Authors::One(None));
            return;
        }
        if let Some(view) = view
            && self.holds_only_shared_changes()
        {
            match LoadedSnapshot::load(&view) {
                Ok(LoadedSnapshot { doc: view, patches }) => {
                    let shown = doc_layout::touched(&patches);
                    let changed = differences(&self.doc, &view, &shown);
                    self.next_load_id += 1;
                    self.pending = Some(PendingLoad {
                        id: self.next_load_id,
                        doc: bytes,
                        view,
                        shown,
                        held: Vec::new(),
                        started: false,
                    });
                    self.report(changed);
                    return;
                }
                Err(e) => tracing::warn!("ignoring a state view that does not load: {e}"),
            }
        }
        match LoadedSnapshot::load(&bytes) {
            Ok(loaded) => self.install_snapshot(now, loaded),
            Err(e) => tracing::warn!("ignoring a snapshot that does not load: {e}"),
        }
    }

    /// Changes arrived while a snapshot is pending: held until its
    /// document is in. Returns them back when nothing is pending.
    pub(crate) fn hold_while_pending(&mut self, entries: Vec<LogEntry>) -> Option<Vec<LogEntry>> {
        match &mut self.pending {
            Some(p) => {
                p.held.extend(entries);
                None
            }
            None => Some(entries),
        }
    }

    /// The pending document for the driver to load off the core, once.
    pub(crate) fn pending_load(&mut self) -> Option<(u64, Bytes)> {
        let p = self.pending.as_mut().filter(|p| !p.started)?;
        p.started = true;
        Some((p.id, p.doc.clone()))
    }

    /// The driver's load is dropped unfinished (the connection closed):
    /// the next driver loop starts it again.
    pub(crate) fn load_abandoned(&mut self) {
        if let Some(p) = &mut self.pending {
            p.started = false;
        }
    }

    /// The driver loaded pending document `id`; ignored if superseded.
    pub(crate) fn loaded(&mut self, now: u64, id: u64, result: Result<LoadedSnapshot, String>) {
        if self.pending.as_ref().map(|p| p.id) != Some(id) {
            return;
        }
        match result {
            Ok(loaded) => self.install_snapshot(now, loaded),
            Err(e) => {
                tracing::warn!("ignoring a snapshot that does not load: {e}");
                if let Some(p) = self.pending.take() {
                    let changed = differences(&p.view, &self.doc, &p.shown);
                    self.report(changed);
                    self.after_pending(now, p.held);
                }
            }
        }
    }

    /// Brings the document up to date, in this thread: a pending
    /// snapshot's document loaded, every change shown applied.
    pub(crate) fn finish_pending(&mut self, now: u64) {
        self.finish_snapshot(now);
        self.apply_waiting();
    }

    /// Loads a pending snapshot's document now, in this thread.
    pub(crate) fn finish_snapshot(&mut self, now: u64) {
        let Some((id, bytes)) = self.pending.as_ref().map(|p| (p.id, p.doc.clone())) else {
            return;
        };
        let result = LoadedSnapshot::load(&bytes).map_err(|e| e.to_string());
        self.loaded(now, id, result);
    }

    /// Makes `loaded` our document, with our changes merged in.
    fn install_snapshot(&mut self, now: u64, loaded: LoadedSnapshot) {
        let LoadedSnapshot {
            doc: mut loaded,
            patches,
        } = loaded;
        // When the snapshot lacks one of our heads, ours holds changes it
        // does not: merge those that are not behind a head both hold
        // (automerge skips any it has).
        if !loaded.get_missing_deps(&self.doc.get_heads()).is_empty() {
            let shared: Vec<ChangeHash> = loaded
                .get_heads()
                .into_iter()
                .filter(|h| self.doc.get_missing_deps(&[*h]).is_empty())
                .collect();
            if let Err(e) = loaded.apply_changes(self.doc.get_changes(&shared)) {
                tracing::warn!("ignoring a snapshot our changes do not merge into: {e}");
                return self.loaded(
                    now,
                    self.pending.as_ref().map_or(0, |p| p.id),
                    Err(e.to_string()),
                );
            }
        }
        loaded.set_actor(self.doc.get_actor().clone());
        let old = std::mem::replace(&mut self.doc, loaded);
        let pending = self.pending.take();
        let shown = pending.as_ref().map_or(&old, |p| &p.view);
        let changed = differences(shown, &self.doc, &doc_layout::touched(&patches));
        self.saves.mark_dirty();
        self.report(changed);
        if let Some(p) = pending {
            self.after_pending(now, p.held);
        }
    }

    /// The document is in (or failed to load): apply what was held and
    /// write the profile if catch-up completed meanwhile.
    fn after_pending(&mut self, now: u64, held: Vec<LogEntry>) {
        if !held.is_empty() {
            self.on_changes(held);
        }
        if std::mem::take(&mut self.profile_due) {
            self.sync_profile(now);
        }
    }

    /// Whether every change we hold is one every client makes alike (the
    /// skeletons, counter creations): then the room holds them all, and a
    /// view of the room's state shows all we hold.
    fn holds_only_shared_changes(&self) -> bool {
        self.doc
            .get_changes(&[])
            .iter()
            .all(|c| is_content_actor(c.actor_id().to_bytes()))
    }

    /// Reports the keys and profiles in `changed` as they read now.
    pub(super) fn report(&mut self, changed: Vec<Touched>) {
        for t in changed {
            match t {
                Touched::State(target, key) => self.report_reliable(target, key, None),
                Touched::Profile(player) => self.out.event(Event::ProfileChanged { player }),
            }
        }
    }
}

/// Which of `touched` read differently in `old` and `new`.
fn differences(old: &Automerge, new: &Automerge, touched: &[Touched]) -> Vec<Touched> {
    touched
        .iter()
        .filter(|t| match t {
            Touched::State(target, key) => {
                let value_in = |doc: &Automerge| {
                    doc_layout::state_map(doc, target).and_then(|m| get_json(doc, &m, key))
                };
                value_in(old) != value_in(new)
            }
            Touched::Profile(player) => {
                let profile_in = |doc: &Automerge| {
                    let players = doc_layout::child(doc, &automerge::ROOT, doc_layout::PLAYERS)?;
                    let me = doc_layout::child(doc, &players, player.as_str())?;
                    get_json(doc, &me, doc_layout::PROFILE)
                };
                profile_in(old) != profile_in(new)
            }
        })
        .cloned()
        .collect()
}
