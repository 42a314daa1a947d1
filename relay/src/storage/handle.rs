//! The storage thread: group commit for appends, serial execution for the rest.

use super::backend::Storage;
use super::error::StorageError;
use super::records::{Append, Group, PlayerRoomUpdate};
use crate::core::RoomMeta;
use crate::metrics::Metrics;
use coinop_protocol::{PlayerId, RoomCode};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;
use tokio::sync::oneshot;

type Call = Box<dyn FnOnce(&mut dyn Storage) + Send>;

enum Op {
    Append(Append, Reply),
    CreateRoom(RoomMeta, Reply),
    CheckOrBind(PlayerId, [u8; 32], BindReply),
    Call(Call),
    Index(PlayerRoomUpdate),
    Stop(oneshot::Sender<()>),
}

/// A cheap, cloneable handle to the storage thread.
///
/// Appends queued by any room while a commit runs are committed together
/// in the next transaction: one fsync for many changes.
#[derive(Clone)]
pub struct StorageHandle {
    tx: mpsc::Sender<Op>,
}

impl std::fmt::Debug for StorageHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StorageHandle")
    }
}

/// The most appends merged into one transaction.
const MAX_BATCH: usize = 4096;

impl StorageHandle {
    /// Starts the storage thread, which owns `storage`.
    pub fn spawn(storage: Box<dyn Storage>, metrics: Arc<Metrics>) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("coinop-storage".into())
            .spawn(move || run(storage, rx, metrics))?;
        Ok(Self { tx })
    }

    /// Appends entries to a room log; resolves once they are durable.
    pub async fn append(&self, append: Append) -> Result<(), StorageError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Op::Append(append, reply))
            .map_err(|_| StorageError::Stopped)?;
        rx.await.map_err(|_| StorageError::Stopped)?
    }

    /// Stores a new room's metadata; resolves once it is durable. Committed
    /// with the appends queued meanwhile, so a burst of new rooms costs one
    /// fsync, not one each in front of every other room's acks.
    pub async fn create_room(&self, meta: RoomMeta) -> Result<(), StorageError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Op::CreateRoom(meta, reply))
            .map_err(|_| StorageError::Stopped)?;
        rx.await.map_err(|_| StorageError::Stopped)?
    }

    /// The secret hash bound to `player`, binding `hash` first if none is:
    /// one trip to the storage thread. A stored binding is read at once; a
    /// new one rides the group commit and is read back once durable, so
    /// two first joins racing with different secrets both get the one that
    /// committed first.
    pub async fn check_or_bind(
        &self,
        player: PlayerId,
        hash: [u8; 32],
    ) -> Result<[u8; 32], StorageError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Op::CheckOrBind(player, hash, reply))
            .map_err(|_| StorageError::Stopped)?;
        rx.await.map_err(|_| StorageError::Stopped)?
    }

    /// Records a join in the per-player room index, without waiting. Index
    /// writes are batched into one transaction per drain of the queue, so
    /// joins do not cost one fsync each.
    pub fn index_player(&self, update: PlayerRoomUpdate) {
        let _ = self.tx.send(Op::Index(update));
    }

    /// Runs `f` on the storage thread, in order with every other operation.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Storage) -> Result<T, StorageError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let call: Call = Box::new(move |s| {
            let _ = reply.send(f(s));
        });
        self.tx
            .send(Op::Call(call))
            .map_err(|_| StorageError::Stopped)?;
        rx.await.map_err(|_| StorageError::Stopped)?
    }

    /// Commits everything queued, then stops the thread.
    pub async fn stop(&self) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Op::Stop(reply)).is_ok() {
            let _ = rx.await;
        }
    }
}

