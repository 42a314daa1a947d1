//! Randomness from the OS, for room epochs and room codes.

use super::clock::now_ms;
use std::sync::atomic::{AtomicU64, Ordering};

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
