//! Relay counters, exported on `GET /metrics` in the OpenMetrics text
//! format by `prometheus-client`.
//!
//! The counters and gauges are plain atomics that the relay's tasks bump
//! without locks (and tests and the inspector read); [`Metrics`] is a
//! `prometheus-client` [`Collector`] that reads them at scrape time.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A latency histogram with fixed buckets.
#[derive(Debug)]
pub struct Histogram {
    inner: prometheus_client::metrics::histogram::Histogram,
    /// Kept beside `inner`, which shows its count only to the encoder.
    count: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            inner: prometheus_client::metrics::histogram::Histogram::new(BUCKETS),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        self.inner.observe(d.as_secs_f64());
        self.count.fetch_add(1, Relaxed);
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }
}

/// Frame and byte counters for one channel and direction.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Frames.
    pub frames: AtomicU64,
    /// Bytes.
    pub bytes: AtomicU64,
}

impl Traffic {
    /// Counts one frame of `len` bytes.
    pub fn add(&self, len: usize) {
        self.frames.fetch_add(1, Relaxed);
        self.bytes.fetch_add(len as u64, Relaxed);
    }
}

/// Every relay metric. Shared behind an `Arc`; all updates are lock-free
/// except the two histograms' (a short lock per observation).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Rooms loaded in memory.
    pub rooms: AtomicI64,
    /// Open WebSocket connections.
    pub connections: AtomicI64,
    /// Reliable frames received.
    pub reliable_in: Traffic,
    /// Reliable frames sent.
    pub reliable_out: Traffic,
    /// Unreliable frames received.
    pub unreliable_in: Traffic,
    /// Unreliable frames sent.
    pub unreliable_out: Traffic,
    /// Unreliable frames dropped (rate limit or coalesced for slow receivers).
    pub unreliable_dropped: AtomicU64,
    /// Time from handing a batch to storage until it is durable (acks wait for it).
    pub ack_latency: Histogram,
    /// Duration of one group commit.
    pub storage_commit: Histogram,
    /// Completed compactions.
    pub compactions: AtomicU64,
    /// Failed compactions.
    pub compaction_failures: AtomicU64,
    /// Compactions running now (at most two at once; the rest wait).
    pub compactions_running: AtomicI64,
    /// The most compactions that ran at once since the relay started.
    pub compactions_running_peak: AtomicI64,
    /// Rooms whose stored data could not be loaded.
    pub rooms_unavailable: AtomicU64,
    /// Connections closed with a fatal error, any code.
    pub fatal_closes: AtomicU64,
    /// Connections refused by the per-address limit (HTTP 429).
    pub connections_refused: AtomicU64,
    /// Cluster mode: room leases this node holds now.
    pub leases_held: AtomicI64,
    /// Cluster mode: client connections this node forwards to a room's
    /// owner node now.
    pub forwarded_connections: AtomicI64,
    /// Cluster mode: connections forwarded since start.
    pub forwarded_total: AtomicU64,
    /// Cluster mode: rooms this node took over from a node whose lease ran out.
    pub failovers: AtomicU64,
    /// Cluster mode: leases this node lost to another node (it stopped
    /// serving those rooms).
    pub leases_lost: AtomicU64,
}

impl Metrics {
    /// The OpenMetrics text exposition (served as [`CONTENT_TYPE`]), every
    /// name prefixed with `coinop_`.
    pub fn render(self: &Arc<Self>) -> String {
        let mut registry = Registry::with_prefix("coinop");
        registry.register_collector(Box::new(self.clone()));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}

impl Collector for Metrics {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let gauges = [
            ("rooms", "Rooms loaded in memory.", &self.rooms),
            (
                "connections",
                "Open WebSocket connections.",
                &self.connections,
            ),
            (
                "compactions_running",
                "Compactions running now (the others wait for a slot).",
                &self.compactions_running,
            ),
            (
                "compactions_running_peak",
                "The most compactions that ran at once since the relay started.",
                &self.compactions_running_peak,
            ),
            (
                "leases_held",
                "Cluster mode: room leases this node holds.",
                &self.leases_held,
            ),
            (
                "forwarded_connections",
                "Cluster mode: client connections forwarded to another node now.",
                &self.forwarded_connections,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value.load(Relaxed));
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        let traffic = [
            ("reliable", "in", &self.reliable_in),
            ("reliable", "out", &self.reliable_out),
            ("unreliable", "in", &self.unreliable_in),
            ("unreliable", "out", &self.unreliable_out),
        ];
        type Pick = fn(&Traffic) -> &AtomicU64;
        let families: [(&str, &str, Pick); 2] = [
            ("frames", "Frames by channel and direction.", |t| &t.frames),
            ("bytes", "Bytes by channel and direction.", |t| &t.bytes),
        ];
        for (name, help, pick) in families {
            let kind = ConstCounter::new(0u64).metric_type();
            let mut family = encoder.encode_descriptor(name, help, None, kind)?;
            for (channel, direction, t) in traffic {
                let labels = [("channel", channel), ("direction", direction)];
                ConstCounter::new(pick(t).load(Relaxed)).encode(family.encode_family(&labels)?)?;
            }
        }
        let counters = [
            (
                "unreliable_dropped",
                "Unreliable frames dropped.",
                &self.unreliable_dropped,
            ),
            ("compactions", "Completed compactions.", &self.compactions),
            (
                "compaction_failures",
                "Failed compactions.",
                &self.compaction_failures,
            ),
            (
                "rooms_unavailable",
                "Room loads refused: unreadable data.",
                &self.rooms_unavailable,
            ),
            (
                "fatal_closes",
                "Connections closed with a fatal error.",
                &self.fatal_closes,
            ),
            (
                "connections_refused",
                "Connections refused by the per-address limit (HTTP 429).",
                &self.connections_refused,
            ),
            (
                "forwarded",
                "Cluster mode: connections forwarded to a room's owner node.",
                &self.forwarded_total,
            ),
            (
                "failovers",
                "Cluster mode: rooms taken over after their owner's lease ran out.",
                &self.failovers,
            ),
            (
                "leases_lost",
                "Cluster mode: leases lost to another node.",
                &self.leases_lost,
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value.load(Relaxed));
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        let histograms = [
            (
                "ack_latency",
                "Time from handing changes to storage until they are durable and acked.",
                &self.ack_latency,
            ),
            (
                "storage_commit",
                "Duration of one group commit.",
                &self.storage_commit,
            ),
        ];
        for (name, help, h) in histograms {
            let kind = h.inner.metric_type();
            h.inner
                .encode(encoder.encode_descriptor(name, help, Some(&Unit::Seconds), kind)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_in_the_exposition() {
        let m = Arc::new(Metrics::default());
        m.rooms.fetch_add(2, Relaxed);
        m.unreliable_out.add(10);
        m.connections_refused.fetch_add(3, Relaxed);
        m.ack_latency.observe(Duration::from_millis(2));
        let text = m.render();
        for line in [
            "coinop_rooms 2",
            "coinop_connections 0",
            "coinop_frames_total{channel=\"unreliable\",direction=\"out\"} 1",
            "coinop_bytes_total{channel=\"unreliable\",direction=\"out\"} 10",
            "coinop_connections_refused_total 3",
            "coinop_ack_latency_seconds_count 1",
            "coinop_ack_latency_seconds_bucket{le=\"0.001\"} 0",
            "coinop_ack_latency_seconds_bucket{le=\"0.0025\"} 1",
            "coinop_ack_latency_seconds_bucket{le=\"+Inf\"} 1",
            "coinop_storage_commit_seconds_count 0",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert_eq!(m.ack_latency.count(), 1);
    }
}
