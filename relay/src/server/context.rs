//! What every connection of one relay shares: config, storage, metrics,
//! the rooms, the shutdown signal and the players' credentials and
//! message budgets. Room tasks get narrower handles
//! ([`super::room_task::RoomServices`]).

use super::budgets::Budgets;
use super::cluster::Cluster;
use super::disk_quota::DiskQuota;
use super::identity::BoundSecrets;
use super::matchmaker::Matchmaker;
use super::peer_limit::PeerLimit;
use super::registry::Registry;
use crate::config::{RelayConfig, StorageConfig};
use crate::metrics::Metrics;
use crate::storage::StorageHandle;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use tokio::sync::watch;

/// The relay's shared state, one per [`super::Relay`].
pub(crate) struct RelayContext {
    pub(crate) config: RelayConfig,
    pub(crate) storage: StorageHandle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) registry: Registry,
    /// Set once on shutdown; every connection watches it.
    pub(crate) shutdown: watch::Sender<bool>,
    /// Recently checked players' secret hashes.
    pub(crate) bound_secrets: BoundSecrets,
    /// Message budgets of players who disconnected.
    pub(crate) budgets: Budgets,
    /// Whether the data directory is full (DISK_FULL).
    pub(crate) disk: Arc<DiskQuota>,
    /// Cluster mode: this node's leases and the cluster's token.
    pub(crate) cluster: Option<Arc<Cluster>>,
    /// New connections per client address: the accept loop's for direct
    /// peers, the HTTP layer's for clients behind a trusted proxy.
    peer_limit: Mutex<PeerLimit>,
    /// The public room index and matchmaking.
    pub(crate) matchmaker: Matchmaker,
    next_conn: AtomicU64,
}

impl RelayContext {
    pub(crate) fn new(
        config: RelayConfig,
        storage: StorageHandle,
        metrics: Arc<Metrics>,
        cluster: Option<Arc<Cluster>>,
        shutdown: watch::Sender<bool>,
    ) -> Arc<Self> {
        let disk = match &config.storage {
            StorageConfig::Sqlite { dir } => {
                DiskQuota::watch(dir, config.max_data_bytes, config.min_free_disk_bytes)
            }
            StorageConfig::Memory | StorageConfig::Postgres { .. } => DiskQuota::none(),
        };
        let peer_limit = PeerLimit::new(
            config.connections_per_ip_per_sec,
            config.connections_per_ip_burst,
            config.limit_loopback_connections,
        );
        let matchmaker = Matchmaker::spawn();
        Arc::new(Self {
            registry: Registry::new(
                &config,
                storage.clone(),
                metrics.clone(),
                disk.clone(),
                cluster.clone(),
                matchmaker.clone(),
            ),
            disk,
            cluster,
            matchmaker,
            config,
            storage,
            metrics,
            shutdown,
            bound_secrets: BoundSecrets::default(),
            budgets: Budgets::default(),
            peer_limit: Mutex::new(peer_limit),
            next_conn: AtomicU64::new(1),
        })
    }

    /// Whether a new connection (or, through a trusted proxy, a request)
    /// from `ip` may go on; counts it when it may.
    pub(crate) fn admit(&self, ip: IpAddr) -> bool {
        let admitted = self
            .peer_limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(ip.to_canonical(), Instant::now());
        if !admitted {
            self.metrics
                .connections_refused
                .fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }
}
