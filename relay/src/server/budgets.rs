//! Players' spent message budgets, kept after they disconnect: a client
//! closed for flooding that reconnects at once finds the budget it left,
//! still empty, instead of a fresh burst; each reconnect would otherwise
//! buy another burst of changes for the storage thread.

use super::budget::Budget;
use crate::config::RelayConfig;
use coinop_protocol::PlayerId;
use hashlink::LruCache;
use std::sync::Mutex;
use std::time::Instant;

/// How many players' spent budgets are remembered; the least recently
/// stored is forgotten first (it starts again with a full burst).
const REMEMBERED: usize = 16_384;

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
    use crate::server::budget::Admit;
    use std::time::Duration;

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
        assert_eq!(b.admit_reliable(t0), Admit::Pass);
        assert_eq!(b.admit_reliable(t0), Admit::Pass);
        assert_ne!(b.admit_reliable(t0), Admit::Pass);
        budgets.put_back(alice.clone(), b, t0);
        // Bob has his own, full.
        let mut other = budgets.take(&bob, &cfg, t0);
        assert_eq!(other.admit_reliable(t0), Admit::Pass);
        // Alice comes back at once: still empty.
        let mut again = budgets.take(&alice, &cfg, t0);
        assert_ne!(again.admit_reliable(t0), Admit::Pass);
        // It refills at the configured rate meanwhile.
        let later = t0 + Duration::from_millis(100);
        assert_eq!(again.after_wait(later), Admit::Pass);
    }

    #[test]
    fn a_refilled_budget_is_not_kept() {
        let (budgets, cfg, t0) = (Budgets::default(), cfg(), Instant::now());
        let alice = PlayerId::new("alice").unwrap();
        let mut b = budgets.take(&alice, &cfg, t0);
        assert_eq!(b.admit_reliable(t0), Admit::Pass);
        budgets.put_back(alice.clone(), b, t0 + Duration::from_secs(1));
        assert_eq!(budgets.len(), 0);
        let mut throttled = budgets.take(&alice, &cfg, t0);
        while throttled.admit_reliable(t0) == Admit::Pass {}
        budgets.put_back(alice, throttled, t0 + Duration::from_secs(1));
        assert_eq!(budgets.len(), 1, "a throttled player is remembered");
    }
}
