//! Routes one HTTP request: the WebSocket endpoint, health, metrics, the
//! player room index (with CORS), the inspector, then static files.

use super::context::RelayContext;
use super::http::{Request, Response};
use super::identity;
use super::inspector;
use super::static_files;
use coinop_protocol::PlayerId;
use std::net::SocketAddr;

/// What to do with a request.
pub(crate) enum Route {
    /// Answer and close.
    Respond(Response),
    /// Switch to the WebSocket protocol.
    Upgrade,
}

pub(crate) async fn route(shared: &RelayContext, req: &Request, peer: SocketAddr) -> Route {
    let path = req.path.split('?').next().unwrap_or_default();
    // The allow-list guards the relay's own endpoints. Static files are
    // public anyway, and browsers send `Origin` even on same-origin module
    // scripts: checking them would break a page whose origin is not listed.
    if is_relay_endpoint(path) && !origin_allowed(shared, req) {
        return Route::Respond(Response::text(403, "origin not allowed\n"));
    }
    if path == "/ws" || path.starts_with("/ws/") {
        return match upgrade_ok(req) {
            Ok(()) => Route::Upgrade,
            Err(why) => Route::Respond(Response::text(400, why)),
        };
    }
    if let Some(player) = player_rooms_path(path) {
        let mut resp = match req.method.as_str() {
            "OPTIONS" => preflight(),
            "GET" => player_rooms(shared, req, player).await,
            _ => Response::text(405, "method not allowed\n"),
        };
        allow_origin(req, &mut resp);
        return Route::Respond(resp);
    }
    let head = req.method == "HEAD";
    if req.method != "GET" && !head {
        return Route::Respond(Response::text(405, "method not allowed\n"));
    }
    let mut resp = match path {
        "/healthz" => Response::text(200, "ok"),
        "/metrics" => Response {
            status: 200,
            content_type: "text/plain; version=0.0.4",
            body: shared.metrics.render().into_bytes(),
            headers: Vec::new(),
            head_only: false,
        },
        "/inspect" | "/api/rooms" => inspector::route(shared, req, path, peer).await,
        _ => match static_files::serve(shared, req, path).await {
            Some(resp) => resp,
            None => Response::text(404, "not found\n"),
        },
    };
    resp.head_only = head;
    Route::Respond(resp)
}

/// The CORS preflight of `GET /players/{id}/rooms`: a game on another
/// origin sends `Authorization`, which needs one. The origin itself was
/// already checked against the allow-list.
fn preflight() -> Response {
    let mut resp = Response::text(204, "");
    resp.body.clear();
    resp.headers.extend([
        ("Access-Control-Allow-Methods", "GET, OPTIONS".to_owned()),
        ("Access-Control-Allow-Headers", "Authorization".to_owned()),
        ("Access-Control-Max-Age", "600".to_owned()),
    ]);
    resp
}

/// Lets the requesting origin read the answer. Only reached when the
/// origin passed the allow-list (or the list is empty).
fn allow_origin(req: &Request, resp: &mut Response) {
    if let Some(origin) = req.header("Origin") {
        resp.headers
            .push(("Access-Control-Allow-Origin", origin.to_owned()));
        resp.headers.push(("Vary", "Origin".to_owned()));
    }
}

fn is_relay_endpoint(path: &str) -> bool {
    path == "/ws"
        || path.starts_with("/ws/")
        || matches!(path, "/healthz" | "/metrics" | "/inspect" | "/api/rooms")
        || player_rooms_path(path).is_some()
}

/// Browsers send `Origin`; native clients usually do not, and are allowed.
fn origin_allowed(shared: &RelayContext, req: &Request) -> bool {
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

async fn player_rooms(shared: &RelayContext, req: &Request, player: &str) -> Response {
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
    match identity::check(&shared.storage, &shared.bound_secrets, &player, &secret).await {
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
        headers: vec![("Cache-Control", "no-store".to_owned())],
        head_only: false,
    }
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
