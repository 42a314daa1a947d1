//! Cluster mode: a client whose room another node owns is carried there.
//! This node opens a WebSocket to the owner (node to node), replays the
//! client's join frame, and then copies frames both ways until either side
//! closes. The owner runs the room as for any client; it learns the
//! client's address from a header it trusts only with the cluster's token.
//! Frames are copied unparsed, except unreliable values, which this hop
//! coalesces for a slow client as the owner would.

use super::conn_outbox::ConnOutbox;
use crate::core::{CoalesceKey, close_code};
use crate::metrics::Metrics;
use coinop_protocol::{Bytes, ErrorCode, RelayMessage};
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The header naming the client's address on a forwarded connection.
pub(crate) const FORWARDED_FOR: &str = "x-coinop-forwarded-for";
/// The header carrying the cluster's token on a forwarded connection.
pub(crate) const CLUSTER_TOKEN: &str = "x-coinop-cluster-token";

/// How long connecting to the owner node may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The connection to the owner node.
pub(crate) type OwnerWs = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a connection to the owner node at `addr` for `client` and sends
/// it the client's join frame.
pub(crate) async fn connect(
    addr: &str,
    token: &str,
    client: SocketAddr,
    join: Bytes,
) -> Result<OwnerWs, String> {
    let mut request = format!("ws://{addr}/ws")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let header = |v: &str| HeaderValue::from_str(v).map_err(|e| e.to_string());
    let headers = request.headers_mut();
    headers.insert(FORWARDED_FOR, header(&client.to_string())?);
    headers.insert(CLUSTER_TOKEN, header(token)?);
    let connecting = tokio_tungstenite::connect_async(request);
    let (mut ws, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| format!("no answer from {addr} in {CONNECT_TIMEOUT:?}"))?
        .map_err(|e| format!("{addr}: {e}"))?;
    ws.send(Message::Binary(join))
        .await
        .map_err(|e| format!("{addr}: {e}"))?;
    Ok(ws)
}

/// Copies frames between the client and the owner node until either side
/// closes. The owner's close (and the error frame before it) reaches the
/// client as sent; an owner that vanishes makes the client reconnect.
pub(crate) async fn pipe<S>(
    owner: OwnerWs,
    client: &mut SplitStream<WebSocketStream<S>>,
    outbox: &Arc<ConnOutbox>,
    metrics: &Metrics,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    metrics.forwarded_total.fetch_add(1, Relaxed);
    metrics.forwarded_connections.fetch_add(1, Relaxed);
    let (mut to_owner, mut from_owner) = owner.split();
    let mut closed = outbox.closed();
    loop {
        let hop = tokio::select! {
            // The client's side gave up (slow consumer, shutdown).
            _ = closed.wait_for(|c| *c) => Hop::ClientGone,
            item = client.next() => Hop::FromClient(item),
            item = from_owner.next() => Hop::FromOwner(item),
        };
        match hop {
            Hop::ClientGone | Hop::FromClient(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                let _ = to_owner.send(Message::Close(None)).await;
                break;
            }
            // Text frames are the owner's to refuse; pings are answered by
            // each hop itself.
            Hop::FromClient(Some(Ok(frame @ (Message::Binary(_) | Message::Text(_))))) => {
                if to_owner.send(frame).await.is_err() {
                    vanished(outbox);
                    break;
                }
            }
            Hop::FromOwner(Some(Ok(Message::Binary(frame)))) => to_client(outbox, frame),
            Hop::FromOwner(Some(Ok(Message::Close(Some(CloseFrame { code, reason }))))) => {
                outbox.close(code.into(), &reason);
                break;
            }
            Hop::FromOwner(Some(Ok(Message::Close(None)))) => {
                outbox.close(close_code::NORMAL, "closed");
                break;
            }
            Hop::FromOwner(Some(Err(_)) | None) => {
                vanished(outbox);
                break;
            }
            Hop::FromClient(Some(Ok(_))) | Hop::FromOwner(Some(Ok(_))) => {}
        }
    }
    metrics.forwarded_connections.fetch_sub(1, Relaxed);
}

/// One turn of the pipe.
enum Hop {
    ClientGone,
    FromClient(Option<Result<Message, WsError>>),
    FromOwner(Option<Result<Message, WsError>>),
}

/// The first byte of an encoded [`RelayMessage::Unreliable`]: its variant
/// index (postcard), frozen since variants are only ever appended.
const UNRELIABLE_TAG: u8 = 5;

/// Queues a frame from the owner for the client. Unreliable values keep
/// their drop rule on this hop too: coalesced per (sender, target, key)
/// when the client reads slowly. Only those frames are decoded.
fn to_client(outbox: &ConnOutbox, frame: Bytes) {
    if frame.first() == Some(&UNRELIABLE_TAG)
        && let Ok(RelayMessage::Unreliable(v)) = RelayMessage::decode(&frame)
    {
        let key = CoalesceKey {
            sender: v.sender,
            target: v.target,
            key: v.key,
        };
        return outbox.push_unreliable(key, frame);
    }
    outbox.push_reliable(frame);
}

fn vanished(outbox: &ConnOutbox) {
    let text = "the room's node went away; reconnect";
    outbox.fatal(
        ErrorCode::OWNER_UNREACHABLE,
        text,
        close_code::RESTART,
        false,
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use coinop_protocol::{PlayerId, StateTarget, UnreliableValue};

    #[test]
    fn the_unreliable_tag_is_the_encoded_variant_index() {
        let value = RelayMessage::Unreliable(UnreliableValue {
            sender: PlayerId::new("p").unwrap(),
            target: StateTarget::Room,
            key: "k".into(),
            value: Bytes::from_static(b"v"),
        });
        assert_eq!(value.encode()[0], UNRELIABLE_TAG);
        let ack = RelayMessage::Ack {
            client_ref: 5,
            seq: coinop_protocol::Seq(5),
        };
        assert_ne!(ack.encode()[0], UNRELIABLE_TAG);
    }
}
