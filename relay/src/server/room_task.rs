//! The tokio shell around one [`RoomState`]: carries out its effects.

use super::clock::now_ms;
use super::cluster::Cluster;
use super::compaction::{Compactor, Job};
use super::conn_outbox::ConnOutbox;
use super::matchmaker::Matchmaker;
use super::room_cmd::{JoinReply, RoomCmd, RoomHandle};
use super::room_counters::RoomCounters;
use super::room_map::RoomMap;
use super::stored_range::read_range;
use crate::core::{
    ConnId, Delivery, Effect, Input, RoomState, Snapshot, StoredRange, changes_frames, close_code,
};
use crate::metrics::Metrics;
use crate::storage::{Append, PlayerRoomUpdate, StorageError, StorageHandle};
use coinop_protocol::{Bytes, ErrorCode, LogEntry, RelayMessage, split_frame};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Commands queued per room before senders wait (backpressure).
const ROOM_QUEUE: usize = 1024;

// A `Wake` lives on the stack for one turn of the loop, never in a queue:
// boxing the command would allocate per message for nothing.
#[allow(clippy::large_enum_variant)]
enum Wake {
    Cmd(Option<RoomCmd>),
    Tick,
}

/// What a room task needs from the relay: these handles, not the whole
/// relay context.
#[derive(Clone)]
pub(crate) struct RoomServices {
    pub(crate) storage: StorageHandle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) compactor: Compactor,
    /// The map the room leaves when it unloads.
    pub(crate) rooms: Arc<RoomMap>,
    /// Cluster mode: the leases the room is served under.
    pub(crate) cluster: Option<Arc<Cluster>>,
    /// Told the seats of public rooms.
    pub(crate) matchmaker: Matchmaker,
}

struct RoomTask {
    services: RoomServices,
    room: RoomState,
    id: u64,
    rx: mpsc::Receiver<RoomCmd>,
    tx: mpsc::Sender<RoomCmd>,
    conns: HashMap<ConnId, Arc<ConnOutbox>>,
    persist_started: Option<Instant>,
    /// Cluster mode: the epoch of the lease the room was loaded under.
    lease: Option<u64>,
    /// Message counts for the inspector.
    counters: RoomCounters,
    /// Who waits for the room's deletion to be done.
    delete_waiters: Vec<oneshot::Sender<()>>,
    /// The seated players last reported to the matchmaker (public rooms).
    reported: Vec<coinop_protocol::PlayerId>,
}

/// Starts the room's task.
pub(crate) fn spawn(services: RoomServices, room: RoomState, id: u64) -> RoomHandle {
    let (tx, rx) = mpsc::channel(ROOM_QUEUE);
    services.metrics.rooms.fetch_add(1, Relaxed);
    // Claimed just before the load, and nobody else loads it meanwhile.
    let lease = services.cluster.as_ref().and_then(|c| c.epoch(room.code()));
    let task = RoomTask {
        lease,
        services,
        room,
        id,
        rx,
        tx: tx.clone(),
        conns: HashMap::new(),
        persist_started: None,
        counters: Default::default(),
        delete_waiters: Vec::new(),
        reported: Vec::new(),
    };
    tokio::spawn(task.run());
    RoomHandle { tx, id }
}

