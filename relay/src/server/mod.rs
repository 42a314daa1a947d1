//! The networked relay: accept loop, HTTP (hyper and axum), connections,
//! room tasks.

mod budget;
mod budgets;
mod client_addr;
mod client_stream;
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
mod matchmaker;
mod peer_limit;
mod persistent;
mod player_rooms;
mod public_rooms;
mod random;
mod rate;
mod redirect;
mod registry;
mod room_cmd;
mod room_counters;
mod room_delete;
mod room_map;
mod room_sweep;
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
use crate::tls::{ACME_TLS_ALPN, TlsService};
use client_stream::ClientStream;
use cluster::Cluster;
use context::RelayContext;
use random::random_u64;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A running relay. Drop it or call [`Relay::shutdown`] to stop it.
pub struct Relay {
    shared: Arc<RelayContext>,
    addr: SocketAddr,
    accept: JoinHandle<()>,
    /// Cluster mode: the lease heartbeat.
    heartbeat: Option<JoinHandle<()>>,
    tls: Option<TlsService>,
    redirect: Option<(SocketAddr, JoinHandle<()>)>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("addr", &self.addr)
            .field("tls", &self.tls.is_some())
            .finish()
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
        Self::serve(config, (listener, addr), storage, metrics, Some(cluster)).await
    }

    /// Like [`Relay::start`] with a storage backend of the caller's choosing
    /// (`config.storage` is ignored).
    pub async fn start_with_storage(
        config: RelayConfig,
        storage: Box<dyn Storage>,
        metrics: Arc<Metrics>,
    ) -> Result<Relay, RelayError> {
        let listener = bind(config.addr).await?;
        Self::serve(config, listener, storage, metrics, None).await
    }

    async fn serve(
        config: RelayConfig,
        (listener, addr): (TcpListener, SocketAddr),
        storage: Box<dyn Storage>,
        metrics: Arc<Metrics>,
        cluster: Option<Arc<Cluster>>,
    ) -> Result<Relay, RelayError> {
        let redirect = match config.redirect_http {
            Some(_) if config.tls.is_none() => return Err(RelayError::RedirectWithoutTls),
            Some(at) => Some(bind(at).await?),
            None => None,
        };
        let shutdown = tokio::sync::watch::channel(false).0;
        let tls = match &config.tls {
            Some(settings) => Some(TlsService::start(settings, shutdown.subscribe())?),
            None => None,
        };
        let storage = StorageHandle::spawn(storage, metrics.clone()).map_err(RelayError::Thread)?;
        let shared = RelayContext::new(config, storage, metrics, cluster.clone(), shutdown);
        let heartbeat = cluster.map(|c| c.spawn_heartbeat(shared.registry.rooms().clone()));
        let acceptor = tls.as_ref().map(|t| t.acceptor().clone());
        let accept = tokio::spawn(accept_loop(shared.clone(), listener, acceptor));
        room_sweep::spawn(&shared);
        let redirect = redirect.map(|(listener, at)| {
            let task = redirect::serve(
                listener,
                addr.port(),
                shared.config.handshake_timeout,
                shared.shutdown.subscribe(),
            );
            tracing::info!(addr = %at, "redirecting HTTP to HTTPS");
            (at, tokio::spawn(task))
        });
        tracing::info!(%addr, tls = tls.is_some(), "relay listening");
        Ok(Relay {
            shared,
            addr,
            accept,
            heartbeat,
            tls,
            redirect,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL, such as `ws://127.0.0.1:8787/ws` (`wss://` with
    /// TLS).
    pub fn ws_url(&self) -> String {
        let scheme = if self.tls.is_some() { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", self.addr)
    }

    /// The bound address of the HTTP-to-HTTPS redirect, if any.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect.as_ref().map(|(addr, _)| *addr)
    }

    /// Reads the TLS certificate files again now (what SIGHUP does to the
    /// binary); with ACME, checks whether renewal is due now. Connections
    /// already open keep their certificate. Nothing without TLS.
    pub fn reload_tls(&self) {
        if let Some(tls) = &self.tls {
            tls.reload();
        }
    }

    /// The relay's metrics.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// Stops accepting, closes every socket with 1012 (after a
    /// SHUTTING_DOWN error frame), commits queued writes and stops storage.
    pub async fn shutdown(mut self) {
        self.accept.abort();
        // Wait until the listener is closed, so the port is free when
        // this returns (a restart on the same port binds at once).
        let _ = (&mut self.accept).await;
        if let Some((_, task)) = &mut self.redirect {
            task.abort();
            let _ = task.await;
        }
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
        if let Some((_, task)) = &self.redirect {
            task.abort();
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

async fn accept_loop(shared: Arc<RelayContext>, listener: TcpListener, tls: Option<TlsAcceptor>) {
    let cap = conn_cap::ConnCap::new(shared.config.max_connections);
    let app = router::app(shared.clone());
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // A cluster node forwarding its clients is not one client,
                // and a trusted proxy carries many: those are counted per
                // request, by their forwarded address (`http::serve`).
                let node = shared
                    .cluster
                    .as_ref()
                    .is_some_and(|c| c.is_peer(peer.ip()));
                let proxy = client_addr::is_trusted(&shared.config.trusted_proxies, peer.ip());
                let refusal = if !node && !proxy && !shared.admit(peer.ip()) {
                    Err(peer_limit::REFUSAL)
                } else {
                    cap.open().ok_or(conn_cap::REFUSAL)
                };
                let slot = match refusal {
                    Ok(slot) => slot,
                    Err(answer) => {
                        if answer == conn_cap::REFUSAL {
                            // (`admit` counts its own refusals.)
                            shared.metrics.connections_refused.fetch_add(1, Relaxed);
                        }
                        tokio::spawn(peer_limit::refuse(stream, answer));
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (shared, app, tls) = (shared.clone(), app.clone(), tls.clone());
                tokio::spawn(async move {
                    if let Some(stream) = handshake(&shared, tls, stream, peer).await {
                        http::serve(shared, app, stream, peer, slot).await;
                    }
                });
            }
            Err(e) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The TLS handshake, within the handshake timeout, when the relay serves
/// TLS. `None` when it fails, or when it was an ACME TLS-ALPN-01
/// validation (which only needs the handshake).
async fn handshake(
    shared: &RelayContext,
    tls: Option<TlsAcceptor>,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<ClientStream> {
    let Some(tls) = tls else {
        return Some(ClientStream::Plain(stream));
    };
    match tokio::time::timeout(shared.config.handshake_timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) if stream.get_ref().1.alpn_protocol() == Some(ACME_TLS_ALPN) => None,
        Ok(Ok(stream)) => Some(ClientStream::Tls(Box::new(stream))),
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            None
        }
    }
}
