//! The link to the relay and its timers: whether a connection is up, when
//! to reconnect, ping and publish again, and the relay clock's estimate.
//!
//! The room core asks and tells; it never sets these fields itself, so the
//! connection's rules (heartbeat, backoffs, when a dropped link may be
//! reopened) live in this one place.

use super::backoff::Backoff;
use super::clock::ClockEstimate;

/// How often a connected client pings (heartbeat and clock probe), in ms.
pub(crate) const PING_INTERVAL_MS: u64 = 5_000;
/// A connection that delivers no frame for this long (two pings' worth of
/// pongs missed) is dead: a frozen or vanished relay does not always close
/// the socket, so the client drops it and reconnects.
pub(crate) const HEARTBEAT_TIMEOUT_MS: u64 = 2 * PING_INTERVAL_MS + 2_000;

/// The state of the link to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// No connection; `reconnect_at` says when to try.
    Down,
    /// Connected, join sent, no welcome yet.
    Joining,
    /// Welcomed; `synced` once catch-up completed.
    Up {
        /// Whether `Synced` arrived on this connection.
        synced: bool,
    },
}

/// The link, its timers and the clock estimate.
#[derive(Debug)]
pub(crate) struct LinkState {
    link: Link,
    clock: ClockEstimate,
    backoff: Backoff,
    reconnect_at: u64,
    publish_backoff: Backoff,
    publish_after: u64,
    next_ping_at: u64,
    /// When the current connection last delivered a frame (or opened).
    last_heard_at: u64,
    /// Set when the heartbeat deadline (or a resync) took the link down,
    /// until the driver reports the socket closed.
    dropped: bool,
}

