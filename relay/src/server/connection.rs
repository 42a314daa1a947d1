//! One WebSocket connection: the join handshake, then a reader feeding the
//! room and a writer draining the outbox.

use super::budget::{Admit, Budget};
use super::conn_outbox::{ConnOutbox, Outgoing};
use super::context::RelayContext;
use super::forward;
use super::http::Socket;
use super::identity;
use super::persistent::Request;
use super::registry::JoinError;
use super::room_cmd::{RoomCmd, RoomHandle};
use super::room_delete;
use crate::core::{ConnId, MAX_GAME_BYTES, close_code};
use coinop_protocol::{
    Bytes, ClientMessage, ErrorCode, Join, PROTOCOL_VERSION, PlayerId, RelayMessage, RoomCode,
    RoomRequest, peek_version,
};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

type Ws = WebSocketStream<Socket>;

/// What one read produced.
enum Frame {
    Binary(Bytes),
    Skip,
    Closed,
    Fatal(ErrorCode, &'static str, u16),
}

fn classify(item: Option<Result<Message, WsError>>) -> Frame {
    match item {
        Some(Ok(Message::Binary(b))) => Frame::Binary(b),
        Some(Ok(Message::Text(_))) => Frame::Fatal(
            ErrorCode::MALFORMED,
            "text frames are not part of the protocol",
            close_code::POLICY,
        ),
        Some(Ok(Message::Close(_))) | None => Frame::Closed,
        // A client that vanished without the closing handshake (a closed
        // tab, a killed process) is a disconnect, not malformed input.
        Some(Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))) => Frame::Closed,
        Some(Ok(_)) => Frame::Skip,
        Some(Err(WsError::Capacity(_))) => Frame::Fatal(
            ErrorCode::FRAME_TOO_LARGE,
            "frame too large",
            close_code::TOO_BIG,
        ),
        Some(Err(WsError::Protocol(_) | WsError::Utf8(_))) => Frame::Fatal(
            ErrorCode::MALFORMED,
            "WebSocket protocol violation",
            close_code::POLICY,
        ),
        Some(Err(_)) => Frame::Closed,
    }
}

