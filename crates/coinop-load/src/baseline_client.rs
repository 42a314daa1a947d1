//! A load client for the baseline relay: raw change bytes, no handshake.

use anyhow::Context;
use futures_util::StreamExt;
use futures_util::stream::{SplitSink, SplitStream};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to the baseline relay's `room`.
pub async fn join(
    addr: &str,
    room: &str,
) -> anyhow::Result<(SplitSink<Ws, Message>, SplitStream<Ws>)> {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/{room}"))
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    Ok(ws.split())
}
