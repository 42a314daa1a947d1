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
    // Options, not defaults: JS passes `undefined` for absent fields.
    pub default_states: Option<BTreeMap<String, serde_json::Value>>,
    pub default_player_states: Option<BTreeMap<String, serde_json::Value>>,
    /// The player's chosen profile: always written.
    pub profile: Option<ProfileOptions>,
    /// A profile for a new player; a returning one keeps the stored one.
    pub default_profile: Option<ProfileOptions>,
    pub rpc_timeout_ms: Option<u32>,
    pub identity_key: Option<String>,
    /// Playroom Kit's `gameId`: public rooms and matchmaking are per game.
    pub game_id: Option<String>,
    /// Matchmake, waiting this long for an open public room (ms).
    pub matchmaking_wait_ms: Option<u32>,
    /// "player" (default), "streamScreen" or "spectator".
    pub role: Option<String>,
}

/// A partial profile.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileOptions {
    pub name: Option<String>,
    pub color: Option<String>,
    pub avatar: Option<String>,
}
