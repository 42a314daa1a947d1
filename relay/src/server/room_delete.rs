//! Deleting rooms from outside them: by their owner over HTTP, and the
//! expiry sweep of rooms nobody used for `--room-ttl-secs`. A loaded room
//! deletes itself (it closes its players first); a stored one is reserved
//! in the room map while its rows go, so that no join loads it meanwhile.

use super::clock::now_ms;
use super::room_cmd::RoomCmd;
use super::room_map::Lookup;
use super::room_task::RoomServices;
use crate::storage::{Claim, StorageError};
use coinop_protocol::{PlayerId, RoomCode, RoomRequest};
use std::time::Duration;
use tokio::sync::oneshot;

/// Rooms deleted per expiry query (the sweep repeats until none is left).
const SWEEP_BATCH: usize = 100;

/// What a deletion came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Deletion {
    /// The room and everything stored about it are gone.
    Deleted,
    /// No such room.
    NotFound,
    /// The asker does not own the room.
    NotOwner,
    /// Loaded (someone is in it) or unreadable: left alone.
    Busy,
}

/// Why a room is deleted.
enum Reason {
    /// Its owner asked (already checked).
    Owner,
    /// Nobody touched it since `before` (ms since the Unix epoch), and it
    /// was among the `limit` oldest such rooms.
    Untouched { before: u64, limit: usize },
}

/// Whether a room with this code is loaded or stored: a join that asks
/// for an existing room only is refused otherwise, before anything (even
/// the player's secret) is stored.
pub(crate) async fn exists(services: &RoomServices, code: &RoomCode) -> Result<bool, StorageError> {
    if services.rooms.is_loaded(code).await {
        return Ok(true);
    }
    let code = code.clone();
    let meta = services.storage.call(move |s| s.room_meta(&code)).await?;
    Ok(meta.is_some())
}

/// Deletes the room if `player` owns it.
pub(crate) async fn delete_owned(
    services: &RoomServices,
    code: &RoomCode,
    player: PlayerId,
) -> Result<Deletion, StorageError> {
    let room = code.clone();
    let meta = services.storage.call(move |s| s.room_meta(&room)).await?;
    match meta {
        None => Ok(Deletion::NotFound),
        Some(meta) if meta.owner.as_ref() != Some(&player) => Ok(Deletion::NotOwner),
        Some(_) => delete(services, code, Reason::Owner).await,
    }
}

async fn delete(
    services: &RoomServices,
    code: &RoomCode,
    reason: Reason,
) -> Result<Deletion, StorageError> {
    let request = RoomRequest::Code(code.clone());
    // Bounded: each turn either answers or waits for another load.
    for _ in 0..64 {
        match services.rooms.lookup(&request).await {
            Lookup::Ready(_, handle) => {
                if matches!(reason, Reason::Untouched { .. }) {
                    return Ok(Deletion::Busy);
                }
                let (reply, done) = oneshot::channel();
                if handle.tx.send(RoomCmd::Delete(reply)).await.is_err() {
                    services.rooms.forget(code, handle.id).await;
                    continue;
                }
                // Dropped unanswered only when the room stopped meanwhile
                // (shutdown): look again.
                if done.await.is_ok() {
                    return Ok(Deletion::Deleted);
                }
            }
            Lookup::Loading(mut done) => {
                let _ = done.wait_for(|d| *d).await;
            }
            Lookup::Vacant(reservation) => {
                // In a cluster the room's rows are fenced by its lease:
                // taken first, as for a load. Held elsewhere, the room is
                // loaded there (in use).
                let mut lease = None;
                if let Some(cluster) = &services.cluster {
                    match cluster.claim(code).await {
                        Ok(Claim::Held { epoch, .. }) => lease = Some((cluster, epoch)),
                        Ok(Claim::Elsewhere { .. }) => {
                            services.rooms.release(reservation).await;
                            return Ok(Deletion::Busy);
                        }
                        Err(e) => {
                            services.rooms.release(reservation).await;
                            return Err(e);
                        }
                    }
                }
                let room = code.clone();
                let deleted = services
                    .storage
                    .call(move |s| match reason {
                        Reason::Owner => s.delete_room(&room),
                        Reason::Untouched { before, limit } => {
                            // Checked again under the reservation: a join
                            // may have used the room since it was listed.
                            // Rooms only leave the list, so an untouched
                            // room is still among the `limit` oldest.
                            let still = s.untouched_rooms(before, limit)?;
                            if still.contains(&room) {
                                s.delete_room(&room)
                            } else {
                                Ok(false)
                            }
                        }
                    })
                    .await;
                if let Some((cluster, epoch)) = lease {
                    cluster.release(code, epoch).await;
                }
                services.rooms.release(reservation).await;
                return Ok(if deleted? {
                    Deletion::Deleted
                } else {
                    Deletion::Busy
                });
            }
            Lookup::Quarantined(_) | Lookup::Full(_) | Lookup::NoFreeCode => {
                return Ok(Deletion::Busy);
            }
        }
    }
    Ok(Deletion::Busy)
}

/// Deletes every stored, unloaded room untouched for `ttl`; how many.
pub(crate) async fn sweep(services: &RoomServices, ttl: Duration) -> Result<usize, StorageError> {
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    let before = now_ms().saturating_sub(ttl_ms);
    let mut deleted = 0;
    let mut skipped = std::collections::HashSet::new();
    // Bounded: every listed room is deleted or skipped for this sweep.
    loop {
        // Skipped rooms stay in the list: ask for that many more.
        let limit = SWEEP_BATCH + skipped.len();
        let listed = services
            .storage
            .call(move |s| s.untouched_rooms(before, limit))
            .await?;
        let fresh: Vec<RoomCode> = listed
            .into_iter()
            .filter(|c| !skipped.contains(c))
            .collect();
        if fresh.is_empty() {
            return Ok(deleted);
        }
        for code in fresh {
            let reason = Reason::Untouched { before, limit };
            match delete(services, &code, reason).await? {
                Deletion::Deleted => deleted += 1,
                _ => {
                    skipped.insert(code);
                }
            }
        }
    }
}
