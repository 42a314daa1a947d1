//! What a [`crate::FaultProxy`] does to the bytes passing through it.

use std::time::Duration;

/// Impairments applied to every connection through a proxy, in both
/// directions. The default is a transparent proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Added one-way delay.
    pub latency: Duration,
    /// Extra random delay, uniform in `0..=jitter`. Bytes are never reordered.
    pub jitter: Duration,
    /// Bytes per second per direction per connection; `None` for unlimited.
    pub bandwidth: Option<u64>,
    /// Forward reads in writes of at most this many bytes (1 splits every
    /// WebSocket frame into single bytes).
    pub chunk_bytes: Option<usize>,
    /// Hold all bytes (connections stay open) until cleared.
    pub stalled: bool,
    /// Refuse new connections (they are accepted and closed at once).
    pub refuse: bool,
}