impl LinkState {
    /// A link that is down and may connect at once; `seed` spreads the
    /// backoffs' jitter.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            link: Link::Down,
            clock: ClockEstimate::default(),
            // Capped low so a returning relay is found within ~1.5 s; the
            // jitter spreads a storm of reconnects over that window.
            backoff: Backoff::new(100, 1_500, seed),
            reconnect_at: 0,
            publish_backoff: Backoff::new(500, 10_000, seed.rotate_left(17)),
            publish_after: 0,
            next_ping_at: 0,
            last_heard_at: 0,
            dropped: false,
        }
    }

    /// The socket opened at `now`: the join is on its way.
    pub(crate) fn opened(&mut self, now: u64) {
        self.last_heard_at = now;
        self.dropped = false;
        self.link = Link::Joining;
    }

    /// A frame arrived at `now`.
    pub(crate) fn heard(&mut self, now: u64) {
        self.last_heard_at = now;
    }

    /// The relay welcomed this connection at `now`.
    pub(crate) fn welcomed(&mut self, now: u64) {
        self.link = Link::Up { synced: false };
        self.backoff.reset();
        self.publish_after = 0;
        self.next_ping_at = now + PING_INTERVAL_MS;
    }

    /// Catch-up completed; true the first time on this connection.
    pub(crate) fn synced(&mut self) -> bool {
        if self.link == (Link::Up { synced: false }) {
            self.link = Link::Up { synced: true };
            return true;
        }
        false
    }

    /// The connection closed at `now`; with `retry`, the next attempt is
    /// scheduled after the reconnect backoff.
    pub(crate) fn closed(&mut self, now: u64, retry: bool) {
        self.link = Link::Down;
        if retry {
            self.reconnect_at = now + self.backoff.next_delay();
        }
    }

    /// Takes a link this state dropped itself: true once, when the
    /// driver's close follows the drop (which then reconnects at `now` at
    /// the earliest, without another backoff).
    pub(crate) fn take_dropped(&mut self, now: u64) -> bool {
        if std::mem::take(&mut self.dropped) {
            self.reconnect_at = self.reconnect_at.max(now);
            return true;
        }
        false
    }

    /// Marks the link dropped by us: the driver must close the socket.
    /// With `reconnect_now`, the next attempt is not delayed.
    pub(crate) fn drop_link(&mut self, now: u64, reconnect_now: bool) {
        self.dropped = true;
        if reconnect_now {
            self.reconnect_at = now;
        }
    }

    /// Whether the driver must close the socket (see [`Self::drop_link`]).
    pub(crate) fn is_dropped(&self) -> bool {
        self.dropped
    }

    /// Whether there is no connection.
    pub(crate) fn is_down(&self) -> bool {
        self.link == Link::Down
    }

    /// Whether a join was sent and no welcome came yet.
    pub(crate) fn is_joining(&self) -> bool {
        self.link == Link::Joining
    }

    /// Whether the relay welcomed this connection.
    pub(crate) fn is_up(&self) -> bool {
        matches!(self.link, Link::Up { .. })
    }

    /// Whether catch-up completed on this connection.
    pub(crate) fn is_synced(&self) -> bool {
        self.link == (Link::Up { synced: true })
    }

    /// Whether a down link may be reopened at `now`.
    pub(crate) fn may_connect(&self, now: u64) -> bool {
        self.is_down() && now >= self.reconnect_at
    }

    /// Whether an open connection has been silent past the heartbeat
    /// timeout at `now`.
    pub(crate) fn is_silent(&self, now: u64) -> bool {
        !self.is_down() && now.saturating_sub(self.last_heard_at) > HEARTBEAT_TIMEOUT_MS
    }

    /// Whether a ping is due at `now`; if so, the next one is scheduled.
    pub(crate) fn ping_due(&mut self, now: u64) -> bool {
        if self.is_up() && now >= self.next_ping_at {
            self.next_ping_at = now + PING_INTERVAL_MS;
            return true;
        }
        false
    }

    /// Whether a publish may go at `now` (no refusal backoff pending).
    pub(crate) fn may_publish(&self, now: u64) -> bool {
        now >= self.publish_after
    }

    /// A publish must wait: the next goes after the publish backoff.
    pub(crate) fn delay_publish(&mut self, now: u64) {
        self.publish_after = now + self.publish_backoff.next_delay();
    }

    /// A publish may go at once.
    pub(crate) fn publish_now(&mut self) {
        self.publish_after = 0;
    }

    /// A publish was acked: the publish backoff starts over.
    pub(crate) fn publish_acked(&mut self) {
        self.publish_backoff.reset();
    }

    /// The earliest time the link needs a tick, given whether a publish
    /// waits only for its backoff (`publish_waiting`), when `stopped` says
    /// the room will not reconnect.
    pub(crate) fn next_deadline(&self, stopped: bool, publish_waiting: bool) -> Option<u64> {
        let heartbeat = self.last_heard_at + HEARTBEAT_TIMEOUT_MS + 1;
        match self.link {
            Link::Down if stopped => None,
            Link::Down => Some(self.reconnect_at),
            Link::Joining => Some(heartbeat),
            Link::Up { .. } => {
                let at = self.next_ping_at.min(heartbeat);
                Some(if publish_waiting {
                    at.min(self.publish_after)
                } else {
                    at
                })
            }
        }
    }

    /// The relay clock estimate.
    pub(crate) fn clock(&self) -> &ClockEstimate {
        &self.clock
    }

    /// The relay clock estimate, to feed it samples.
    pub(crate) fn clock_mut(&mut self) -> &mut ClockEstimate {
        &mut self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_link_is_dropped_once_and_reopened_without_another_backoff() {
        let mut l = LinkState::new(7);
        assert!(l.may_connect(0));
        l.opened(0);
        assert!(l.is_joining() && !l.may_connect(0));
        assert!(!l.is_silent(HEARTBEAT_TIMEOUT_MS));
        assert!(l.is_silent(HEARTBEAT_TIMEOUT_MS + 1));
        l.closed(20_000, true);
        l.drop_link(20_000, false);
        assert!(l.is_dropped() && l.is_down());
        // The driver's close follows: absorbed once, no second backoff.
        assert!(l.take_dropped(20_000));
        assert!(!l.take_dropped(20_000), "taken once");
        assert!(l.may_connect(20_000 + 1_500), "within the capped backoff");
        // A resync reconnects at once.
        l.opened(30_000);
        l.welcomed(30_000);
        l.closed(30_001, true);
        l.drop_link(30_001, true);
        assert!(l.take_dropped(30_001) && l.may_connect(30_001));
    }

    #[test]
    fn pings_keep_their_interval_and_a_refused_publish_waits_its_backoff() {
        let mut l = LinkState::new(7);
        l.opened(0);
        assert!(!l.ping_due(PING_INTERVAL_MS), "no ping before the welcome");
        l.welcomed(0);
        assert!(!l.is_synced());
        assert!(l.synced() && l.is_synced());
        assert!(!l.synced(), "synced once per connection");
        assert!(!l.ping_due(PING_INTERVAL_MS - 1));
        assert!(l.ping_due(PING_INTERVAL_MS));
        assert!(
            !l.ping_due(PING_INTERVAL_MS + 1),
            "the next one is scheduled"
        );
        l.delay_publish(100);
        assert!(!l.may_publish(99) && l.may_publish(100 + 500));
        assert!(l.next_deadline(false, true) <= l.next_deadline(false, false));
        l.publish_now();
        assert!(l.may_publish(0));
        l.closed(200, false);
        assert_eq!(l.next_deadline(true, false), None, "stopped: no timer");
    }
}
