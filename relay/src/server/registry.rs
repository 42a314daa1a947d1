//! The relay's rooms: a join finds its room's task, or loads the room from
//! storage (or creates it) and starts one. The map of loaded rooms is
//! [`RoomMap`]'s; nothing here or elsewhere locks it directly.

use super::clock::now_ms;
use super::cluster::Cluster;
use super::compaction::Compactor;
use super::conn_outbox::ConnOutbox;
use super::disk_quota::DiskQuota;
use super::matchmaker::Matchmaker;
use super::random::random_u64;
use super::room_cmd::{JoinReply, RoomCmd, RoomHandle};
use super::room_map::{Lookup, Reservation, RoomMap};
use super::room_task::{self, RoomServices};
use crate::config::RelayConfig;
use crate::core::{ConnId, Handoff, RoomLimits, RoomMeta, RoomState, Snapshot};
use crate::metrics::Metrics;
use crate::storage::{Claim, StorageHandle};
use coinop_protocol::{ErrorCode, Join, LogEntry, PlayerId, RoomCode, RoomRequest, Seq};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use tokio::sync::oneshot;

/// Why a join did not seat the player.
#[derive(Debug)]
pub(crate) enum JoinError {
    /// The room already sent the error frame and closed.
    Refused,
    /// The connection must send this fatal error.
    Fatal(ErrorCode, String),
    /// Cluster mode: another node owns the room; forward the connection to
    /// this address.
    Elsewhere(String),
}

/// What a new room starts with, from the relay's config.
struct NewRoomRules {
    /// Most players, also the default when a join names none.
    max_players: u16,
    grace_ms: u64,
    max_grace_ms: u64,
    limits: RoomLimits,
}

/// Every loaded room, and what it takes to load or create one.
pub(crate) struct Registry {
    services: RoomServices,
    rules: NewRoomRules,
    /// New rooms are refused while the data directory is full.
    disk: Arc<DiskQuota>,
}

/// A stored room: its settings, snapshot, log tail and bans.
type Stored = (RoomMeta, Option<Snapshot>, Vec<LogEntry>, Vec<PlayerId>);