fn run(mut storage: Box<dyn Storage>, rx: mpsc::Receiver<Op>, metrics: Arc<Metrics>) {
    let mut pending = Pending::default();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(op) = next.take() {
            match op {
                Op::Append(append, reply) => {
                    pending.replies.push((Some(append.room.clone()), reply));
                    pending.group.appends.push(append);
                }
                Op::CreateRoom(meta, reply) => {
                    pending.replies.push((Some(meta.code.clone()), reply));
                    pending.group.rooms.push(meta);
                }
                Op::CheckOrBind(player, hash, reply) => match storage.secret_hash(&player) {
                    Ok(Some(stored)) => {
                        let _ = reply.send(Ok(stored));
                    }
                    Ok(None) => {
                        pending.group.secrets.push((player.clone(), hash));
                        pending.binds.push((player, reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                },
                Op::Index(update) => pending.index.push(update),
                Op::Call(call) => {
                    pending.flush(storage.as_mut(), &metrics);
                    call(storage.as_mut());
                }
                Op::Stop(reply) => {
                    pending.flush(storage.as_mut(), &metrics);
                    let _ = reply.send(());
                    return;
                }
            }
            if pending.replies.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        pending.flush(storage.as_mut(), &metrics);
    }
}

type Reply = oneshot::Sender<Result<(), StorageError>>;

/// Answered with the secret hash stored for a player.
type BindReply = oneshot::Sender<Result<[u8; 32], StorageError>>;

/// A waiter, with the room its write belongs to (none for a secret).
type Waiter = (Option<RoomCode>, Reply);

/// Writes collected while draining the queue.
#[derive(Default)]
struct Pending {
    /// What to commit together, and who waits for it.
    group: Group,
    replies: Vec<Waiter>,
    /// First bindings in the group: answered with the hash read back.
    binds: Vec<(PlayerId, BindReply)>,
    index: Vec<PlayerRoomUpdate>,
    /// After a failed [`Storage::maintain`], when to try again: a failure
    /// that lasts (a full disk) is logged once per [`MAINTAIN_RETRY`], not
    /// once per commit.
    maintain_after: Option<Instant>,
}

/// How long maintenance rests after it failed.
const MAINTAIN_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

impl Pending {
    fn flush(&mut self, storage: &mut dyn Storage, metrics: &Metrics) {
        if !self.group.is_empty() {
            // Index rows ride the group's transaction: no fsync of their own.
            self.group.index.append(&mut self.index);
        }
        let committed = commit(storage, &mut self.group, &mut self.replies, metrics);
        for (player, reply) in self.binds.drain(..) {
            let stored = match &committed {
                Ok(()) => storage.secret_hash(&player).and_then(|h| {
                    h.ok_or_else(|| StorageError::Commit("the binding was not stored".into()))
                }),
                Err(text) => Err(StorageError::Commit(text.clone())),
            };
            let _ = reply.send(stored);
        }
        if !self.index.is_empty() {
            if let Err(e) = storage.record_player_rooms(&self.index) {
                tracing::warn!(error = %e, rows = self.index.len(), "player room index not updated");
            }
            self.index.clear();
        }
        if self.maintain_after.is_none_or(|t| Instant::now() >= t) {
            self.maintain_after = None;
            if let Err(e) = storage.maintain() {
                tracing::error!(error = %e, "storage maintenance failed; it is tried again in 1 s");
                self.maintain_after = Some(Instant::now() + MAINTAIN_RETRY);
            }
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch (the relay's room time).
fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Commits the group and answers its waiters; `Err` with the failure's
/// text when it did not commit.
fn commit(
    storage: &mut dyn Storage,
    group: &mut Group,
    replies: &mut Vec<Waiter>,
    metrics: &Metrics,
) -> Result<(), String> {
    if group.is_empty() {
        return Ok(());
    }
    let mut group = std::mem::take(group);
    group.at_ms = wall_ms();
    let started = Instant::now();
    let mut result = storage.commit_group(&group);
    metrics.storage_commit.observe(started.elapsed());
    if let Err(StorageError::Fenced(lost)) = &result {
        // Rooms this node no longer owns fail alone; the rest of the group
        // is still this node's to store (cluster mode).
        let lost = lost.clone();
        let is_lost = |room: &RoomCode| lost.contains(room);
        let (refused, kept) = std::mem::take(replies)
            .into_iter()
            .partition(|(room, _)| room.as_ref().is_some_and(is_lost));
        *replies = kept;
        for (room, reply) in refused {
            let _ = reply.send(Err(StorageError::Fenced(room.into_iter().collect())));
        }
        group.appends.retain(|a| !is_lost(&a.room));
        group.rooms.retain(|m| !is_lost(&m.code));
        tracing::warn!(rooms = ?lost, "writes refused: this node lost the rooms' leases");
        result = if group.is_empty() {
            Ok(())
        } else {
            storage.commit_group(&group)
        };
    }
    match result {
        Ok(()) => {
            for (_, reply) in replies.drain(..) {
                let _ = reply.send(Ok(()));
            }
            Ok(())
        }
        Err(e) => {
            tracing::error!(
                error = %e,
                rooms = group.rooms.len(),
                secrets = group.secrets.len(),
                appends = group.appends.len(),
                "storage commit failed"
            );
            let text = e.to_string();
            for (_, reply) in replies.drain(..) {
                let _ = reply.send(Err(StorageError::Commit(text.clone())));
            }
            Err(text)
        }
    }
}
