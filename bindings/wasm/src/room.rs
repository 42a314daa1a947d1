//! `WasmRoom`: one player in one room, driven on the JS event loop.

use crate::convert::{object, opt_to_js, to_js, to_json};
use crate::error::{from_sdk, js_error};
use crate::event::{events_json, role_name, status_name};
use crate::heap;
use crate::identity;
use crate::js_object::JsObject;
use crate::options::Options;
use coinop::{
    Events, IdentityStore, PlayerId, Profile, Reliability, Role, Room, RoomBuilder, RpcTarget,
};
use futures_util::StreamExt;
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::future::Future;
use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local};

/// One player in one room. Created by the npm package's `insertCoin`.
#[wasm_bindgen]
pub struct WasmRoom {
    room: Room,
    events: RefCell<Option<Events>>,
}

fn player_id(id: &str) -> Result<PlayerId, JsValue> {
    PlayerId::new(id).map_err(|e| js_error("INVALID_ID", &e.to_string()))
}

/// A promise for `work`, boxed: one instantiation of wasm-bindgen's promise
/// glue serves every method, not one per future type (smaller Wasm).
fn promise(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let work: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(work);
    future_to_promise(work)
}

fn reliability(reliable: bool) -> Reliability {
    if reliable {
        Reliability::Reliable
    } else {
        Reliability::Unreliable
    }
}

/// The RPC target JS passes: `{mode: "host" | "all" | "others"}` or
/// `{mode: "player", player}`.
fn rpc_target(target: JsValue) -> Result<RpcTarget, JsValue> {
    let target = JsObject::required(target, "INVALID_TARGET", "the target")?;
    Ok(match target.string("mode")?.as_deref() {
        Some("host") => RpcTarget::Host,
        Some("all") => RpcTarget::All,
        Some("others") => RpcTarget::Others,
        Some("player") => RpcTarget::Player(player_id(&target.required_string("player")?)?),
        other => {
            return Err(js_error(
                "INVALID_TARGET",
                &format!(
                    "unknown mode {other:?}, expected one of `host`, `all`, `others`, `player`"
                ),
            ));
        }
    })
}

