//! A player's message budgets (the reliable and unreliable token buckets
//! and how long it has been throttled). They outlive the connection: a
//! client closed for flooding that reconnects at once finds the budget it
//! left, still empty, instead of a fresh burst; each reconnect would
//! otherwise buy another burst of changes for the storage thread.

use super::rate::TokenBucket;
use crate::config::RelayConfig;
use coinop_protocol::PlayerId;
use hashlink::LruCache;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a player closed with `RATE_LIMITED` is refused at the join.
pub(crate) const REJOIN_COOLDOWN: Duration = Duration::from_secs(1);

/// How many players' spent budgets are remembered; the least recently
/// stored is forgotten first (it starts again with a full burst).
const REMEMBERED: usize = 16_384;

/// One connection's (and then its player's) message budgets.
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) reliable: TokenBucket,
    pub(crate) unreliable: TokenBucket,
    /// Since when the connection has been waiting for reliable tokens.
    pub(crate) throttled_since: Option<Instant>,
    /// When the last wait for a reliable token ended.
    pub(crate) last_wait: Option<Instant>,
    /// When the player was last closed with `RATE_LIMITED`.
    pub(crate) rate_limited_at: Option<Instant>,
}

impl Budget {
    fn full(cfg: &RelayConfig, now: Instant) -> Self {
        Self {
            reliable: TokenBucket::new(cfg.reliable_per_sec, cfg.reliable_burst, now),
            unreliable: TokenBucket::new(cfg.unreliable_per_sec, cfg.unreliable_burst, now),
            throttled_since: None,
            last_wait: None,
            rate_limited_at: None,
        }
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
    fn refilled(&mut self, now: Instant) -> bool {
        self.throttled_since.is_none()
            && self.cooldown_left(now).is_none()
            && self.reliable.is_full(now)
            && self.unreliable.is_full(now)
    }
}

/// Spent budgets of players who disconnected, by player id. A player id is
/// bound to its secret, so nobody else can use (or drain) a player's budget.
pub(crate) struct Budgets(Mutex<LruCache<PlayerId, Budget>>);

impl Default for Budgets {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(REMEMBERED)))
    }
}

impl Budgets {
    /// The budget `player` left when it last disconnected, or a full one.
    /// A player on two connections at once gets a full one for the second.
    pub(crate) fn take(&self, player: &PlayerId, cfg: &RelayConfig, now: Instant) -> Budget {
        let left = self.0.lock().ok().and_then(|mut m| m.remove(player));
        left.unwrap_or_else(|| Budget::full(cfg, now))
    }

    /// Keeps `budget` for `player`'s next connection, unless it has already
    /// refilled (nothing to remember).
    pub(crate) fn put_back(&self, player: PlayerId, mut budget: Budget, now: Instant) {
        if budget.refilled(now) {
            return;
        }
        if let Ok(mut m) = self.0.lock() {
            m.insert(player, budget);
        }
    }

    /// How many budgets are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RelayConfig {
        RelayConfig {
            reliable_per_sec: 10,
            reliable_burst: 2,
            ..RelayConfig::for_tests()
        }
    }

    #[test]
    fn a_spent_budget_is_found_again_by_its_player_only() {
        let (budgets, cfg, t0) = (Budgets::default(), cfg(), Instant::now());
        let alice = PlayerId::new("alice").unwrap();
        let bob = PlayerId::new("bob").unwrap();
        let mut b = budgets.take(&alice, &cfg, t0);
        assert!(b.reliable.try_take(t0) && b.reliable.try_take(t0));
        assert!(!b.reliable.try_take(t0));
        budgets.put_back(alice.clone(), b, t0);
        // Bob has his own, full.
        let mut other = budgets.take(&bob, &cfg, t0);
        assert!(other.reliable.try_take(t0));
        // Alice comes back at once: still empty.
        let mut again = budgets.take(&alice, &cfg, t0);
        assert!(!again.reliable.try_take(t0));
        // It refills at the configured rate meanwhile.
        assert!(again.reliable.try_take(t0 + Duration::from_millis(100)));
    }

    #[test]
    fn a_refilled_budget_is_not_kept() {
        let (budgets, cfg, t0) = (Budgets::default(), cfg(), Instant::now());
        let alice = PlayerId::new("alice").unwrap();
        let mut b = budgets.take(&alice, &cfg, t0);
        assert!(b.reliable.try_take(t0));
        budgets.put_back(alice.clone(), b, t0 + Duration::from_secs(1));
        assert_eq!(budgets.len(), 0);
        let mut throttled = budgets.take(&alice, &cfg, t0);
        throttled.throttled_since = Some(t0);
        budgets.put_back(alice, throttled, t0 + Duration::from_secs(1));
        assert_eq!(budgets.len(), 1, "a throttled player is remembered");
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
