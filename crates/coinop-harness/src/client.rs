//! A raw-protocol WebSocket client: exactly the frames a test asks for, no
//! SDK logic. Its helpers panic on what a test would fail on; the `try_*`
//! ones return what happened instead.

use crate::{Event, Joined};
use coinop_protocol::{
    Bytes, ClientMessage, ErrorCode, Join, Reassembly, RelayMessage, Seq, Welcome,
};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected frame may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// Frames read at most while waiting for one thing (every wait is bounded).
const MAX_FRAMES: usize = 1_000_000;

/// The WebSocket under a [`Client`].
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket connection to a relay speaking the raw protocol.
pub struct Client {
    /// The socket, for tests that split it or send odd frames.
    pub ws: Ws,
    /// A relay message arriving in parts, put together before it is shown.
    parts: Reassembly,
}

impl Client {
    /// A client over a WebSocket connected by the caller (from a chosen
    /// source address, through a proxy ...).
    pub fn from_ws(ws: Ws) -> Client {
        Client {
            ws,
            parts: Reassembly::default(),
        }
    }

    /// Connects (no join yet); the error is the handshake's, e.g. an HTTP
    /// 429 or 403 answer.
    pub async fn try_connect(url: &str) -> Result<Client, tungstenite::Error> {
        let connecting = tokio_tungstenite::connect_async(url);
        within_wait(connecting).await
    }

    /// Connects over `wss://` trusting `tls`'s roots (see [`crate::TestCa`]).
    pub async fn try_connect_tls(
        url: &str,
        tls: std::sync::Arc<rustls::ClientConfig>,
    ) -> Result<Client, tungstenite::Error> {
        let connector = tokio_tungstenite::Connector::Rustls(tls);
        let connecting =
            tokio_tungstenite::connect_async_tls_with_config(url, None, true, Some(connector));
        within_wait(connecting).await
    }

    /// Connects (no join yet); panics on failure.
    pub async fn connect(url: &str) -> Client {
        Client::try_connect(url).await.expect("connect")
    }

    /// Connects with a tiny socket receive buffer, so that a client that
    /// stops reading backs the relay up after little data.
    pub async fn connect_small(url: &str) -> Client {
        let authority = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("a ws:// URL");
        let addr = authority.parse().expect("a ws://IP:PORT URL");
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.set_recv_buffer_size(4096).expect("a small buffer");
        let stream = socket.connect(addr).await.expect("connect");
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
            .await
            .expect("handshake");
        Client {
            ws,
            parts: Reassembly::default(),
        }
    }

    /// Connects and joins; panics unless the join succeeds.
    pub async fn join(url: &str, join: Join) -> (Client, Joined) {
        let mut c = Client::connect(url).await;
        c.send(&ClientMessage::Join(join)).await;
        let joined = c.read_catch_up().await;
        (c, joined)
    }

    /// Joins like [`Client::join`], then waits until `seated` (a player
    /// already in the room) hears of it, so that what the test does next
    /// comes after the join for both.
    pub async fn join_seen_by(url: &str, join: Join, seated: &mut Client) -> (Client, Joined) {
        let joined = Client::join(url, join).await;
        seated
            .recv_until(|m| matches!(m, RelayMessage::PlayerJoined(_)))
            .await;
        joined
    }

    /// Connects and sends the join; returns the first frame or the close.
    pub async fn try_join(url: &str, join: Join) -> (Client, Event) {
        let mut c = Client::connect(url).await;
        c.send(&ClientMessage::Join(join)).await;
        let first = c.event().await;
        (c, first)
    }

    /// Reads the welcome that answers a join; panics on anything else.
    pub async fn expect_welcome(&mut self) -> Welcome {
        match self.recv().await {
            RelayMessage::Welcome(w) => w,
            other => panic!("expected a welcome, got {other:?}"),
        }
    }

    /// Reads the welcome and the catch-up that follow a join.
    pub async fn read_catch_up(&mut self) -> Joined {
        let welcome = self.expect_welcome().await;
        self.catch_up_after(welcome).await
    }

    /// Reads the catch-up after `welcome`, up to `Synced`.
    pub async fn catch_up_after(&mut self, welcome: Welcome) -> Joined {
        let mut joined = Joined {
            welcome,
            snapshot: None,
            view: None,
            entries: Vec::new(),
            head: Seq(0),
        };
        for _ in 0..MAX_FRAMES {
            match self.recv().await {
                RelayMessage::Snapshot { upto, doc, view } => {
                    joined.snapshot = Some((upto, doc));
                    joined.view = view;
                }
                RelayMessage::Changes { entries } => joined.entries.extend(entries),
                RelayMessage::Synced { head } => {
                    joined.head = head;
                    return joined;
                }
                other => panic!("unexpected during catch-up: {other:?}"),
            }
        }
        panic!("catch-up never ended")
    }

    /// Sends one message; panics when the socket is gone.
    pub async fn send(&mut self, msg: &ClientMessage) {
        assert!(self.try_send(msg).await, "send");
    }

    /// Sends one message; false when the socket is gone.
    pub async fn try_send(&mut self, msg: &ClientMessage) -> bool {
        self.ws
            .send(Message::Binary(msg.encode().into()))
            .await
            .is_ok()
    }

