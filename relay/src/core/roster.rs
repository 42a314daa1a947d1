//! Who holds a seat in a room, and who is the host.

use super::conn_id::ConnId;
use coinop_protocol::{PlayerId, PlayerInfo, Profile, Role};

/// One player's seat. A seat outlives its connection for the grace period.
#[derive(Debug, Clone)]
pub(crate) struct Seat {
    pub(crate) info: PlayerInfo,
    /// The live connection, or `None` while in grace.
    pub(crate) conn: Option<ConnId>,
    /// When the connection dropped, in ms; `Some` only while in grace.
    pub(crate) dropped_at: Option<u64>,
}

/// Seats in seating order, plus the host.
#[derive(Debug, Default)]
pub(crate) struct Roster {
    seats: Vec<Seat>,
    host: Option<PlayerId>,
}

impl Roster {
    pub(crate) fn len(&self) -> usize {
        self.seats.len()
    }

    /// Seats taken by players (stream screens and spectators take none).
    pub(crate) fn player_count(&self) -> usize {
        self.seats
            .iter()
            .filter(|s| s.info.role.is_player())
            .count()
    }

    /// Stream screens and spectators.
    pub(crate) fn watcher_count(&self) -> usize {
        self.len() - self.player_count()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.seats.is_empty()
    }

    pub(crate) fn host(&self) -> Option<&PlayerId> {
        self.host.as_ref()
    }

    pub(crate) fn seat(&self, player: &PlayerId) -> Option<&Seat> {
        self.seats.iter().find(|s| &s.info.id == player)
    }

    pub(crate) fn seat_mut(&mut self, player: &PlayerId) -> Option<&mut Seat> {
        self.seats.iter_mut().find(|s| &s.info.id == player)
    }

    pub(crate) fn player_of(&self, conn: ConnId) -> Option<&PlayerId> {
        self.seats
            .iter()
            .find(|s| s.conn == Some(conn))
            .map(|s| &s.info.id)
    }

    pub(crate) fn conn_of(&self, player: &PlayerId) -> Option<ConnId> {
        self.seat(player).and_then(|s| s.conn)
    }

    pub(crate) fn players(&self) -> Vec<PlayerInfo> {
        self.seats.iter().map(|s| s.info.clone()).collect()
    }

    /// Every live connection, in seating order.
    pub(crate) fn conns(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.seats.iter().filter_map(|s| s.conn)
    }

    pub(crate) fn add(
        &mut self,
        id: PlayerId,
        profile: Profile,
        bot: bool,
        role: Role,
        conn: ConnId,
        now: u64,
    ) {
        self.seats.push(Seat {
            info: PlayerInfo {
                id,
                profile,
                joined_at: now,
                bot,
                role,
            },
            conn: Some(conn),
            dropped_at: None,
        });
    }

    /// Seats a player whose connection is not here yet (a room handed over
    /// by a draining node), in grace since `dropped_at`. A seat taken
    /// already is left as it is.
    pub(crate) fn add_in_grace(&mut self, info: PlayerInfo, dropped_at: u64) {
        if self.seat(&info.id).is_none() {
            self.seats.push(Seat {
                info,
                conn: None,
                dropped_at: Some(dropped_at),
            });
        }
    }

    /// Every seat, in seating order.
    pub(crate) fn seats(&self) -> &[Seat] {
        &self.seats
    }

    /// Empties the roster (the room is being deleted).
    pub(crate) fn clear(&mut self) {
        self.seats.clear();
        self.host = None;
    }

    pub(crate) fn remove(&mut self, player: &PlayerId) -> bool {
        let before = self.seats.len();
        self.seats.retain(|s| &s.info.id != player);
        before != self.seats.len()
    }

    /// Seats whose grace period ended by `now`.
    pub(crate) fn expired(&self, now: u64, grace_ms: u64) -> Vec<PlayerId> {
        self.seats
            .iter()
            .filter(|s| {
                s.dropped_at
                    .is_some_and(|t| t.saturating_add(grace_ms) <= now)
            })
            .map(|s| s.info.id.clone())
            .collect()
    }

    /// The earliest time a grace period ends.
    pub(crate) fn next_expiry(&self, grace_ms: u64) -> Option<u64> {
        self.seats
            .iter()
            .filter_map(|s| s.dropped_at.map(|t| t.saturating_add(grace_ms)))
            .min()
    }

    pub(crate) fn set_host(&mut self, host: Option<PlayerId>) {
        self.host = host;
    }

    /// Keeps the host if still seated, else elects the room's `owner` if
    /// seated, else the earliest seat that is neither a bot nor a
    /// spectator's (spectators are read-only). Returns whether the host
    /// changed.
    pub(crate) fn elect(&mut self, owner: Option<&PlayerId>) -> bool {
        let still_seated = self.host.as_ref().is_some_and(|h| self.seat(h).is_some());
        if still_seated {
            return false;
        }
        let can_host = |s: &Seat| !s.info.bot && s.info.role != Role::Spectator;
        let owner = owner.filter(|o| self.seat(o).is_some_and(can_host));
        let next = owner.cloned().or_else(|| {
            self.seats
                .iter()
                .find(|s| can_host(s))
                .map(|s| s.info.id.clone())
        });
        let changed = next != self.host;
        self.host = next;
        changed
    }

    /// Restarts the grace period of every dropped bot seat at `now`: a bot
    /// runs on its host's client, so when the host changes the new host
    /// needs a whole grace period to join the bots it now runs.
    pub(crate) fn renew_bot_grace(&mut self, now: u64) {
        for seat in self.seats.iter_mut().filter(|s| s.info.bot) {
            if seat.dropped_at.is_some() {
                seat.dropped_at = Some(now);
            }
        }
    }
}
