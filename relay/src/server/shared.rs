//! State shared by every task of one relay.

use super::budget::Budgets;
use super::identity::BoundSecrets;
use super::registry::Registry;
use crate::config::RelayConfig;
use crate::metrics::Metrics;
use crate::storage::StorageHandle;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{Semaphore, watch};

/// Compactions that may run at once. Each parses a room's whole document;
/// when many rooms cross the threshold together (a load that started
/// everywhere at once), running them all would multiply the memory peak
/// and starve the connections of CPU. The others wait their turn; their
/// rooms keep working meanwhile.
const COMPACTION_SLOTS: usize = 2;

/// Config, storage, metrics and the room registry.
pub(crate) struct Shared {
    pub(crate) config: RelayConfig,
    pub(crate) storage: StorageHandle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) registry: Registry,
    /// Set once on shutdown; every connection watches it.
    pub(crate) shutdown: watch::Sender<bool>,
    /// See [`COMPACTION_SLOTS`].
    pub(crate) compaction_slots: Semaphore,
    /// Recently checked players' secret hashes.
    pub(crate) bound_secrets: BoundSecrets,
    /// Message budgets of players who disconnected.
    pub(crate) budgets: Budgets,
    next_conn: AtomicU64,
}

impl Shared {
    pub(crate) fn new(
        config: RelayConfig,
        storage: StorageHandle,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        Arc::new(Self {
            config,
            storage,
            metrics,
            registry: Registry::default(),
            shutdown: watch::channel(false).0,
            compaction_slots: Semaphore::new(COMPACTION_SLOTS),
            bound_secrets: BoundSecrets::default(),
            budgets: Budgets::default(),
            next_conn: AtomicU64::new(1),
        })
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }
}

/// Wall-clock milliseconds since the Unix epoch: the relay's time for rooms.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A random u64 from the OS.
pub(crate) fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    // Without OS randomness there is no safe epoch or room code; fall back
    // to the clock mixed with a counter, which is still unique per process.
    if getrandom::fill(&mut buf).is_err() {
        static FALLBACK: AtomicU64 = AtomicU64::new(0);
        let n = FALLBACK.fetch_add(1, Ordering::Relaxed);
        return now_ms().rotate_left(17) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    u64::from_le_bytes(buf)
}
