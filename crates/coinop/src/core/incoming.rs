//! How the core reacts to each relay message.

use super::authors::Authors;
use super::incoming_rpc::IncomingRpc;
use super::room_core::RoomCore;
use crate::doc_layout::{self, Touched};
use crate::error::{Error, stops_reconnecting};
use crate::event::Event;
use crate::reliability::Reliability;
use crate::status::Status;
use automerge::{ChangeHash, PatchLog};
use coinop_protocol::actor::{player_tag, tag_of};
use coinop_protocol::{
    ErrorCode, PlayerId, RelayMessage, RoomCursor, RpcOutcome, Seq, StateTarget, UnreliableValue,
    Welcome,
};

/// The longest relay message taken in parts: far above any room the relay
/// stores (64 MiB by default), a bound on what a broken relay can make us
/// hold.
const MAX_MESSAGE_BYTES: u64 = 1 << 30;

impl RoomCore {
    /// Binary frames that arrived together: runs of `Changes` are applied
    /// as one batch, in order with the other messages. Undecodable frames
    /// are logged and ignored: nothing a peer sends may crash the client.
    pub(crate) fn handle_frames(&mut self, now: u64, frames: &[Vec<u8>]) {
        self.link.heard(now);
        let mut run: Vec<coinop_protocol::LogEntry> = Vec::new();
        for frame in frames {
            let Some(msg) = self.decode(frame) else {
                continue;
            };
            match msg {
                RelayMessage::Changes { entries } if !self.stopped => run.extend(entries),
                msg => {
                    self.handle(
                        now,
                        RelayMessage::Changes {
                            entries: std::mem::take(&mut run),
                        },
                    );
                    self.handle(now, msg);
                }
            }
        }
        self.handle(now, RelayMessage::Changes { entries: run });
    }