impl RoomTask {
    async fn run(mut self) {
        // One timer for the room's life, moved only when the core's next
        // deadline changes: registering a fresh one for every command
        // costs measurable CPU at thousands of commands per second.
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        let mut armed: Option<u64> = None;
        let mut evicted = false;
        loop {
            let next = self.room.next_deadline();
            if let Some(at) = next.filter(|at| armed != Some(*at)) {
                let wait = at.saturating_sub(now_ms());
                timer
                    .as_mut()
                    .reset(tokio::time::Instant::now() + Duration::from_millis(wait));
            }
            armed = next;
            let wake = tokio::select! {
                cmd = self.rx.recv() => Wake::Cmd(cmd),
                () = &mut timer, if armed.is_some() => Wake::Tick,
            };
            if matches!(wake, Wake::Tick) {
                // Fired: the same deadline again (a tick that changed
                // nothing) must re-arm rather than spin.
                armed = None;
            }
            match wake {
                // The task holds a sender itself, so `None` never comes.
                Wake::Cmd(None | Some(RoomCmd::Shutdown)) => break,
                Wake::Cmd(Some(RoomCmd::Evict(code, reason))) => {
                    self.evict(code, reason).await;
                    evicted = true;
                    break;
                }
                Wake::Cmd(Some(cmd)) => self.on_cmd(cmd).await,
                Wake::Tick => {
                    let effects = self.room.handle(Input::Tick, now_ms());
                    self.apply(effects).await;
                }
            }
            self.report_seats();
            if self.room.is_idle() && self.room.is_deleted() {
                self.finish_delete().await;
                break;
            }
            if self.room.is_idle() && self.try_unload().await {
                break;
            }
        }
        self.services.metrics.rooms.fetch_sub(1, Relaxed);
        // Unloaded or stopping: another node may serve the room at once,
        // and seats the players still here (see `core::Handoff`).
        if let (Some(cluster), Some(epoch), false) = (&self.services.cluster, self.lease, evicted) {
            let seats = self.room.handoff(now_ms());
            cluster.hand_over(self.room.code(), epoch, seats).await;
        }
        tracing::debug!(room = %self.room.code(), "room unloaded");
    }

    /// Another node owns the room now, or its stored state is uncertain:
    /// every client reconnects (and is taken to the owner, which loads the
    /// room from the database), joins queued meanwhile look the room up again.
    async fn evict(&mut self, code: ErrorCode, reason: &str) {
        tracing::warn!(room = %self.room.code(), %code, reason, "room evicted");
        for (_, outbox) in self.conns.drain() {
            outbox.fatal(code, reason, close_code::RESTART, false);
        }
        self.services.rooms.forget(self.room.code(), self.id).await;
        self.refuse_queued_joins();
    }

    async fn on_cmd(&mut self, cmd: RoomCmd) {
        let now = now_ms();
        match cmd {
            RoomCmd::Join {
                conn,
                join,
                outbox,
                reply,
            } => {
                self.conns.insert(conn, outbox);
                let player = join.player.clone();
                let effects = self.room.handle(Input::Join { conn, join: *join }, now);
                let refused = effects
                    .iter()
                    .any(|e| matches!(e, Effect::Close { conn: c, .. } if *c == conn));
                self.apply_with_catch_up(effects, Some(conn)).await;
                if !refused {
                    tracing::info!(room = %self.room.code(), %conn, %player, "joined");
                }
                let _ = reply.send(if refused {
                    JoinReply::Refused
                } else {
                    JoinReply::Accepted
                });
            }
            RoomCmd::Message { conn, msg } => {
                self.counters.count(&msg);
                let effects = self.room.handle(Input::Message { conn, msg }, now);
                self.apply(effects).await;
            }
            RoomCmd::Disconnected { conn } => {
                self.conns.remove(&conn);
                let effects = self.room.handle(Input::Disconnected { conn }, now);
                self.apply(effects).await;
            }
            RoomCmd::Persisted(result) => {
                if let Some(started) = self.persist_started.take() {
                    self.services.metrics.ack_latency.observe(started.elapsed());
                }
                let input = match result {
                    Some(upto) => Input::Persisted { upto },
                    None => Input::PersistFailed,
                };
                let effects = self.room.handle(input, now);
                self.apply(effects).await;
            }
            RoomCmd::Compacted(result) => {
                let input = match result {
                    Some((snap, listed)) => {
                        self.services.metrics.compactions.fetch_add(1, Relaxed);
                        if let Some(hashes) = listed {
                            let upto = snap.upto;
                            let listed = Input::FoldedHashes { upto, hashes };
                            let effects = self.room.handle(listed, now);
                            self.apply(effects).await;
                        }
                        Input::Compacted(snap)
                    }
                    None => {
                        self.services
                            .metrics
                            .compaction_failures
                            .fetch_add(1, Relaxed);
                        Input::CompactionFailed
                    }
                };
                let effects = self.room.handle(input, now);
                self.apply(effects).await;
            }
            RoomCmd::Delete(reply) => {
                self.delete_waiters.push(reply);
                let effects = self.room.delete();
                self.apply(effects).await;
            }
            RoomCmd::Inspect(reply) => {
                let _ = reply.send(self.counters.report(&self.room));
            }
            RoomCmd::Shutdown | RoomCmd::Evict(..) => {}
        }
    }

