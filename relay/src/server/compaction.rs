//! Folding a room's log into a snapshot, off the room task, a few rooms at
//! a time.

use super::room_cmd::RoomCmd;
use super::stored_range::read_range;
use crate::core::{Snapshot, StoredRange, fold, fold_and_list};
use crate::metrics::Metrics;
use crate::storage::StorageHandle;
use coinop_protocol::{LogEntry, RoomCode, Seq};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use tokio::sync::{Semaphore, mpsc};

/// Compactions that may run at once. Each parses a room's whole document;
/// when many rooms cross the threshold together (a load that started
/// everywhere at once), running them all would multiply the memory peak
/// and starve the connections of CPU. The others wait their turn; their
/// rooms keep working meanwhile.
const COMPACTION_SLOTS: usize = 2;

/// Runs the compactions of every room of one relay.
#[derive(Clone)]
pub(crate) struct Compactor {
    storage: StorageHandle,
    metrics: Arc<Metrics>,
    /// See [`COMPACTION_SLOTS`].
    slots: Arc<Semaphore>,
}

/// One compaction's input: what the room's core asked to fold.
pub(crate) struct Job {
    pub(crate) room: RoomCode,
    /// The snapshot to fold onto.
    pub(crate) base: Option<Snapshot>,
    /// Entries to read back from storage first.
    pub(crate) stored: Option<StoredRange>,
    /// Entries the core still holds, after `stored`.
    pub(crate) entries: Vec<LogEntry>,
    /// The last seq folded.
    pub(crate) upto: Seq,
    /// List the hash of every change in the snapshot too.
    pub(crate) list_hashes: bool,
}

/// A stored snapshot, and its changes' hashes when they were asked for.
type Folded = (Snapshot, Option<Vec<[u8; 32]>>);

impl Compactor {
    pub(crate) fn new(storage: StorageHandle, metrics: Arc<Metrics>) -> Self {
        Self {
            storage,
            metrics,
            slots: Arc::new(Semaphore::new(COMPACTION_SLOTS)),
        }
    }

    /// Starts the job; its answer goes to `reply` as
    /// [`RoomCmd::Compacted`]: the stored snapshot (and its hashes when
    /// asked), or `None` (logged).
    pub(crate) fn spawn(&self, job: Job, reply: mpsc::Sender<RoomCmd>) {
        let this = self.clone();
        tokio::spawn(async move {
            // Held until the answer is sent. Never closed, so acquire only
            // fails if the relay is being torn down: then skip.
            let Ok(_slot) = this.slots.acquire().await else {
                let _ = reply.send(RoomCmd::Compacted(None)).await;
                return;
            };
            let _running = Running::start(&this.metrics);
            let answer = this.compact(job).await;
            let _ = reply.send(RoomCmd::Compacted(answer)).await;
        });
    }

    async fn compact(&self, job: Job) -> Option<Folded> {
        let Job {
            room,
            base,
            stored,
            mut entries,
            upto,
            list_hashes,
        } = job;
        if let Some(range) = stored {
            match read_range(&self.storage, &room, range).await {
                Ok(Some(mut older)) => {
                    older.append(&mut entries);
                    entries = older;
                }
                _ => {
                    tracing::error!(%room, ?range, "compaction could not read the log");
                    return None;
                }
            }
        }
        let folded = tokio::task::spawn_blocking(move || {
            if list_hashes {
                fold_and_list(base.as_ref(), &entries).map(|(s, hashes)| (s, Some(hashes)))
            } else {
                fold(base.as_ref(), &entries).map(|s| (s, None))
            }
        })
        .await;
        let (snapshot, listed) = match folded {
            Ok(Ok(folded)) => folded,
            Ok(Err(reason)) => {
                tracing::error!(%room, %reason, "compaction failed");
                return None;
            }
            Err(e) => {
                tracing::error!(%room, error = %e, "compaction task failed");
                return None;
            }
        };
        let stored = snapshot.clone();
        let code = room.clone();
        let result = self
            .storage
            .call(move |s| s.write_snapshot(&code, &stored))
            .await;
        match result {
            Ok(()) => {
                tracing::info!(%room, upto = upto.0, bytes = snapshot.doc.len(), "compacted");
                Some((snapshot, listed))
            }
            Err(e) => {
                tracing::error!(%room, error = %e, "snapshot not stored");
                None
            }
        }
    }
}

/// Counts a compaction as running (and its peak) until dropped.
struct Running<'a>(&'a Metrics);

impl<'a> Running<'a> {
    fn start(metrics: &'a Metrics) -> Self {
        let now = metrics.compactions_running.fetch_add(1, Relaxed) + 1;
        metrics.compactions_running_peak.fetch_max(now, Relaxed);
        Running(metrics)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.compactions_running.fetch_sub(1, Relaxed);
    }
}
