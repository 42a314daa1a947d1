//! Routes one HTTP request: the WebSocket endpoint, health, metrics, the
//! player room index. Static files (a demo page) can be added in
//! [`static_file`] without touching the rest.

use super::http::{Request, Response};
use super::identity;
use super::shared::Shared;
use coinop_protocol::PlayerId;

/// What to do with a request.
pub(crate) enum Route {
    /// Answer and close.
    Respond(Response),
    /// Switch to the WebSocket protocol.
    Upgrade,
}

pub(crate) async fn route(shared: &Shared, req: &Request) -> Route {
    if !origin_allowed(shared, req) {
        return Route::Respond(Response::text(403, "origin not allowed\n"));
    }
    let path = req.path.split('?').next().unwrap_or_default();
    if path == "/ws" || path.starts_with("/ws/") {
        return match upgrade_ok(req) {
            Ok(()) => Route::Upgrade,
            Err(why) => Route::Respond(Response::text(400, why)),
        };
    }
    if req.method != "GET" {
        return Route::Respond(Response::text(405, "method not allowed\n"));
    }
    let resp = match path {
        "/healthz" => Response::text(200, "ok"),
        "/metrics" => Response {
            status: 200,
            content_type: "text/plain; version=0.0.4",
            body: shared.metrics.render().into_bytes(),
        },
        _ => match player_rooms_path(path) {
            Some(player) => player_rooms(shared, req, player).await,
            None => static_file(path).unwrap_or_else(|| Response::text(404, "not found\n")),
        },
    };
    Route::Respond(resp)
}

/// Browsers send `Origin`; native clients usually do not, and are allowed.
fn origin_allowed(shared: &Shared, req: &Request) -> bool {
    let allowed = &shared.config.allowed_origins;
    match req.header("Origin") {
        Some(origin) if !allowed.is_empty() => allowed.iter().any(|a| a == origin),
        _ => true,
    }
}

fn upgrade_ok(req: &Request) -> Result<(), &'static str> {
    if req.method != "GET" {
        return Err("WebSocket upgrades must use GET\n");
    }
    if !req.header_has_token("Upgrade", "websocket")
        || !req.header_has_token("Connection", "upgrade")
    {
        return Err("expected a WebSocket upgrade\n");
    }
    if req.header("Sec-WebSocket-Version") != Some("13") {
        return Err("unsupported WebSocket version\n");
    }
    if req.header("Sec-WebSocket-Key").is_none() {
        return Err("missing Sec-WebSocket-Key\n");
    }
    Ok(())
}

fn player_rooms_path(path: &str) -> Option<&str> {
    path.strip_prefix("/players/")?.strip_suffix("/rooms")
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

async fn player_rooms(shared: &Shared, req: &Request, player: &str) -> Response {
    let unauthorized = || Response::text(401, "unauthorized\n");
    let Ok(player) = PlayerId::new(player) else {
        return unauthorized();
    };
    let secret = req
        .header("Authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|hex| parse_hex(hex.trim()));
    let Some(secret) = secret else {
        return unauthorized();
    };
    match identity::check(&shared.storage, &player, &secret).await {
        Ok(true) => {}
        Ok(false) => return unauthorized(),
        Err(_) => return Response::text(503, "storage unavailable\n"),
    }
    let rows = shared.storage.call(move |s| s.player_rooms(&player)).await;
    let Ok(rows) = rows else {
        return Response::text(503, "storage unavailable\n");
    };
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "room": r.room.as_str(),
                "host": r.host,
                "last_joined_ms": r.last_joined_ms,
            })
        })
        .collect();
    Response {
        status: 200,
        content_type: "application/json",
        body: serde_json::Value::Array(list).to_string().into_bytes(),
    }
}

/// Static assets served next to the API. None yet; the demo page goes here.
fn static_file(_path: &str) -> Option<Response> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_paths() {
        assert_eq!(parse_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(parse_hex("0"), None);
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(player_rooms_path("/players/bob/rooms"), Some("bob"));
        assert_eq!(player_rooms_path("/players/bob"), None);
    }
}
