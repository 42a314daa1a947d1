//! Who is seated and who hosts, as the relay says.

use coinop_protocol::{PlayerId, PlayerInfo};

/// The relay's roster: players in seating order, and the host.
#[derive(Debug, Default)]
pub(crate) struct Roster {
    pub(crate) players: Vec<PlayerInfo>,
    pub(crate) host: Option<PlayerId>,
}

impl Roster {
    /// Adds a player; returns false if already seated (then updates the info).
    pub(crate) fn join(&mut self, info: PlayerInfo) -> bool {
        if let Some(p) = self.players.iter_mut().find(|p| p.id == info.id) {
            *p = info;
            return false;
        }
        self.players.push(info);
        true
    }

    /// Removes a player; returns whether they were seated.
    pub(crate) fn leave(&mut self, id: &PlayerId) -> bool {
        let before = self.players.len();
        self.players.retain(|p| &p.id != id);
        before != self.players.len()
    }

    /// The seated player with this id.
    pub(crate) fn get(&self, id: &PlayerId) -> Option<&PlayerInfo> {
        self.players.iter().find(|p| &p.id == id)
    }
}
