//! `GET /ws`: the WebSocket upgrade. hyper hands the socket over after the
//! 101; it is taken back as the [`ClientStream`] (with any bytes hyper
//! read past the request head) and run by tokio-tungstenite with the
//! relay's frame and buffer limits.

use super::conn_cap::ConnSlot;
use super::connection;
use super::context::RelayContext;
use super::forward;
use super::http::Socket;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

/// Answers an upgrade request with 101 and serves the WebSocket after it,
/// or answers 400 saying what is wrong with the request.
pub(crate) async fn upgrade(
    State(shared): State<Arc<RelayContext>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
) -> Response {
    let key = match check(req.method(), req.headers()) {
        Ok(key) => key,
        Err(why) => return (StatusCode::BAD_REQUEST, why).into_response(),
    };
    let via = forwarded_client(&shared, req.headers());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let slot = req.extensions().get::<Arc<ConnSlot>>().cloned();
    tokio::spawn(async move {
        let _slot = slot;
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(e) => return tracing::debug!(%peer, error = %e, "upgrade failed"),
        };
        // The connection was served over `TokioIo<Socket>` (see
        // `http::serve`), so this always succeeds.
        let Ok(parts) = upgraded.downcast::<TokioIo<Socket>>() else {
            return tracing::error!(%peer, "upgraded connection is not a client socket");
        };
        // Taken apart here so that hyper's read buffer (8 KiB, of which
        // `read_buf` is a view) is freed now, not held for the connection's
        // whole life: 6 MiB at 800 connections.
        let io = parts.io.into_inner();
        let leftover = parts.read_buf.to_vec();
        drop(parts.read_buf);
        let config = ws_config(shared.config.max_frame_bytes);
        let ws =
            WebSocketStream::from_partially_read(io, leftover, Role::Server, Some(config)).await;
        match via {
            // The node that forwarded it named the client.
            Some(client) => connection::serve(shared, ws, client, Some(peer)).await,
            None => connection::serve(shared, ws, peer, None).await,
        }
    });
    let headers = [
        (UPGRADE, "websocket".to_owned()),
        (CONNECTION, "Upgrade".to_owned()),
        (SEC_WEBSOCKET_ACCEPT, key),
    ];
    (StatusCode::SWITCHING_PROTOCOLS, headers).into_response()
}

/// Cluster mode: the client's address named by the node that forwarded
/// this connection, trusted only with the cluster's token.
fn forwarded_client(shared: &RelayContext, headers: &HeaderMap) -> Option<SocketAddr> {
    let cluster = shared.cluster.as_ref()?;
    let token = headers.get(forward::CLUSTER_TOKEN)?;
    if token.as_bytes() != cluster.token().as_bytes() {
        tracing::warn!("forwarded connection with a wrong cluster token; served as direct");
        return None;
    }
    headers
        .get(forward::FORWARDED_FOR)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The `Sec-WebSocket-Accept` value for a valid upgrade request.
fn check(method: &Method, headers: &HeaderMap) -> Result<String, &'static str> {
    if method != Method::GET {
        return Err("WebSocket upgrades must use GET\n");
    }
    if !has_token(headers, UPGRADE, "websocket") || !has_token(headers, CONNECTION, "upgrade") {
        return Err("expected a WebSocket upgrade\n");
    }
    if headers
        .get(SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v.as_bytes() != b"13")
    {
        return Err("unsupported WebSocket version\n");
    }
    match headers.get(SEC_WEBSOCKET_KEY) {
        Some(key) => Ok(derive_accept_key(key.as_bytes())),
        None => Err("missing Sec-WebSocket-Key\n"),
    }
}

/// Whether a comma-separated header holds this token (case-insensitive).
fn has_token(headers: &HeaderMap, name: axum::http::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

fn ws_config(max_frame: usize) -> WebSocketConfig {
    // Small buffers: thousands of mostly idle connections should not each
    // hold 128 KiB. A 4 KiB read buffer holds the common frame (a change,
    // a cursor) in one read; larger frames take a few reads, which costs
    // less than 4 KiB more per connection at 800 busy connections (3 MiB
    // in the fan-out benchmark). Incoming frames above the limit fail with a capacity
    // error. The write buffer stays unbounded: outgoing frames (a large
    // room's snapshot) may exceed the incoming limit, and the outbox
    // already bounds what is queued per connection.
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(8 * 1024)
        .max_message_size(Some(max_frame))
        .max_frame_size(Some(max_frame))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn checks_the_upgrade_headers() {
        let mut h = HeaderMap::new();
        h.insert(UPGRADE, HeaderValue::from_static("WebSocket"));
        h.insert(CONNECTION, HeaderValue::from_static("keep-alive, Upgrade"));
        h.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        assert_eq!(check(&Method::GET, &h), Err("missing Sec-WebSocket-Key\n"));
        h.insert(
            SEC_WEBSOCKET_KEY,
            HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
        );
        // The example of RFC 6455, section 1.3.
        assert_eq!(
            check(&Method::GET, &h).as_deref(),
            Ok("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        );
        assert!(check(&Method::POST, &h).is_err());
        h.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("8"));
        assert_eq!(
            check(&Method::GET, &h),
            Err("unsupported WebSocket version\n")
        );
    }
}