/// Serves one upgraded connection until it closes. `via`: the cluster node
/// that forwarded it (`peer` is then the client's address it named).
pub(crate) async fn serve(
    shared: Arc<RelayContext>,
    ws: Ws,
    peer: SocketAddr,
    via: Option<SocketAddr>,
) {
    let metrics = shared.metrics.clone();
    metrics.connections.fetch_add(1, Relaxed);
    let conn = ConnId(shared.next_conn_id());
    tracing::info!(%conn, %peer, ?via, "connected");
    let outbox = ConnOutbox::new(shared.config.max_outbox_bytes, metrics.clone());
    let (sink, mut stream) = ws.split();
    let mut writer = tokio::spawn(write_loop(sink, outbox.clone(), shared.clone()));
    let from = Source { peer, via };
    // The handshake's future is boxed and freed once the player is seated:
    // inline, its largest state (loading a room holds a whole `RoomState`,
    // forwarding a WebSocket client) made every connection's task 16 KiB
    // for the connection's whole life; 2 KiB without it (idle memory per
    // connection, BENCHMARKS.md).
    if let Some((room, player, mut budget)) =
        Box::pin(handshake(&shared, conn, from, &mut stream, &outbox)).await
    {
        let joined = Joined {
            room: &room,
            player: &player,
        };
        read_loop(&shared, conn, &mut stream, &outbox, joined, &mut budget).await;
        shared.budgets.put_back(player, budget, Instant::now());
        let _ = room.tx.send(RoomCmd::Disconnected { conn }).await;
    }
    outbox.close(close_code::NORMAL, "closed");
    // A peer that does not read cannot hold the writer (and the socket)
    // forever: it gets a few seconds to take the close frame.
    if tokio::time::timeout(Duration::from_secs(5), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    metrics.connections.fetch_sub(1, Relaxed);
    tracing::info!(%conn, "disconnected");
}

fn fatal(
    shared: &RelayContext,
    conn: ConnId,
    outbox: &ConnOutbox,
    code: ErrorCode,
    text: &str,
    close: u16,
) {
    shared.metrics.fatal_closes.fetch_add(1, Relaxed);
    tracing::info!(%conn, %code, reason = text, "closing");
    outbox.fatal(code, text, close, false);
}

/// Where a connection comes from.
#[derive(Clone, Copy)]
struct Source {
    /// The client's address.
    peer: SocketAddr,
    /// The node that forwarded it, if one did.
    via: Option<SocketAddr>,
}

/// Reads the join, checks it and seats the player. `None` when refused,
/// or when the connection was forwarded to the room's owner node and that
/// ended.
async fn handshake(
    shared: &Arc<RelayContext>,
    conn: ConnId,
    from: Source,
    stream: &mut SplitStream<Ws>,
    outbox: &Arc<ConnOutbox>,
) -> Option<(RoomHandle, PlayerId, Budget)> {
    let deadline = tokio::time::Instant::now() + shared.config.handshake_timeout;
    let bytes = loop {
        let Ok(item) = tokio::time::timeout_at(deadline, stream.next()).await else {
            let text = "no join frame in time";
            fatal(
                shared,
                conn,
                outbox,
                ErrorCode::HANDSHAKE_TIMEOUT,
                text,
                close_code::POLICY,
            );
            return None;
        };
        match classify(item) {
            Frame::Binary(b) => break b,
            Frame::Skip => continue,
            Frame::Closed => return None,
            Frame::Fatal(code, text, close) => {
                let code = if code == ErrorCode::MALFORMED {
                    ErrorCode::BAD_HANDSHAKE
                } else {
                    code
                };
                fatal(shared, conn, outbox, code, text, close);
                return None;
            }
        }
    };
    shared.metrics.reliable_in.add(bytes.len());
    let mut join = match parse_join(&bytes) {
        Ok(join) => join,
        Err((code, text)) => {
            fatal(shared, conn, outbox, code, &text, close_code::POLICY);
            return None;
        }
    };
    if let Some(refusal) = missing_room(shared, &join).await {
        let (code, text) = refusal;
        fatal(shared, conn, outbox, code, &text, close_code::POLICY);
        return None;
    }
    let (storage, bound) = (&shared.storage, &shared.bound_secrets);
    // A bot run by another player (the host) comes with the owner's
    // secret: it proves the owner; the room checks the owner is its host.
    let (proves, run_by_other) = match &join.bot_of {
        Some(owner) if owner != &join.player => (owner, true),
        _ => (&join.player, false),
    };
    match identity::check_or_bind(storage, bound, proves, join.secret.as_bytes()).await {
        Ok(true) => {}
        Ok(false) => {
            let text = "this player id is bound to another secret";
            fatal(
                shared,
                conn,
                outbox,
                ErrorCode::WRONG_SECRET,
                text,
                close_code::POLICY,
            );
            return None;
        }
        Err(e) => {
            tracing::error!(error = %e, "credential check failed");
            let text = "storage is unavailable";
            fatal(
                shared,
                conn,
                outbox,
                ErrorCode::STORAGE_UNAVAILABLE,
                text,
                close_code::INTERNAL,
            );
            return None;
        }
    }
    if run_by_other {
        // The owner is proven: bind a new bot's id, so that nobody can
        // claim it as an ordinary player; a later host's secret differs
        // from the one bound, and need not match.
        if let Err(e) =
            identity::check_or_bind(storage, bound, &join.player, join.secret.as_bytes()).await
        {
            tracing::warn!(error = %e, "could not bind a bot's id");
        }
    }
    let player = join.player.clone();
    let budget = shared.budgets.take(&player, &shared.config, Instant::now());
    if let Some(left) = budget.cooldown_left(Instant::now()) {
        shared.budgets.put_back(player, budget, Instant::now());
        let text = format!("rate limited: join again in {} ms", left.as_millis().max(1));
        let code = ErrorCode::RATE_LIMITED;
        fatal(shared, conn, outbox, code, &text, close_code::POLICY);
        return None;
    }
    let mut matched = match matchmake(shared, &mut join).await {
        Ok(matched) => matched,
        Err((code, text)) => {
            fatal(shared, conn, outbox, code, &text, close_code::POLICY);
            shared.budgets.put_back(player, budget, Instant::now());
            return None;
        }
    };
    let joined = match seat_or_forward(shared, conn, from, join, &bytes, stream, outbox).await {
        Some(joined) => joined,
        None => {
            if let Some((game, code)) = matched.take() {
                shared.matchmaker.release(game, code, player.clone());
            }
            shared.budgets.put_back(player, budget, Instant::now());
            return None;
        }
    };
    if let (Err(_), Some((game, code))) = (&joined, matched) {
        shared.matchmaker.release(game, code, player.clone());
    }
    match joined {
        Ok((_, handle)) => Some((handle, player, budget)),
        Err(JoinError::Refused) => {
            tracing::info!(%conn, %player, "join refused");
            shared.budgets.put_back(player, budget, Instant::now());
            None
        }
        Err(JoinError::Fatal(code, text)) => {
            fatal(shared, conn, outbox, code, &text, close_code::POLICY);
            shared.budgets.put_back(player, budget, Instant::now());
            None
        }
        Err(JoinError::Elsewhere(_)) => {
            let text = "the room is served by another node; reconnect";
            let code = ErrorCode::ROOM_MOVED;
            fatal(shared, conn, outbox, code, text, close_code::RESTART);
            shared.budgets.put_back(player, budget, Instant::now());
            None
        }
    }
}

/// Hands the join to the room here, or (cluster mode) forwards the
/// connection to the node that owns the room and serves it until it ends
/// (`None`). An owner that cannot be reached is tried again, through fresh
/// lease look-ups, until its lease ran out and this or another node took
/// the room over: bounded by the lease time and 2 s.
async fn seat_or_forward(
    shared: &Arc<RelayContext>,
    conn: ConnId,
    from: Source,
    join: Join,
    join_frame: &Bytes,
    stream: &mut SplitStream<Ws>,
    outbox: &Arc<ConnOutbox>,
) -> Option<Result<(RoomCode, RoomHandle), JoinError>> {
    let mut deadline = None;
    loop {
        let joined = shared
            .registry
            .join(conn, join.clone(), outbox.clone())
            .await;
        let (Err(JoinError::Elsewhere(addr)), Some(cluster), None) =
            (&joined, &shared.cluster, from.via)
        else {
            // A forwarded connection is never forwarded again: the nodes'
            // views of the lease differ for a moment; the client reconnects.
            return Some(joined);
        };
        match forward::connect(addr, cluster.token(), from.peer, join_frame.clone()).await {
            Ok(owner) => {
                tracing::info!(%conn, to = %addr, "forwarding to the room's node");
                forward::pipe(owner, stream, outbox, &shared.metrics).await;
                return None;
            }
            Err(e) => {
                let now = tokio::time::Instant::now();
                let deadline =
                    *deadline.get_or_insert(now + cluster.lease() + Duration::from_secs(2));
                if now >= deadline {
                    let text = format!("the room's node is unreachable: {e}");
                    let code = ErrorCode::OWNER_UNREACHABLE;
                    fatal(shared, conn, outbox, code, &text, close_code::RESTART);
                    return None;
                }
                tracing::info!(%conn, error = %e, "the room's node is unreachable; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// A join for an existing room only, to a code no room has: refused here,
/// before the player's secret is bound, so that probing codes stores
/// nothing at all. The room map checks again when it opens the room.
async fn missing_room(shared: &RelayContext, join: &Join) -> Option<(ErrorCode, String)> {
    let RoomRequest::Code(code) = &join.room else {
        return None;
    };
    if !join.only_existing {
        return None;
    }
    match room_delete::exists(shared.registry.services(), code).await {
        Ok(true) => None,
        Ok(false) => Some((
            ErrorCode::ROOM_NOT_FOUND,
            format!("no room has the code {code}"),
        )),
        Err(e) => {
            tracing::error!(error = %e, "room lookup failed");
            let text = "storage is unavailable".to_owned();
            Some((ErrorCode::STORAGE_UNAVAILABLE, text))
        }
    }
}

/// For a matchmaking join, asks the matchmaker for a public room and points
/// the join at it; returns the game and room. Other joins pass unchanged.
async fn matchmake(
    shared: &RelayContext,
    join: &mut Join,
) -> Result<Option<(String, RoomCode)>, (ErrorCode, String)> {
    let Some(matchmaking) = join.matchmaking else {
        return Ok(None);
    };
    if !join.role().is_player() {
        // Only players take seats; a watcher joins the room it names.
        join.matchmaking = None;
        return Ok(None);
    }
    let Some(game) = join.game.clone() else {
        let text = "matchmaking needs a game id".to_owned();
        return Err((ErrorCode::GAME_ID_REQUIRED, text));
    };
    if game.is_empty() || game.len() > MAX_GAME_BYTES {
        let text = format!("game ids are 1 to {MAX_GAME_BYTES} bytes");
        return Err((ErrorCode::BAD_HANDSHAKE, text));
    }
    let cfg = &shared.config;
    let max = join
        .max_players
        .unwrap_or(cfg.max_players)
        .clamp(1, cfg.max_players.max(1));
    let cap = u64::try_from(cfg.max_matchmaking_wait.as_millis()).unwrap_or(u64::MAX);
    let wait = u64::from(matchmaking.wait_before_creating_ms).min(cap);
    let player = join.player.clone();
    let Some((code, max)) = shared
        .matchmaker
        .find(game.clone(), player, max, wait)
        .await
    else {
        let text = "the relay is shutting down".to_owned();
        return Err((ErrorCode::SHUTTING_DOWN, text));
    };
    tracing::debug!(room = %code, %game, "matchmade");
    join.room = RoomRequest::Code(code.clone());
    join.max_players = Some(max);
    Ok(Some((game, code)))
}

fn parse_join(bytes: &[u8]) -> Result<Join, (ErrorCode, String)> {
    match peek_version(bytes) {
        Ok(PROTOCOL_VERSION) => {}
        Ok(v) => {
            let text = format!(
                "protocol version {v} is not supported; this relay speaks {PROTOCOL_VERSION}"
            );
            return Err((ErrorCode::UNSUPPORTED_VERSION, text));
        }
        Err(e) => return Err((ErrorCode::BAD_HANDSHAKE, e.to_string())),
    }
    match ClientMessage::decode(bytes) {
        Ok(ClientMessage::Join(join)) => Ok(join),
        Ok(_) => Err((
            ErrorCode::BAD_HANDSHAKE,
            "the first frame must be a join".into(),
        )),
        Err(e) => Err((ErrorCode::BAD_HANDSHAKE, e.to_string())),
    }
}

/// Who a connection is once seated.
#[derive(Clone, Copy)]
struct Joined<'a> {
    room: &'a RoomHandle,
    player: &'a PlayerId,
}

/// Forwards decoded messages to the room, with rate limits and timeouts;
/// answers persistent data requests itself.
async fn read_loop(
    shared: &Arc<RelayContext>,
    conn: ConnId,
    stream: &mut SplitStream<Ws>,
    outbox: &Arc<ConnOutbox>,
    joined: Joined<'_>,
    budget: &mut Budget,
) {
    let room = joined.room;
    let cfg = &shared.config;
    let metrics = &shared.metrics;
    let mut closed = outbox.closed();
    let mut shutdown = shared.shutdown.subscribe();
    'read: loop {
        let item = tokio::select! {
            biased;
            _ = closed.wait_for(|c| *c) => return,
            _ = shutdown.wait_for(|s| *s) => {
                let text = "the relay is shutting down";
                outbox.fatal(ErrorCode::SHUTTING_DOWN, text, close_code::RESTART, false);
                return;
            }
            item = tokio::time::timeout(cfg.idle_timeout, stream.next()) => item,
        };
        let Ok(item) = item else {
            let text = "no message within the idle timeout";
            fatal(
                shared,
                conn,
                outbox,
                ErrorCode::IDLE_TIMEOUT,
                text,
                close_code::POLICY,
            );
            return;
        };
        let bytes = match classify(item) {
            Frame::Binary(b) => b,
            Frame::Skip => continue,
            Frame::Closed => return,
            Frame::Fatal(code, text, close) => {
                return fatal(shared, conn, outbox, code, text, close);
            }
        };
        let msg = match ClientMessage::decode(&bytes) {
            Ok(msg) => msg,
            Err(e) => {
                let text = e.to_string();
                return fatal(
                    shared,
                    conn,
                    outbox,
                    ErrorCode::MALFORMED,
                    &text,
                    close_code::POLICY,
                );
            }
        };
        let mut admit = if matches!(msg, ClientMessage::Unreliable { .. }) {
            metrics.unreliable_in.add(bytes.len());
            budget.admit_unreliable(Instant::now())
        } else {
            metrics.reliable_in.add(bytes.len());
            budget.admit_reliable(Instant::now())
        };
        // Over the reliable budget, stop reading until tokens are there
        // (backpressure): the sender slows down, nothing is dropped.
        loop {
            match admit {
                Admit::Pass => break,
                Admit::Drop => {
                    metrics.unreliable_dropped.fetch_add(1, Relaxed);
                    continue 'read;
                }
                Admit::Wait(time) => {
                    tokio::time::sleep(time).await;
                    admit = budget.after_wait(Instant::now());
                }
                Admit::RateLimited => {
                    let text = "too many reliable messages per second";
                    let code = ErrorCode::RATE_LIMITED;
                    return fatal(shared, conn, outbox, code, text, close_code::POLICY);
                }
            }
        }
        if let ClientMessage::Publish { client_ref, .. } = &msg
            && shared.disk.is_full()
        {
            // Refused here, before the room stages anything: the client
            // keeps the changes and resends them later.
            let error = RelayMessage::Error {
                code: ErrorCode::DISK_FULL,
                message: "the relay's disk is full: nothing was stored".into(),
                fatal: false,
                client_ref: Some(*client_ref),
            };
            outbox.push_reliable(Bytes::from(error.encode()));
            continue;
        }
        if let Some(request) = Request::of(&msg) {
            let number = request.number();
            // Boxed, as the handshake is: a rare request's future should
            // not grow every connection's task.
            let outcome = Box::pin(request.serve(shared, joined.player)).await;
            let reply = RelayMessage::Reply {
                request: number,
                outcome,
            };
            outbox.push_reliable(Bytes::from(reply.encode()));
            continue;
        }
        if room.tx.send(RoomCmd::Message { conn, msg }).await.is_err() {
            return;
        }
    }
}

/// Sends reliable frames first, then coalesced unreliable ones.
async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    outbox: Arc<ConnOutbox>,
    shared: Arc<RelayContext>,
) {
    let metrics = &shared.metrics;
    loop {
        while let Some(item) = outbox.try_next() {
            let sent = match item {
                Outgoing::Reliable(frame) => {
                    metrics.reliable_out.add(frame.len());
                    sink.feed(Message::Binary(frame)).await
                }
                Outgoing::Unreliable(frame) => {
                    metrics.unreliable_out.add(frame.len());
                    sink.feed(Message::Binary(frame)).await
                }
                Outgoing::Close(code, reason) => {
                    let frame = CloseFrame {
                        code: code.into(),
                        reason: reason.into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    let _ = sink.close().await;
                    return;
                }
            };
            if sent.is_err() {
                outbox.close(close_code::NORMAL, "write failed");
                return;
            }
        }
        if sink.flush().await.is_err() {
            outbox.close(close_code::NORMAL, "write failed");
            return;
        }
        outbox.wait().await;
    }
}
