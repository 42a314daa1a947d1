//! `GET /players/{id}/rooms` with `Authorization: Bearer <secret hex>`: the
//! rooms that player joined or hosted, as JSON; 401 otherwise.

use super::context::RelayContext;
use super::identity;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use coinop_protocol::PlayerId;
use std::sync::Arc;

/// Answers the index of `player`'s rooms to the holder of its secret.
pub(crate) async fn list(
    State(shared): State<Arc<RelayContext>>,
    Path(player): Path<String>,
    headers: HeaderMap,
) -> Response {
    let unauthorized = || (StatusCode::UNAUTHORIZED, "unauthorized\n").into_response();
    let unavailable = || (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response();
    let Ok(player) = PlayerId::new(&player) else {
        return unauthorized();
    };
    let secret = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|hex| hex::decode(hex.trim()).ok());
    let Some(secret) = secret else {
        return unauthorized();
    };
    match identity::check(&shared.storage, &shared.bound_secrets, &player, &secret).await {
        Ok(true) => {}
        Ok(false) => return unauthorized(),
        Err(_) => return unavailable(),
    }
    let Ok(rows) = shared.storage.call(move |s| s.player_rooms(&player)).await else {
        return unavailable();
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
    json_list(list)
}

/// A JSON list, never cached (it changes with every join).
pub(crate) fn json_list(list: Vec<serde_json::Value>) -> Response {
    let headers = [
        (CONTENT_TYPE, "application/json"),
        (CACHE_CONTROL, "no-store"),
    ];
    (headers, serde_json::Value::Array(list).to_string()).into_response()
}
