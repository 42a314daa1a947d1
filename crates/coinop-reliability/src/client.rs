//! A raw-protocol WebSocket client: exactly the frames a test asks for.

use coinop_protocol::{
    Bytes, ClientMessage, ErrorCode, Join, LogEntry, PROTOCOL_VERSION, PlayerId, Profile,
    RelayMessage, RoomCode, RoomRequest, Secret, Seq, Welcome,
};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected frame may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// What a read produced.
#[derive(Debug)]
pub enum Event {
    /// A decoded relay frame.
    Frame(RelayMessage),
    /// The connection closed, with the close code if one came.
    Closed(Option<u16>),
}

/// A WebSocket connection to a relay speaking the raw protocol.
pub struct Client {
    /// The socket.
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the relay sent between `Welcome` and `Synced`.
#[derive(Debug)]
pub struct Joined {
    /// The welcome.
    pub welcome: Welcome,
    /// The snapshot, if the room was compacted.
    pub snapshot: Option<(Seq, Bytes)>,
    /// The log entries after it.
    pub entries: Vec<LogEntry>,
    /// The head named by `Synced`.
    pub head: Seq,
}

/// A 16-byte secret derived from the player id (tests only).
pub fn secret_for(player: &str) -> Secret {
    let mut bytes = player.as_bytes().to_vec();
    bytes.resize(16.max(bytes.len()), b'#');
    Secret::new(bytes).expect("a 16-byte secret is valid")
}

/// A join for `player` into room `room`.
pub fn join_msg(room: &str, player: &str) -> Join {
    Join {
        version: PROTOCOL_VERSION,
        room: RoomRequest::Code(RoomCode::new(room).expect("valid room code")),
        player: PlayerId::new(player).expect("valid player id"),
        secret: secret_for(player),
        profile: Profile {
            name: player.into(),
            ..Profile::default()
        },
        since: None,
        max_players: None,
        grace_period_ms: None,
    }
}

impl Client {
    /// Connects (no join yet).
    pub async fn connect(url: &str) -> Client {
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("connect");
        Client { ws }
    }

    /// Connects and joins; panics unless the join succeeds.
    pub async fn join(url: &str, join: Join) -> (Client, Joined) {
        let mut c = Client::connect(url).await;
        c.send(&ClientMessage::Join(join)).await;
        let joined = c.read_catch_up().await;
        (c, joined)
    }

    /// Connects and sends the join; returns the first frame or the close.
    pub async fn try_join(url: &str, join: Join) -> (Client, Event) {
        let mut c = Client::connect(url).await;
        c.send(&ClientMessage::Join(join)).await;
        let first = c.event().await;
        (c, first)
    }

    /// Reads the catch-up that follows a join.
    pub async fn read_catch_up(&mut self) -> Joined {
        let welcome = match self.recv().await {
            RelayMessage::Welcome(w) => w,
            other => panic!("expected a welcome, got {other:?}"),
        };
        let mut joined = Joined {
            welcome,
            snapshot: None,
            entries: Vec::new(),
            head: Seq(0),
        };
        for _ in 0..1_000_000 {
            match self.recv().await {
                RelayMessage::Snapshot { upto, doc, .. } => joined.snapshot = Some((upto, doc)),
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

    /// Sends one message.
    pub async fn send(&mut self, msg: &ClientMessage) {
        self.ws
            .send(Message::Binary(msg.encode().into()))
            .await
            .expect("send");
    }

    /// Sends one message; false when the socket is gone.
    pub async fn try_send(&mut self, msg: &ClientMessage) -> bool {
        self.ws
            .send(Message::Binary(msg.encode().into()))
            .await
            .is_ok()
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
        for _ in 0..1_000_000 {
            let m = self.recv().await;
            if pred(&m) {
                return m;
            }
        }
        panic!("no matching frame")
    }

    /// Publishes and waits for the answer: the ack's seq, or the error code.
    pub async fn publish(
        &mut self,
        client_ref: u64,
        changes: Vec<Bytes>,
    ) -> Result<Seq, ErrorCode> {
        self.send(&ClientMessage::Publish {
            client_ref,
            changes,
        })
        .await;
        let answer = self
            .recv_until(|m| {
                matches!(m, RelayMessage::Ack { client_ref: r, .. }
                    | RelayMessage::Error { client_ref: Some(r), .. } if *r == client_ref)
            })
            .await;
        match answer {
            RelayMessage::Ack { seq, .. } => Ok(seq),
            RelayMessage::Error { code, .. } => Err(code),
            other => panic!("not an answer: {other:?}"),
        }
    }

    /// Reads until the relay closes; returns the last fatal error code seen
    /// (if any) and the close code.
    pub async fn expect_fatal(&mut self) -> (Option<ErrorCode>, Option<u16>) {
        let mut code = None;
        for _ in 0..1_000_000 {
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
}
