//! Cluster mode's node side: claiming a room's lease before serving it,
//! giving it back when the room unloads, and the heartbeat that renews every
//! lease and evicts the rooms whose lease another node took.
//!
//! The lease SQL is [`Leases`]'s; its calls block (the synchronous
//! PostgreSQL client), so they run on tokio's blocking pool.

use super::room_cmd::RoomCmd;
use super::room_map::RoomMap;
use crate::core::Handoff;
use crate::metrics::Metrics;
use crate::storage::{Claim, Leases, StorageError};
use coinop_protocol::{ErrorCode, RoomCode};
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long a health check waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// This node's place in a cluster.
pub(crate) struct Cluster {
    /// Taken only when dropped (see `Drop`).
    leases: Option<Leases>,
    metrics: Arc<Metrics>,
    /// Shared by the cluster's nodes (kept in the database): a forwarded
    /// connection that presents it is trusted to name its client's address.
    token: String,
    /// The addresses of the cluster's live nodes, refreshed by the
    /// heartbeat: forwarded connections from them skip the per-address
    /// connection limit (the client's own node applied it).
    peers: RwLock<HashSet<IpAddr>>,
}

impl Cluster {
    pub(crate) fn new(leases: Leases, token: String, metrics: Arc<Metrics>) -> Self {
        Self {
            leases: Some(leases),
            metrics,
            token,
            peers: RwLock::default(),
        }
    }

    /// Whether `ip` is one of the cluster's nodes.
    pub(crate) fn is_peer(&self, ip: IpAddr) -> bool {
        let peers = self.peers.read().unwrap_or_else(PoisonError::into_inner);
        peers.contains(&ip.to_canonical())
    }

    /// Says this node is alive and learns the other nodes' addresses.
    async fn announce(&self) -> Result<(), StorageError> {
        let leases = self.leases().clone();
        let addrs = blocking(move || leases.announce()).await?;
        let mut ips = HashSet::new();
        for addr in addrs {
            // A name (`relay-2.internal:8787`) is looked up each time: it
            // may move.
            if let Ok(found) = tokio::net::lookup_host(addr.as_str()).await {
                ips.extend(found.map(|a| a.ip().to_canonical()));
            }
        }
        *self.peers.write().unwrap_or_else(PoisonError::into_inner) = ips;
        Ok(())
    }

    /// The cluster's shared token for node-to-node requests.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// The lease length.
    pub(crate) fn lease(&self) -> Duration {
        self.leases().lease()
    }

    /// Takes the room's lease if it is free or expired; else says who
    /// holds it.
    pub(crate) async fn claim(&self, room: &RoomCode) -> Result<Claim, StorageError> {
        let (leases, code) = (self.leases().clone(), room.clone());
        let claim = blocking(move || leases.claim(&code)).await?;
        if let Claim::Held {
            epoch,
            failover: true,
            ..
        } = &claim
        {
            self.metrics.failovers.fetch_add(1, Relaxed);
            tracing::info!(%room, epoch, "room taken over after its owner's lease ran out");
        }
        self.count_held();
        Ok(claim)
    }

    /// The epoch of this node's lease on `room`, if it holds one.
    pub(crate) fn epoch(&self, room: &RoomCode) -> Option<u64> {
        self.leases().fence().epoch(room)
    }

    /// Gives the room's lease won at `epoch` back (the room unloaded or
    /// the node stops).
    pub(crate) async fn release(&self, room: &RoomCode, epoch: u64) {
        self.hand_over(room, epoch, None).await;
    }

    /// Gives the room's lease won at `epoch` back, with the seats its next
    /// owner restores (the node stops while players are seated).
    pub(crate) async fn hand_over(&self, room: &RoomCode, epoch: u64, seats: Option<Handoff>) {
        let (leases, code) = (self.leases().clone(), room.clone());
        let bytes = seats.map(|s| s.to_bytes());
        let release = move || leases.hand_over(&code, epoch, bytes.as_deref());
        if let Err(e) = blocking(release).await {
            // It runs out by itself within the lease time.
            tracing::warn!(%room, error = %e, "lease not released");
        }
        self.count_held();
    }