    /// One frame's message: `None` while a message arriving in parts is
    /// incomplete, or for a frame that does not decode (logged).
    fn decode(&mut self, frame: &[u8]) -> Option<RelayMessage> {
        let msg = match RelayMessage::decode(frame) {
            Ok(RelayMessage::Part {
                total,
                offset,
                data,
            }) => match self.parts.push(total, offset, &data, MAX_MESSAGE_BYTES) {
                Ok(Some(whole)) => RelayMessage::decode(&whole),
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!("ignoring a relay message part: {e}");
                    return None;
                }
            },
            other => other,
        };
        msg.map_err(|e| tracing::warn!("ignoring an undecodable relay frame: {e}"))
            .ok()
    }

    /// A relay message arrived.
    pub(crate) fn handle(&mut self, now: u64, msg: RelayMessage) {
        if self.stopped {
            return;
        }
        match msg {
            RelayMessage::Welcome(w) => self.on_welcome(now, w),
            RelayMessage::Snapshot { upto, doc, view } => {
                self.on_snapshot(now, doc, view);
                self.advance_cursor(upto);
            }
            RelayMessage::Changes { entries } if entries.is_empty() => return,
            RelayMessage::Changes { entries } => {
                if let Some(entries) = self.hold_while_pending(entries) {
                    self.on_changes(entries);
                }
            }
            RelayMessage::Synced { head } => {
                self.advance_cursor(head);
                if self.link.synced() {
                    self.on_synced(now);
                    self.out.event(Event::Synced);
                }
            }
            RelayMessage::Ack { client_ref, seq } => {
                if self.outbox.ack(client_ref) {
                    self.link.publish_acked();
                    self.saves.mark_dirty();
                }
                self.advance_cursor(seq);
            }
            RelayMessage::Unreliable(v) => self.on_unreliable(v),
            RelayMessage::PlayerJoined(info) => {
                if self.roster.join(info.clone()) {
                    self.out.event(Event::PlayerJoined(self.player_view(&info)));
                }
            }
            RelayMessage::PlayerLeft { player } => self.on_left(&player),
            RelayMessage::HostChanged { host } => {
                if self.roster.host != host {
                    self.roster.host = host.clone();
                    self.out.event(Event::HostChanged(host));
                }
            }
            RelayMessage::Rpc {
                call,
                from,
                name,
                payload,
                want_reply,
            } => self.out.incoming_rpc(IncomingRpc {
                call,
                from,
                name,
                payload,
                want_reply,
            }),
            RelayMessage::RpcReply {
                call,
                from,
                outcome,
                ..
            } => {
                let host = self.roster.host.as_ref();
                if self.calls.resolve(call, &from, host, &self.cfg.player) {
                    let result = match outcome {
                        RpcOutcome::Ok(bytes) => Ok(bytes),
                        RpcOutcome::Err(msg) => Err(Error::RpcFailed(msg)),
                    };
                    self.out.complete(call, result);
                }
            }
            RelayMessage::Error {
                code,
                message,
                fatal,
                client_ref,
            } => self.on_error(now, code, message, fatal, client_ref),
            RelayMessage::Pong {
                client_time,
                server_time,
            } => self.link.clock_mut().sample(client_time, now, server_time),
            RelayMessage::Reply { request, outcome } => self.on_reply(request, outcome),
            other => tracing::debug!("ignoring an unknown relay message: {other:?}"),
        }
        self.flush(now);
    }

    /// Caught up: now the profile can be compared with the room's copy.
    /// Writing it earlier, into a document that has not seen the previous
    /// session's write, would make the two concurrent, and the old one could
    /// win the conflict.
    fn on_synced(&mut self, now: u64) {
        if self.cfg.role == coinop_protocol::Role::Spectator {
            // Read-only: no profile of its own to write.
            return;
        }
        if self.is_pending() {
            // Compared with the document once it is in.
            self.profile_due = true;
            return;
        }
        self.sync_profile(now);
    }

    /// Keeps the profile the room remembers for a returning player that
    /// configured none, else writes ours.
    pub(crate) fn sync_profile(&mut self, now: u64) {
        let me = self.cfg.player.clone();
        if self.cfg.profile_is_default
            && let Some(stored) = self.profile_in_doc(&me)
        {
            // A returning player keeps the profile the room remembers.
            self.cfg.profile = stored;
            return;
        }
        let profile = self.cfg.profile.clone();
        if let Err(e) = self.write_profile(now, &profile) {
            tracing::warn!("could not write the profile: {e}");
        }
    }

    fn on_welcome(&mut self, now: u64, w: Welcome) {
        self.room = Some(w.room.clone());
        self.limits = w.limits;
        let same_epoch = self.cursor.is_some_and(|c| c.epoch == w.epoch);
        if w.reset {
            // The relay lost history we hold: upload everything; it de-duplicates.
            self.commit_writes(now);
            self.finish_pending(now);
            let all = self.doc.get_changes(&[]);
            self.outbox.replace(
                all.iter()
                    .map(|c| bytes::Bytes::copy_from_slice(c.raw_bytes()))
                    .collect(),
            );
        }
        // Before anything is sent: the relay's limits are known now.
        self.drop_unsendable();
        if w.reset || !same_epoch {
            self.cursor = Some(RoomCursor {
                epoch: w.epoch,
                seq: Seq(0),
            });
        }
        self.saves.mark_dirty();
        self.link.clock_mut().rough(now, w.server_time);
        // Roster: report the difference with what we knew before the drop.
        let old: Vec<PlayerId> = self.roster.players.iter().map(|p| p.id.clone()).collect();
        for gone in old
            .iter()
            .filter(|id| !w.players.iter().any(|p| &p.id == *id))
        {
            self.on_left(gone);
        }
        for info in &w.players {
            if self.roster.join(info.clone()) {
                self.out.event(Event::PlayerJoined(self.player_view(info)));
            }
        }
        // The relay's seating order is the truth.
        self.roster.players = w.players;
        if self.roster.host != w.host {
            self.roster.host = w.host.clone();
            self.out.event(Event::HostChanged(w.host));
        }
        self.shadows.clear_all();
        let mut stale = Vec::new();
        for v in w.unreliable {
            let key = (v.target.clone(), v.key.clone());
            if v.sender == self.cfg.player && !self.my_unreliable.contains(&key) {
                // Ours, but we wrote the key reliably since: retract it.
                if !v.value.is_empty() {
                    stale.push(key);
                }
                continue;
            }
            self.on_unreliable(v);
        }
        self.link.welcomed(now);
        for (target, key) in stale {
            self.unreliable.push(target, &key, bytes::Bytes::new());
        }
        self.ever_welcomed = true;
        self.set_status(Status::Connected);
    }

    /// Emits events for what changed since `before` and applies the shadow
    /// rule: a reliable write clears the key's unreliable shadow.
    /// Returns the state keys touched.
    ///
    /// The patches come from the log of the operation that changed the
    /// document (not from diffing heads), so the cost follows the size of
    /// the change, not of the document.
    pub(crate) fn after_change(
        &mut self,
        before: &[ChangeHash],
        log: &mut PatchLog,
        authors: &Authors,
    ) -> Vec<(StateTarget, String)> {
        if self.doc.get_heads() == before {
            return Vec::new();
        }
        self.saves.mark_dirty();
        let patches = self.doc.make_patches(log);
        let mut keys = Vec::new();
        for t in doc_layout::touched(&patches) {
            match t {
                Touched::State(target, key) => {
                    keys.push((target.clone(), key.clone()));
                    let by = authors.of(&self.doc, &target, &key);
                    self.report_reliable(target, key, by);
                }
                Touched::Profile(player) => self.out.event(Event::ProfileChanged { player }),
            }
        }
        keys
    }

    /// A reliable write changed `key`: its unreliable shadow goes, and the
    /// application hears the value now visible.
    pub(crate) fn report_reliable(
        &mut self,
        target: StateTarget,
        key: String,
        by: Option<PlayerId>,
    ) {
        self.shadows.clear(&target, &key);
        let value = self.get_state(&target, &key);
        self.out.event(Event::StateChanged {
            target,
            key,
            value,
            by,
            reliability: Reliability::Reliable,
        });
    }

    fn on_unreliable(&mut self, v: UnreliableValue) {
        if v.value.is_empty() {
            // A tombstone: the sender wrote the key reliably since.
            if !self.shadows.clear_from(&v.target, &v.key, &v.sender) {
                return;
            }
        } else {
            let Ok(value) = serde_json::from_slice(&v.value) else {
                tracing::debug!("ignoring a non-JSON unreliable value for {:?}", v.key);
                return;
            };
            self.shadows
                .set(v.target.clone(), v.key.clone(), value, v.sender.clone());
        }
        let value = self.get_state(&v.target, &v.key);
        self.out.event(Event::StateChanged {
            target: v.target,
            key: v.key,
            value,
            by: Some(v.sender),
            reliability: Reliability::Unreliable,
        });
    }

    fn on_left(&mut self, player: &PlayerId) {
        if !self.roster.leave(player) {
            return;
        }
        self.out.event(Event::PlayerLeft(player.clone()));
        for (target, key) in self.shadows.clear_sender(player) {
            let value = self.get_state(&target, &key);
            self.out.event(Event::StateChanged {
                target,
                key,
                value,
                by: Some(player.clone()),
                reliability: Reliability::Unreliable,
            });
        }
    }

    fn on_error(
        &mut self,
        now: u64,
        code: ErrorCode,
        message: String,
        fatal: bool,
        client_ref: Option<u64>,
    ) {
        let error = Error::Relay {
            code,
            message,
            fatal,
        };
        if let Some(r) = client_ref {
            // A write rule judges a publish as its sender's: a re-upload of
            // other players' changes is refused for theirs, not ours.
            let refused_write = matches!(
                code,
                ErrorCode::WRITE_FORBIDDEN | ErrorCode::LAYOUT_PROTECTED
            );
            let foreign = code == ErrorCode::FOREIGN_ACTOR
                || (refused_write
                    && self
                        .outbox
                        .in_flight(r)
                        .is_some_and(|b| self.carries_foreign_changes(b)));
            if foreign && self.requeue_own(r) {
                tracing::info!("publish {r} carried another player's changes; ours go again");
                return;
            }
            if code == ErrorCode::MISSING_DEPENDENCY {
                self.outbox.one_by_one();
                self.link.delay_publish(now);
                tracing::info!("publish {r} waits for changes it builds on: {error}");
                return;
            }
            if code.is_retryable() {
                self.outbox.retry(r);
                self.link.delay_publish(now);
                tracing::info!("publish {r} will be retried: {error}");
                return;
            }
            // Refused for good: the change cannot reach the others; tell
            // the application. A write the room's rules forbid is undone,
            // so that our replica does not diverge from everyone else's.
            let batch = self.outbox.discard(r);
            if let Some(batch) = batch.filter(|_| refused_write) {
                self.roll_back(now, &batch);
            }
            self.saves.mark_dirty();
        }
        if fatal && stops_reconnecting(code) {
            self.stop(Some(error));
        } else if fatal {
            tracing::info!("relay closes the connection, will reconnect: {error}");
        } else {
            self.out.event(Event::Error(error));
        }
    }

    /// After a reset we re-upload every change we hold, other players'
    /// too. The relay refuses (`FOREIGN_ACTOR`) to take a change from us
    /// that continues an actor its player already published under there:
    /// that player uploads its own. Ours, and the shared deterministic
    /// ones, go again. Returns false when `client_ref` is not in flight.
    fn requeue_own(&mut self, client_ref: u64) -> bool {
        let Some(batch) = self.outbox.discard(client_ref) else {
            return false;
        };
        let mine = player_tag(&self.cfg.player);
        let own: Vec<bytes::Bytes> = batch
            .into_iter()
            .filter(|c| {
                automerge::Change::from_bytes(c.to_vec())
                    .is_ok_and(|ch| tag_of(ch.actor_id().to_bytes()).is_none_or(|t| t == mine))
            })
            .collect();
        self.saves.mark_dirty();
        if !own.is_empty() {
            self.outbox.requeue_front(own);
            self.link.publish_now();
        }
        true
    }
}