impl Registry {
    /// An empty registry for a relay with this config.
    pub(crate) fn new(
        config: &RelayConfig,
        storage: StorageHandle,
        metrics: Arc<Metrics>,
        disk: Arc<DiskQuota>,
        cluster: Option<Arc<Cluster>>,
        matchmaker: Matchmaker,
    ) -> Self {
        let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            services: RoomServices {
                compactor: Compactor::new(storage.clone(), metrics.clone()),
                storage,
                metrics,
                rooms: Arc::new(RoomMap::new(config.max_rooms)),
                cluster,
                matchmaker,
            },
            rules: NewRoomRules {
                max_players: config.max_players,
                grace_ms: millis(config.grace_period),
                max_grace_ms: millis(config.max_grace_period),
                limits: config.room_limits(),
            },
            disk,
        }
    }

    /// Finds or opens the room and hands it the join.
    pub(crate) async fn join(
        &self,
        conn: ConnId,
        mut join: Join,
        outbox: Arc<ConnOutbox>,
    ) -> Result<(RoomCode, RoomHandle), JoinError> {
        // A room that is unloading answers Retry; a few lookups suffice.
        for _ in 0..8 {
            let (code, handle) = self.room_for(&join).await?;
            join.room = RoomRequest::Code(code.clone());
            let (reply, answer) = oneshot::channel();
            let cmd = RoomCmd::Join {
                conn,
                join: Box::new(join.clone()),
                outbox: outbox.clone(),
                reply,
            };
            if handle.tx.send(cmd).await.is_err() {
                self.services.rooms.forget(&code, handle.id).await;
                continue;
            }
            match answer.await {
                Ok(JoinReply::Accepted) => return Ok((code, handle)),
                Ok(JoinReply::Refused) => return Err(JoinError::Refused),
                Ok(JoinReply::Retry) | Err(_) => continue,
            }
        }
        Err(JoinError::Fatal(
            ErrorCode::ROOM_UNAVAILABLE,
            "the room is restarting".into(),
        ))
    }

    /// The storage and the map of loaded rooms (for deleting rooms).
    pub(crate) fn services(&self) -> &RoomServices {
        &self.services
    }

    /// Every loaded room's code and handle, and how many rooms are loading
    /// (for the inspector).
    pub(crate) async fn census(&self) -> (Vec<(RoomCode, RoomHandle)>, usize) {
        self.services.rooms.census().await
    }

    /// The map of loaded rooms (for the cluster's heartbeat).
    pub(crate) fn rooms(&self) -> &Arc<RoomMap> {
        &self.services.rooms
    }

    /// Tells every loaded room to stop.
    pub(crate) async fn shutdown(&self) {
        for (_, handle) in self.census().await.0 {
            let _ = handle.tx.send(RoomCmd::Shutdown).await;
        }
    }

    async fn room_for(&self, join: &Join) -> Result<(RoomCode, RoomHandle), JoinError> {
        let rooms = &self.services.rooms;
        let fresh = matches!(join.room, RoomRequest::New);
        // Bounded: each turn either returns or waits for another load.
        for _ in 0..64 {
            let reservation = match rooms.lookup(&join.room).await {
                Lookup::Ready(code, handle) => return Ok((code, handle)),
                Lookup::Loading(mut done) => {
                    let _ = done.wait_for(|d| *d).await;
                    continue;
                }
                Lookup::Vacant(reservation) => reservation,
                Lookup::Quarantined(code) => return Err(unavailable(&code)),
                Lookup::Full(max) => {
                    let text = format!("the relay holds {max} rooms");
                    return Err(JoinError::Fatal(ErrorCode::TOO_MANY_ROOMS, text));
                }
                Lookup::NoFreeCode => {
                    let text = "no free room code".into();
                    return Err(JoinError::Fatal(ErrorCode::TOO_MANY_ROOMS, text));
                }
            };
            // Load outside the lock: a large room must not stall every join.
            let code = reservation.code().clone();
            let (mut lease, mut seats) = (None, None);
            if let Some(cluster) = &self.services.cluster {
                // The lease first: the load then sees every write its
                // previous owner made (they are fenced from here on).
                match cluster.claim(&code).await {
                    Ok(Claim::Held { epoch, handoff, .. }) => {
                        lease = Some((cluster, epoch));
                        seats = handoff.as_deref().and_then(Handoff::from_bytes);
                    }
                    Ok(Claim::Elsewhere { addr, .. }) => {
                        rooms.release(reservation).await;
                        if fresh {
                            continue;
                        }
                        return Err(JoinError::Elsewhere(addr));
                    }
                    Err(e) => {
                        rooms.release(reservation).await;
                        return Err(storage_down(e));
                    }
                }
            }
            let opened = self.open(&code, join, fresh).await;
            if let (Err(_), Some((cluster, epoch))) = (&opened, lease) {
                cluster.release(&code, epoch).await;
            }
            match opened {
                Ok(mut room) => {
                    // Handed over by a draining node: its players rejoin
                    // their seats silently.
                    if let Some(seats) = seats {
                        room.restore(seats, now_ms());
                    }
                    return Ok((code, self.install(reservation, room).await));
                }
                Err(OpenError::Join(e)) => {
                    rooms.release(reservation).await;
                    return Err(e);
                }
                Err(OpenError::Unreadable(reason)) => {
                    tracing::error!(room = %code, %reason, "room data unreadable; room quarantined");
                    self.services
                        .metrics
                        .rooms_unavailable
                        .fetch_add(1, Relaxed);
                    rooms.quarantine(reservation).await;
                    return Err(unavailable(&code));
                }
                Err(OpenError::Taken) => rooms.release(reservation).await,
            }
        }
        Err(JoinError::Fatal(
            ErrorCode::ROOM_UNAVAILABLE,
            "the room is busy".into(),
        ))
    }

    async fn install(&self, reservation: Reservation, room: RoomState) -> RoomHandle {
        let services = self.services.clone();
        let spawn = move |id| room_task::spawn(services, room, id);
        self.services.rooms.install(reservation, spawn).await
    }

    /// Loads the room from storage, or creates it.
    async fn open(
        &self,
        code: &RoomCode,
        join: &Join,
        fresh: bool,
    ) -> Result<RoomState, OpenError> {
        match self.load(code).await? {
            Some(_) if fresh => Err(OpenError::Taken),
            Some(stored) => self.build(stored).await.map_err(OpenError::Unreadable),
            None if join.only_existing && !fresh => Err(OpenError::Join(not_found(code))),
            None => Ok(self.create(code, join).await?),
        }
    }

    async fn load(&self, code: &RoomCode) -> Result<Option<Stored>, JoinError> {
        let code = code.clone();
        self.services
            .storage
            .call(move |s| {
                let Some(meta) = s.room_meta(&code)? else {
                    return Ok(None);
                };
                let snapshot = s.read_snapshot(&code)?;
                let after = snapshot.as_ref().map_or(Seq(0), |s| s.upto);
                let tail = s.read_tail(&code, after)?;
                let banned = s.banned(&code)?;
                Ok(Some((meta, snapshot, tail, banned)))
            })
            .await
            .map_err(storage_down)
    }

    async fn build(&self, (meta, snapshot, tail, banned): Stored) -> Result<RoomState, String> {
        let limits = self.rules.limits.clone();
        // Loading a snapshot parses a whole document: keep it off the runtime.
        let room =
            tokio::task::spawn_blocking(move || RoomState::load(meta, limits, snapshot, tail))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        Ok(room.with_banned(banned))
    }

    async fn create(&self, code: &RoomCode, join: &Join) -> Result<RoomState, JoinError> {
        if self.disk.is_full() {
            let text = "the relay's disk is full: no new rooms for now".to_owned();
            return Err(JoinError::Fatal(ErrorCode::DISK_FULL, text));
        }
        let write_rules = join.rules.clone().unwrap_or_default();
        if let Err(text) = write_rules.check() {
            return Err(JoinError::Fatal(ErrorCode::INVALID_ROOM_RULES, text));
        }
        let rules = &self.rules;
        let max_players = join
            .max_players
            .unwrap_or(rules.max_players)
            .clamp(1, rules.max_players.max(1));
        let grace_ms = join
            .grace_period_ms
            .map_or(rules.grace_ms, u64::from)
            .min(rules.max_grace_ms);
        let meta = RoomMeta {
            code: code.clone(),
            epoch: random_u64(),
            max_players,
            grace_ms,
            created_ms: now_ms(),
            // Whoever creates the room owns it: host whenever present.
            // (Not a spectator, who is never host, nor a bot seat.)
            owner: (join.role() != coinop_protocol::Role::Spectator && join.bot_of.is_none())
                .then(|| join.player.clone()),
            rules: write_rules,
        };
        self.services
            .storage
            .create_room(meta.clone())
            .await
            .map_err(storage_down)?;
        tracing::info!(room = %code, epoch = meta.epoch, max_players, grace_ms, "room created");
        Ok(RoomState::new(meta, rules.limits.clone()))
    }
}

/// Why a room could not be opened.
enum OpenError {
    Join(JoinError),
    /// Its stored data cannot be parsed.
    Unreadable(String),
    /// A fresh code turned out to name a stored room: pick another.
    Taken,
}

impl From<JoinError> for OpenError {
    fn from(e: JoinError) -> Self {
        OpenError::Join(e)
    }
}

/// The refusal of a join that asked for an existing room only.
fn not_found(code: &RoomCode) -> JoinError {
    JoinError::Fatal(
        ErrorCode::ROOM_NOT_FOUND,
        format!("no room has the code {code}"),
    )
}

fn unavailable(code: &RoomCode) -> JoinError {
    JoinError::Fatal(
        ErrorCode::ROOM_UNAVAILABLE,
        format!("room {code} cannot be loaded"),
    )
}

fn storage_down(e: impl std::fmt::Display) -> JoinError {
    tracing::error!(error = %e, "storage failed during join");
    JoinError::Fatal(
        ErrorCode::STORAGE_UNAVAILABLE,
        "storage is unavailable".into(),
    )
}