    /// Whether the database answered a query in time.
    pub(crate) async fn reachable(&self) -> bool {
        let leases = self.leases().clone();
        let ping = blocking(move || leases.ping());
        matches!(tokio::time::timeout(PING_TIMEOUT, ping).await, Ok(Ok(())))
    }

    /// What the inspector shows of the cluster: this node's counters and
    /// the cluster's rooms by lease (`error` when the database did not answer).
    pub(crate) async fn report(&self) -> serde_json::Value {
        let leases = self.leases().clone();
        let listed = tokio::time::timeout(PING_TIMEOUT, blocking(move || leases.list())).await;
        let rooms = match listed {
            Ok(Ok(rows)) => serde_json::Value::from_iter(rows.into_iter().map(|row| {
                serde_json::json!({
                    "code": row.room.as_str(),
                    "node": row.addr,
                    "epoch": row.epoch,
                    "live": row.live,
                })
            })),
            Ok(Err(e)) => serde_json::json!({ "error": e.to_string() }),
            Err(_) => serde_json::json!({ "error": "the database did not answer in time" }),
        };
        let m = &self.metrics;
        serde_json::json!({
            "node": self.leases().fence().node(),
            "leases_held": m.leases_held.load(Relaxed),
            "forwarded_connections": m.forwarded_connections.load(Relaxed),
            "forwarded_total": m.forwarded_total.load(Relaxed),
            "failovers": m.failovers.load(Relaxed),
            "leases_lost": m.leases_lost.load(Relaxed),
            "rooms": rooms,
        })
    }

    /// Renews every lease, every third of the lease time, and evicts the
    /// rooms whose lease was lost: their clients reconnect and are taken to
    /// the new owner. Runs until aborted.
    pub(crate) fn spawn_heartbeat(self: &Arc<Self>, rooms: Arc<RoomMap>) -> JoinHandle<()> {
        let cluster = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(cluster.lease() / 3);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // Renewal first: it is what keeps the rooms here, and the
                // announcement (a query and name lookups) must not delay it.
                let leases = cluster.leases().clone();
                match blocking(move || leases.renew()).await {
                    Ok(lost) => {
                        for room in lost {
                            cluster.metrics.leases_lost.fetch_add(1, Relaxed);
                            tracing::warn!(%room, "lease lost to another node");
                            if let Some(handle) = rooms.handle(&room).await {
                                let text = "this node no longer serves the room; reconnect";
                                let evict = RoomCmd::Evict(ErrorCode::ROOM_MOVED, text);
                                let _ = handle.tx.send(evict).await;
                            }
                        }
                        cluster.count_held();
                    }
                    // Writes are refused meanwhile if another node takes a
                    // room over (fencing); nothing to do but try again.
                    Err(e) => tracing::warn!(error = %e, "lease renewal failed"),
                }
                if let Err(e) = cluster.announce().await {
                    tracing::warn!(error = %e, "node announcement failed");
                }
            }
        })
    }

    fn leases(&self) -> &Leases {
        self.leases
            .as_ref()
            .expect("the leases are taken only by drop")
    }

    fn count_held(&self) {
        let held = i64::try_from(self.leases().fence().len()).unwrap_or(i64::MAX);
        self.metrics.leases_held.store(held, Relaxed);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The synchronous client blocks to close its connections, which
        // panics on a runtime thread: the pool goes away on a thread of its own.
        if let Some(leases) = self.leases.take() {
            let _ = std::thread::Builder::new()
                .name("coinop-pg-close".into())
                .spawn(move || drop(leases));
        }
    }
}

/// Runs a blocking database call off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| StorageError::Stopped)?
}
