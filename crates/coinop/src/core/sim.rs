//! A deterministic in-memory network: several client cores and the relay's
//! own sans-IO room core, with seeded delivery order, time and disconnects.
//! Each connection is FIFO (as TCP is); everything else interleaves.

use super::{CoreConfig, LoadedSnapshot, RoomCore};
use bytes::Bytes;
use coinop_protocol::{ClientMessage, LogEntry, PlayerId, RoomCode, RoomRequest, Secret};
use coinop_relay::core::{
    ConnId, Effect, Input, RoomLimits, RoomMeta, RoomState, Snapshot, StoredRange, changes_frames,
};
use std::collections::VecDeque;

/// One simulated client.
pub(crate) struct Client {
    pub(crate) core: RoomCore,
    conn: Option<ConnId>,
    inbox: VecDeque<Bytes>,
    closing: bool,
}

/// The simulated world.
pub(crate) struct Sim {
    pub(crate) now: u64,
    pub(crate) relay: RoomState,
    pub(crate) clients: Vec<Client>,
    next_conn: u64,
    rng: u64,
    /// How many snapshots the relay core asked for and got.
    pub(crate) compactions: usize,
    /// What the relay's storage holds: the log since the snapshot, and the
    /// snapshot. A restart reloads the room from these.
    stored_log: Vec<LogEntry>,
    stored_snapshot: Option<Snapshot>,
    meta: RoomMeta,
    limits: RoomLimits,
    /// How many times the relay restarted (and lost the room).
    pub(crate) restarts: usize,
    pub(crate) losses: usize,
}

impl Sim {
    /// `n` clients in room `ROOM`, everything seeded by `seed`; the relay
    /// compacts every 20 entries so that catch-up from snapshots is common,
    /// and keeps only ~1 KiB of the log in memory so that catch-up and
    /// compaction read from storage too.
    pub(crate) fn new(n: usize, seed: u64) -> Sim {
        Sim::with_rules(n, seed, Default::default())
    }

    /// [`Sim::new`] with the room's write rules given.
    pub(crate) fn with_rules(n: usize, seed: u64, rules: coinop_protocol::RoomRules) -> Sim {
        let limits = RoomLimits {
            compact_entries: 20,
            cached_log_bytes: 1024,
            ..RoomLimits::default()
        };
        Sim::with_setup(n, seed, limits, rules)
    }

    /// The simulation, with the relay room's limits and rules given.
    fn with_setup(
        n: usize,
        seed: u64,
        limits: RoomLimits,
        rules: coinop_protocol::RoomRules,
    ) -> Sim {
        let code = RoomCode::new("ROOM").expect("valid code");
        let meta = RoomMeta {
            code: code.clone(),
            epoch: 1,
            max_players: 16,
            grace_ms: 1_000,
            created_ms: 0,
            owner: None,
            rules,
        };
        let clients = (0..n)
            .map(|i| {
                let cfg = CoreConfig::new(
                    RoomRequest::Code(code.clone()),
                    PlayerId::new(format!("p{i}")).expect("valid id"),
                    Secret::new(vec![i as u8; 16]).expect("valid secret"),
                    seed.wrapping_add(i as u64 * 7919),
                );
                Client {
                    core: RoomCore::new(cfg, None).expect("core"),
                    conn: None,
                    inbox: VecDeque::new(),
                    closing: false,
                }
            })
            .collect();
        Sim {
            now: 1_000_000,
            relay: RoomState::new(meta.clone(), limits.clone()),
            clients,
            next_conn: 0,
            rng: seed | 1,
            compactions: 0,
            stored_log: Vec::new(),
            stored_snapshot: None,
            meta,
            limits,
            restarts: 0,
            losses: 0,
        }
    }

