//! The room core: its state, connection lifecycle, timers and outputs.

use super::config::CoreConfig;
use super::doc_clock::DocClock;
use super::incoming_rpc::IncomingRpc;
use super::link_state::LinkState;
use super::outbox::Outbox;
use super::outputs::{Completion, Outputs};
use super::pending_calls::PendingCalls;
use super::pending_load::PendingLoad;
use super::pending_requests::PendingRequests;
use super::read_cache::ReadCache;
use super::replica_saves::ReplicaSaves;
use super::roster::Roster;
use super::shadows::Shadows;
use super::unapplied::Unapplied;
use super::unreliable_queue::UnreliableQueue;
use super::write_buffer::WriteBuffer;
use crate::doc_layout;
use crate::error::Error;
use crate::event::Event;
use crate::replica::Replica;
use crate::status::Status;
use automerge::{ActorId, Automerge};
use bytes::Bytes;
use coinop_protocol::actor::session_actor;
use coinop_protocol::{
    ClientMessage, Join, Limits, PlayerId, Reassembly, Role, RoomCode, RoomCursor, RoomRequest,
    StateTarget,
};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// The sans-IO room state machine. See the module docs.
pub(crate) struct RoomCore {
    pub(super) cfg: CoreConfig,
    pub(super) doc: Automerge,
    pub(super) room: Option<RoomCode>,
    pub(super) cursor: Option<RoomCursor>,
    /// The link to the relay, its timers and the clock estimate.
    pub(super) link: LinkState,
    pub(super) status: Status,
    pub(super) stopped: bool,
    pub(super) roster: Roster,
    pub(super) shadows: Shadows,
    pub(super) outbox: Outbox,
    pub(super) calls: PendingCalls,
    /// Requests to the relay waiting for their reply.
    pub(super) requests: PendingRequests,
    pub(super) unreliable: UnreliableQueue,
    /// Frames, events and RPC results waiting to be taken.
    pub(super) out: Outputs,
    /// Keys whose latest write by this player was unreliable: the relay may
    /// hold our value for them. A reliable write retracts it (see `writes`).
    pub(super) my_unreliable: HashSet<(StateTarget, String)>,
    pub(super) was_saved: bool,
    pub(super) ever_welcomed: bool,
    /// Why the room stopped, when a fatal error stopped it.
    pub(super) fatal: Option<Error>,
    /// A snapshot shown through its state view, its document not loaded.
    pub(super) pending: Option<PendingLoad>,
    pub(super) next_load_id: u64,
    /// Catch-up completed while a snapshot was pending: the profile is
    /// synced once its document is in.
    pub(super) profile_due: bool,
    /// Reliable writes not yet committed to the document.
    pub(super) writes: WriteBuffer,
    /// The latest time any input brought, for commits made on output.
    pub(super) last_now: u64,
    /// The sizes the relay accepts: its defaults until a welcome says.
    pub(super) limits: Limits,
    /// A relay message arriving in parts.
    pub(super) parts: Reassembly,
    /// Replica saves: failures, retries.
    pub(super) saves: ReplicaSaves,
    /// Received changes shown but not applied to `doc` yet.
    pub(super) unapplied: Unapplied,
    /// State maps and values read, kept while the document is the same.
    pub(super) reads: ReadCache,
    /// What our next change builds on (see `own_change`).
    pub(super) doc_clock: DocClock,
}

