//! Late join: a room holding many changes (compacted by the relay when it
//! passes its threshold) and a client that joins it from nothing. Reports the
//! time from opening the socket to holding the latest state.

use crate::cli::Args;
use crate::coinop_client::{self, Writer};
use crate::server::{Kind, Server};
use anyhow::{Context, bail};
use automerge::{AutoCommit, Change, ROOT, ReadDoc};
use coinop_protocol::RelayMessage;
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const JOINERS: usize = 9;

/// Fills a room, then times late joiners.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let bin = args.relay_bin()?;
    let server = Server::start(
        &Kind::Coinop {
            memory: args.memory,
        },
        &bin,
    )?;
    fill(&server.addr, args.changes).await?;
    // Let the relay compact off the hot path.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut times = Vec::new();
    let mut welcomes = Vec::new();
    let mut snapshot_bytes = 0;
    let mut tail = 0;
    for i in 0..JOINERS {
        let (elapsed, welcome, snap, changes) =
            late_join(&server.addr, &format!("late{i}"), args.changes).await?;
        times.push(elapsed);
        welcomes.push(welcome);
        snapshot_bytes = snap;
        tail = changes;
    }
    times.sort();
    welcomes.sort();
    println!(
        "\n## late join: room of {} changes to one key, {JOINERS} joiners",
        args.changes
    );
    println!("| measure | value |\n|---|---|");
    println!(
        "| time to latest state, median | {:.2} ms |",
        times[JOINERS / 2].as_secs_f64() * 1e3
    );
    println!(
        "| time to latest state, max | {:.2} ms |",
        times[JOINERS - 1].as_secs_f64() * 1e3
    );
    println!(
        "| of which: socket open to welcome (relay side), median | {:.2} ms |",
        welcomes[JOINERS / 2].as_secs_f64() * 1e3
    );
    println!("| snapshot received | {snapshot_bytes} bytes |");
    println!("| changes received after the snapshot | {tail} |");
    server.kill();
    Ok(())
}

async fn fill(addr: &str, changes: usize) -> anyhow::Result<()> {
    let (mut sink, mut stream, _) = coinop_client::join(addr, "late", "filler").await?;
    let mut writer = Writer::new();
    let mut left = changes;
    while left > 0 {
        let batch: Vec<_> = (0..left.min(200)).map(|_| writer.next_change()).collect();
        left -= batch.len();
        sink.send(writer.publish(batch)).await?;
        loop {
            let frame = stream.next().await.context("relay closed")??;
            if let Message::Binary(bytes) = frame {
                match RelayMessage::decode(&bytes)? {
                    RelayMessage::Ack { .. } => break,
                    RelayMessage::Error { code, message, .. } => {
                        bail!("publish refused: {code}: {message}")
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

async fn late_join(
    addr: &str,
    name: &str,
    expect: usize,
) -> anyhow::Result<(Duration, Duration, usize, usize)> {
    let start = Instant::now();
    let (_sink, mut stream, _) = coinop_client::join(addr, "late", name).await?;
    let welcome = start.elapsed();
    let mut doc = AutoCommit::new();
    let mut snapshot_bytes = 0;
    let mut tail = Vec::new();
    loop {
        let frame = stream.next().await.context("relay closed")??;
        let Message::Binary(bytes) = frame else {
            continue;
        };
        match RelayMessage::decode(&bytes)? {
            RelayMessage::Snapshot { doc: saved, .. } => {
                snapshot_bytes = saved.len();
                doc.load_incremental(&saved)?;
            }
            RelayMessage::Changes { entries } => {
                for e in entries {
                    tail.push(Change::from_bytes(e.change.to_vec())?);
                }
            }
            RelayMessage::Synced { .. } => break,
            _ => {}
        }
    }
    let changes = tail.len();
    doc.apply_changes(tail)?;
    let elapsed = start.elapsed();
    let value = doc.get(ROOT, "k")?.map(|(v, _)| v.to_string());
    if value.as_deref() != Some(&expect.to_string()) {
        bail!("late joiner saw k = {value:?}, expected {expect}");
    }
    Ok((elapsed, welcome, snapshot_bytes, changes))
}
