//! The options object passed to `new WasmRoom(options, storage)`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// See `BackendOptions` in `bindings/js/src/backend.ts`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    pub relay_url: String,
    pub room_code: Option<String>,
    pub max_players: Option<u16>,
    pub grace_period_ms: Option<u32>,
    /// Join `room_code` only if that room exists (ROOM_NOT_FOUND otherwise).
    pub only_existing: Option<bool>,
    // Options, not defaults: JS passes `undefined` for absent fields.
    pub default_states: Option<BTreeMap<String, serde_json::Value>>,
    pub default_player_states: Option<BTreeMap<String, serde_json::Value>>,
    /// The player's chosen profile: always written.
    pub profile: Option<ProfileOptions>,
    /// A profile for a new player; a returning one keeps the stored one.
    pub default_profile: Option<ProfileOptions>,
    pub rpc_timeout_ms: Option<u32>,
    pub identity_key: Option<String>,
    /// Write rules when this client creates the room.
    pub room_rules: Option<RoomRulesOptions>,
    /// Join as a bot seat run by this player (the host); the identity then
    /// holds the bot's id with the host's secret.
    pub bot_of: Option<String>,
    /// Playroom Kit's `gameId`: public rooms and matchmaking are per game.
    pub game_id: Option<String>,
    /// Matchmake, waiting this long for an open public room (ms).
    pub matchmaking_wait_ms: Option<u32>,
    /// "player" (default), "streamScreen" or "spectator".
    pub role: Option<String>,
}

/// `RoomRules` in `bindings/js/src/options.ts`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomRulesOptions {
    /// "ownerOrHost" (default), "ownerOnly" or "anyone".
    pub player_state: Option<String>,
    pub room_state_host_only: Option<bool>,
    pub host_only_keys: Option<Vec<String>>,
}

impl RoomRulesOptions {
    /// The protocol's rules; `Err` names an unknown `playerState`.
    pub fn to_rules(&self) -> Result<coinop::RoomRules, String> {
        use coinop::PlayerStateWriters as W;
        let writers = match self.player_state.as_deref() {
            None | Some("ownerOrHost") => W::OwnerOrHost,
            Some("ownerOnly") => W::OwnerOnly,
            Some("anyone") => W::Anyone,
            Some(other) => {
                return Err(format!(
                    "roomRules.playerState must be \"ownerOrHost\", \"ownerOnly\" or \"anyone\", not {other:?}"
                ));
            }
        };
        Ok(coinop::RoomRules::default()
            .with_player_state(writers)
            .with_room_state_host_only(self.room_state_host_only.unwrap_or(false))
            .with_host_only_keys(self.host_only_keys.clone().unwrap_or_default()))
    }
}

/// A partial profile.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileOptions {
    pub name: Option<String>,
    pub color: Option<String>,
    pub avatar: Option<String>,
}
