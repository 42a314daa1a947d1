//! The sans-IO room: one struct per room, driven by [`Input`]s.

use super::change_log::{ChangeLog, LoadError};
use super::conn_id::ConnId;
use super::effect::{Delivery, Effect, close_code};
use super::input::Input;
use super::layout_index::LayoutIndex;
use super::limits::RoomLimits;
use super::room_meta::RoomMeta;
use super::roster::Roster;
use super::rpc_calls::RpcCalls;
use super::snapshot::Snapshot;
use super::unreliable_store::UnreliableStore;
use coinop_protocol::{
    Bytes, ErrorCode, Join, LogEntry, PROTOCOL_VERSION, PlayerId, PlayerInfo, RelayMessage,
    RoomCode, Seq, Welcome, split_frame,
};
use std::collections::{BTreeSet, VecDeque};

/// A publish waiting for its ack (and the forward of its new entries).
#[derive(Debug)]
pub(crate) struct PendingAck {
    pub(crate) conn: ConnId,
    pub(crate) client_ref: u64,
    /// The seq echoed in the ack.
    pub(crate) ack_seq: Seq,
    /// Ack once the room is durable up to here.
    pub(crate) ready_at: Seq,
    /// New entries to forward to the others when acked.
    pub(crate) entries: Vec<LogEntry>,
}

/// One room's state machine: roster and host, the ordered change log and
/// its persistence pipeline, unreliable values, RPC routing.
///
/// It does no I/O and reads no clock: feed it [`Input`]s with the current
/// time and carry out the returned [`Effect`]s in order. See the
/// [module docs](super) for the contract.
#[derive(Debug)]
pub struct RoomState {
    pub(crate) meta: RoomMeta,
    pub(crate) limits: RoomLimits,
    pub(crate) roster: Roster,
    pub(crate) log: ChangeLog,
    pub(crate) unreliable: UnreliableStore,
    /// Forwarded RPCs waiting for replies.
    pub(crate) calls: RpcCalls,
    pub(crate) acks: VecDeque<PendingAck>,
    pub(crate) effects: Vec<Effect>,
    /// When the last change was stored (0 for a room loaded from storage),
    /// while a quiet compaction is armed: see [`RoomLimits::quiet_compact_ms`].
    pub(crate) quiet_since: Option<u64>,
    /// A joiner was sent the snapshot: from then on a quiet compaction
    /// folds even one entry, so that the next joiner gets a view of the
    /// latest state (there is none while a tail follows the snapshot).
    pub(crate) serves_snapshots: bool,
    /// Players kicked and not unbanned since: their joins are refused
    /// with KICKED. Kept with the room in storage ([`Effect::SetBanned`]).
    pub(crate) banned: BTreeSet<PlayerId>,
    /// The owner deleted the room: everyone was closed, and the shell
    /// removes its storage once no storage work is outstanding.
    pub(crate) deleted: bool,
    /// Where each layout object sits, for the write rules.
    pub(crate) layout: LayoutIndex,
    /// The game its players play (the first join that named one), and
    /// whether it is open to matchmaking for it. Kept in memory only: a
    /// public room that empties leaves the index, and comes back private.
    pub(crate) game: Option<String>,
    pub(crate) public: bool,
}

impl RoomState {
    /// A new, empty room.
    pub fn new(meta: RoomMeta, limits: RoomLimits) -> RoomState {
        RoomState {
            meta,
            roster: Roster::default(),
            log: ChangeLog::new(limits.cached_log_bytes),
            limits,
            unreliable: UnreliableStore::default(),
            calls: RpcCalls::default(),
            acks: VecDeque::new(),
            effects: Vec::new(),
            quiet_since: None,
            serves_snapshots: false,
            banned: BTreeSet::new(),
            deleted: false,
            layout: LayoutIndex::default(),
            game: None,
            public: false,
        }
    }

