//! The reliable path: publish, persist, ack and forward, compaction.

use super::change_hash::Hash;
use super::change_log::{ChangeId, validate_change};
use super::change_ops::ops_of;
use super::conn_id::ConnId;
use super::effect::Effect;
use super::room_state::{PendingAck, RoomState};
use super::write_rules::{Writer, check};
use coinop_protocol::actor::player_tag;
use coinop_protocol::{Bytes, ErrorCode, RelayMessage, Seq};
use std::collections::{HashMap, HashSet};

impl RoomState {
    /// Validates a whole publish; any refusal refuses all of it.
    pub(crate) fn publish(&mut self, conn: ConnId, client_ref: u64, changes: Vec<Bytes>) {
        let Some(player) = self.roster.player_of(conn).cloned() else {
            return;
        };
        let tag = player_tag(&player);
        let mut fresh: Vec<(ChangeId, Bytes)> = Vec::new();
        let mut seen: HashSet<Hash> = HashSet::new();
        let mut dup_seq = None::<Seq>;
        let mut new_bytes = 0u64;
        let writer = Writer {
            tag,
            is_host: self.roster.host() == Some(&player),
        };
        // Objects made by this publish's changes, recorded once all pass.
        let mut staged = HashMap::new();
        self.layout.read_history();
        for (i, change) in changes.into_iter().enumerate() {
            if change.len() > self.limits.max_change_bytes {
                let text = format!(
                    "change {i} has {} bytes, the limit is {}",
                    change.len(),
                    self.limits.max_change_bytes
                );
                return self.error(conn, ErrorCode::CHANGE_TOO_LARGE, text, Some(client_ref));
            }
            let Some(id) = validate_change(&change) else {
                let text = format!("change {i} is not a valid automerge change");
                return self.error(conn, ErrorCode::INVALID_CHANGE, text, Some(client_ref));
            };
            if let Some(seq) = self.log.seq_of(&id) {
                dup_seq = dup_seq.max(Some(seq));
                continue;
            }
            if !seen.insert(id.hash) {
                continue;
            }
            if !id.content_address_holds(&change) {
                let text = format!(
                    "change {i} is written under a content-addressed actor that names other content"
                );
                return self.error(conn, ErrorCode::INVALID_CHANGE, text, Some(client_ref));
            }
            if self.log.continues_foreign_actor(&id, &tag) {
                let text = format!(
                    "change {i} continues an actor of another player; only that player may publish under it"
                );
                return self.error(conn, ErrorCode::FOREIGN_ACTOR, text, Some(client_ref));
            }
            let reused =
                self.log.reuses_seq(&id) || fresh.iter().any(|(f, _)| f.same_author_seq(&id));
            if reused {
                let text = format!(
                    "change {i} reuses sequence number {} of an actor the room already holds, with other content",
                    id.seq()
                );
                return self.error(conn, ErrorCode::INVALID_CHANGE, text, Some(client_ref));
            }
            // Stored, a change whose dependencies never arrive could be
            // applied by no replica, and folding it would fail forever.
            let unheld = id
                .deps
                .iter()
                .find(|d| !self.log.holds(d) && !fresh.iter().any(|(f, _)| f.hash == **d));
            if let Some(dep) = unheld {
                let text = format!(
                    "change {i} depends on change {} which the room does not hold",
                    hex::encode(dep)
                );
                let code = ErrorCode::MISSING_DEPENDENCY;
                return self.error(conn, code, text, Some(client_ref));
            }
            let Some(ops) = ops_of(&id.change) else {
                let text = format!("change {i} has operations automerge cannot expand");
                return self.error(conn, ErrorCode::INVALID_CHANGE, text, Some(client_ref));
            };
            match check(
                &id.change,
                &ops,
                &self.layout,
                &staged,
                &self.meta.rules,
                writer,
            ) {
                Ok(made) => staged.extend(made),
                Err(refusal) => {
                    let text = format!("change {i}: {}", refusal.text);
                    return self.error(conn, refusal.code, text, Some(client_ref));
                }
            }
            new_bytes += change.len() as u64;
            fresh.push((id, change));
        }
        let limit = self.limits.max_room_bytes;
        if self.log.stored_bytes() + new_bytes > limit {
            let text = format!("the room would exceed its {limit} stored bytes");
            return self.error(conn, ErrorCode::ROOM_TOO_LARGE, text, Some(client_ref));
        }
        self.layout.accept(staged);
        let entries = self.log.stage(&player, fresh);
        let ack_seq = entries
            .last()
            .map(|e| e.seq)
            .or(dup_seq)
            .unwrap_or_else(|| self.log.head());
        self.acks.push_back(PendingAck {
            conn,
            client_ref,
            ack_seq,
            ready_at: self.log.assigned(),
            entries,
        });
        self.release_acks();
        self.start_persist();
    }

    fn start_persist(&mut self) {
        if let Some(entries) = self.log.take_persist() {
            self.effects.push(Effect::Persist { entries });
        }
    }

    /// Acks (and forwards) every publish that is durable, in order.
    fn release_acks(&mut self) {
        while self
            .acks
            .front()
            .is_some_and(|a| a.ready_at <= self.log.head())
        {
            let Some(ack) = self.acks.pop_front() else {
                break;
            };
            // The publisher may have been replaced or left meanwhile; its
            // ack is then lost and the client resends (deduplicated).
            if self.roster.player_of(ack.conn).is_some() {
                let msg = RelayMessage::Ack {
                    client_ref: ack.client_ref,
                    seq: ack.ack_seq,
                };
                self.send(ack.conn, &msg);
            }
            if !ack.entries.is_empty() {
                let msg = RelayMessage::Changes {
                    entries: ack.entries,
                };
                self.broadcast(&msg, Some(ack.conn));
            }
        }
    }

    pub(crate) fn persisted(&mut self, upto: Seq) {
        if !self.log.persisted(upto) {
            return;
        }
        self.release_acks();
        self.start_persist();
        self.maybe_compact();
    }

    /// Starts a compaction when the log since the snapshot is long enough
    /// and none runs. Also called when one ends: a busy room may have grown
    /// past the threshold again meanwhile, and a late joiner should not get
    /// that tail just because the room went quiet.
    pub(crate) fn maybe_compact(&mut self) {
        self.start_compaction(self.limits.compact_entries, self.limits.compact_bytes);
    }

    /// Starts a compaction if the log since the snapshot holds at least
    /// `entries` entries or `bytes` bytes and none runs.
    pub(crate) fn start_compaction(&mut self, entries: usize, bytes: u64) {
        if self.deleted {
            // Its storage is about to be removed: nothing to fold for.
            return;
        }
        if let Some((base, stored, entries)) = self.log.take_compaction(entries, bytes) {
            self.effects.push(Effect::Compact {
                base,
                stored,
                entries,
                list_hashes: !self.log.knows_folded_hashes(),
            });
        }
    }

    pub(crate) fn persist_failed(&mut self) {
        self.log.rollback();
        for ack in std::mem::take(&mut self.acks) {
            if self.roster.player_of(ack.conn).is_some() {
                let text = "the relay could not store the changes; resend later".to_owned();
                self.error(
                    ack.conn,
                    ErrorCode::STORAGE_UNAVAILABLE,
                    text,
                    Some(ack.client_ref),
                );
            }
        }
    }
}