    async fn apply(&mut self, effects: Vec<Effect>) {
        self.apply_with_catch_up(effects, None).await;
    }

    /// A public room tells the matchmaker whenever its players change.
    fn report_seats(&mut self) {
        let Some(game) = self.room.public_game() else {
            return;
        };
        let seated = self.room.player_ids();
        if seated != self.reported {
            self.reported = seated.clone();
            let code = self.room.code().clone();
            let max = self.room.meta().max_players;
            self.services
                .matchmaker
                .seats(game.to_owned(), code, seated, max);
        }
    }

    /// Carries out effects; frames for `joiner` are its catch-up.
    async fn apply_with_catch_up(&mut self, effects: Vec<Effect>, joiner: Option<ConnId>) {
        for effect in effects {
            match effect {
                Effect::Send {
                    conn,
                    frame,
                    delivery,
                } => {
                    if let Some(outbox) = self.conns.get(&conn) {
                        match delivery {
                            Delivery::Reliable if joiner == Some(conn) => {
                                outbox.push_catch_up(frame)
                            }
                            Delivery::Reliable => outbox.push_reliable(frame),
                            Delivery::Unreliable(key) => outbox.push_unreliable(key, frame),
                        }
                    }
                }
                Effect::Close { conn, code, reason } => {
                    if let Some(outbox) = self.conns.remove(&conn) {
                        if code != close_code::NORMAL {
                            self.services.metrics.fatal_closes.fetch_add(1, Relaxed);
                        }
                        tracing::info!(room = %self.room.code(), %conn, code, %reason, "closing");
                        outbox.close(code, &reason);
                    }
                }
                Effect::Persist { entries } => self.persist(entries),
                Effect::Compact {
                    base,
                    stored,
                    entries,
                    list_hashes,
                } => self.compact(base, stored, entries, list_hashes),
                Effect::SendStored {
                    conn,
                    range,
                    batch_bytes,
                } => self.send_stored(conn, range, batch_bytes).await,
                Effect::IndexPlayer {
                    player,
                    host,
                    at_ms,
                } => {
                    self.services.storage.index_player(PlayerRoomUpdate {
                        player,
                        room: self.room.code().clone(),
                        host,
                        at_ms,
                    });
                }
                Effect::SetBanned { player, banned } => {
                    // Waited for (kicks are rare): by the time the kicked
                    // player is closed and the others hear of it, the ban
                    // survives a crash of the relay.
                    let room = self.room.code().clone();
                    let stored = self
                        .services
                        .storage
                        .call(move |s| s.set_banned(&room, &player, banned))
                        .await;
                    if let Err(e) = stored {
                        tracing::error!(room = %self.room.code(), error = %e, "storing a ban failed");
                    }
                }
                // Carried out once the room is idle: see `finish_delete`.
                Effect::DeleteRoom => {}
            }
        }
    }

