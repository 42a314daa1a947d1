//! Relay counters, exported as Prometheus text on `GET /metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Relaxed);
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.count.load(Relaxed);
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
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

/// Every relay metric. Shared behind an `Arc`; all updates are lock-free.
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
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let gauges = [
            (
                "coinop_rooms",
                "Rooms loaded in memory.",
                self.rooms.load(Relaxed),
            ),
            (
                "coinop_connections",
                "Open WebSocket connections.",
                self.connections.load(Relaxed),
            ),
            (
                "coinop_compactions_running",
                "Compactions running now (the others wait for a slot).",
                self.compactions_running.load(Relaxed),
            ),
            (
                "coinop_compactions_running_peak",
                "The most compactions that ran at once since the relay started.",
                self.compactions_running_peak.load(Relaxed),
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        let _ = writeln!(
            out,
            "# HELP coinop_frames_total Frames by channel and direction."
        );
        let _ = writeln!(out, "# TYPE coinop_frames_total counter");
        let traffic = [
            ("reliable", "in", &self.reliable_in),
            ("reliable", "out", &self.reliable_out),
            ("unreliable", "in", &self.unreliable_in),
            ("unreliable", "out", &self.unreliable_out),
        ];
        for (ch, dir, t) in traffic {
            let v = t.frames.load(Relaxed);
            let _ = writeln!(
                out,
                "coinop_frames_total{{channel=\"{ch}\",direction=\"{dir}\"}} {v}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP coinop_bytes_total Bytes by channel and direction."
        );
        let _ = writeln!(out, "# TYPE coinop_bytes_total counter");
        for (ch, dir, t) in traffic {
            let v = t.bytes.load(Relaxed);
            let _ = writeln!(
                out,
                "coinop_bytes_total{{channel=\"{ch}\",direction=\"{dir}\"}} {v}"
            );
        }
        let counters = [
            (
                "coinop_unreliable_dropped_total",
                "Unreliable frames dropped.",
                &self.unreliable_dropped,
            ),
            (
                "coinop_compactions_total",
                "Completed compactions.",
                &self.compactions,
            ),
            (
                "coinop_compaction_failures_total",
                "Failed compactions.",
                &self.compaction_failures,
            ),
            (
                "coinop_rooms_unavailable_total",
                "Room loads refused: unreadable data.",
                &self.rooms_unavailable,
            ),
            (
                "coinop_fatal_closes_total",
                "Connections closed with a fatal error.",
                &self.fatal_closes,
            ),
            (
                "coinop_connections_refused_total",
                "Connections refused by the per-address limit (HTTP 429).",
                &self.connections_refused,
            ),
        ];
        for (name, help, v) in counters {
            let v = v.load(Relaxed);
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        }
        self.ack_latency.render(
            &mut out,
            "coinop_ack_latency_seconds",
            "Time from handing changes to storage until they are durable and acked.",
        );
        self.storage_commit.render(
            &mut out,
            "coinop_storage_commit_seconds",
            "Duration of one group commit.",
        );
        out
    }
}
