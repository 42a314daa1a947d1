//! SDK events as the plain objects `bindings/js/src/backend.ts` declares
//! (`BackendEvent`), written as JSON: a batch of them crosses into JS as one
//! string and one `JSON.parse`, not a call per field (see [`events_json`]).

use crate::error::code_of;
use coinop::{Event, PlayerId, Role, StateTarget, Status};
use serde_json::Value;

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

/// Events as a JSON array of `BackendEvent`s, in order; `saved` and
/// `status` are the room's current ones (a status event carries both).
pub fn events_json(events: Vec<Event>, status: Status, saved: bool) -> String {
    let mut out = Vec::with_capacity(128 * events.len());
    out.push(b'[');
    for fields in events
        .into_iter()
        .flat_map(|e| to_js_events(e, status, saved))
    {
        if out.len() > 1 {
            out.push(b',');
        }
        out.push(b'{');
        for (i, (name, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Field names are plain identifiers: nothing to escape.
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            let _ = serde_json::to_writer(&mut out, value);
        }
        out.push(b'}');
    }
    out.push(b']');
    String::from_utf8(out).unwrap_or_else(|_| "[]".to_owned())
}

/// An event's fields, written in this order: callers list them sorted by
/// name, the order JS has always seen them in.
type Fields = Vec<(&'static str, Value)>;

fn object<const N: usize>(fields: [(&'static str, Value); N]) -> Fields {
    fields.into()
}

/// A string, or `null` for `None`.
fn opt_string(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

/// Converts one SDK event; an empty list for events JS does not see.
fn to_js_events(event: Event, status: Status, saved: bool) -> Vec<Fields> {
    let text = |s: &str| Value::String(s.to_owned());
    let status_event = || {
        object([
            ("connection", text(status_name(status))),
            ("saved", Value::Bool(saved)),
            ("type", text("status")),
        ])
    };
    let disconnect = |code: &str, reason: &str, fatal: bool| {
        object([
            ("code", text(code)),
            ("fatal", Value::Bool(fatal)),
            ("reason", text(reason)),
            ("type", text("disconnect")),
        ])
    };
    let by_player = |kind: &str, player: PlayerId| {
        object([("player", text(&player.to_string())), ("type", text(kind))])
    };
    match event {
        Event::StateChanged {
            target: StateTarget::Room,
            key,
            value,
            by,
            ..
        } => vec![object([
            ("key", text(&key)),
            ("player", opt_string(by.map(|p| p.to_string()))),
            ("type", text("state")),
            ("value", value.unwrap_or(Value::Null)),
        ])],
        Event::StateChanged {
            target: StateTarget::Player(player),
            key,
            value,
            by,
            ..
        } => vec![object([
            ("by", opt_string(by.map(|p| p.to_string()))),
            ("key", text(&key)),
            ("player", text(&player.to_string())),
            ("type", text("playerState")),
            ("value", value.unwrap_or(Value::Null)),
        ])],
        Event::PlayerJoined(player) => vec![object([
            ("player", text(&player.id.to_string())),
            ("role", text(role_name(player.role))),
            ("type", text("join")),
        ])],
        Event::PlayerLeft(player) => vec![by_player("quit", player)],
        Event::ProfileChanged { player } => vec![by_player("profile", player)],
        Event::HostChanged(host) => vec![object([
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
        Event::Error(error) => vec![object([
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
        } => vec![object([
            ("call", Value::from(call)),
            ("from", text(&from.to_string())),
            ("name", text(&name)),
            ("payload", payload),
            ("type", text("rpc")),
            ("wantReply", Value::Bool(want_reply)),
        ])],
        _ => Vec::new(),
    }
}
