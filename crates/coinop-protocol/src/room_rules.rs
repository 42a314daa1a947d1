//! Who may write what in a room: chosen by the join that creates the room,
//! kept with the room, enforced by the relay on every published change.
//!
//! ```
//! use coinop_protocol::{PlayerStateWriters, RoomRules};
//!
//! // Playroom's own rule: anyone writes any player's state.
//! let loose = RoomRules::default().with_player_state(PlayerStateWriters::Anyone);
//! assert!(loose.check().is_ok());
//! // Only the host sets the round and the timer.
//! let strict = RoomRules::default().with_host_only_keys(["round", "timer"]);
//! assert!(strict.is_host_only("round") && !strict.is_host_only("chat"));
//! ```

use serde::{Deserialize, Serialize};

/// Most keys [`RoomRules::host_only_keys`] may name.
pub const MAX_HOST_ONLY_KEYS: usize = 64;

/// Longest key in [`RoomRules::host_only_keys`], in bytes.
pub const MAX_RULE_KEY_BYTES: usize = 256;

/// Who may write `ROOT["players"][p]["state"]`, player `p`'s state.
///
/// A player's profile is always written by that player alone, whatever
/// the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PlayerStateWriters {
    /// The player, and whoever is the room's host at the time (a host
    /// writes everyone's score). The default.
    #[default]
    OwnerOrHost,
    /// The player alone.
    OwnerOnly,
    /// Any player in the room (Playroom's own rule).
    Anyone,
}

/// A room's write rules. The default is what every room had before rules
/// existed, plus the checks the relay always makes: a player's state by
/// that player or the host, a profile by its player, room state by anyone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RoomRules {
    /// Who writes each player's state.
    pub player_state: PlayerStateWriters,
    /// Whether only the host writes the room state (every key of
    /// `ROOT["state"]`).
    pub room_state_host_only: bool,
    /// Keys of the room state that only the host writes (more keys stay
    /// open to everyone). At most [`MAX_HOST_ONLY_KEYS`] keys of at most
    /// [`MAX_RULE_KEY_BYTES`] bytes.
    pub host_only_keys: Vec<String>,
}

impl RoomRules {
    /// The same rules with `writers` for player state.
    pub fn with_player_state(mut self, writers: PlayerStateWriters) -> RoomRules {
        self.player_state = writers;
        self
    }

    /// The same rules with the whole room state written by the host alone
    /// (or not).
    pub fn with_room_state_host_only(mut self, host_only: bool) -> RoomRules {
        self.room_state_host_only = host_only;
        self
    }

    /// The same rules with these room state keys written by the host alone.
    pub fn with_host_only_keys<K: Into<String>>(
        mut self,
        keys: impl IntoIterator<Item = K>,
    ) -> RoomRules {
        self.host_only_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Whether only the host may write room state `key`.
    pub fn is_host_only(&self, key: &str) -> bool {
        self.room_state_host_only || self.host_only_keys.iter().any(|k| k == key)
    }

    /// Whether the rules are within their limits; `Err` says what is not.
    pub fn check(&self) -> Result<(), String> {
        if self.host_only_keys.len() > MAX_HOST_ONLY_KEYS {
            return Err(format!(
                "{} host-only keys, at most {MAX_HOST_ONLY_KEYS} are allowed",
                self.host_only_keys.len()
            ));
        }
        match self
            .host_only_keys
            .iter()
            .find(|k| k.len() > MAX_RULE_KEY_BYTES)
        {
            Some(k) => Err(format!(
                "a host-only key has {} bytes, at most {MAX_RULE_KEY_BYTES} are allowed",
                k.len()
            )),
            None => Ok(()),
        }
    }

    /// The rules as stored with a room (the wire encoding).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain strings and enums into a Vec cannot fail.
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// Parses [`RoomRules::to_bytes`]; `None` when malformed.
    pub fn from_bytes(bytes: &[u8]) -> Option<RoomRules> {
        postcard::from_bytes(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_round_trip_and_check_their_limits() {
        let rules = RoomRules::default()
            .with_player_state(PlayerStateWriters::OwnerOnly)
            .with_host_only_keys(["a", "b"]);
        assert_eq!(RoomRules::from_bytes(&rules.to_bytes()), Some(rules));
        assert!(RoomRules::from_bytes(&[9, 9, 9]).is_none());
        let many = RoomRules::default().with_host_only_keys((0..65).map(|i| i.to_string()));
        assert!(many.check().is_err());
        let long = RoomRules::default().with_host_only_keys(["x".repeat(257)]);
        assert!(long.check().is_err());
        assert!(
            RoomRules::default()
                .with_room_state_host_only(true)
                .is_host_only("any")
        );
    }
}
