//! Send-time stamps and latency histograms shared by all simulated clients.

use hdrhistogram::Histogram;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Identifies an update in flight: an automerge change's checksum (bytes
/// 4..8 of the chunk), unique enough for a benchmark and readable without
/// parsing the change.
pub fn update_key(change: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(change.get(4..8)?.try_into().ok()?))
}

/// Latency book for one run.
pub struct Book {
    sent: Mutex<HashMap<u32, Instant>>,
    latency: Mutex<Histogram<u64>>,
    /// Updates delivered to a receiver while measuring.
    pub delivered: AtomicU64,
    measuring: std::sync::atomic::AtomicBool,
}

impl Book {
    /// An empty book, not yet measuring.
    pub fn new() -> Book {
        Book {
            sent: Mutex::default(),
            latency: Mutex::new(
                Histogram::new_with_bounds(1, 60_000_000, 3)
                    .unwrap_or_else(|e| panic!("histogram bounds: {e}")),
            ),
            delivered: AtomicU64::new(0),
            measuring: Default::default(),
        }
    }

    /// Starts (or restarts) the measured window.
    pub fn start_measuring(&self) {
        lock(&self.latency).reset();
        self.delivered.store(0, Ordering::SeqCst);
        self.measuring.store(true, Ordering::SeqCst);
    }

    /// Stops counting.
    pub fn stop_measuring(&self) {
        self.measuring.store(false, Ordering::SeqCst);
    }

    /// Records that `change` is being sent now.
    pub fn sent(&self, change: &[u8]) {
        if let Some(key) = update_key(change) {
            lock(&self.sent).insert(key, Instant::now());
        }
    }

    /// Records that a receiver got `change`.
    pub fn received(&self, change: &[u8]) {
        let now = Instant::now();
        let Some(key) = update_key(change) else {
            return;
        };
        let Some(sent) = lock(&self.sent).get(&key).copied() else {
            return;
        };
        if self.measuring.load(Ordering::Relaxed) {
            self.delivered.fetch_add(1, Ordering::Relaxed);
            let micros = now.duration_since(sent).as_micros().max(1) as u64;
            let _ = lock(&self.latency).record(micros);
        }
    }

    /// A copy of the measured window's histogram.
    pub fn histogram(&self) -> Histogram<u64> {
        lock(&self.latency).clone()
    }

    /// (p50, p99) of the measured window.
    pub fn percentiles(&self) -> (Duration, Duration) {
        let h = lock(&self.latency);
        (
            Duration::from_micros(h.value_at_quantile(0.5)),
            Duration::from_micros(h.value_at_quantile(0.99)),
        )
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