impl RoomCore {
    /// A core for `cfg`, resuming from `replica` when given. Writes the
    /// document skeleton locally (published once connected); the profile is
    /// written after the first catch-up, see `on_synced`.
    pub(crate) fn new(cfg: CoreConfig, replica: Option<Replica>) -> Result<Self, Error> {
        // The join carries it: one the relay refuses would fail every join.
        super::sizes::check_profile(&cfg.profile, &Limits::DEFAULT)?;
        let (mut doc, outbox, cursor) = match replica {
            Some(r) => (
                Automerge::load(&r.doc).map_err(|e| {
                    Error::ReplicaCorrupt(format!("its document does not load: {e}"))
                })?,
                r.outbox,
                r.cursor,
            ),
            None => (Automerge::new(), Vec::new(), None),
        };
        // A fresh actor per session: a replica restored elsewhere must
        // never reuse an actor's sequence numbers. It is tagged with the
        // player, so the relay lets nobody else continue it.
        let mut h = Sha256::new();
        h.update(cfg.seed.to_le_bytes());
        h.update(cfg.player.as_str().as_bytes());
        let mut session = [0; 16];
        session.copy_from_slice(&h.finalize()[..16]);
        doc.set_actor(ActorId::from(session_actor(&cfg.player, session)));
        let seed = cfg.seed;
        // A matchmade room is known once the relay seats us.
        let room = match &cfg.room {
            RoomRequest::Code(c) if cfg.matchmaking.is_none() => Some(c.clone()),
            _ => None,
        };
        let mut core = RoomCore {
            cfg,
            doc,
            room,
            cursor,
            link: LinkState::new(seed),
            status: Status::Connecting,
            stopped: false,
            roster: Roster::default(),
            shadows: Shadows::default(),
            outbox: Outbox::default(),
            calls: PendingCalls::new(seed.rotate_left(31)),
            requests: PendingRequests::default(),
            unreliable: UnreliableQueue::default(),
            out: Outputs::default(),
            my_unreliable: HashSet::new(),
            was_saved: outbox.is_empty(),
            ever_welcomed: false,
            fatal: None,
            pending: None,
            next_load_id: 0,
            profile_due: false,
            writes: WriteBuffer::default(),
            last_now: 0,
            limits: Limits::DEFAULT,
            parts: Reassembly::default(),
            saves: ReplicaSaves::new(seed.rotate_left(47)),
            unapplied: Unapplied::spread(seed.rotate_left(23)),
            reads: ReadCache::default(),
            doc_clock: DocClock::default(),
        };
        // A record's document may be older than its outbox (see
        // `replica_saves`): the outbox goes on top. A change whose
        // dependencies are not in that document waits in automerge for the
        // catch-up that brings them.
        // One that does not apply is still sent: the relay decides, and
        // the outbox never loses a write.
        for bytes in &outbox {
            let applied = automerge::Change::from_bytes(bytes.to_vec())
                .map_err(automerge::AutomergeError::from)
                .and_then(|change| core.doc.apply_changes([change]));
            if let Err(e) = applied {
                tracing::warn!("an unacknowledged change of the replica does not apply: {e}");
            }
        }
        for change in outbox {
            core.outbox.push(change);
        }
        if doc_layout::state_map(&core.doc, &StateTarget::Room).is_none() {
            core.apply_local_change(doc_layout::skeleton()?)?;
        }
        Ok(core)
    }

    /// Applies a ready-made local change (a skeleton) and queues it.
    pub(crate) fn apply_local_change(&mut self, change: automerge::Change) -> Result<(), Error> {
        let bytes = Bytes::copy_from_slice(change.raw_bytes());
        self.doc.apply_changes([change])?;
        self.outbox.push(bytes);
        self.saves.mark_dirty();
        Ok(())
    }

    /// The WebSocket opened: send the join.
    pub(crate) fn connected(&mut self, now: u64) {
        if self.stopped {
            return;
        }
        self.link.opened(now);
        self.parts = Reassembly::default();
        let room = match &self.room {
            Some(code) => RoomRequest::Code(code.clone()),
            None => self.cfg.room.clone(),
        };
        self.out.drop_frames();
        let join = Join::new(room, self.cfg.player.clone(), self.cfg.secret.clone())
            .with_profile(self.cfg.profile.clone())
            .with_since(self.cursor)
            .with_max_players(self.cfg.max_players)
            .with_grace_period_ms(self.cfg.grace_period_ms)
            .with_only_existing(self.cfg.only_existing)
            .with_rules(self.cfg.rules.clone())
            .with_bot_of(self.cfg.bot_of.clone())
            .with_game(self.cfg.game.clone())
            // Only the first join matchmakes: once seated, the room is known.
            .with_matchmaking(self.cfg.matchmaking.filter(|_| self.room.is_none()))
            .with_role((self.cfg.role != Role::Player).then_some(self.cfg.role));
        self.out.send(ClientMessage::Join(join));
    }

    /// The connection closed or could not be opened.
    pub(crate) fn disconnected(&mut self, now: u64) {
        self.last_now = self.last_now.max(now);
        if self.link.take_dropped(now) {
            // Already taken down by the heartbeat deadline in `tick`.
            return;
        }
        self.out.drop_frames();
        self.unreliable.clear();
        self.outbox.requeue_all();
        // The relay answers a request on the connection it came on only.
        for request in self.requests.take_all() {
            self.out.complete(request, Err(Error::Offline));
        }
        self.link.closed(now, !self.stopped);
        if self.stopped {
            return;
        }
        if self.status == Status::Connected {
            self.set_status(Status::Reconnecting);
        }
    }

