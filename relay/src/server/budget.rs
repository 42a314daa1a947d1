//! One player's message budget, and the decision for each message it
//! sends: forward it, drop it, wait, or close the connection. Sans-IO: the
//! caller passes the time and does the waiting (the connection's read
//! loop). A budget outlives the connection ([`super::budgets::Budgets`]).

use super::rate::TokenBucket;
use crate::config::RelayConfig;
use std::time::{Duration, Instant};

/// How long a player closed with `RATE_LIMITED` is refused at the join.
pub(crate) const REJOIN_COOLDOWN: Duration = Duration::from_secs(1);

/// A throttled connection counts as no longer throttled once it has sent
/// this long without waiting for a token.
const THROTTLE_RESET: Duration = Duration::from_secs(1);

/// How often a throttled connection's reliable messages are read, in
/// batches: 20 per second, each 50 ms worth of its rate.
const THROTTLED_BATCHES_PER_SEC: u32 = 20;

/// What to do with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Forward it now.
    Pass,
    /// Drop it: an unreliable message over the budget.
    Drop,
    /// Read nothing more for this long, then ask [`Budget::after_wait`].
    /// Reliable messages are delayed, never dropped.
    Wait(Duration),
    /// Throttled for longer than the relay's patience: close the
    /// connection with `RATE_LIMITED`.
    RateLimited,
}

/// A player's reliable and unreliable token buckets, and how long it has
/// been throttled.
#[derive(Debug)]
pub(crate) struct Budget {
    reliable: TokenBucket,
    unreliable: TokenBucket,
    /// Reliable tokens a throttled connection waits for at once.
    batch: u32,
    /// How long a connection may stay throttled.
    patience: Duration,
    /// Since when the connection has been waiting for reliable tokens.
    throttled_since: Option<Instant>,
    /// When the last wait for a reliable token ended.
    last_wait: Option<Instant>,
    /// When the player was last closed with `RATE_LIMITED`.
    rate_limited_at: Option<Instant>,
}

impl Budget {
    /// A fresh budget: both buckets full.
    pub(crate) fn full(cfg: &RelayConfig, now: Instant) -> Self {
        Self {
            reliable: TokenBucket::new(cfg.reliable_per_sec, cfg.reliable_burst, now),
            unreliable: TokenBucket::new(cfg.unreliable_per_sec, cfg.unreliable_burst, now),
            batch: (cfg.reliable_per_sec / THROTTLED_BATCHES_PER_SEC).max(1),
            patience: cfg.rate_limit_patience,
            throttled_since: None,
            last_wait: None,
            rate_limited_at: None,
        }
    }

    /// An unreliable message: [`Admit::Pass`] or [`Admit::Drop`].
    pub(crate) fn admit_unreliable(&mut self, now: Instant) -> Admit {
        if self.unreliable.try_take(now) {
            Admit::Pass
        } else {
            Admit::Drop
        }
    }

    /// A reliable message: [`Admit::Pass`], [`Admit::Wait`] or
    /// [`Admit::RateLimited`].
    pub(crate) fn admit_reliable(&mut self, now: Instant) -> Admit {
        if self.reliable.try_take(now) {
            // A token that is there at once right after a wait only means
            // the wait overslept (a busy machine): still throttled.
            if self
                .last_wait
                .is_none_or(|t| now.saturating_duration_since(t) > THROTTLE_RESET)
            {
                self.throttled_since = None;
            }
            return Admit::Pass;
        }
        self.throttled_since.get_or_insert(now);
        self.wait_or_give_up(now)
    }

    /// The same reliable message again, after the [`Admit::Wait`].
    pub(crate) fn after_wait(&mut self, now: Instant) -> Admit {
        if self.reliable.try_take(now) {
            self.last_wait = Some(now);
            return Admit::Pass;
        }
        self.wait_or_give_up(now)
    }

    fn wait_or_give_up(&mut self, now: Instant) -> Admit {
        let since = *self.throttled_since.get_or_insert(now);
        if now.saturating_duration_since(since) > self.patience {
            self.rate_limited_at = Some(now);
            return Admit::RateLimited;
        }
        // The wait is for a batch of tokens (50 ms worth), read back to
        // back, so that a throttled writer's changes reach storage together
        // and cost a few commits per second, not one per change, in front
        // of other rooms' appends.
        Admit::Wait(self.reliable.wait_time_for(self.batch))
    }

