//! The per-player room API, authenticated by the player's secret
//! (`Authorization: Bearer <secret hex>`; 401 otherwise):
//! `GET /players/{id}/rooms` lists the rooms that player joined or hosted,
//! as JSON; `DELETE /players/{id}/rooms/{code}` deletes a room that player
//! owns (204; 403 for another's room, 404 for none).

use super::context::RelayContext;
use super::identity;
use super::room_delete::{self, Deletion};
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use coinop_protocol::{PlayerId, RoomCode};
use std::sync::Arc;

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response()
}

/// The player named in the path, if the request holds its secret; else
/// the answer to give.
async fn authorized(
    shared: &RelayContext,
    player: &str,
    headers: &HeaderMap,
) -> Result<PlayerId, Response> {
    let unauthorized = || (StatusCode::UNAUTHORIZED, "unauthorized\n").into_response();
    let player = PlayerId::new(player).map_err(|_| unauthorized())?;
    let secret = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|hex| hex::decode(hex.trim()).ok())
        .ok_or_else(unauthorized)?;
    match identity::check(&shared.storage, &shared.bound_secrets, &player, &secret).await {
        Ok(true) => Ok(player),
        Ok(false) => Err(unauthorized()),
        Err(_) => Err(unavailable()),
    }
}

/// Answers the index of `player`'s rooms to the holder of its secret.
pub(crate) async fn list(
    State(shared): State<Arc<RelayContext>>,
    Path(player): Path<String>,
    headers: HeaderMap,
) -> Response {
    let player = match authorized(&shared, &player, &headers).await {
        Ok(player) => player,
        Err(answer) => return answer,
    };
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

/// Deletes the room `code` for its owner, the holder of `player`'s secret.
pub(crate) async fn delete(
    State(shared): State<Arc<RelayContext>>,
    Path((player, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let player = match authorized(&shared, &player, &headers).await {
        Ok(player) => player,
        Err(answer) => return answer,
    };
    let Ok(code) = RoomCode::new(code) else {
        return (StatusCode::NOT_FOUND, "no such room\n").into_response();
    };
    let services = shared.registry.services();
    match room_delete::delete_owned(services, &code, player).await {
        Ok(Deletion::Deleted) => StatusCode::NO_CONTENT.into_response(),
        Ok(Deletion::NotFound) => (StatusCode::NOT_FOUND, "no such room\n").into_response(),
        Ok(Deletion::NotOwner) => {
            let text = "NOT_OWNER: only the room's owner may delete it\n";
            (StatusCode::FORBIDDEN, text).into_response()
        }
        Ok(Deletion::Busy) => {
            let text = "the room cannot be deleted now; try again\n";
            (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
        }
        Err(_) => unavailable(),
    }
}