    /// Stops for good with `error` (a fatal refusal).
    pub(crate) fn stop(&mut self, error: Option<Error>) {
        self.stopped = true;
        if let Some(e) = error {
            self.fatal = Some(e.clone());
            self.out.event(Event::Error(e));
        }
        self.set_status(Status::Offline);
    }

    pub(crate) fn set_status(&mut self, status: Status) {
        if self.status != status {
            self.status = status;
            self.out.event(Event::StatusChanged(status));
        }
    }

    /// Whether the driver should open a connection now.
    pub(crate) fn want_connect(&self, now: u64) -> bool {
        !self.stopped && self.link.may_connect(now)
    }

    /// Whether [`RoomCore::tick`] found the connection silent past the
    /// heartbeat timeout and took the link down: the driver must drop the
    /// socket (its own `disconnected` call is then absorbed).
    pub(crate) fn link_is_dead(&self) -> bool {
        self.link.is_dropped()
    }

    /// Whether the room stopped for good.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether catch-up completed on this connection.
    pub(crate) fn is_synced(&self) -> bool {
        self.link.is_synced()
    }

    /// Whether the relay welcomed this connection.
    pub(crate) fn is_up(&self) -> bool {
        self.link.is_up()
    }

    /// When the core next needs [`RoomCore::tick`], in ms.
    pub(crate) fn next_wakeup(&self) -> Option<u64> {
        let mut at = self.calls.next_deadline();
        if let Some(t) = self.requests.next_deadline() {
            at = Some(at.map_or(t, |a| a.min(t)));
        }
        let mut consider = |t: u64| at = Some(at.map_or(t, |a| a.min(t)));
        // Waiting for an ack is not a timer: the ack wakes us.
        let publish_waiting = self.outbox.has_pending() && !self.outbox.has_inflight();
        if let Some(t) = self.link.next_deadline(self.stopped, publish_waiting) {
            consider(t);
        }
        if self.link.is_up()
            && let Some(t) = self.unreliable.next_ready_at()
        {
            consider(t);
        }
        if let Some(t) = self.saves.retry_at() {
            consider(t);
        }
        if self.room.is_some()
            && let Some(t) = self.saves.doc_due_at()
        {
            consider(t);
        }
        if let Some(t) = self.unapplied.due_at(self.history()) {
            consider(t);
        }
        // Something due while no tick came (the apply of changes that
        // wait) is due now.
        at.map(|t| t.max(self.last_now))
    }

    /// Time passed: expire RPCs, ping, retry publishes.
    pub(crate) fn tick(&mut self, now: u64) {
        if !self.stopped && self.link.is_silent(now) {
            tracing::debug!("no frame from the relay within the heartbeat timeout");
            self.disconnected(now);
            self.link.drop_link(now, false);
        }
        for (call, name) in self.calls.expire(now) {
            self.out.complete(call, Err(Error::RpcTimeout { name }));
        }
        for (request, name) in self.requests.expire(now) {
            self.out.complete(request, Err(Error::RpcTimeout { name }));
        }
        if self.link.ping_due(now) {
            self.out.send(ClientMessage::Ping { client_time: now });
        }
        if self.unapplied.is_due(now, self.history()) {
            self.apply_waiting();
        }
        self.flush(now);
    }

    /// Sends pending changes when the link allows, and reports `saved`.
    ///
    /// One publish is in flight at a time: changes made meanwhile wait for
    /// its ack and then travel together, so a game writing every frame sends
    /// one publish per round trip, far below the relay's message-rate limit.
    pub(crate) fn flush(&mut self, now: u64) {
        self.last_now = self.last_now.max(now);
        if self.is_up()
            && self.cfg.role != Role::Spectator
            && self.outbox.has_pending()
            && !self.outbox.has_inflight()
            && self.link.may_publish(now)
        {
            let budget = super::sizes::publish_budget(&self.limits);
            for (client_ref, changes) in self.outbox.take_batches(budget) {
                self.out.send(ClientMessage::Publish {
                    client_ref,
                    changes,
                });
            }
        }
        if self.is_up() {
            for frame in self.unreliable.take_ready(now) {
                self.out.send(frame);
            }
        }
        let saved = self.is_saved();
        if saved != self.was_saved {
            self.was_saved = saved;
            self.out.event(Event::Saved(saved));
        }
    }

    /// The next frame to send. Buffered writes are committed first, so
    /// the driver's next turn after a write sends it; while a publish waits
    /// for its ack they wait too, and are committed as one change when it
    /// comes (see [`super::write_buffer`]).
    pub(crate) fn poll_transmit(&mut self) -> Option<ClientMessage> {
        let wait_for_ack = self.is_up() && self.outbox.has_inflight();
        if !wait_for_ack {
            self.commit_writes(self.last_now);
        }
        self.out.next_frame()
    }

