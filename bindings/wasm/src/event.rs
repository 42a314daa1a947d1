//! SDK events as the plain objects `bindings/js/src/backend.ts` declares
//! (`BackendEvent`).

use crate::convert::to_js;
use crate::error::code_of;
use coinop::{Event, Role, StateTarget, Status};
use serde_json::{Value, json};

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
pub fn to_js_events(event: Event, status: Status, saved: bool) -> Vec<wasm_bindgen::JsValue> {
    let status_event =
        || json!({"type": "status", "connection": status_name(status), "saved": saved});
    let objects: Vec<Value> = match event {
        Event::StateChanged {
            target: StateTarget::Room,
            key,
            value,
            by,
            ..
        } => {
            vec![
                json!({"type": "state", "key": key, "value": value, "player": by.map(|p| p.to_string())}),
            ]
        }
        Event::StateChanged {
            target: StateTarget::Player(player),
            key,
            value,
            by,
            ..
        } => vec![json!({
            "type": "playerState", "player": player.to_string(), "key": key, "value": value,
            "by": by.map(|p| p.to_string()),
        })],
        Event::PlayerJoined(player) => {
            let role = role_name(player.role);
            vec![json!({"type": "join", "player": player.id.to_string(), "role": role})]
        }
        Event::PlayerLeft(player) => vec![json!({"type": "quit", "player": player.to_string()})],
        Event::ProfileChanged { player } => {
            vec![json!({"type": "profile", "player": player.to_string()})]
        }
        Event::HostChanged(host) => {
            vec![json!({"type": "host", "host": host.map(|p| p.to_string())})]
        }
        Event::StatusChanged(Status::Reconnecting) => vec![
            status_event(),
            json!({"type": "disconnect", "code": "CONNECTION_LOST", "reason": "connection lost; reconnecting", "fatal": false}),
        ],
        Event::StatusChanged(_) | Event::Saved(_) => vec![status_event()],
        Event::Error(error) if error.is_fatal() => vec![json!({
            "type": "disconnect", "code": code_of(&error), "reason": error.to_string(), "fatal": true,
        })],
        Event::Error(error) => {
            vec![json!({"type": "error", "code": code_of(&error), "message": error.to_string()})]
        }
        Event::RpcRequest {
            call,
            from,
            name,
            payload,
            want_reply,
        } => vec![json!({
            "type": "rpc", "call": call, "from": from.to_string(), "name": name, "payload": payload,
            "wantReply": want_reply,
        })],
        _ => Vec::new(),
    };
    objects.iter().map(to_js).collect()
}
