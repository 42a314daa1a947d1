//! Room codes → room tasks. The lock is taken only to look up or register
//! a room, never on the message path nor while a room loads.

use super::outbox::Outbox;
use super::room_cmd::{JoinReply, RoomCmd, RoomHandle};
use super::room_task;
use super::shared::{Shared, now_ms, random_u64};
use crate::core::{ConnId, RoomMeta, RoomState, Snapshot};
use coinop_protocol::{ErrorCode, Join, LogEntry, RoomCode, RoomRequest, Seq};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use tokio::sync::{Mutex, oneshot, watch};

/// Relay-made codes use uppercase letters without I and O, which read as
/// 1 and 0.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Why a join did not seat the player.
#[derive(Debug)]
pub(crate) enum JoinError {
    /// The room already sent the error frame and closed.
    Refused,
    /// The connection must send this fatal error.
    Fatal(ErrorCode, String),
}

/// A registry entry.
pub(crate) enum Slot {
    Ready(RoomHandle),
    /// Being loaded or created; the flag turns true when done.
    Loading(watch::Receiver<bool>),
}

#[derive(Default)]
pub(crate) struct Rooms {
    pub(crate) map: HashMap<RoomCode, Slot>,
    quarantined: HashSet<RoomCode>,
    next_id: u64,
}

/// Every loaded room.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) rooms: Mutex<Rooms>,
}

type Stored = (RoomMeta, Option<Snapshot>, Vec<LogEntry>);

