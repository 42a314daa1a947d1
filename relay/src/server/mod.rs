//! The networked relay: accept loop, HTTP (hyper and axum), connections,
//! room tasks.

mod budget;
mod budgets;
mod client_addr;
mod client_stream;
mod clock;
mod compaction;
mod conn_outbox;
mod connection;
mod context;
mod http;
mod identity;
mod inspector;
mod peer_limit;
mod player_rooms;
mod random;
mod rate;
mod redirect;
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
use crate::tls::{ACME_TLS_ALPN, TlsService};
use client_stream::ClientStream;
use context::RelayContext;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A running relay. Drop it or call [`Relay::shutdown`] to stop it.
pub struct Relay {
    shared: Arc<RelayContext>,
    addr: SocketAddr,
    accept: JoinHandle<()>,
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
        let redirect = match config.redirect_http {
            Some(_) if config.tls.is_none() => return Err(RelayError::RedirectWithoutTls),
            Some(at) => {
                let bind = |source| RelayError::Bind { addr: at, source };
                let listener = TcpListener::bind(at).await.map_err(bind)?;
                Some((listener.local_addr().map_err(bind)?, listener))
            }
            None => None,
        };
        let shutdown = tokio::sync::watch::channel(false).0;
        let tls = match &config.tls {
            Some(settings) => Some(TlsService::start(settings, shutdown.subscribe())?),
            None => None,
        };
        let storage = StorageHandle::spawn(storage, metrics.clone()).map_err(RelayError::Thread)?;
        let shared = RelayContext::new(config, storage, metrics, shutdown);
        let acceptor = tls.as_ref().map(|t| t.acceptor().clone());
        let accept = tokio::spawn(accept_loop(shared.clone(), listener, acceptor));
        let redirect = redirect.map(|(at, listener)| {
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
        self.shared.storage.stop().await;
        tracing::info!(addr = %self.addr, "relay stopped");
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        if let Some((_, task)) = &self.redirect {
            task.abort();
        }
        self.shared.shutdown.send_replace(true);
    }
}

async fn accept_loop(shared: Arc<RelayContext>, listener: TcpListener, tls: Option<TlsAcceptor>) {
    let app = router::app(shared.clone());
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // A trusted proxy carries many clients: they are counted
                // per request, by their forwarded address (`http::serve`).
                let proxy = client_addr::is_trusted(&shared.config.trusted_proxies, peer.ip());
                if !proxy && !shared.admit(peer.ip()) {
                    tokio::spawn(peer_limit::refuse(stream));
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let (shared, app, tls) = (shared.clone(), app.clone(), tls.clone());
                tokio::spawn(async move {
                    if let Some(stream) = handshake(&shared, tls, stream, peer).await {
                        http::serve(shared, app, stream, peer).await;
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
