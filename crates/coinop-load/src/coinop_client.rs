//! A load client speaking the coinop protocol directly (the harness's raw
//! client): one automerge document per client, one change per update.

use anyhow::{Context, bail};
use coinop_harness::{Client, Doc, Event, join_msg};
use coinop_protocol::{Bytes, ClientMessage, RelayMessage, Welcome};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// How long a join may wait for its welcome, with thousands of others.
const JOIN_WAIT: Duration = Duration::from_secs(60);

/// Connects to `addr` and joins `room` as player `name` (no grace period:
/// a client that goes leaves at once); returns after the relay's welcome.
pub async fn join(addr: &str, room: &str, name: &str) -> anyhow::Result<(Client, Welcome)> {
    let mut client = Client::try_connect(&format!("ws://{addr}/ws"))
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    let join = join_msg(room, name).with_grace_period_ms(0);
    if !client.try_send(&ClientMessage::Join(join)).await {
        bail!("relay closed before the join");
    }
    match client.event_within(JOIN_WAIT).await {
        Some(Event::Frame(RelayMessage::Welcome(welcome))) => Ok((client, welcome)),
        Some(Event::Frame(RelayMessage::Error { code, message, .. })) => {
            bail!("join refused: {code}: {message}")
        }
        other => bail!("no welcome: {other:?}"),
    }
}

/// Makes one change per update on a private document.
pub struct Writer {
    doc: Doc,
    counter: i64,
    client_ref: u64,
}

impl Writer {
    /// A fresh document.
    pub fn new() -> Writer {
        Writer {
            doc: Doc::new(),
            counter: 0,
            client_ref: 0,
        }
    }

    /// The next change's bytes.
    pub fn next_change(&mut self) -> Bytes {
        self.counter += 1;
        // Writing the same key over and over is the common game case.
        self.doc.change("k", self.counter)
    }

    /// The next `client_ref` to publish under.
    pub fn next_ref(&mut self) -> u64 {
        self.client_ref += 1;
        self.client_ref
    }

    /// A publish frame for these changes.
    pub fn publish(&mut self, changes: Vec<Bytes>) -> Message {
        let msg = ClientMessage::Publish {
            client_ref: self.next_ref(),
            changes,
        };
        Message::Binary(msg.encode().into())
    }
}

/// A ping frame, to keep an idle connection alive.
pub fn ping() -> Message {
    Message::Binary(ClientMessage::Ping { client_time: 0 }.encode().into())
}
