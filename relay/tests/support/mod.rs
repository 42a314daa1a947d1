//! A small raw-protocol test client for the real relay.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use automerge::transaction::Transactable;
use coinop_protocol::*;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected frame may take.
pub const WAIT: Duration = Duration::from_secs(5);

/// What a read produced.
#[derive(Debug)]
pub enum Event {
    Frame(RelayMessage),
    Closed(Option<u16>),
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the relay sent between `Welcome` and `Synced`.
#[derive(Debug)]
pub struct Joined {
    pub welcome: Welcome,
    pub snapshot: Option<(Seq, Bytes)>,
    /// The snapshot's state view, when the relay sent one.
    pub view: Option<Bytes>,
    pub entries: Vec<LogEntry>,
    pub head: Seq,
}

pub fn secret_for(player: &str) -> Secret {
    let mut bytes = player.as_bytes().to_vec();
    bytes.resize(16, b'#');
    Secret::new(bytes).unwrap()
}

pub fn join_msg(room: &str, player: &str) -> Join {
    Join {
        version: PROTOCOL_VERSION,
        room: RoomRequest::Code(RoomCode::new(room).unwrap()),
        player: PlayerId::new(player).unwrap(),
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

pub fn pid(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

impl Client {
    pub async fn connect(url: &str) -> Client {
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("connect");
        Client { ws }
    }

    /// Connects with a tiny socket receive buffer, so that a client that
    /// stops reading backs the relay up after little data.
    pub async fn connect_small(url: &str) -> Client {
        let addr = url.trim_start_matches("ws://").split('/').next().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
            .await
            .expect("handshake");
        Client { ws }
    }

    /// Connects and joins; panics unless the join succeeds.
    pub async fn join(url: &str, join: Join) -> (Client, Joined) {
        let mut c = Client::connect(url).await;
        c.send(&ClientMessage::Join(join)).await;
        let joined = c.read_catch_up().await;
        (c, joined)
    }

    pub async fn read_catch_up(&mut self) -> Joined {
        let RelayMessage::Welcome(welcome) = self.recv().await else {
            panic!("expected a welcome")
        };
        let mut joined = Joined {
            welcome,
            snapshot: None,
            view: None,
            entries: Vec::new(),
            head: Seq(0),
        };
        for _ in 0..100_000 {
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

    pub async fn send(&mut self, msg: &ClientMessage) {
        self.ws
            .send(Message::Binary(msg.encode().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, msg: Message) {
        let _ = self.ws.send(msg).await;
    }

    /// The next frame or the close; skips pings and pongs.
    pub async fn event(&mut self) -> Event {
        loop {
            let item = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time");
            match item {
                Some(Ok(Message::Binary(b))) => {
                    return Event::Frame(RelayMessage::decode(&b).expect("relay frames decode"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Event::Closed(frame.map(|f| f.code.into()));
                }
                Some(Ok(Message::Text(t))) => panic!("text frame from relay: {t}"),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Event::Closed(None),
            }
        }
    }

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
        for _ in 0..10_000 {
            let m = self.recv().await;
            if pred(&m) {
                return m;
            }
        }
        panic!("no matching frame")
    }

    /// Publishes and waits for the ack; returns its seq.
    pub async fn publish(&mut self, client_ref: u64, changes: Vec<Bytes>) -> Seq {
        self.send(&ClientMessage::Publish {
            client_ref,
            changes,
        })
        .await;
        match self
            .recv_until(|m| matches!(m, RelayMessage::Ack { client_ref: r, .. } | RelayMessage::Error { client_ref: Some(r), .. } if *r == client_ref))
            .await
        {
            RelayMessage::Ack { seq, .. } => seq,
            other => panic!("publish refused: {other:?}"),
        }
    }

    /// Reads until the relay closes; returns the fatal error code seen (if
    /// any) and the close code.
    pub async fn expect_fatal(&mut self) -> (Option<ErrorCode>, Option<u16>) {
        let mut code = None;
        for _ in 0..10_000 {
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

    /// Asserts nothing arrives within `d` (used sparingly).
    pub async fn expect_silence(&mut self, d: Duration) {
        if let Ok(Some(Ok(Message::Binary(b)))) = tokio::time::timeout(d, self.ws.next()).await {
            panic!("unexpected frame: {:?}", RelayMessage::decode(&b));
        }
    }
}

/// An automerge document that produces change bytes.
pub struct Doc(pub automerge::AutoCommit);

impl Doc {
    pub fn new() -> Self {
        Doc(automerge::AutoCommit::new())
    }

    pub fn change(&mut self, key: &str, v: i64) -> Bytes {
        self.0.put(automerge::ROOT, key, v).unwrap();
        self.0.commit();
        Bytes::copy_from_slice(self.0.get_last_local_change().unwrap().raw_bytes())
    }
}

/// Builds a document from catch-up data.
pub fn doc_from(joined: &Joined) -> automerge::AutoCommit {
    let mut doc = match &joined.snapshot {
        Some((_, bytes)) => automerge::AutoCommit::load(bytes).unwrap(),
        None => automerge::AutoCommit::new(),
    };
    for e in &joined.entries {
        doc.load_incremental(&e.change).unwrap();
    }
    doc
}

/// Plain HTTP GET over a raw socket; returns (status, body).
pub async fn http_get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Incompressible bytes, so change sizes are what they seem.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A valid change carrying `len` incompressible bytes (its own document).
pub fn big_change(len: usize, seed: u64) -> Bytes {
    let mut doc = automerge::AutoCommit::new();
    let blob = automerge::ScalarValue::Bytes(noise(len, seed));
    doc.put(automerge::ROOT, "blob", blob).unwrap();
    doc.commit();
    Bytes::copy_from_slice(doc.get_last_local_change().unwrap().raw_bytes())
}
