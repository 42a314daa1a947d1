//! SDK events as the plain objects `bindings/js/src/backend.ts` declares
//! (`BackendEvent`).

use crate::convert::{object, opt_string, to_js};
use crate::error::code_of;
use coinop::{Event, PlayerId, Role, StateTarget, Status};
use wasm_bindgen::JsValue;

/// The JS name of a connection status.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Connecting => "connecting",
        Status::Connected => "connected",
        Status::Reconnecting => "reconnecting",
        Status::Offline => "offline",
    }
}

/// The JS name of a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::StreamScreen => "streamScreen",
        Role::Spectator => "spectator",
        _ => "player",
    }
}

/// Converts one SDK event; `saved` and `status` are the room's current ones
/// (a status event carries both). `None` for events JS does not see.
pub fn to_js_events(event: Event, status: Status, saved: bool) -> Vec<JsValue> {
    let text = |s: &str| JsValue::from_str(s);
    let status_event = || {
        object(&[
            ("connection", text(status_name(status))),
            ("saved", JsValue::from_bool(saved)),
            ("type", text("status")),
        ])
    };
    let disconnect = |code: &str, reason: &str, fatal: bool| {
        object(&[
            ("code", text(code)),
            ("fatal", JsValue::from_bool(fatal)),
            ("reason", text(reason)),
            ("type", text("disconnect")),
        ])
    };
    let by_player = |kind: &str, player: PlayerId| {
        object(&[("player", text(&player.to_string())), ("type", text(kind))])
    };
    match event {
        Event::StateChanged {
            target: StateTarget::Room,
            key,
            value,
            by,
            ..
        } => vec![object(&[
            ("key", text(&key)),
            ("player", opt_string(by.map(|p| p.to_string()))),
            ("type", text("state")),
            ("value", value.map_or(JsValue::NULL, |v| to_js(&v))),
        ])],
        Event::StateChanged {
            target: StateTarget::Player(player),
            key,
            value,
            by,
            ..
        } => vec![object(&[
            ("by", opt_string(by.map(|p| p.to_string()))),
            ("key", text(&key)),
            ("player", text(&player.to_string())),
            ("type", text("playerState")),
            ("value", value.map_or(JsValue::NULL, |v| to_js(&v))),
        ])],
        Event::PlayerJoined(player) => vec![object(&[
            ("player", text(&player.id.to_string())),
            ("role", text(role_name(player.role))),
            ("type", text("join")),
        ])],
        Event::PlayerLeft(player) => vec![by_player("quit", player)],
        Event::ProfileChanged { player } => vec![by_player("profile", player)],
        Event::HostChanged(host) => vec![object(&[
            ("host", opt_string(host.map(|p| p.to_string()))),
            ("type", text("host")),
        ])],
        Event::StatusChanged(Status::Reconnecting) => vec![
            status_event(),
            disconnect("CONNECTION_LOST", "connection lost; reconnecting", false),
        ],
        Event::StatusChanged(_) | Event::Saved(_) => vec![status_event()],
        Event::Error(error) if error.is_fatal() => {
            vec![disconnect(&code_of(&error), &error.to_string(), true)]
        }
        Event::Error(error) => vec![object(&[
            ("code", text(&code_of(&error))),
            ("message", text(&error.to_string())),
            ("type", text("error")),
        ])],
        Event::RpcRequest {
            call,
            from,
            name,
            payload,
            want_reply,
        } => vec![object(&[
            ("call", JsValue::from_f64(call as f64)),
            ("from", text(&from.to_string())),
            ("name", text(&name)),
            ("payload", to_js(&payload)),
            ("type", text("rpc")),
            ("wantReply", JsValue::from_bool(want_reply)),
        ])],
        _ => Vec::new(),
    }
}