    /// How long a player closed with `RATE_LIMITED` must still stay away
    /// before it may join again; `None` when it may join now. Refused at
    /// the join, a flooder's reconnect costs the relay a handshake, not a
    /// seat, a roster update and a catch-up of the room.
    pub(crate) fn cooldown_left(&self, now: Instant) -> Option<Duration> {
        let left = (self.rate_limited_at? + REJOIN_COOLDOWN).saturating_duration_since(now);
        (!left.is_zero()).then_some(left)
    }

    /// Whether this budget is as good as a fresh one by `now`.
    pub(crate) fn refilled(&mut self, now: Instant) -> bool {
        self.throttled_since.is_none()
            && self.cooldown_left(now).is_none()
            && self.reliable.is_full(now)
            && self.unreliable.is_full(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// 100 reliable messages a second, in batches of 5 (50 ms) when
    /// throttled; 10 unreliable ones.
    fn cfg() -> RelayConfig {
        RelayConfig {
            reliable_per_sec: 100,
            reliable_burst: 20,
            unreliable_per_sec: 10,
            unreliable_burst: 2,
            rate_limit_patience: 200 * MS,
            ..RelayConfig::for_tests()
        }
    }

    #[test]
    fn unreliable_messages_over_the_budget_are_dropped() {
        let t0 = Instant::now();
        let mut b = Budget::full(&cfg(), t0);
        assert_eq!(b.admit_unreliable(t0), Admit::Pass);
        assert_eq!(b.admit_unreliable(t0), Admit::Pass);
        assert_eq!(b.admit_unreliable(t0), Admit::Drop);
        assert_eq!(b.admit_unreliable(t0 + 100 * MS), Admit::Pass);
        assert!(b.throttled_since.is_none(), "dropping is not throttling");
    }

    /// The wait asked for, to the microsecond (token arithmetic is f64).
    fn wait_us(admit: Admit) -> u128 {
        match admit {
            Admit::Wait(wait) => (wait + Duration::from_nanos(500)).as_micros(),
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn past_the_burst_reliable_messages_wait_for_a_batch() {
        let t0 = Instant::now();
        let mut b = Budget::full(&cfg(), t0);
        assert!((0..20).all(|_| b.admit_reliable(t0) == Admit::Pass));
        assert_eq!(wait_us(b.admit_reliable(t0)), 50_000);
        assert_eq!(b.throttled_since, Some(t0));
        // Woken early (no token yet): wait for the rest of the batch.
        assert_eq!(wait_us(b.after_wait(t0 + 5 * MS)), 45_000);
        let woke = t0 + 50 * MS;
        assert_eq!(b.after_wait(woke), Admit::Pass);
        // The batch's other tokens are read back to back, still throttled.
        assert_eq!(b.admit_reliable(woke), Admit::Pass);
        assert_eq!(b.throttled_since, Some(t0));
        // A second after the last wait, a message with a token is no
        // longer throttled.
        let calm = woke + THROTTLE_RESET + MS;
        assert_eq!(b.admit_reliable(calm), Admit::Pass);
        assert_eq!(b.throttled_since, None);
        assert_eq!(b.cooldown_left(calm), None);
    }

    #[test]
    fn throttled_past_the_patience_is_rate_limited() {
        let t0 = Instant::now();
        let mut b = Budget::full(&cfg(), t0);
        while b.admit_reliable(t0) == Admit::Pass {}
        // A writer that keeps sending: every batch is used up at once.
        let mut now = t0;
        let verdict = loop {
            match b.after_wait(now) {
                Admit::Wait(wait) => now += wait,
                Admit::Pass => while b.admit_reliable(now) == Admit::Pass {},
                verdict => break verdict,
            }
            assert!(now < t0 + Duration::from_secs(1), "bounded");
        };
        assert_eq!(verdict, Admit::RateLimited);
        assert!(now > t0 + 200 * MS);
        assert_eq!(b.cooldown_left(now), Some(REJOIN_COOLDOWN));
    }

    #[test]
    fn a_rate_limited_player_waits_out_the_cooldown() {
        let (cfg, t0) = (cfg(), Instant::now());
        let mut b = Budget::full(&cfg, t0);
        assert_eq!(b.cooldown_left(t0), None);
        b.rate_limited_at = Some(t0);
        assert_eq!(b.cooldown_left(t0), Some(REJOIN_COOLDOWN));
        let later = t0 + REJOIN_COOLDOWN / 4;
        assert_eq!(b.cooldown_left(later), Some(REJOIN_COOLDOWN * 3 / 4));
        assert_eq!(b.cooldown_left(t0 + REJOIN_COOLDOWN), None);
    }
}