    /// A seeded random number below `n`.
    pub(crate) fn rand(&mut self, n: u64) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }

    /// What the relay's storage would read back for `range`.
    fn stored_range(&self, range: StoredRange) -> Vec<LogEntry> {
        self.stored_log
            .iter()
            .filter(|e| e.seq > range.after && e.seq <= range.upto)
            .cloned()
            .collect()
    }

    fn relay_input(&mut self, input: Input) {
        let mut work = vec![input];
        while let Some(input) = work.pop() {
            for effect in self.relay.handle(input, self.now) {
                match effect {
                    Effect::Send { conn, frame, .. } => {
                        if let Some(c) = self.clients.iter_mut().find(|c| c.conn == Some(conn)) {
                            c.inbox.push_back(frame);
                        }
                    }
                    Effect::Close { conn, .. } => {
                        if let Some(c) = self.clients.iter_mut().find(|c| c.conn == Some(conn)) {
                            c.closing = true;
                        }
                    }
                    Effect::Persist { entries } => {
                        if let Some(last) = entries.last() {
                            work.push(Input::Persisted { upto: last.seq });
                        }
                        self.stored_log.extend(entries);
                    }
                    Effect::SendStored {
                        conn,
                        range,
                        batch_bytes,
                    } => {
                        let entries = self.stored_range(range);
                        if let Some(c) = self.clients.iter_mut().find(|c| c.conn == Some(conn)) {
                            for frame in changes_frames(entries, batch_bytes) {
                                c.inbox.push_back(Bytes::from(frame.encode()));
                            }
                        }
                    }
                    Effect::Compact {
                        base,
                        stored,
                        entries,
                        ..
                    } => {
                        self.compactions += 1;
                        let mut all = stored.map(|r| self.stored_range(r)).unwrap_or_default();
                        all.extend(entries);
                        // The relay's own compaction.
                        let Ok(snap) = coinop_relay::core::fold(base.as_ref(), &all) else {
                            work.push(Input::CompactionFailed);
                            continue;
                        };
                        // Written, then the log trimmed, as the storage does.
                        self.stored_log.retain(|e| e.seq > snap.upto);
                        self.stored_snapshot = Some(snap.clone());
                        work.push(Input::Compacted(snap));
                    }
                    _ => {}
                }
            }
        }
    }

    /// Restarts the relay: every connection drops, and the room is loaded
    /// again from what was stored — or, with `lose`, from nothing, under a
    /// new epoch (a wiped disk), so clients must upload what they hold.
    pub(crate) fn restart_relay(&mut self, lose: bool) {
        for c in &mut self.clients {
            if c.conn.take().is_some() {
                c.inbox.clear();
                c.closing = false;
                c.core.disconnected(self.now);
            }
        }
        self.restarts += 1;
        self.relay = if lose {
            self.losses += 1;
            self.stored_log.clear();
            self.stored_snapshot = None;
            self.meta.epoch += 1;
            RoomState::new(self.meta.clone(), self.limits.clone())
        } else {
            RoomState::load(
                self.meta.clone(),
                self.limits.clone(),
                self.stored_snapshot.clone(),
                self.stored_log.clone(),
            )
            .expect("the stored room loads")
        };
    }

    /// Opens a connection for client `i` if it wants one.
    pub(crate) fn maybe_connect(&mut self, i: usize) {
        if self.clients[i].conn.is_none() && self.clients[i].core.want_connect(self.now) {
            self.next_conn += 1;
            self.clients[i].conn = Some(ConnId(self.next_conn));
            self.clients[i].closing = false;
            self.clients[i].core.connected(self.now);
        }
    }

    /// Drops client `i`'s connection (both sides notice).
    pub(crate) fn disconnect(&mut self, i: usize) {
        if let Some(conn) = self.clients[i].conn.take() {
            self.clients[i].inbox.clear();
            self.clients[i].core.disconnected(self.now);
            self.relay_input(Input::Disconnected { conn });
        }
    }

    /// Moves one frame from client `i` to the relay; false if none.
    pub(crate) fn send_one(&mut self, i: usize) -> bool {
        let Some(conn) = self.clients[i].conn else {
            return false;
        };
        if self.clients[i].closing {
            return false;
        }
        let Some(msg) = self.clients[i].core.poll_transmit() else {
            return false;
        };
        // Through the real codec, as on the wire.
        let msg = ClientMessage::decode(&msg.encode()).expect("own frames decode");
        let input = match msg {
            ClientMessage::Join(join) => Input::Join { conn, join },
            msg => Input::Message { conn, msg },
        };
        self.relay_input(input);
        true
    }

    /// Delivers one frame from the relay to client `i`; false if none.
    pub(crate) fn recv_one(&mut self, i: usize) -> bool {
        let now = self.now;
        let c = &mut self.clients[i];
        match c.inbox.pop_front() {
            Some(frame) => {
                c.core.handle_frames(now, &[frame.to_vec()]);
                // The core gave up the link (a rollback re-syncs): drop
                // the socket, as the driver does.
                if c.core.link_is_dead() {
                    self.disconnect(i);
                }
                true
            }
            None if c.closing && c.conn.is_some() => {
                c.conn = None;
                c.closing = false;
                c.core.disconnected(now);
                true
            }
            None => false,
        }
    }

    /// Connects client `i` if it wants to, and exchanges frames with it
    /// until neither side has anything to say.
    pub(crate) fn exchange(&mut self, i: usize) {
        self.maybe_connect(i);
        for _ in 0..10_000 {
            if !self.send_one(i) && !self.recv_one(i) {
                return;
            }
        }
    }

    /// Advances time by `ms`, firing relay and client timers.
    pub(crate) fn advance(&mut self, ms: u64) {
        self.now += ms;
        if self.relay.next_deadline().is_some_and(|t| t <= self.now) {
            self.relay_input(Input::Tick);
        }
        for c in &mut self.clients {
            // A snapshot document loads off the core meanwhile, as the
            // driver does it.
            if let Some((id, bytes)) = c.core.pending_load() {
                let loaded = LoadedSnapshot::load(&bytes).map_err(|e| e.to_string());
                c.core.loaded(self.now, id, loaded);
            }
            c.core.tick(self.now);
            c.core.take_events();
            c.core.take_completions();
            c.core.take_incoming_rpcs();
        }
    }

    /// Reconnects everyone and runs until no frame is in flight and every
    /// outbox is acknowledged; panics if that takes too long.
    pub(crate) fn settle(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            for i in 0..self.clients.len() {
                self.maybe_connect(i);
                while self.send_one(i) {
                    moved = true;
                }
                while self.recv_one(i) {
                    moved = true;
                }
            }
            let done = self
                .clients
                .iter()
                .all(|c| c.core.is_synced() && c.core.is_saved() && !c.core.is_pending());
            if done && !moved {
                return;
            }
            if !moved {
                self.advance(250);
            }
        }
        panic!("the simulation did not settle");
    }
}
