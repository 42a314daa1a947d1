//! The public rooms of a game, for custom lobbies: `GET /games/{game}/rooms`
//! on the relay. Native only (in the browser the JS package's
//! `listPublicRooms` fetches the same list).

use crate::builder::ws_url;
use crate::error::Error;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

/// A public room someone sits in, as the relay lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicRoom {
    /// The room's code: join it with [`crate::RoomBuilder::room`].
    pub code: String,
    /// Seated players (stream screens and spectators not counted).
    pub players: u16,
    /// The room's player cap.
    pub max_players: u16,
}

/// The public rooms of `game` on the relay at `relay_url` that someone sits
/// in, fullest first. Plain `http://` / `ws://` relays only (put a lobby
/// behind TLS in the browser, where the JS package lists them).
pub async fn public_rooms(relay_url: &str, game: &str) -> Result<Vec<PublicRoom>, Error> {
    let ws = ws_url(relay_url)?;
    let Some(rest) = ws.strip_prefix("ws://") else {
        return Err(Error::InvalidUrl(format!(
            "{relay_url}: listing rooms natively needs a plain http:// relay"
        )));
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = path.strip_suffix("ws").unwrap_or(path);
    let game = utf8_percent_encode(game, NON_ALPHANUMERIC);
    let path = format!("/{prefix}games/{game}/rooms");
    let transport = |e: &dyn std::fmt::Display| Error::Transport(format!("GET {path}: {e}"));
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| transport(&e))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| transport(&e))?;
    tokio::spawn(conn);
    let request = hyper::Request::get(&path)
        .header(hyper::header::HOST, authority)
        .body(Empty::<Bytes>::new())
        .map_err(|e| transport(&e))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| transport(&e))?;
    if !response.status().is_success() {
        return Err(transport(&response.status()));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| transport(&e))?
        .to_bytes();
    Ok(serde_json::from_slice(&body)?)
}
