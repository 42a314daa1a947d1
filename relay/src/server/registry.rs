//! The relay's rooms: a join finds its room's task, or loads the room from
//! storage (or creates it) and starts one. The map of loaded rooms is
//! [`RoomMap`]'s; nothing here or elsewhere locks it directly.

use super::clock::now_ms;
use super::compaction::Compactor;
use super::conn_outbox::ConnOutbox;
use super::matchmaker::Matchmaker;
use super::random::random_u64;
use super::room_cmd::{JoinReply, RoomCmd, RoomHandle};
use super::room_map::{Lookup, Reservation, RoomMap};
use super::room_task::{self, RoomServices};
use crate::config::RelayConfig;
use crate::core::{ConnId, RoomLimits, RoomMeta, RoomState, Snapshot};
use crate::metrics::Metrics;
use crate::storage::StorageHandle;
use coinop_protocol::{ErrorCode, Join, LogEntry, RoomCode, RoomRequest, Seq};
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
}

type Stored = (RoomMeta, Option<Snapshot>, Vec<LogEntry>);

impl Registry {
    /// An empty registry for a relay with this config.
    pub(crate) fn new(
        config: &RelayConfig,
        storage: StorageHandle,
        metrics: Arc<Metrics>,
        matchmaker: Matchmaker,
    ) -> Self {
        let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            services: RoomServices {
                compactor: Compactor::new(storage.clone(), metrics.clone()),
                storage,
                metrics,
                rooms: Arc::new(RoomMap::new(config.max_rooms)),
                matchmaker,
            },
            rules: NewRoomRules {
                max_players: config.max_players,
                grace_ms: millis(config.grace_period),
                max_grace_ms: millis(config.max_grace_period),
                limits: config.room_limits(),
            },
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

    /// Every loaded room's code and handle, and how many rooms are loading
    /// (for the inspector).
    pub(crate) async fn census(&self) -> (Vec<(RoomCode, RoomHandle)>, usize) {
        self.services.rooms.census().await
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
            match self.open(&code, join, fresh).await {
                Ok(room) => return Ok((code, self.install(reservation, room).await)),
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
                Ok(Some((meta, snapshot, tail)))
            })
            .await
            .map_err(storage_down)
    }

    async fn build(&self, (meta, snapshot, tail): Stored) -> Result<RoomState, String> {
        let limits = self.rules.limits.clone();
        // Loading a snapshot parses a whole document: keep it off the runtime.
        tokio::task::spawn_blocking(move || RoomState::load(meta, limits, snapshot, tail))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    async fn create(&self, code: &RoomCode, join: &Join) -> Result<RoomState, JoinError> {
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