#[wasm_bindgen]
impl WasmRoom {
    /// Starts joining the room `options` describe; the identity is read from
    /// (or written to) `storage`. `replica`, when given, is the browser
    /// replica `{ initial?: Uint8Array, save(player, room, bytes): Promise }`
    /// (see `replica.rs`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, storage: JsValue, replica: JsValue) -> Result<WasmRoom, JsValue> {
        let options = Options::from_js(options)?;
        let identity = identity::load_or_create(&storage, options.identity_key.as_deref())?;
        let replica = crate::replica::from_js(
            identity
                .load_or_create()
                .map_err(from_sdk)?
                .player
                .to_string(),
            &replica,
        )?;
        let fallback = options.default_profile.unwrap_or_default();
        let merged = |p: crate::options::ProfileOptions| Profile {
            name: p.name.or(fallback.name.clone()).unwrap_or_default(),
            color: p.color.or(fallback.color.clone()).unwrap_or_default(),
            avatar: p.avatar.or(fallback.avatar.clone()).unwrap_or_default(),
        };
        let mut builder = RoomBuilder::new(options.relay_url).identity_store(identity);
        if let Some(store) = replica {
            builder = builder.replica_store(store);
        }
        builder = match options.profile {
            Some(chosen) => builder.profile(merged(chosen)),
            None => builder.default_profile(merged(Default::default())),
        };
        if let Some(code) = options.room_code {
            builder = builder.room(code);
        }
        if let Some(owner) = options.bot_of {
            builder = builder.bot_of(player_id(&owner)?);
        }
        if let Some(n) = options.max_players {
            builder = builder.max_players(n);
        }
        if let Some(yes) = options.only_existing {
            builder = builder.only_existing(yes);
        }
        if let Some(ms) = options.grace_period_ms {
            builder = builder.grace_period(Duration::from_millis(ms.into()));
        }
        if let Some(rules) = &options.room_rules {
            let rules = rules
                .to_rules()
                .map_err(|e| js_error("INVALID_OPTIONS", &e))?;
            builder = builder.room_rules(rules);
        }
        if let Some(ms) = options.rpc_timeout_ms {
            builder = builder.rpc_timeout(Duration::from_millis(ms.into()));
        }
        if let Some(game) = options.game_id {
            builder = builder.game(game);
        }
        if let Some(ms) = options.matchmaking_wait_ms {
            builder = builder.matchmaking(Duration::from_millis(ms.into()));
        }
        builder = builder.role(match options.role.as_deref() {
            None | Some("player") => Role::Player,
            Some("streamScreen") => Role::StreamScreen,
            Some("spectator") => Role::Spectator,
            Some(other) => {
                return Err(js_error(
                    "INVALID_OPTIONS",
                    &format!("unknown role {other:?}"),
                ));
            }
        });
        for (key, value) in options.default_states.iter().flatten() {
            builder = builder.default_state(key, value);
        }
        for (key, value) in options.default_player_states.iter().flatten() {
            builder = builder.default_player_state(key, value);
        }
        let (room, driver) = builder.build().map_err(from_sdk)?;
        let events = room.events();
        let mut driver = Box::pin(driver);
        spawn_local(async move {
            // Fatal errors reach JS as events; the driver's result repeats them.
            let _ = poll_fn(|cx| {
                let turn = driver.as_mut().poll(cx);
                heap::reserve_after_growth();
                turn
            })
            .await;
        });
        Ok(WasmRoom {
            room,
            events: RefCell::new(Some(events)),
        })
    }

    /// Resolves once joined and caught up; rejects with the relay's refusal.
    pub fn ready(&self) -> Promise {
        let room = self.room.clone();
        promise(async move {
            room.ready().await.map_err(from_sdk)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Delivers every event to `callback` (call once), in batches: each
    /// call passes a JSON array of the events ready at that moment, in order.
    #[wasm_bindgen(js_name = onEvents)]
    pub fn on_events(&self, callback: Function) {
        let Some(mut events) = self.events.borrow_mut().take() else {
            return;
        };
        let room = self.room.clone();
        spawn_local(async move {
            while let Some(event) = events.next().await {
                let mut batch = vec![event];
                batch.extend(events.drain());
                let json = events_json(batch, room.status(), room.is_saved());
                let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(&json));
            }
        });
    }

    /// The room's code, once known.
    #[wasm_bindgen(js_name = roomCode)]
    pub fn room_code(&self) -> Option<String> {
        self.room.room_code().map(|c| c.to_string())
    }

    /// This player's id.
    #[wasm_bindgen(js_name = myId)]
    pub fn my_id(&self) -> String {
        self.room.me().to_string()
    }

    /// Sets a room state key.
    #[wasm_bindgen(js_name = setState)]
    pub fn set_state(&self, key: &str, value: JsValue, reliable: bool) -> Result<(), JsValue> {
        let value = to_json(value)?;
        self.room
            .set_state(key, &value, reliability(reliable))
            .map_err(from_sdk)
    }

    /// A room state value, `undefined` when unset.
    #[wasm_bindgen(js_name = getState)]
    pub fn get_state(&self, key: &str) -> JsValue {
        opt_to_js(self.room.get_state_json(key))
    }

    /// The room state's keys.
    #[wasm_bindgen(js_name = stateKeys)]
    pub fn state_keys(&self) -> Vec<String> {
        self.room.state_keys()
    }

    /// Resets room state to the defaults, keeping `exclude`.
    #[wasm_bindgen(js_name = resetStates)]
    pub fn reset_states(&self, exclude: Vec<String>) -> Result<(), JsValue> {
        self.room.reset_states_except(&exclude).map_err(from_sdk)
    }

    /// Adds `by` to a counter.
    pub fn increment(&self, key: &str, by: f64) -> Result<(), JsValue> {
        if by.fract() != 0.0 || !by.is_finite() {
            return Err(js_error(
                "INVALID_VALUE",
                "increment() takes a whole number",
            ));
        }
        self.room
            .increment(key, by as i64)
            .map(|_| ())
            .map_err(from_sdk)
    }

    /// Sets a player's state key.
    #[wasm_bindgen(js_name = setPlayerState)]
    pub fn set_player_state(
        &self,
        player: &str,
        key: &str,
        value: JsValue,
        reliable: bool,
    ) -> Result<(), JsValue> {
        let value = to_json(value)?;
        self.room
            .set_player_state(&player_id(player)?, key, &value, reliability(reliable))
            .map_err(from_sdk)
    }

    /// A player's state value, `undefined` when unset.
    #[wasm_bindgen(js_name = getPlayerState)]
    pub fn get_player_state(&self, player: &str, key: &str) -> Result<JsValue, JsValue> {
        Ok(opt_to_js(
            self.room.get_player_state_json(&player_id(player)?, key),
        ))
    }

    /// Resets every player's state to the defaults, keeping `exclude`.
    #[wasm_bindgen(js_name = resetPlayersStates)]
    pub fn reset_players_states(&self, exclude: Vec<String>) -> Result<(), JsValue> {
        self.room
            .reset_player_states_except(&exclude)
            .map_err(from_sdk)
    }

    /// A player's profile `{name, color, avatar}`, `undefined` when unknown.
    pub fn profile(&self, player: &str) -> Result<JsValue, JsValue> {
        Ok(self
            .room
            .profile(&player_id(player)?)
            .map_or(JsValue::UNDEFINED, |p| {
                object(&[
                    ("avatar", p.avatar.into()),
                    ("color", p.color.into()),
                    ("name", p.name.into()),
                ])
            }))
    }

    /// Changes this player's profile; missing fields keep their value.
    #[wasm_bindgen(js_name = setProfile)]
    pub fn set_profile(&self, profile: JsValue) -> Result<(), JsValue> {
        let update = crate::options::ProfileOptions::read(&JsObject::required(
            profile,
            "INVALID_VALUE",
            "the profile",
        )?)?;
        let mut current = self.room.profile(&self.room.me()).unwrap_or_default();
        if let Some(name) = update.name {
            current.name = name;
        }
        if let Some(color) = update.color {
            current.color = color;
        }
        if let Some(avatar) = update.avatar {
            current.avatar = avatar;
        }
        self.room.set_profile(current).map_err(from_sdk)
    }

    /// Seated players' ids in seating order.
    pub fn players(&self) -> Vec<String> {
        self.room
            .players()
            .into_iter()
            .map(|p| p.id.to_string())
            .collect()
    }

    /// Whether `player`'s seat is a bot.
    #[wasm_bindgen(js_name = isBot)]
    pub fn is_bot(&self, player: &str) -> Result<bool, JsValue> {
        Ok(self
            .room
            .player(&player_id(player)?)
            .is_some_and(|p| p.is_bot))
    }

    /// This client's role: "player", "streamScreen" or "spectator".
    pub fn role(&self) -> String {
        role_name(self.room.role()).to_owned()
    }

    /// Everyone in the roster, players or not: `[{id, role}]`.
    pub fn members(&self) -> JsValue {
        self.room
            .members()
            .into_iter()
            .map(|m| {
                object(&[
                    ("id", m.id.to_string().into()),
                    ("role", role_name(m.role).into()),
                ])
            })
            .collect::<js_sys::Array>()
            .into()
    }

    /// Stores this player's persistent `key` (across rooms and sessions);
    /// `undefined` deletes it.
    #[wasm_bindgen(js_name = setPersistentData)]
    pub fn set_persistent_data(&self, key: String, value: JsValue) -> Result<Promise, JsValue> {
        let value = if value.is_undefined() {
            None
        } else {
            Some(to_json(value)?)
        };
        let room = self.room.clone();
        Ok(promise(async move {
            match value {
                Some(v) => room.set_persistent_data(&key, &v).await,
                None => room.delete_persistent_data(&key).await,
            }
            .map_err(from_sdk)?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Appends to the list under this player's persistent `key`.
    #[wasm_bindgen(js_name = insertPersistentData)]
    pub fn insert_persistent_data(&self, key: String, value: JsValue) -> Result<Promise, JsValue> {
        let value = to_json(value)?;
        let room = self.room.clone();
        Ok(promise(async move {
            room.insert_persistent_data(&key, &value)
                .await
                .map_err(from_sdk)?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// This player's persistent `key`, `undefined` when unset.
    #[wasm_bindgen(js_name = getPersistentData)]
    pub fn get_persistent_data(&self, key: String) -> Promise {
        let room = self.room.clone();
        promise(async move {
            let value: Option<serde_json::Value> =
                room.get_persistent_data(&key).await.map_err(from_sdk)?;
            Ok(opt_to_js(value))
        })
    }

    /// Host only: opens this room to matchmaking for its game.
    #[wasm_bindgen(js_name = startMatchmaking)]
    pub fn start_matchmaking(&self) -> Promise {
        let room = self.room.clone();
        promise(async move {
            room.start_matchmaking().await.map_err(from_sdk)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The host's id.
    #[wasm_bindgen(js_name = hostId)]
    pub fn host_id(&self) -> Option<String> {
        self.room.host().map(|p| p.to_string())
    }

    /// Host only: makes `player` the host.
    #[wasm_bindgen(js_name = transferHost)]
    pub fn transfer_host(&self, player: &str) -> Result<(), JsValue> {
        self.room
            .transfer_host(&player_id(player)?)
            .map_err(from_sdk)
    }

    /// Host only: removes `player`.
    pub fn kick(&self, player: &str) -> Result<(), JsValue> {
        self.room.kick(&player_id(player)?).map_err(from_sdk)
    }

    /// Host only: lets a kicked player join again.
    pub fn unban(&self, player: &str) -> Result<(), JsValue> {
        self.room.unban(&player_id(player)?).map_err(from_sdk)
    }

    /// The room's owner only: deletes the room (everyone is disconnected
    /// with `ROOM_DELETED`; anyone else gets a `NOT_OWNER` error event).
    #[wasm_bindgen(js_name = deleteRoom)]
    pub fn delete_room(&self) -> Result<(), JsValue> {
        self.room.delete_room().map_err(from_sdk)
    }

    /// Leaves the room now.
    pub fn leave(&self) {
        self.room.leave();
    }

    /// `{connection, saved}`.
    pub fn status(&self) -> JsValue {
        object(&[
            ("connection", status_name(self.room.status()).into()),
            ("saved", self.room.is_saved().into()),
        ])
    }

    /// The shared clock: the relay's time estimate, ms since the Unix epoch.
    #[wasm_bindgen(js_name = serverTime)]
    pub fn server_time(&self) -> f64 {
        self.room.server_time_ms() as f64
    }

    /// Calls `name`; resolves with the first reply, rejects with `RPC_TIMEOUT`.
    #[wasm_bindgen(js_name = callRpc)]
    pub fn call_rpc(
        &self,
        name: String,
        payload: JsValue,
        target: JsValue,
        timeout_ms: u32,
    ) -> Result<Promise, JsValue> {
        let payload = to_json(payload)?;
        let target = rpc_target(target)?;
        let room = self.room.clone();
        Ok(promise(async move {
            let reply: serde_json::Value = room
                .call_with_timeout(
                    target,
                    &name,
                    &payload,
                    Duration::from_millis(timeout_ms.into()),
                )
                .await
                .map_err(from_sdk)?;
            Ok(to_js(&reply))
        }))
    }

    /// Answers an incoming call (`ok = false`: `value` is an error message).
    #[wasm_bindgen(js_name = replyRpc)]
    pub fn reply_rpc(&self, call: f64, to: &str, ok: bool, value: JsValue) -> Result<(), JsValue> {
        let outcome = if ok {
            Ok(to_json(value)?)
        } else {
            Err(value
                .as_string()
                .unwrap_or_else(|| "handler failed".to_owned()))
        };
        self.room
            .reply_rpc(call as u64, &player_id(to)?, outcome)
            .map_err(from_sdk)
    }
}