    /// A room rebuilt from storage: its snapshot (if compacted) and the log
    /// after it. Fails when the stored data cannot be parsed; the relay must
    /// then refuse joins rather than start the room empty.
    pub fn load(
        meta: RoomMeta,
        limits: RoomLimits,
        snapshot: Option<Snapshot>,
        tail: Vec<LogEntry>,
    ) -> Result<RoomState, LoadError> {
        let mut room = RoomState::new(meta, limits);
        let history = (
            snapshot.as_ref().map(|s| s.doc.clone()),
            tail.iter().map(|e| e.change.clone()).collect(),
        );
        room.log = ChangeLog::load(snapshot, tail, room.limits.cached_log_bytes)?;
        room.layout = LayoutIndex::with_history(history.0, history.1);
        // A stored tail long enough is compacted soon after loading.
        room.quiet_since = Some(0);
        Ok(room)
    }

    /// The same room with these players banned (kicked earlier, as
    /// stored): their joins are refused with KICKED until the host unbans
    /// them.
    pub fn with_banned(mut self, banned: impl IntoIterator<Item = PlayerId>) -> RoomState {
        self.banned.extend(banned);
        self
    }

    /// Players whose joins are refused until the host unbans them.
    pub fn banned(&self) -> impl Iterator<Item = &PlayerId> {
        self.banned.iter()
    }

    /// The room's code.
    pub fn code(&self) -> &RoomCode {
        &self.meta.code
    }

    /// The room's persisted settings.
    pub fn meta(&self) -> &RoomMeta {
        &self.meta
    }

    /// The last durable seq.
    pub fn head(&self) -> Seq {
        self.log.head()
    }

    /// The current host.
    pub fn host(&self) -> Option<&PlayerId> {
        self.roster.host()
    }

    /// Seated players (live or in grace), in seating order.
    pub fn players(&self) -> Vec<PlayerInfo> {
        self.roster.players()
    }

    /// The ids of the seats that are players' (not stream screens' or
    /// spectators'), in seating order.
    pub fn player_ids(&self) -> Vec<PlayerId> {
        self.roster
            .players()
            .into_iter()
            .filter(|p| p.role.is_player())
            .map(|p| p.id)
            .collect()
    }

    /// The game this room is open to matchmaking for, if it is public.
    pub fn public_game(&self) -> Option<&str> {
        self.game.as_deref().filter(|_| self.public)
    }

    /// Live connections.
    pub fn connections(&self) -> usize {
        self.roster.conns().count()
    }

    /// Bytes stored for this room (snapshot + log, including unacked).
    pub fn stored_bytes(&self) -> u64 {
        self.log.stored_bytes()
    }