    /// Sends any WebSocket message (text, ping, garbage); errors ignored.
    pub async fn send_raw(&mut self, msg: Message) {
        let _ = self.ws.send(msg).await;
    }

    /// The next frame or the close, within [`WAIT`]; skips pings and pongs.
    pub async fn event(&mut self) -> Event {
        self.event_within(WAIT)
            .await
            .expect("a frame or close in time")
    }

    /// The next frame or the close within `d`; `None` on timeout.
    pub async fn event_within(&mut self, d: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            let item = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            return Some(match item {
                Some(Ok(Message::Binary(b))) => match RelayMessage::decode(&b) {
                    Ok(RelayMessage::Part {
                        total,
                        offset,
                        data,
                    }) => match self.parts.push(total, offset, &data, u64::MAX) {
                        Ok(Some(whole)) => match RelayMessage::decode(&whole) {
                            Ok(m) => Event::Frame(m),
                            Err(e) => panic!("relay sent an undecodable message in parts: {e}"),
                        },
                        Ok(None) => continue,
                        Err(e) => panic!("relay sent a stray part: {e}"),
                    },
                    Ok(m) => Event::Frame(m),
                    Err(e) => panic!("relay sent an undecodable frame: {e}"),
                },
                Some(Ok(Message::Close(frame))) => Event::Closed(frame.map(|f| f.code.into())),
                Some(Ok(Message::Text(t))) => panic!("text frame from relay: {t}"),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => Event::Closed(None),
            });
        }
    }

    /// The next frame; panics on close.
    pub async fn recv(&mut self) -> RelayMessage {
        match self.event().await {
            Event::Frame(m) => m,
            Event::Closed(code) => panic!("closed ({code:?}) while waiting for a frame"),
        }
    }

    /// Skips frames until one matches.
    pub async fn recv_until(
        &mut self,
        mut pred: impl FnMut(&RelayMessage) -> bool,
    ) -> RelayMessage {
        for _ in 0..MAX_FRAMES {
            let m = self.recv().await;
            if pred(&m) {
                return m;
            }
        }
        panic!("no matching frame")
    }

    /// Publishes and waits for the ack; returns its seq. Panics when the
    /// publish is refused or the connection ends.
    pub async fn publish(&mut self, client_ref: u64, changes: Vec<Bytes>) -> Seq {
        match self.try_publish(client_ref, changes).await {
            Ok(seq) => seq,
            Err(code) => panic!("publish {client_ref} refused: {code:?}"),
        }
    }

    /// Publishes and waits for the answer: the ack's seq, or the error
    /// code. Panics when the connection ends first.
    pub async fn try_publish(
        &mut self,
        client_ref: u64,
        changes: Vec<Bytes>,
    ) -> Result<Seq, ErrorCode> {
        self.publish_unless_closed(client_ref, changes)
            .await
            .unwrap_or_else(|| panic!("the connection ended before publish {client_ref}'s answer"))
    }

    /// Publishes and waits for the answer; `None` when the connection ends
    /// (or stays silent for [`WAIT`]) first.
    pub async fn publish_unless_closed(
        &mut self,
        client_ref: u64,
        changes: Vec<Bytes>,
    ) -> Option<Result<Seq, ErrorCode>> {
        let msg = ClientMessage::Publish {
            client_ref,
            changes,
        };
        if !self.try_send(&msg).await {
            return None;
        }
        for _ in 0..MAX_FRAMES {
            match self.event_within(WAIT).await? {
                Event::Frame(RelayMessage::Ack {
                    client_ref: r, seq, ..
                }) if r == client_ref => {
                    return Some(Ok(seq));
                }
                Event::Frame(RelayMessage::Error {
                    code,
                    client_ref: Some(r),
                    ..
                }) if r == client_ref => return Some(Err(code)),
                Event::Frame(_) => {}
                Event::Closed(_) => return None,
            }
        }
        None
    }

    /// Reads until the relay closes; returns the last fatal error code seen
    /// (if any) and the close code.
    pub async fn expect_fatal(&mut self) -> (Option<ErrorCode>, Option<u16>) {
        let mut code = None;
        for _ in 0..MAX_FRAMES {
            match self.event().await {
                Event::Frame(RelayMessage::Error {
                    code: c,
                    fatal: true,
                    ..
                }) => code = Some(c),
                Event::Frame(_) => {}
                Event::Closed(close) => return (code, close),
            }
        }
        panic!("never closed")
    }

    /// Asserts that no frame arrives within `d` (use sparingly: it waits).
    pub async fn expect_silence(&mut self, d: Duration) {
        if let Some(Event::Frame(m)) = self.event_within(d).await {
            panic!("unexpected frame: {m:?}");
        }
    }
}

/// A client from a connection attempt that must succeed within [`WAIT`].
async fn within_wait<S>(
    connecting: impl std::future::Future<Output = Result<(Ws, S), tungstenite::Error>>,
) -> Result<Client, tungstenite::Error> {
    let (ws, _) = tokio::time::timeout(WAIT, connecting)
        .await
        .map_err(|_| tungstenite::Error::Io(std::io::ErrorKind::TimedOut.into()))??;
    Ok(Client::from_ws(ws))
}