impl Registry {
    /// Finds or opens the room and hands it the join.
    pub(crate) async fn join(
        &self,
        shared: &Arc<Shared>,
        conn: ConnId,
        mut join: Join,
        outbox: Arc<Outbox>,
    ) -> Result<(RoomCode, RoomHandle), JoinError> {
        // A room that is unloading answers Retry; a few lookups suffice.
        for _ in 0..8 {
            let (code, handle) = self.room_for(shared, &join).await?;
            join.room = RoomRequest::Code(code.clone());
            let (reply, answer) = oneshot::channel();
            let cmd = RoomCmd::Join {
                conn,
                join: Box::new(join.clone()),
                outbox: outbox.clone(),
                reply,
            };
            if handle.tx.send(cmd).await.is_err() {
                self.forget(&code, handle.id).await;
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

    /// Removes the entry if it still names this incarnation.
    pub(crate) async fn forget(&self, code: &RoomCode, id: u64) {
        let mut rooms = self.rooms.lock().await;
        if matches!(rooms.map.get(code), Some(Slot::Ready(h)) if h.id == id) {
            rooms.map.remove(code);
        }
    }

    /// Every loaded room's handle (for shutdown).
    pub(crate) async fn handles(&self) -> Vec<RoomHandle> {
        let rooms = self.rooms.lock().await;
        rooms
            .map
            .values()
            .filter_map(|slot| match slot {
                Slot::Ready(handle) => Some(handle.clone()),
                Slot::Loading(_) => None,
            })
            .collect()
    }

    async fn room_for(
        &self,
        shared: &Arc<Shared>,
        join: &Join,
    ) -> Result<(RoomCode, RoomHandle), JoinError> {
        // Bounded: each turn either returns or waits for another load.
        for _ in 0..64 {
            let mut rooms = self.rooms.lock().await;
            let fresh = matches!(join.room, RoomRequest::New);
            let code = match &join.room {
                RoomRequest::Code(code) => code.clone(),
                RoomRequest::New => fresh_code(&rooms)?,
            };
            match rooms.map.get(&code) {
                Some(Slot::Ready(handle)) => return Ok((code, handle.clone())),
                Some(Slot::Loading(done)) => {
                    // Someone else is loading it: wait without the lock.
                    let mut done = done.clone();
                    drop(rooms);
                    let _ = done.wait_for(|d| *d).await;
                    continue;
                }
                None => {}
            }
            if rooms.quarantined.contains(&code) {
                return Err(unavailable(&code));
            }
            if rooms.map.len() >= shared.config.max_rooms {
                let text = format!("the relay holds {} rooms", shared.config.max_rooms);
                return Err(JoinError::Fatal(ErrorCode::TOO_MANY_ROOMS, text));
            }
            // Load outside the lock: a large room must not stall every join.
            let (done_tx, done_rx) = watch::channel(false);
            rooms.map.insert(code.clone(), Slot::Loading(done_rx));
            drop(rooms);
            let opened = open(shared, &code, join, fresh).await;
            let mut rooms = self.rooms.lock().await;
            rooms.map.remove(&code);
            let result = match opened {
                Ok(room) => {
                    rooms.next_id += 1;
                    let handle = room_task::spawn(shared.clone(), room, rooms.next_id);
                    rooms.map.insert(code.clone(), Slot::Ready(handle.clone()));
                    Ok((code.clone(), handle))
                }
                Err(OpenError::Join(e)) => Err(e),
                Err(OpenError::Unreadable(reason)) => {
                    tracing::error!(room = %code, %reason, "room data unreadable; room quarantined");
                    shared.metrics.rooms_unavailable.fetch_add(1, Relaxed);
                    rooms.quarantined.insert(code.clone());
                    Err(unavailable(&code))
                }
                Err(OpenError::Taken) => {
                    done_tx.send_replace(true);
                    continue;
                }
            };
            done_tx.send_replace(true);
            return result;
        }
        Err(JoinError::Fatal(
            ErrorCode::ROOM_UNAVAILABLE,
            "the room is busy".into(),
        ))
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

/// Loads the room from storage, or creates it.
async fn open(
    shared: &Shared,
    code: &RoomCode,
    join: &Join,
    fresh: bool,
) -> Result<RoomState, OpenError> {
    match load(shared, code).await? {
        Some(_) if fresh => Err(OpenError::Taken),
        Some(stored) => build(shared, stored).await.map_err(OpenError::Unreadable),
        None => Ok(create(shared, code, join).await?),
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

fn fresh_code(rooms: &Rooms) -> Result<RoomCode, JoinError> {
    for _ in 0..64 {
        let mut r = random_u64();
        let mut code = String::with_capacity(4);
        for _ in 0..4 {
            let i = (r % CODE_ALPHABET.len() as u64) as usize;
            code.push(char::from(CODE_ALPHABET[i]));
            r /= CODE_ALPHABET.len() as u64;
        }
        let Ok(code) = RoomCode::new(code) else {
            continue;
        };
        // Stored but unloaded rooms are caught later (`OpenError::Taken`).
        if !rooms.map.contains_key(&code) && !rooms.quarantined.contains(&code) {
            return Ok(code);
        }
    }
    Err(JoinError::Fatal(
        ErrorCode::TOO_MANY_ROOMS,
        "no free room code".into(),
    ))
}

async fn load(shared: &Shared, code: &RoomCode) -> Result<Option<Stored>, JoinError> {
    let code = code.clone();
    shared
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

async fn build(shared: &Shared, (meta, snapshot, tail): Stored) -> Result<RoomState, String> {
    let limits = shared.config.room_limits();
    // Loading a snapshot parses a whole document: keep it off the runtime.
    tokio::task::spawn_blocking(move || RoomState::load(meta, limits, snapshot, tail))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

async fn create(shared: &Shared, code: &RoomCode, join: &Join) -> Result<RoomState, JoinError> {
    let cfg = &shared.config;
    let max_players = join
        .max_players
        .unwrap_or(cfg.max_players)
        .clamp(1, cfg.max_players.max(1));
    let max_grace = u64::try_from(cfg.max_grace_period.as_millis()).unwrap_or(u64::MAX);
    let default_grace = u64::try_from(cfg.grace_period.as_millis()).unwrap_or(u64::MAX);
    let grace_ms = join
        .grace_period_ms
        .map_or(default_grace, u64::from)
        .min(max_grace);
    let meta = RoomMeta {
        code: code.clone(),
        epoch: random_u64(),
        max_players,
        grace_ms,
        created_ms: now_ms(),
    };
    shared
        .storage
        .create_room(meta.clone())
        .await
        .map_err(storage_down)?;
    tracing::info!(room = %code, epoch = meta.epoch, max_players, grace_ms, "room created");
    Ok(RoomState::new(meta, cfg.room_limits()))
}
