//! Serves one accepted connection (plain or TLS) with hyper's HTTP/1.1:
//! keep-alive, request heads bounded in size and time, and WebSocket
//! upgrades handed to [`super::upgrade`].

use super::client_addr::{self, ClientAddr};
use super::client_stream::ClientStream;
use super::conn_cap::ConnSlot;
use super::context::RelayContext;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use tokio_io_timeout::TimeoutStream;
use tower::ServiceExt;

/// A client's socket: writes that make no progress for the write timeout
/// fail.
pub(crate) type Socket = Pin<Box<TimeoutStream<ClientStream>>>;

/// hyper's smallest read buffer limit.
const MIN_BUF: usize = 8 * 1024;

/// Answers requests on `stream` until the client closes, the connection
/// upgrades to a WebSocket, or the relay shuts down.
pub(crate) async fn serve(
    shared: Arc<RelayContext>,
    app: Router,
    stream: ClientStream,
    peer: SocketAddr,
    slot: Arc<ConnSlot>,
) {
    let cfg = &shared.config;
    let ctx = shared.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let client = client_addr::resolve(&ctx.config.trusted_proxies, peer, req.headers());
        // Through a trusted proxy, the accept loop saw only the proxy: the
        // per-address limit applies here, per request, to the client.
        let refused = client.via_trusted_proxy && !ctx.admit(client.addr.ip());
        // What `into_make_service_with_connect_info` would add, with the
        // client's address: for the inspector's loopback check and the
        // WebSocket's log lines.
        req.extensions_mut().insert(ConnectInfo(client.addr));
        req.extensions_mut().insert::<ClientAddr>(client);
        // The WebSocket keeps the connection's place under the cap.
        req.extensions_mut().insert(slot.clone());
        let app = app.clone();
        async move {
            if refused {
                return Ok(too_many_requests());
            }
            app.oneshot(req).await
        }
    });
    // A client that stops reading (a large static file, a room's
    // catch-up) would otherwise pin the response, or the writer, forever.
    let mut socket = TimeoutStream::new(stream);
    socket.set_write_timeout(Some(cfg.write_timeout));
    let socket: Socket = Box::pin(socket);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Also bounds an idle keep-alive connection: the clock runs from
        // the moment the connection is ready for a request head.
        .header_read_timeout(cfg.handshake_timeout)
        // Both answer 431: the buffer limit a head that never ends, the
        // header limit a whole one over a cap below hyper's minimum buffer.
        .max_buf_size(cfg.max_request_head_bytes.max(MIN_BUF))
        .max_header_size(cfg.max_request_head_bytes);
    let conn = builder
        .serve_connection(TokioIo::new(socket), service)
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let mut shutdown = shared.shutdown.subscribe();
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = shutdown.wait_for(|s| *s), if !closing => {
                // Finish the request in flight, then close.
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

/// The per-address limit's answer, as [`super::peer_limit::REFUSAL`] says it.
fn too_many_requests() -> Response<Body> {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    resp.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    resp
}
