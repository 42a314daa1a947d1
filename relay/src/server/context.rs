//! What every connection of one relay shares: config, storage, metrics,
//! the rooms, the shutdown signal and the players' credentials and
//! message budgets. Room tasks get narrower handles
//! ([`super::room_task::RoomServices`]).

use super::budgets::Budgets;
use super::identity::BoundSecrets;
use super::matchmaker::Matchmaker;
use super::registry::Registry;
use crate::config::RelayConfig;
use crate::metrics::Metrics;
use crate::storage::StorageHandle;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// The public room index and matchmaking.
    pub(crate) matchmaker: Matchmaker,
    next_conn: AtomicU64,
}

impl RelayContext {
    pub(crate) fn new(
        config: RelayConfig,
        storage: StorageHandle,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        let matchmaker = Matchmaker::spawn();
        Arc::new(Self {
            registry: Registry::new(
                &config,
                storage.clone(),
                metrics.clone(),
                matchmaker.clone(),
            ),
            matchmaker,
            config,
            storage,
            metrics,
            shutdown: watch::channel(false).0,
            bound_secrets: BoundSecrets::default(),
            budgets: Budgets::default(),
            next_conn: AtomicU64::new(1),
        })
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }
}
