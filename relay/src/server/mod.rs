//! The networked relay: accept loop, HTTP (hyper and axum), connections,
//! room tasks.

mod budget;
mod budgets;
mod clock;
mod cluster;
mod compaction;
mod conn_cap;
mod conn_outbox;
mod connection;
mod context;
mod disk_quota;
mod forward;
mod http;
mod identity;
mod inspector;
mod peer_limit;
mod player_rooms;
mod random;
mod rate;
mod registry;
mod room_cmd;
mod room_counters;
mod room_map;
mod room_task;
mod router;
mod static_files;
mod stored_range;
mod upgrade;

use crate::config::{RelayConfig, StorageConfig};
use crate::error::RelayError;
use crate::metrics::Metrics;
use crate::storage::{
    Fence, Leases, MemoryStorage, PostgresStorage, SqliteStorage, Storage, StorageError,
    StorageHandle, connect_pg,
};
use cluster::Cluster;
use context::RelayContext;
use random::random_u64;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running relay. Drop it or call [`Relay::shutdown`] to stop it.
pub struct Relay {
    shared: Arc<RelayContext>,
    addr: SocketAddr,
    accept: JoinHandle<()>,
    /// Cluster mode: the lease heartbeat.
    heartbeat: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay").field("addr", &self.addr).finish()
    }
}

impl Relay {
    /// Opens storage, binds the address and starts serving.
    pub async fn start(config: RelayConfig) -> Result<Relay, RelayError> {
        let metrics = Arc::new(Metrics::default());
        let storage: Box<dyn Storage> = match &config.storage {
            StorageConfig::Memory => Box::new(MemoryStorage::new()),
            StorageConfig::Sqlite { dir } => Box::new(SqliteStorage::open(dir)?),
            StorageConfig::Postgres { url } => {
                let url = url.clone();
                return Self::start_node(config, url, metrics).await;
            }
        };
        Self::start_with_storage(config, storage, metrics).await
    }

    /// Cluster mode: connects to the database, then serves rooms under
    /// leases and forwards the clients of rooms other nodes own.
    async fn start_node(
        config: RelayConfig,
        url: String,
        metrics: Arc<Metrics>,
    ) -> Result<Relay, RelayError> {
        let (listener, addr) = bind(config.addr).await?;
        let node_addr = match &config.cluster.node_addr {
            Some(node_addr) => node_addr.clone(),
            None if addr.ip().is_unspecified() => return Err(RelayError::NodeAddr(addr)),
            None => addr.to_string(),
        };
        // Unique per process start: a restarted node owns none of the
        // leases of its previous life.
        let fence = Arc::new(Fence::new(format!("{node_addr}/{:016x}", random_u64())));
        let lease = config.cluster.lease;
        let fresh_token = format!("{:016x}{:016x}", random_u64(), random_u64());
        let (pool, leases, token) = tokio::task::spawn_blocking({
            let fence = fence.clone();
            move || -> Result<_, StorageError> {
                let pool = connect_pg(&url)?;
                let leases = Leases::new(pool.clone(), fence, node_addr, lease);
                let token = leases.cluster_token(&fresh_token)?;
                Ok((pool, leases, token))
            }
        })
        .await
        .map_err(|_| StorageError::Stopped)??;
        tracing::info!(
            node = fence.node(),
            lease_ms = lease.as_millis(),
            "cluster node"
        );
        let storage = Box::new(PostgresStorage::new(pool, fence));
        let cluster = Arc::new(Cluster::new(leases, token, metrics.clone()));
        Self::serve(config, (listener, addr), storage, metrics, Some(cluster))
    }

    /// Like [`Relay::start`] with a storage backend of the caller's choosing
    /// (`config.storage` is ignored).
    pub async fn start_with_storage(
        config: RelayConfig,
        storage: Box<dyn Storage>,
        metrics: Arc<Metrics>,
    ) -> Result<Relay, RelayError> {
        let listener = bind(config.addr).await?;
        Self::serve(config, listener, storage, metrics, None)
    }

    fn serve(
        config: RelayConfig,
        (listener, addr): (TcpListener, SocketAddr),
        storage: Box<dyn Storage>,
        metrics: Arc<Metrics>,
        cluster: Option<Arc<Cluster>>,
    ) -> Result<Relay, RelayError> {
        let storage = StorageHandle::spawn(storage, metrics.clone()).map_err(RelayError::Thread)?;
        let shared = RelayContext::new(config, storage, metrics, cluster.clone());
        let heartbeat = cluster.map(|c| c.spawn_heartbeat(shared.registry.rooms().clone()));
        let accept = tokio::spawn(accept_loop(shared.clone(), listener));
        tracing::info!(%addr, "relay listening");
        Ok(Relay {
            shared,
            addr,
            accept,
            heartbeat,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL, such as `ws://127.0.0.1:8787/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The relay's metrics.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// Stops accepting, closes every socket with 1012 (after a
    /// SHUTTING_DOWN error frame), commits queued writes and stops storage.
    pub async fn shutdown(self) {
        self.accept.abort();
        self.shared.shutdown.send_replace(true);
        // Let connections write their close frames, within bounds.
        for _ in 0..50 {
            if self
                .shared
                .metrics
                .connections
                .load(std::sync::atomic::Ordering::Relaxed)
                <= 0
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.shared.registry.shutdown().await;
        if self.shared.cluster.is_some() {
            // Rooms give their leases back as they stop: other nodes take
            // them over at once instead of after the lease time.
            for _ in 0..100 {
                if self.shared.metrics.leases_held.load(Relaxed) <= 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        if let Some(heartbeat) = &self.heartbeat {
            heartbeat.abort();
        }
        self.shared.storage.stop().await;
        tracing::info!(addr = %self.addr, "relay stopped");
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        if let Some(heartbeat) = &self.heartbeat {
            heartbeat.abort();
        }
        self.shared.shutdown.send_replace(true);
    }
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), RelayError> {
    let bind_error = |source| RelayError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

async fn accept_loop(shared: Arc<RelayContext>, listener: TcpListener) {
    let cfg = &shared.config;
    let mut peers = peer_limit::PeerLimit::new(
        cfg.connections_per_ip_per_sec,
        cfg.connections_per_ip_burst,
        cfg.limit_loopback_connections,
    );
    let cap = conn_cap::ConnCap::new(cfg.max_connections);
    let app = router::app(shared.clone());
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // A cluster node forwarding its clients is not one client.
                let node = shared
                    .cluster
                    .as_ref()
                    .is_some_and(|c| c.is_peer(peer.ip()));
                let refusal = if !node && !peers.admit(peer.ip(), std::time::Instant::now()) {
                    Err(peer_limit::REFUSAL)
                } else {
                    cap.open().ok_or(conn_cap::REFUSAL)
                };
                let slot = match refusal {
                    Ok(slot) => slot,
                    Err(answer) => {
                        shared
                            .metrics
                            .connections_refused
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        tokio::spawn(peer_limit::refuse(stream, answer));
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                tokio::spawn(http::serve(shared.clone(), app, stream, peer, slot));
            }
            Err(e) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
