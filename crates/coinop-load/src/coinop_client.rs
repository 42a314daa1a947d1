//! A load client speaking the coinop protocol directly: one automerge
//! document per client, one change per update.

use anyhow::{Context, bail};
use automerge::{AutoCommit, ROOT, transaction::Transactable};
use coinop_protocol::{
    Bytes, ClientMessage, Join, PROTOCOL_VERSION, PlayerId, Profile, RelayMessage, RoomCode,
    RoomRequest, Secret, Welcome,
};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
/// The sending half of a client's socket.
pub type Sink = SplitSink<Ws, Message>;
/// The receiving half of a client's socket.
pub type Stream = SplitStream<Ws>;

/// Connects to `addr` and joins `room` as player `name`; returns after the
/// relay's welcome.
pub async fn join(addr: &str, room: &str, name: &str) -> anyhow::Result<(Sink, Stream, Welcome)> {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    let (mut sink, mut stream) = ws.split();
    let mut secret = name.as_bytes().to_vec();
    secret.resize(32, b'#');
    let join = ClientMessage::Join(Join {
        version: PROTOCOL_VERSION,
        room: RoomRequest::Code(RoomCode::new(room)?),
        player: PlayerId::new(name)?,
        secret: Secret::new(secret)?,
        profile: Profile {
            name: name.into(),
            ..Profile::default()
        },
        since: None,
        max_players: None,
        grace_period_ms: Some(0),
    });
    sink.send(Message::Binary(join.encode().into())).await?;
    while let Some(frame) = stream.next().await {
        if let Message::Binary(bytes) = frame? {
            match RelayMessage::decode(&bytes)? {
                RelayMessage::Welcome(welcome) => return Ok((sink, stream, welcome)),
                RelayMessage::Error { code, message, .. } => {
                    bail!("join refused: {code}: {message}")
                }
                _ => {}
            }
        }
    }
    bail!("relay closed during the join")
}

/// Makes one change per update on a private document.
pub struct Writer {
    doc: AutoCommit,
    counter: i64,
    client_ref: u64,
}

impl Writer {
    /// A fresh document.
    pub fn new() -> Writer {
        Writer {
            doc: AutoCommit::new(),
            counter: 0,
            client_ref: 0,
        }
    }

    /// The next change's bytes.
    pub fn next_change(&mut self) -> Bytes {
        self.counter += 1;
        // Writing the same key over and over is the common game case.
        let _ = self.doc.put(ROOT, "k", self.counter);
        self.doc.commit();
        match self.doc.get_last_local_change() {
            Some(mut change) => Bytes::copy_from_slice(&change.bytes()),
            None => Bytes::new(),
        }
    }

    /// A publish frame for these changes.
    pub fn publish(&mut self, changes: Vec<Bytes>) -> Message {
        self.client_ref += 1;
        let msg = ClientMessage::Publish {
            client_ref: self.client_ref,
            changes,
        };
        Message::Binary(msg.encode().into())
    }
}

/// A ping frame, to keep an idle connection alive.
pub fn ping() -> Message {
    Message::Binary(ClientMessage::Ping { client_time: 0 }.encode().into())
}
