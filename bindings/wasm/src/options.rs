//! The options object passed to `new WasmRoom(options, storage)`.

use crate::js_object::JsObject;
use wasm_bindgen::JsValue;

/// JSON values by key.
type JsonMap = serde_json::Map<String, serde_json::Value>;

/// See `BackendOptions` in `bindings/js/src/backend.ts`.
pub struct Options {
    pub relay_url: String,
    pub room_code: Option<String>,
    pub max_players: Option<u16>,
    pub grace_period_ms: Option<u32>,
    /// Join `room_code` only if that room exists (ROOM_NOT_FOUND otherwise).
    pub only_existing: Option<bool>,
    // Options, not defaults: JS passes `undefined` for absent fields.
    pub default_states: Option<JsonMap>,
    pub default_player_states: Option<JsonMap>,
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

impl Options {
    /// Reads the options JS passed; errors are `INVALID_OPTIONS`.
    pub fn from_js(value: JsValue) -> Result<Options, JsValue> {
        let o = JsObject::required(value, "INVALID_OPTIONS", "the options")?;
        let u16_max = u32::from(u16::MAX);
        Ok(Options {
            relay_url: o.required_string("relayUrl")?,
            room_code: o.string("roomCode")?,
            max_players: o.uint("maxPlayers", u16_max)?.map(|n| n as u16),
            grace_period_ms: o.uint("gracePeriodMs", u32::MAX)?,
            only_existing: o.bool("onlyExisting")?,
            default_states: o.json_map("defaultStates")?,
            default_player_states: o.json_map("defaultPlayerStates")?,
            profile: o
                .object("profile")?
                .map(|p| ProfileOptions::read(&p))
                .transpose()?,
            default_profile: o
                .object("defaultProfile")?
                .map(|p| ProfileOptions::read(&p))
                .transpose()?,
            rpc_timeout_ms: o.uint("rpcTimeoutMs", u32::MAX)?,
            identity_key: o.string("identityKey")?,
            room_rules: o
                .object("roomRules")?
                .map(|r| RoomRulesOptions::read(&r))
                .transpose()?,
            bot_of: o.string("botOf")?,
            game_id: o.string("gameId")?,
            matchmaking_wait_ms: o.uint("matchmakingWaitMs", u32::MAX)?,
            role: o.string("role")?,
        })
    }
}

/// `RoomRules` in `bindings/js/src/options.ts`.
#[derive(Default)]
pub struct RoomRulesOptions {
    /// "ownerOrHost" (default), "ownerOnly" or "anyone".
    pub player_state: Option<String>,
    pub room_state_host_only: Option<bool>,
    pub host_only_keys: Option<Vec<String>>,
}

impl RoomRulesOptions {
    fn read(o: &JsObject<'_>) -> Result<RoomRulesOptions, JsValue> {
        Ok(RoomRulesOptions {
            player_state: o.string("playerState")?,
            room_state_host_only: o.bool("roomStateHostOnly")?,
            host_only_keys: o.strings("hostOnlyKeys")?,
        })
    }

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
#[derive(Default)]
pub struct ProfileOptions {
    pub name: Option<String>,
    pub color: Option<String>,
    pub avatar: Option<String>,
}

impl ProfileOptions {
    /// Reads `{name?, color?, avatar?}`.
    pub fn read(o: &JsObject<'_>) -> Result<ProfileOptions, JsValue> {
        Ok(ProfileOptions {
            name: o.string("name")?,
            color: o.string("color")?,
            avatar: o.string("avatar")?,
        })
    }
}
