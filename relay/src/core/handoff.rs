//! A room's seats carried from a draining node to the room's next owner.
//!
//! When a cluster node stops (SIGTERM), its rooms' players lose their
//! connections and come back through other nodes. Without their seats the
//! room would load empty and everyone would see the others leave and join
//! again. So the stopping node writes each room's roster with the lease it
//! gives back, and the node that loads the room next seats those players
//! again, each for the rest of their grace period, under the same host: a
//! rejoin then takes its seat back silently, as after any dropped
//! connection. Unreliable values stay out: they are never stored.

use super::room_state::RoomState;
use coinop_protocol::{PlayerId, PlayerInfo};
use serde::{Deserialize, Serialize};

/// One seat as the stopping node left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedSeat {
    /// The player, profile and seating time.
    pub info: PlayerInfo,
    /// When its connection dropped, in ms since the Unix epoch (the
    /// handoff's time for a seat still connected then).
    pub dropped_at: u64,
}

/// A room's roster and host, handed to the room's next owner node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// The seats in seating order.
    pub seats: Vec<HandedSeat>,
    /// The host.
    pub host: Option<PlayerId>,
    /// The game its players play, and whether the room is open to
    /// matchmaking (kept in memory only, so they travel with the seats:
    /// a public room stays public on its next node).
    #[serde(default)]
    pub game: Option<String>,
    /// See `game`.
    #[serde(default)]
    pub public: bool,
}

impl Handoff {
    /// The stored form (JSON: small, and readable in the database).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain data with string keys: encoding cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads the stored form; `None` when it cannot be parsed (the room
    /// then loads with no seats, as before handoffs existed).
    pub fn from_bytes(bytes: &[u8]) -> Option<Handoff> {
        serde_json::from_slice(bytes).ok()
    }
}

impl RoomState {
    /// The seats to hand over as this node stops serving the room at
    /// `now`; `None` when nobody is seated (or the room was deleted).
    pub fn handoff(&self, now: u64) -> Option<Handoff> {
        if self.roster.is_empty() || self.deleted {
            return None;
        }
        let seats = self.roster.seats().iter().map(|s| HandedSeat {
            info: s.info.clone(),
            dropped_at: s.dropped_at.unwrap_or(now).min(now),
        });
        Some(Handoff {
            seats: seats.collect(),
            host: self.roster.host().cloned(),
            game: self.game.clone(),
            public: self.public,
        })
    }

    /// Seats the players of `handoff` in a room just loaded, at `now`:
    /// each in grace since its connection dropped, so a seat whose grace
    /// already ran out (the room was loaded late) is left out, as are
    /// banned players. The host is kept when still seated, and the room's
    /// game and matchmaking when anyone is. Nothing is sent: nobody is
    /// connected yet.
    pub fn restore(&mut self, handoff: Handoff, now: u64) {
        if !self.roster.is_empty() {
            return;
        }
        for seat in handoff.seats {
            // Another node's clock may run ahead of this one's.
            let dropped_at = seat.dropped_at.min(now);
            let live = dropped_at.saturating_add(self.meta.grace_ms) > now;
            if live && !self.banned.contains(&seat.info.id) {
                self.roster.add_in_grace(seat.info, dropped_at);
            }
        }
        if self.roster.is_empty() {
            return;
        }
        let host = handoff.host.filter(|h| self.roster.seat(h).is_some());
        self.roster.set_host(host);
        self.roster.elect(self.meta.owner.as_ref());
        self.game = handoff.game;
        self.public = handoff.public;
    }
}
