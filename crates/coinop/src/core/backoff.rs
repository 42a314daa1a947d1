//! Jittered exponential backoff with an injected seed.

/// Full-jitter exponential backoff: the n-th retry waits a uniformly random
/// time in `[0, min(cap, base * 2^n)]`, so that clients dropped together do
/// not all come back in the same instant.
#[derive(Debug)]
pub(crate) struct Backoff {
    base_ms: u64,
    cap_ms: u64,
    attempt: u32,
    rng: u64,
}

impl Backoff {
    /// A backoff from `base_ms` to `cap_ms`, its jitter seeded by `seed`.
    pub(crate) fn new(base_ms: u64, cap_ms: u64, seed: u64) -> Self {
        Backoff {
            base_ms,
            cap_ms,
            attempt: 0,
            rng: seed | 1,
        }
    }

    /// The delay before the next attempt, in ms.
    pub(crate) fn next_delay(&mut self) -> u64 {
        let ceiling = self
            .base_ms
            .saturating_mul(1u64 << self.attempt.min(20))
            .min(self.cap_ms);
        self.attempt = self.attempt.saturating_add(1);
        self.random() % (ceiling + 1)
    }

    /// A success: the next failure starts from the base again.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    fn random(&mut self) -> u64 {
        // xorshift64*: tiny, seedable, good enough for jitter.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_with_jitter() {
        let mut b = Backoff::new(250, 10_000, 42);
        let delays: Vec<u64> = (0..12).map(|_| b.next_delay()).collect();
        for (n, d) in delays.iter().enumerate() {
            let ceiling = (250u64 << n).min(10_000);
            assert!(*d <= ceiling, "attempt {n}: {d} > {ceiling}");
        }
        assert!(delays.iter().any(|d| *d > 250), "delays grow: {delays:?}");
        b.reset();
        assert!(b.next_delay() <= 250);
    }
}
