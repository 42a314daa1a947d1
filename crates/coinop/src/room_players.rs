//! Players, per-player state, profiles and the host.

use crate::error::Error;
use crate::player::Player;
use crate::reliability::Reliability;
use crate::room::Room;
use crate::transport::now_ms;
use coinop_protocol::{ClientMessage, PlayerId, Profile, Role, StateTarget};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl Room {
    /// Seated players in seating order, this one included (if a player):
    /// stream screens and spectators are not players, see [`Room::members`].
    pub fn players(&self) -> Vec<Player> {
        let mut all = self.members();
        all.retain(|p| p.role.is_player());
        all
    }

    /// Everyone in the room's roster, in seating order: players, stream
    /// screens and spectators, each with its [`Player::role`].
    pub fn members(&self) -> Vec<Player> {
        self.read(|c| c.players())
    }

    /// What this client is in the room (the builder's role).
    pub fn role(&self) -> Role {
        self.read(|c| c.role())
    }

    /// Whether this client is a stream screen (Playroom Kit's `isStreamScreen`).
    pub fn is_stream_screen(&self) -> bool {
        self.role() == Role::StreamScreen
    }

    /// One member of the roster (a player, stream screen or spectator).
    pub fn player(&self, id: &PlayerId) -> Option<Player> {
        self.members().into_iter().find(|p| &p.id == id)
    }

    /// Sets a key of a player's state. Any player may write any player's
    /// state (as in Playroom Kit); the relay stamps who wrote it.
    pub fn set_player_state<T: Serialize + ?Sized>(
        &self,
        player: &PlayerId,
        key: &str,
        value: &T,
        reliability: Reliability,
    ) -> Result<(), Error> {
        self.set(StateTarget::Player(player.clone()), key, value, reliability)
    }

    /// Sets a key of this player's own state.
    pub fn set_my_state<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        reliability: Reliability,
    ) -> Result<(), Error> {
        self.set_player_state(&self.me(), key, value, reliability)
    }

    /// A key of a player's state (same rules as [`Room::get_state`]).
    pub fn get_player_state<T: DeserializeOwned>(&self, player: &PlayerId, key: &str) -> Option<T> {
        self.get_player_state_json(player, key)
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// A key of a player's state as JSON.
    pub fn get_player_state_json(&self, player: &PlayerId, key: &str) -> Option<serde_json::Value> {
        self.read(|c| c.get_state(&StateTarget::Player(player.clone()), key))
    }

    /// Every key of a player's state with a value, sorted.
    pub fn player_state_keys(&self, player: &PlayerId) -> Vec<String> {
        self.read(|c| c.keys(&StateTarget::Player(player.clone())))
    }

    /// Adds `by` to a counter in a player's state (see [`Room::increment`]).
    pub fn increment_player_state(
        &self,
        player: &PlayerId,
        key: &str,
        by: i64,
    ) -> Result<i64, Error> {
        self.with_core(|c| c.increment(now_ms(), StateTarget::Player(player.clone()), key, by))
    }

    /// Puts every seated player's state back to the builder's player
    /// defaults (keys without a default are removed); one change per player.
    pub fn reset_player_states(&self) -> Result<(), Error> {
        self.reset_player_states_except(&[])
    }

    /// [`Room::reset_player_states`], leaving the keys in `keep` as they are
    /// (Playroom Kit's `resetPlayersStates(keysToExclude)`).
    pub fn reset_player_states_except(&self, keep: &[String]) -> Result<(), Error> {
        self.with_core(|c| {
            let ids = c.player_ids();
            ids.into_iter()
                .try_for_each(|id| c.reset_states(now_ms(), StateTarget::Player(id), keep))
        })
    }

    /// A player's profile, from the room document (so it is known even for
    /// players who left) or else from the roster.
    pub fn profile(&self, player: &PlayerId) -> Option<Profile> {
        self.read(|c| c.profile(player))
    }

    /// Changes this player's profile (a reliable document write; the relay's
    /// roster keeps the profile given at join until the next join).
    pub fn set_profile(&self, profile: Profile) -> Result<(), Error> {
        self.with_core(|c| c.write_profile(now_ms(), &profile))
    }

    /// The current host, as the relay decided.
    pub fn host(&self) -> Option<PlayerId> {
        self.read(|c| c.host().cloned())
    }

    /// Whether this player is the host.
    pub fn is_host(&self) -> bool {
        self.read(|c| c.is_host())
    }

    /// Host only: makes `to` the host. Everyone sees a `HostChanged` event.
    pub fn transfer_host(&self, to: &PlayerId) -> Result<(), Error> {
        self.with_core(|c| c.host_command(ClientMessage::TransferHost { to: to.clone() }))
    }

    /// Host only: removes `player` from the room; their client stops with
    /// a `KICKED` error.
    pub fn kick(&self, player: &PlayerId) -> Result<(), Error> {
        self.with_core(|c| {
            c.host_command(ClientMessage::Kick {
                player: player.clone(),
            })
        })
    }

    /// Host only: lets a player kicked from this room join it again. A kick
    /// lasts until this (the relay keeps it with the room, across
    /// restarts); the kicked player's joins end with `KICKED` meanwhile.
    pub fn unban(&self, player: &PlayerId) -> Result<(), Error> {
        self.with_core(|c| {
            c.host_command(ClientMessage::Unban {
                player: player.clone(),
            })
        })
    }

    /// The room's owner (the player who created it) only: deletes the room
    /// for good, with everything the relay stored of it. Every client in
    /// it, this one included, stops with `ROOM_DELETED`; anyone else gets a
    /// `NOT_OWNER` error event and the room goes on.
    pub fn delete_room(&self) -> Result<(), Error> {
        self.with_core(|c| c.relay_command(ClientMessage::DeleteRoom))
    }

    /// Leaves the room now (others see `PlayerLeft` at once, without the
    /// grace period) and stops the driver. Changes not yet acknowledged stay
    /// in the replica store, if there is one.
    pub fn leave(&self) {
        self.with_core(|c| c.leave());
    }
}