    /// The room was deleted and no write of it is still on its way to
    /// storage: removes what is stored, leaves the room map (joins queued
    /// meanwhile look the code up again and find no room), and answers
    /// whoever waits.
    async fn finish_delete(&mut self) {
        let code = self.room.code().clone();
        let room = code.clone();
        match self
            .services
            .storage
            .call(move |s| s.delete_room(&room))
            .await
        {
            Ok(_) => tracing::info!(room = %code, "room deleted"),
            Err(e) => tracing::error!(room = %code, error = %e, "deleting the room failed"),
        }
        self.services.rooms.forget(&code, self.id).await;
        self.rx.close();
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                RoomCmd::Join { reply, .. } => {
                    let _ = reply.send(JoinReply::Retry);
                }
                RoomCmd::Delete(reply) => self.delete_waiters.push(reply),
                _ => {}
            }
        }
        for waiter in self.delete_waiters.drain(..) {
            let _ = waiter.send(());
        }
    }

    fn persist(&mut self, entries: Vec<LogEntry>) {
        let Some(upto) = entries.last().map(|e| e.seq) else {
            return;
        };
        self.persist_started = Some(Instant::now());
        let storage = self.services.storage.clone();
        let tx = self.tx.clone();
        let room = self.room.code().clone();
        let clustered = self.services.cluster.is_some();
        tokio::spawn(async move {
            let result = storage.append(Append { room, entries }).await;
            if let Err(e) = &result {
                tracing::error!(error = %e, "persist failed; publishes refused");
            }
            let evict = match &result {
                Ok(()) => None,
                Err(StorageError::Fenced(_)) => Some((
                    ErrorCode::ROOM_MOVED,
                    "this node no longer serves the room; reconnect",
                )),
                // Over a network a failed COMMIT may have committed after
                // all: rather than reuse sequence numbers the database may
                // hold, the room reloads from it, and its players resend
                // what was not acked (stored changes are de-duplicated).
                Err(_) if clustered => Some((
                    ErrorCode::STORAGE_UNAVAILABLE,
                    "the database failed; reconnect and resend",
                )),
                Err(_) => None,
            };
            let _ = tx
                .send(RoomCmd::Persisted(result.ok().map(|()| upto)))
                .await;
            if let Some((code, reason)) = evict {
                let _ = tx.send(RoomCmd::Evict(code, reason)).await;
            }
        });
    }

    /// Catch-up entries the core no longer holds: read back and queued for
    /// the joiner before anything else it is sent. The room waits for the
    /// read (about a millisecond), which keeps its frames in order.
    async fn send_stored(&mut self, conn: ConnId, range: StoredRange, batch_bytes: usize) {
        let read = read_range(&self.services.storage, self.room.code(), range).await;
        let Some(outbox) = self.conns.get(&conn) else {
            return;
        };
        match read {
            Ok(Some(entries)) => {
                let max_frame = self.room.limits.max_frame_bytes;
                for frame in changes_frames(entries, batch_bytes) {
                    for part in split_frame(Bytes::from(frame.encode()), max_frame) {
                        outbox.push_catch_up(part);
                    }
                }
            }
            Ok(None) => {
                tracing::error!(room = %self.room.code(), ?range, "stored log has a gap");
                outbox.close(close_code::INTERNAL, "the room's stored log is incomplete");
            }
            Err(e) => {
                tracing::error!(room = %self.room.code(), error = %e, "catch-up read failed");
                let error = RelayMessage::Error {
                    code: ErrorCode::STORAGE_UNAVAILABLE,
                    message: "storage is unavailable; reconnect later".into(),
                    client_ref: None,
                    fatal: false,
                };
                outbox.push_reliable(Bytes::from(error.encode()));
                outbox.close(close_code::INTERNAL, "storage is unavailable");
            }
        }
    }

    fn compact(
        &mut self,
        base: Option<Snapshot>,
        stored: Option<StoredRange>,
        entries: Vec<LogEntry>,
        list_hashes: bool,
    ) {
        let Some(upto) = entries.last().map(|e| e.seq).or(stored.map(|r| r.upto)) else {
            return;
        };
        let job = Job {
            room: self.room.code().clone(),
            base,
            stored,
            entries,
            upto,
            list_hashes,
        };
        self.services.compactor.spawn(job, self.tx.clone());
    }

    /// Leaves the room map if nothing is queued. Joins that slipped in are
    /// told to retry (they will load the room again).
    async fn try_unload(&mut self) -> bool {
        let rx = &self.rx;
        let rooms = &self.services.rooms;
        if !rooms
            .unload_if(self.room.code(), self.id, || rx.is_empty())
            .await
        {
            return false;
        }
        self.refuse_queued_joins();
        true
    }

    /// Closes the queue; joins in it are told to look the room up again.
    fn refuse_queued_joins(&mut self) {
        self.rx.close();
        while let Ok(cmd) = self.rx.try_recv() {
            if let RoomCmd::Join { reply, .. } = cmd {
                let _ = reply.send(JoinReply::Retry);
            }
        }
    }
}
