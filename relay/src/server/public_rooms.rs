//! `GET /games/{game}/rooms`: the public rooms of a game that someone sits
//! in, fullest first, as JSON (`[{"code", "players", "maxPlayers"}]`), for
//! custom lobbies. Public by design: these rooms are open to anyone
//! matchmaking for the game.

use super::context::RelayContext;
use super::player_rooms::json_list;
use crate::core::MAX_GAME_BYTES;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Answers the list of `game`'s public rooms.
pub(crate) async fn list(
    State(shared): State<Arc<RelayContext>>,
    Path(game): Path<String>,
) -> Response {
    if game.is_empty() || game.len() > MAX_GAME_BYTES {
        return (StatusCode::NOT_FOUND, "no such game\n").into_response();
    }
    let rooms = shared.matchmaker.list(game).await;
    let list: Vec<serde_json::Value> = rooms
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code.as_str(),
                "players": r.players,
                "maxPlayers": r.max_players,
            })
        })
        .collect();
    json_list(list)
}
