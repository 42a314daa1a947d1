//! What the room handle and the driver share, and how core outputs reach
//! listeners, RPC callers and handlers.

use crate::core::RoomCore;
use crate::error::Error;
use crate::event::Event;
use crate::replica::ReplicaStore;
use crate::transport::now_ms;
use bytes::Bytes;
use coinop_protocol::{CallId, PlayerId, RpcOutcome};
use futures_channel::{mpsc, oneshot};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A registered RPC handler: JSON argument bytes and caller in, outcome out.
pub(crate) type Handler = Arc<dyn Fn(Bytes, PlayerId) -> RpcOutcome + Send + Sync>;

/// State shared by every [`crate::Room`] clone and the driver.
///
/// Lock order: `subscribers` before `core`; `core` before `waiters`.
/// Handlers and stores run with `core` unlocked, so they may call back into
/// the room.
pub(crate) struct Shared {
    pub(crate) core: Mutex<RoomCore>,
    pub(crate) subscribers: Mutex<Vec<mpsc::UnboundedSender<Event>>>,
    pub(crate) handlers: Mutex<HashMap<String, Handler>>,
    pub(crate) waiters: Mutex<HashMap<CallId, oneshot::Sender<Result<Bytes, Error>>>>,
    pub(crate) replica_store: Option<Arc<dyn ReplicaStore>>,
    /// The relay's WebSocket URL, for the bots this client runs.
    pub(crate) relay_url: String,
}

/// Locks a mutex, recovering from poisoning: the guarded data stays
/// consistent because no method panics half-way through an update.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Delivers what the core produced: events to subscribers, results to
    /// callers, incoming calls to handlers, the replica to its store.
    ///
    /// The replica is saved here, synchronously, right after each local
    /// write, so that a crash a moment later cannot lose the edit. That
    /// costs one atomic file write per write call: batch writes with
    /// [`crate::Room::with_doc`] when writing many keys at once. The
    /// document in it is saved again at most once a second (see
    /// `core::replica_saves`); the writes the relay has not acked are in
    /// every record.
    pub(crate) fn pump(&self) {
        let rpcs = {
            let mut subs = lock(&self.subscribers);
            let (events, completions, rpcs, replica) = {
                let mut core = lock(&self.core);
                // The constant drops the document saver (and its deflate
                // code) from builds without the feature, where no store can
                // be set: the browser package saves about 18 KiB gzipped.
                let replica = match &self.replica_store {
                    Some(store) if cfg!(feature = "replica") => {
                        // A write that failed after `save` returned (an
                        // asynchronous store): as if `save` had failed.
                        if !core.replica_save_failing()
                            && let Some(e) = store.failing()
                        {
                            core.replica_save_failed(now_ms(), e);
                        }
                        core.take_replica()
                    }
                    _ => None,
                };
                (
                    core.take_events(),
                    core.take_completions(),
                    core.take_incoming_rpcs(),
                    replica,
                )
            };
            if !events.is_empty() {
                subs.retain(|s| events.iter().all(|e| s.unbounded_send(e.clone()).is_ok()));
            }
            let mut waiters = lock(&self.waiters);
            for (call, result) in completions {
                if let Some(tx) = waiters.remove(&call) {
                    let _ = tx.send(result); // the caller may have stopped waiting
                }
            }
            drop(waiters);
            if let (Some(store), Some((room, replica))) = (&self.replica_store, replica) {
                // A failure is retried with backoff by the core, and reported.
                let result = store.save(&room, &replica);
                let events = {
                    let mut core = lock(&self.core);
                    match result {
                        Ok(()) => core.replica_save_succeeded(now_ms()),
                        Err(e) => core.replica_save_failed(now_ms(), e),
                    }
                    core.take_events()
                };
                if !events.is_empty() {
                    subs.retain(|s| events.iter().all(|e| s.unbounded_send(e.clone()).is_ok()));
                }
            }
            rpcs
        };
        for rpc in rpcs {
            let handler = lock(&self.handlers).get(&rpc.name).cloned();
            let Some(handler) = handler else {
                // No reply: for All/Others calls another player's handler
                // may answer, and a silent client must not win with an error.
                let event = Event::RpcRequest {
                    call: rpc.call.0,
                    from: rpc.from,
                    name: rpc.name,
                    payload: serde_json::from_slice(&rpc.payload).unwrap_or_default(),
                    want_reply: rpc.want_reply,
                };
                lock(&self.subscribers).retain(|s| s.unbounded_send(event.clone()).is_ok());
                continue;
            };
            let outcome = handler(rpc.payload, rpc.from.clone());
            if rpc.want_reply {
                lock(&self.core).reply_rpc(rpc.call, rpc.from, outcome);
            }
        }
    }
}
