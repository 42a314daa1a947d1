//! The inspector for people running their own relay: `GET /inspect` (a
//! self-contained page) and `GET /api/rooms` (JSON): loaded rooms, their
//! players, stored size and message rates; in cluster mode also this node's
//! leases and forwarded connections, and the cluster's rooms by owner.
//!
//! Room codes are join capabilities, so both answer only loopback peers,
//! unless the relay has an admin token and the request presents it
//! (`Authorization: Bearer TOKEN`, or `?token=TOKEN`). A request carrying
//! `Forwarded`/`X-Forwarded-For` from a peer not in `--trusted-proxies` is
//! never taken as loopback: a reverse proxy on the same host would
//! otherwise open it to everyone. Through a trusted proxy, the client's
//! forwarded address decides.

use super::client_addr::ClientAddr;
use super::context::RelayContext;
use super::room_cmd::RoomCmd;
use super::room_counters::round;
use axum::Router;
use axum::extract::{Extension, Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, REFERRER_POLICY, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::oneshot;

/// The page; it polls `/api/rooms`.
const PAGE: &str = include_str!("../../assets/inspector.html");

/// How long a busy room may take to answer before it is listed without
/// details (the inspector must never stall on a loaded room).
const ROOM_ANSWER: Duration = Duration::from_millis(500);

/// `/inspect` and `/api/rooms`, behind the access check.
pub(crate) fn routes(shared: &Arc<RelayContext>) -> Router<Arc<RelayContext>> {
    Router::new()
        .route("/inspect", get(|| async { Html(PAGE) }))
        .route("/api/rooms", get(rooms))
        .route_layer(middleware::from_fn_with_state(shared.clone(), admit))
}

async fn rooms(State(shared): State<Arc<RelayContext>>) -> Response {
    let body = snapshot(&shared).await.to_string();
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

/// Lets only loopback peers or holders of the admin token in.
async fn admit(
    State(shared): State<Arc<RelayContext>>,
    Extension(client): Extension<ClientAddr>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = if allowed(&shared, req.headers(), req.uri().query(), client) {
        next.run(req).await
    } else {
        let why = if shared.config.admin_token.is_some() {
            "the inspector needs the admin token: send Authorization: Bearer TOKEN \
             (or open /inspect?token=TOKEN)\n"
        } else {
            "the inspector answers only on loopback (127.0.0.1 / ::1); start the relay \
             with --admin-token TOKEN (COINOP_ADMIN_TOKEN) to allow remote access\n"
        };
        (StatusCode::FORBIDDEN, why).into_response()
    };
    // Room codes must not linger in caches, nor the page be framed.
    resp.headers_mut().extend([
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ]);
    resp
}

fn allowed(
    shared: &RelayContext,
    headers: &HeaderMap,
    query: Option<&str>,
    client: ClientAddr,
) -> bool {
    if client.is_local() {
        return true;
    }
    let Some(token) = &shared.config.admin_token else {
        return false;
    };
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let query = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find_map(|(k, v)| (k == "token").then(|| v.into_owned()));
    [bearer, query]
        .into_iter()
        .flatten()
        .any(|given| same(given.as_bytes(), token.as_bytes()))
}

/// Compares without an early exit, so timing does not reveal the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Asks every loaded room for its report, in parallel and bounded in time.
async fn snapshot(shared: &RelayContext) -> Value {
    let (handles, loading) = shared.registry.census().await;
    let mut pending = Vec::with_capacity(handles.len());
    for (code, handle) in handles {
        let (tx, rx) = oneshot::channel();
        match handle.tx.try_send(RoomCmd::Inspect(tx)) {
            Ok(()) => pending.push((code, Some(rx))),
            // A full queue means a busy room: list it without waiting.
            Err(TrySendError::Full(_)) => pending.push((code, None)),
            // It unloaded meanwhile: it is gone.
            Err(TrySendError::Closed(_)) => {}
        }
    }
    let deadline = tokio::time::Instant::now() + ROOM_ANSWER;
    let mut rooms = Vec::with_capacity(pending.len());
    for (code, rx) in pending {
        let busy = json!({ "code": code.as_str(), "busy": true });
        let Some(rx) = rx else {
            rooms.push(busy);
            continue;
        };
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(report)) => rooms.push(report),
            // Dropped unanswered: the room unloaded.
            Ok(Err(_)) => {}
            Err(_) => rooms.push(busy),
        }
    }
    rooms.sort_by(|a, b| a["code"].as_str().cmp(&b["code"].as_str()));
    let mut report = totals(shared, rooms, loading);
    if let Some(cluster) = &shared.cluster {
        report["cluster"] = cluster.report().await;
    }
    report
}

fn totals(shared: &RelayContext, rooms: Vec<Value>, loading: usize) -> Value {
    // A fold from +0.0: an empty f64 `sum` is -0.0.
    let sum = |key: &str| {
        rooms
            .iter()
            .filter_map(|r| r[key].as_f64())
            .fold(0.0, |a, b| a + b)
    };
    let online = rooms
        .iter()
        .filter_map(|r| r["players"].as_array())
        .flatten()
        .filter(|p| p["online"] == true)
        .count();
    let m = &shared.metrics;
    json!({
        "totals": {
            "rooms": rooms.len(),
            "rooms_loading": loading,
            "connections": m.connections.load(Relaxed),
            "players_online": online,
            "stored_bytes": sum("stored_bytes") as u64,
            "reliable_per_sec": round(sum("reliable_per_sec")),
            "unreliable_per_sec": round(sum("unreliable_per_sec")),
            "reliable_frames_in": m.reliable_in.frames.load(Relaxed),
            "unreliable_frames_in": m.unreliable_in.frames.load(Relaxed),
            "unreliable_dropped": m.unreliable_dropped.load(Relaxed),
        },
        "rooms": rooms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
