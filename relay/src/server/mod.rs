//! The networked relay: accept loop, HTTP (hyper and axum), connections,
//! room tasks.

mod budget;
mod budgets;
mod clock;
mod compaction;
mod conn_outbox;
mod connection;
mod context;
mod http;
mod identity;
mod inspector;
mod matchmaker;
mod peer_limit;
mod persistent;
mod player_rooms;
mod public_rooms;
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
use crate::storage::{MemoryStorage, SqliteStorage, Storage, StorageHandle};
use context::RelayContext;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running relay. Drop it or call [`Relay::shutdown`] to stop it.
pub struct Relay {
    shared: Arc<RelayContext>,
    addr: SocketAddr,
    accept: JoinHandle<()>,
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
        };
        Self::start_with_storage(config, storage, metrics).await
    }

    /// Like [`Relay::start`] with a storage backend of the caller's choosing
    /// (`config.storage` is ignored).
    pub async fn start_with_storage(
        config: RelayConfig,
        storage: Box<dyn Storage>,
        metrics: Arc<Metrics>,
    ) -> Result<Relay, RelayError> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| RelayError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| RelayError::Bind {
            addr: config.addr,
            source,
        })?;
        let storage = StorageHandle::spawn(storage, metrics.clone()).map_err(RelayError::Thread)?;
        let shared = RelayContext::new(config, storage, metrics);
        let accept = tokio::spawn(accept_loop(shared.clone(), listener));
        tracing::info!(%addr, "relay listening");
        Ok(Relay {
            shared,
            addr,
            accept,
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
        self.shared.storage.stop().await;
        tracing::info!(addr = %self.addr, "relay stopped");
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.shutdown.send_replace(true);
    }
}

async fn accept_loop(shared: Arc<RelayContext>, listener: TcpListener) {
    let cfg = &shared.config;
    let mut peers = peer_limit::PeerLimit::new(
        cfg.connections_per_ip_per_sec,
        cfg.connections_per_ip_burst,
        cfg.limit_loopback_connections,
    );
    let app = router::app(shared.clone());
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if !peers.admit(peer.ip(), std::time::Instant::now()) {
                    shared
                        .metrics
                        .connections_refused
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::spawn(peer_limit::refuse(stream));
                    continue;
                }
                let _ = stream.set_nodelay(true);
                tokio::spawn(http::serve(shared.clone(), app.clone(), stream, peer));
            }
            Err(e) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
