//! The benchmark baseline: the least a WebSocket relay can do.
//!
//! Clients connect to `ws://ADDR/<room>`; every binary frame is forwarded
//! verbatim to the other members of the room. No handshake message, no
//! persistence, no CRDT, no limits — the floor coinop's relay is measured
//! against in the same run.

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// `coinop-baseline-relay [--addr] ADDR`: the address as a flag, as the
/// coinop relay takes it (and the test harness passes it), or bare.
#[derive(Parser)]
struct Args {
    /// Where to listen (default 127.0.0.1:8788).
    #[arg(long)]
    addr: Option<String>,
    /// The same, given without the flag.
    listen: Option<String>,
}

type Members = Vec<(u64, mpsc::UnboundedSender<Message>)>;
type Rooms = Arc<Mutex<HashMap<String, Members>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let addr = args
        .addr
        .or(args.listen)
        .unwrap_or_else(|| "127.0.0.1:8788".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("baseline relay listening on {}", listener.local_addr()?);
    let rooms: Rooms = Arc::default();
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        next_id += 1;
        tokio::spawn(serve(stream, next_id, rooms.clone()));
    }
}

// tungstenite dictates the callback's error type.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, id: u64, rooms: Rooms) {
    let mut room = String::new();
    let callback = |req: &Request, resp: Response| {
        room = req.uri().path().trim_start_matches('/').to_owned();
        Ok(resp)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    lock(&rooms).entry(room.clone()).or_default().push((id, tx));
    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            if sink.send(msg).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        if let Message::Binary(_) = msg {
            for (other, tx) in lock(&rooms).get(&room).into_iter().flatten() {
                if *other != id {
                    let _ = tx.send(msg.clone());
                }
            }
        }
    }
    if let Some(members) = lock(&rooms).get_mut(&room) {
        members.retain(|(other, _)| *other != id);
    }
    writer.abort();
}

fn lock(rooms: &Rooms) -> std::sync::MutexGuard<'_, HashMap<String, Members>> {
    rooms.lock().unwrap_or_else(|e| e.into_inner())
}
