//! Undoing a publish the relay refused for good (a write its rules forbid).
//!
//! The refused changes are in our document, and every later change of
//! ours depends on them (an actor's changes form a chain): nobody else can
//! ever apply those. So the document goes back to what the relay can
//! accept — everything but the refused changes and what depends on them —
//! and the next writes are made under a fresh actor that continues from
//! there. Keys whose value the rollback changed are reported again, so the
//! application shows what every other replica shows.

use super::room_core::RoomCore;
use automerge::ChangeHash;
use bytes::Bytes;
use coinop_protocol::actor::{session_actor, tag_of};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

impl RoomCore {
    /// Removes `refused` (a publish's changes) and every change depending
    /// on them from the document and the outbox. Writes still buffered stay
    /// and are committed later under the fresh actor.
    pub(crate) fn roll_back(&mut self, now: u64, refused: &[Bytes]) {
        self.finish_pending(now);
        let mut dropped: HashSet<ChangeHash> = refused
            .iter()
            .filter_map(|c| automerge::Change::from_bytes(c.to_vec()).ok())
            .map(|c| c.hash())
            .collect();
        let Some(&first) = dropped.iter().min() else {
            return;
        };
        // History comes in causal order: a dependent follows what it needs.
        let mut kept = Vec::new();
        let mut undone = Vec::new();
        for change in self.doc.get_changes(&[]) {
            let hash = change.hash();
            if dropped.contains(&hash) || change.deps().iter().any(|d| dropped.contains(d)) {
                dropped.insert(hash);
                undone.push(change);
            } else {
                kept.push(change);
            }
        }
        // Rebuilt from the kept changes, with the calls the core makes
        // anyway (no history diffing code in the Wasm build).
        let mut doc = automerge::Automerge::new();
        if let Err(e) = doc.apply_changes(kept) {
            tracing::error!("could not roll back a refused change: {e}");
            return;
        }
        // What the rollback changes is what the undone changes did on top
        // of the kept ones.
        let mut probe = doc.fork();
        let mut log = automerge::PatchLog::active();
        let _ = probe.apply_changes_log_patches(undone, &mut log);
        let patches = probe.make_patches(&mut log);
        // A fresh actor: the old one's next seq would follow a change that
        // no longer exists anywhere.
        let mut h = Sha256::new();
        h.update(self.cfg.seed.to_le_bytes());
        h.update(self.cfg.player.as_str().as_bytes());
        h.update(first.0);
        let mut session = [0; 16];
        session.copy_from_slice(&h.finalize()[..16]);
        doc.set_actor(automerge::ActorId::from(session_actor(
            &self.cfg.player,
            session,
        )));
        self.doc = doc;
        self.outbox.retain(|bytes| {
            automerge::Change::from_bytes(bytes.to_vec())
                .is_ok_and(|c| !dropped.contains(&c.hash()))
        });
        self.saves.mark_dirty();
        // A write needs the skeleton, which may have been in the batch.
        if crate::doc_layout::state_map(&self.doc, &coinop_protocol::StateTarget::Room).is_none()
            && let Err(e) = crate::doc_layout::skeleton()
                .map_err(crate::error::Error::from)
                .and_then(|s| self.apply_local_change(s))
        {
            tracing::warn!("could not restore the skeleton after a rollback: {e}");
        }
        self.resync(now);
        for t in crate::doc_layout::touched(&patches) {
            match t {
                crate::doc_layout::Touched::State(target, key) => {
                    self.report_reliable(target, key, None);
                }
                crate::doc_layout::Touched::Profile(player) => {
                    self.out
                        .event(crate::event::Event::ProfileChanged { player });
                }
            }
        }
        tracing::info!(
            changes = dropped.len(),
            "rolled back changes the relay refused"
        );
    }

    /// Fetches the whole room again: the rollback may have dropped a change
    /// the relay already held (one acked earlier whose ack was lost, or a
    /// deterministic change someone else published), which it would never
    /// send again past our cursor. Rejoining from seq 0 brings every such
    /// change back; what we hold already is applied once.
    fn resync(&mut self, now: u64) {
        if let Some(c) = &mut self.cursor {
            c.seq = coinop_protocol::Seq(0);
        }
        if self.is_up() || self.link.is_joining() {
            self.disconnected(now);
            self.link.drop_link(now, true);
        }
    }

    /// Whether `batch` holds a change another player made (a re-upload
    /// after the relay lost the room): the relay judges it as ours, so
    /// such a refusal says nothing about our own writes.
    pub(crate) fn carries_foreign_changes(&self, batch: &[Bytes]) -> bool {
        let mine = coinop_protocol::actor::player_tag(&self.cfg.player);
        batch.iter().any(|c| {
            automerge::Change::from_bytes(c.to_vec())
                .is_ok_and(|ch| tag_of(ch.actor_id().to_bytes()).is_some_and(|t| t != mine))
        })
    }
}