    /// When the shell must send [`Input::Tick`] next (a grace period ends,
    /// or the room has been quiet long enough to compact), in ms since the
    /// Unix epoch.
    pub fn next_deadline(&self) -> Option<u64> {
        let expiry = self.roster.next_expiry(self.meta.grace_ms);
        match (expiry, self.quiet_compaction_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When a quiet compaction is due, if one is armed and would have work
    /// to do: `quiet_compact_ms` after the last stored change, or at once
    /// when nobody is seated (before the room is unloaded).
    /// The shortest log a quiet compaction folds.
    fn quiet_compact_entries(&self) -> usize {
        if self.serves_snapshots {
            1
        } else {
            self.limits.quiet_compact_entries.max(1)
        }
    }

    fn quiet_compaction_at(&self) -> Option<u64> {
        let quiet = self.limits.quiet_compact_ms;
        let since = self.quiet_since?;
        if self.deleted {
            return None;
        }
        let enough = self.log.compactable_len() >= self.quiet_compact_entries();
        if quiet == 0 || !enough {
            return None;
        }
        if self.roster.is_empty() {
            return Some(since);
        }
        Some(since.saturating_add(quiet))
    }

    /// Nobody is seated and no storage work is outstanding (a quiet
    /// compaction included): the shell may unload the room.
    pub fn is_idle(&self) -> bool {
        self.roster.is_empty()
            && !self.log.is_busy()
            && self.acks.is_empty()
            && self.quiet_compaction_at().is_none()
    }

    /// Applies one input at time `now` (ms since the Unix epoch) and returns
    /// what to do, in order.
    pub fn handle(&mut self, input: Input, now: u64) -> Vec<Effect> {
        let host = self.roster.host().cloned();
        match input {
            Input::Join { conn, join } => self.join(conn, join, now),
            Input::Message { conn, msg } => self.message(conn, msg, now),
            Input::Disconnected { conn } => self.disconnected(conn, now),
            Input::Persisted { upto } => {
                // Moved at most every quarter of the quiet time: the shell
                // re-arms its timer whenever the deadline moves.
                let step = self.limits.quiet_compact_ms / 4;
                if self
                    .quiet_since
                    .is_none_or(|t| now >= t.saturating_add(step))
                {
                    self.quiet_since = Some(now);
                }
                self.persisted(upto);
            }
            Input::PersistFailed => self.persist_failed(),
            Input::Compacted(snapshot) => {
                self.log.compacted(snapshot);
                self.maybe_compact();
            }
            Input::CompactionFailed => self.log.compaction_failed(),
            Input::Tick => self.tick(now),
            Input::FoldedHashes { upto, hashes } => self.log.folded_hashes_listed(upto, hashes),
        }
        if self.roster.host() != host.as_ref() {
            self.roster.renew_bot_grace(now);
        }
        std::mem::take(&mut self.effects)
    }

    /// Sends a reliable message, in parts when its frame is longer than a
    /// client reads (a large room's snapshot or welcome).
    pub(crate) fn send(&mut self, conn: ConnId, msg: &RelayMessage) {
        let frame = Bytes::from(msg.encode());
        for frame in split_frame(frame, self.limits.max_frame_bytes) {
            self.effects.push(Effect::Send {
                conn,
                frame,
                delivery: Delivery::Reliable,
            });
        }
    }

    /// Encodes once and sends the same bytes to every live connection but
    /// `except`.
    pub(crate) fn broadcast(&mut self, msg: &RelayMessage, except: Option<ConnId>) {
        self.broadcast_as(msg, except, Delivery::Reliable);
    }

    pub(crate) fn broadcast_as(
        &mut self,
        msg: &RelayMessage,
        except: Option<ConnId>,
        delivery: Delivery,
    ) {
        let frame = Bytes::from(msg.encode());
        // Unreliable frames may be dropped one by one, so they are never
        // cut; a reliable one longer than a frame goes in parts.
        let frames = match delivery {
            Delivery::Reliable => split_frame(frame, self.limits.max_frame_bytes),
            Delivery::Unreliable(_) => vec![frame],
        };
        let conns: Vec<ConnId> = self.roster.conns().filter(|c| Some(*c) != except).collect();
        for conn in conns {
            for frame in &frames {
                self.effects.push(Effect::Send {
                    conn,
                    frame: frame.clone(),
                    delivery: delivery.clone(),
                });
            }
        }
    }

    pub(crate) fn error(
        &mut self,
        conn: ConnId,
        code: ErrorCode,
        message: String,
        client_ref: Option<u64>,
    ) {
        let msg = RelayMessage::Error {
            code,
            message,
            fatal: false,
            client_ref,
        };
        self.send(conn, &msg);
    }

    /// Sends a fatal error and closes the connection.
    pub(crate) fn fatal(&mut self, conn: ConnId, code: ErrorCode, message: String, close: u16) {
        let msg = RelayMessage::Error {
            code,
            message: message.clone(),
            fatal: true,
            client_ref: None,
        };
        self.send(conn, &msg);
        self.effects.push(Effect::Close {
            conn,
            code: close,
            reason: code.name().to_owned(),
        });
    }

    fn join(&mut self, conn: ConnId, join: Join, now: u64) {
        let player = join.player.clone();
        let profile = &join.profile;
        let size = profile.name.len() + profile.color.len() + profile.avatar.len();
        if size > self.limits.max_profile_bytes {
            let text = format!(
                "the profile has {size} bytes, the limit is {}",
                self.limits.max_profile_bytes
            );
            self.fatal(conn, ErrorCode::PROFILE_TOO_LARGE, text, close_code::POLICY);
            return;
        }
        if self.deleted {
            let text = "the room was deleted".to_owned();
            self.fatal(conn, ErrorCode::ROOM_DELETED, text, close_code::POLICY);
            return;
        }
        if self.banned.contains(&player) {
            let text = "kicked from this room: the host must unban you first".to_owned();
            self.fatal(conn, ErrorCode::KICKED, text, close_code::POLICY);
            return;
        }
        if let Err((code, text)) = self.check_bot(&join) {
            self.fatal(conn, code, text, close_code::POLICY);
            return;
        }
        if self.game.is_none() {
            self.game = join.game.clone();
        }
        // The matchmaker only sends a matchmade join to a public room (or
        // to the room it makes for it), of the join's game.
        if join.matchmaking.is_some() && join.game.is_some() && self.game == join.game {
            self.public = true;
        }
        if let Some(seat) = self.roster.seat_mut(&player) {
            // The same player again: take over the seat silently.
            let old = seat.conn.replace(conn);
            seat.dropped_at = None;
            seat.info.profile = join.profile.clone();
            if let Some(old) = old {
                let text = "the same player joined from another connection".to_owned();
                self.fatal(old, ErrorCode::REPLACED, text, close_code::POLICY);
            }
        } else {
            let role = join.role();
            if role.is_player() && self.roster.player_count() >= usize::from(self.meta.max_players)
            {
                let text = format!("the room holds {} players", self.meta.max_players);
                self.fatal(conn, ErrorCode::ROOM_FULL, text, close_code::POLICY);
                return;
            }
            if !role.is_player() && self.roster.watcher_count() >= self.limits.max_watchers {
                let text = format!(
                    "the room holds {} stream screens and spectators",
                    self.limits.max_watchers
                );
                self.fatal(conn, ErrorCode::WATCHERS_FULL, text, close_code::POLICY);
                return;
            }
            let bot = join.bot_of.is_some();
            self.roster
                .add(player.clone(), join.profile.clone(), bot, role, conn, now);
            if let Some(seat) = self.roster.seat(&player) {
                let msg = RelayMessage::PlayerJoined(seat.info.clone());
                self.broadcast(&msg, Some(conn));
            }
        }
        // Only the first seat of an empty room, or the room's owner
        // arriving, changes the host here: whoever joined first after the
        // room loaded keeps it only until the owner comes.
        let owner_arrives = self.meta.owner.as_ref() == Some(&player)
            && join.role() != coinop_protocol::Role::Spectator
            && join.bot_of.is_none();
        if owner_arrives && self.roster.host() != Some(&player) {
            self.roster.set_host(Some(player.clone()));
            let host = Some(player.clone());
            self.broadcast(&RelayMessage::HostChanged { host }, Some(conn));
        } else if self.roster.elect(self.meta.owner.as_ref()) {
            let host = self.roster.host().cloned();
            self.broadcast(&RelayMessage::HostChanged { host }, Some(conn));
        }
        self.welcome(conn, &join, now);
        let host = self.roster.host() == Some(&player);
        self.effects.push(Effect::IndexPlayer {
            player,
            host,
            at_ms: now,
        });
    }

    /// Whether `join` may take its seat as what it says it is: a bot joins
    /// only a bot's seat (or a new one), an ordinary player only an
    /// ordinary seat, and a bot run by another player only for the room's
    /// connected host (whose secret the connection checked).
    fn check_bot(&self, join: &Join) -> Result<(), (ErrorCode, String)> {
        let seat_is_bot = self.roster.seat(&join.player).map(|s| s.info.bot);
        if seat_is_bot.is_some_and(|bot| bot != join.bot_of.is_some()) {
            let text = format!("{} is seated as another kind of player", join.player);
            return Err((ErrorCode::NOT_A_BOT_SEAT, text));
        }
        match &join.bot_of {
            Some(owner) if owner != &join.player => {
                let live_host =
                    self.roster.host() == Some(owner) && self.roster.conn_of(owner).is_some();
                if !live_host {
                    let text = format!("{owner} is not the room's connected host");
                    return Err((ErrorCode::BOT_OWNER_NOT_HOST, text));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn welcome(&mut self, conn: ConnId, join: &Join, now: u64) {
        let catch_up = self.log.catch_up(self.meta.epoch, join.since);
        let welcome = Welcome {
            version: PROTOCOL_VERSION,
            room: self.meta.code.clone(),
            epoch: self.meta.epoch,
            reset: catch_up.reset,
            players: self.roster.players(),
            host: self.roster.host().cloned(),
            server_time: now,
            max_players: self.meta.max_players,
            unreliable: self.unreliable.values(),
            limits: self.limits.wire(),
        };
        let mut frames = vec![RelayMessage::Welcome(welcome)];
        if let Some(snap) = catch_up.snapshot {
            // The view is the latest state only when nothing follows.
            let latest = catch_up.stored.is_none() && catch_up.entries.is_empty();
            let view = snap.view.clone().filter(|_| latest);
            self.serves_snapshots = true;
            if view.is_none() {
                // Fold the tail once the room is quiet, for the next joiner.
                self.quiet_since.get_or_insert(now);
            }
            frames.push(RelayMessage::Snapshot {
                upto: snap.upto,
                doc: snap.doc.clone(),
                view,
            });
        }
        let batch_bytes = self.limits.catch_up_batch_bytes;
        let stored = catch_up.stored;
        let cached = changes_frames(catch_up.entries, batch_bytes);
        for frame in &frames {
            self.send(conn, frame);
        }
        if let Some(range) = stored {
            self.effects.push(Effect::SendStored {
                conn,
                range,
                batch_bytes,
            });
        }
        for frame in &cached {
            self.send(conn, frame);
        }
        let synced = RelayMessage::Synced {
            head: self.log.head(),
        };
        self.send(conn, &synced);
    }

    pub(crate) fn disconnected(&mut self, conn: ConnId, now: u64) {
        let Some(player) = self.roster.player_of(conn).cloned() else {
            return;
        };
        if let Some(seat) = self.roster.seat_mut(&player) {
            seat.conn = None;
            seat.dropped_at = Some(now);
        }
        if self.meta.grace_ms == 0 {
            self.remove_player(&player, None);
        }
    }

    fn tick(&mut self, now: u64) {
        // Players first: if the host's seat expires, the new host gets a
        // grace period to take over the bots that expire with it.
        let host = self.roster.host().cloned();
        let expired = self.roster.expired(now, self.meta.grace_ms);
        let is_bot = |r: &Roster, p: &PlayerId| r.seat(p).is_some_and(|s| s.info.bot);
        let (bots, players): (Vec<_>, Vec<_>) =
            expired.into_iter().partition(|p| is_bot(&self.roster, p));
        for player in players {
            self.remove_player(&player, None);
        }
        if self.roster.host() != host.as_ref() {
            self.roster.renew_bot_grace(now);
        } else {
            for bot in bots {
                self.remove_player(&bot, None);
            }
        }
        if self.quiet_compaction_at().is_some_and(|at| at <= now) {
            // Once per quiet spell: the next stored change re-arms it.
            self.quiet_since = None;
            self.start_compaction(self.quiet_compact_entries(), self.limits.compact_bytes);
        }
    }

    /// Removes a seat now: `PlayerLeft` to every live connection but
    /// `except`, their unreliable values cleared, host re-elected.
    pub(crate) fn remove_player(&mut self, player: &PlayerId, except: Option<ConnId>) {
        if !self.roster.remove(player) {
            return;
        }
        self.unreliable.clear_player(player);
        self.calls.forget_caller(player);
        self.broadcast(
            &RelayMessage::PlayerLeft {
                player: player.clone(),
            },
            except,
        );
        if self.roster.elect(self.meta.owner.as_ref()) {
            let host = self.roster.host().cloned();
            self.broadcast(&RelayMessage::HostChanged { host: host.clone() }, except);
            if let Some(host) = host {
                self.index_host(host);
            }
        }
    }

    pub(crate) fn index_host(&mut self, player: PlayerId) {
        let at_ms = self.roster.seat(&player).map_or(0, |s| s.info.joined_at);
        self.effects.push(Effect::IndexPlayer {
            player,
            host: true,
            at_ms,
        });
    }
}

/// Log entries as `Changes` frames of at most `batch_bytes` of change data
/// each (a larger entry gets a frame of its own).
pub fn changes_frames(entries: Vec<LogEntry>, batch_bytes: usize) -> Vec<RelayMessage> {
    let mut frames = Vec::new();
    let mut batch = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        if !batch.is_empty() && bytes + entry.change.len() > batch_bytes {
            frames.push(RelayMessage::Changes {
                entries: std::mem::take(&mut batch),
            });
            bytes = 0;
        }
        bytes += entry.change.len();
        batch.push(entry);
    }
    if !batch.is_empty() {
        frames.push(RelayMessage::Changes { entries: batch });
    }
    frames
}