    /// The secret this client joins with (a bot seat it runs joins with it too).
    pub(crate) fn secret(&self) -> &coinop_protocol::Secret {
        &self.cfg.secret
    }

    /// This player's id.
    pub(crate) fn me(&self) -> &PlayerId {
        &self.cfg.player
    }

    /// The room code, once known.
    pub(crate) fn room_code(&self) -> Option<&RoomCode> {
        self.room.as_ref()
    }

    /// The connection status.
    pub(crate) fn status(&self) -> Status {
        self.status
    }

    /// Why the room stopped, if a fatal error stopped it.
    pub(crate) fn fatal(&self) -> Option<&Error> {
        self.fatal.as_ref()
    }

    /// The sizes the relay accepts (its defaults until welcomed).
    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// The relay clock's estimate at local time `now`.
    pub(crate) fn server_time(&self, now: u64) -> u64 {
        self.link.clock().server_time(now)
    }

    /// The host, as the relay last said.
    pub(crate) fn host(&self) -> Option<&PlayerId> {
        self.roster.host.as_ref()
    }

    /// Seated players' ids, in seating order.
    pub(crate) fn player_ids(&self) -> Vec<PlayerId> {
        self.roster.players.iter().map(|p| p.id.clone()).collect()
    }

    /// The document with every write committed and any pending snapshot
    /// loaded (in this thread).
    pub(crate) fn settled_doc(&mut self, now: u64) -> &Automerge {
        self.commit_writes(now);
        self.finish_pending(now);
        &self.doc
    }

    /// Whether every local write is committed and acknowledged by the
    /// relay (durably stored), and the replica, if one is kept, saves. A
    /// spectator writes nothing but the shared skeleton, which the room
    /// holds already.
    pub(crate) fn is_saved(&self) -> bool {
        self.writes.is_empty()
            && (self.outbox.is_empty() || self.cfg.role == Role::Spectator)
            && !self.saves.is_failing()
    }

    /// What this client is in the room.
    pub(crate) fn role(&self) -> Role {
        self.cfg.role
    }

    /// Refuses writes when this client is a spectator (the relay would).
    pub(crate) fn check_writable(&self) -> Result<(), Error> {
        if self.cfg.role == Role::Spectator {
            return Err(Error::Relay {
                code: coinop_protocol::ErrorCode::READ_ONLY,
                message: "spectators are read-only".into(),
                fatal: false,
            });
        }
        Ok(())
    }

    /// Events produced since the last call.
    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        self.out.take_events()
    }

    /// RPC calls resolved since the last call.
    pub(crate) fn take_completions(&mut self) -> Vec<Completion> {
        self.out.take_completions()
    }

    /// RPCs for this client's handlers since the last call.
    pub(crate) fn take_incoming_rpcs(&mut self) -> Vec<IncomingRpc> {
        self.out.take_rpcs()
    }

    /// The replica record to persist, if the room code is known and the
    /// outbox changed since the last one or the document is due for a save
    /// (see [`super::replica_saves`]).
    pub(crate) fn take_replica(&mut self) -> Option<(RoomCode, Replica)> {
        // A replica holds every write the application made: commit them.
        self.commit_writes(self.last_now);
        let now = self.last_now;
        let edits = self.outbox.edits();
        if !self.saves.record_due(now, edits) || self.saves.waiting(now) {
            return None;
        }
        let room = self.room.clone()?;
        // A pending snapshot is in the cursor but not yet in the document:
        // the document waits for it (the outbox does not).
        if self.saves.doc_due(now) && !self.is_pending() {
            // The cursor counts the changes shown: the document must hold
            // them.
            self.apply_waiting();
            self.saves.doc_saved(now, self.doc.save(), self.cursor);
        }
        let saved = self.saves.saved_doc()?;
        let replica = Replica {
            doc: saved.bytes.clone(),
            outbox: self.outbox.all(),
            cursor: saved.cursor,
        };
        self.saves.taken(edits);
        Some((room, replica))
    }

    /// How many changes the room's log holds, as far as this client knows
    /// (its cursor).
    pub(crate) fn history(&self) -> u64 {
        self.cursor.map_or(0, |c| c.seq.0)
    }

    /// Raises the cursor to `seq` (within the current epoch).
    pub(crate) fn advance_cursor(&mut self, seq: coinop_protocol::Seq) {
        if let Some(c) = &mut self.cursor
            && seq > c.seq
        {
            c.seq = seq;
            self.saves.mark_dirty();
        }
    }
}
