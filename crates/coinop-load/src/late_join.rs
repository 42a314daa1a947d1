//! Late join: a room holding many changes (compacted by the relay when it
//! passes its threshold) and a client that joins it from nothing. Reports the
//! time from opening the socket to holding the latest state (read from the
//! snapshot's state view when the relay sends one) and to holding the whole
//! document.

use crate::cli::Args;
use crate::coinop_client::{self, Writer};
use crate::server;
use anyhow::bail;
use automerge::{Automerge, Change, ROOT, ReadDoc};
use std::time::{Duration, Instant};

const JOINERS: usize = 9;

/// Fills a room, then times late joiners.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let server = server::start_coinop(args)?;
    fill(&server.addr().to_string(), args.changes).await?;
    // Let the relay compact off the hot path.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut joined = Vec::new();
    for i in 0..JOINERS {
        joined.push(
            late_join(
                &server.addr().to_string(),
                &format!("late{i}"),
                args.changes,
            )
            .await?,
        );
    }
    let median = |f: &dyn Fn(&Joined) -> Duration| {
        let mut v: Vec<Duration> = joined.iter().map(f).collect();
        v.sort();
        (
            v[JOINERS / 2].as_secs_f64() * 1e3,
            v[JOINERS - 1].as_secs_f64() * 1e3,
        )
    };
    let (latest, latest_max) = median(&|j| j.latest);
    let (document, document_max) = median(&|j| j.document);
    let (welcome, _) = median(&|j| j.welcome);
    let last = &joined[JOINERS - 1];
    println!(
        "\n## late join: room of {} changes to one key, {JOINERS} joiners",
        args.changes
    );
    println!("| measure | value |\n|---|---|");
    println!("| time to latest state, median | {latest:.2} ms |");
    println!("| time to latest state, max | {latest_max:.2} ms |");
    println!("| time to whole document, median (max) | {document:.2} ms ({document_max:.2}) |");
    println!("| of which: socket open to welcome (relay side), median | {welcome:.2} ms |");
    println!("| snapshot received | {} bytes |", last.snapshot_bytes);
    match last.view_bytes {
        Some(n) => println!("| state view received | {n} bytes |"),
        None => println!("| state view received | none |"),
    }
    println!("| changes received after the snapshot | {} |", last.tail);
    drop(server);
    Ok(())
}

async fn fill(addr: &str, changes: usize) -> anyhow::Result<()> {
    let (mut client, _) = coinop_client::join(addr, "late", "filler").await?;
    let mut writer = Writer::new();
    let mut left = changes;
    while left > 0 {
        let batch: Vec<_> = (0..left.min(200)).map(|_| writer.next_change()).collect();
        left -= batch.len();
        let client_ref = writer.next_ref();
        match client.publish_unless_closed(client_ref, batch).await {
            Some(Ok(_)) => {}
            Some(Err(code)) => bail!("publish refused: {code}"),
            None => bail!("relay closed during the fill"),
        }
    }
    Ok(())
}

/// One late joiner's timings, from opening the socket.
struct Joined {
    /// Holding the latest state (from the view when the relay sent one).
    latest: Duration,
    /// Holding the whole document (snapshot loaded, tail applied).
    document: Duration,
    /// The welcome arrived (the relay's share).
    welcome: Duration,
    snapshot_bytes: usize,
    view_bytes: Option<usize>,
    tail: usize,
}

async fn late_join(addr: &str, name: &str, expect: usize) -> anyhow::Result<Joined> {
    let start = Instant::now();
    let (mut client, welcomed) = coinop_client::join(addr, "late", name).await?;
    let welcome = start.elapsed();
    let caught_up = client.catch_up_after(welcomed).await;
    let saved = caught_up.snapshot.map(|(_, doc)| doc);
    let view = caught_up.view;
    let tail = caught_up
        .entries
        .into_iter()
        .map(|e| Change::from_bytes(e.change.to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    let expect = Some(expect.to_string());
    let read = |doc: &Automerge| {
        doc.get(ROOT, "k")
            .ok()
            .flatten()
            .map(|(v, _)| v.to_string())
    };
    // The relay sends a view only when nothing follows the snapshot.
    let latest = match &view {
        Some(v) if tail.is_empty() => {
            let shown = Automerge::load(v)?;
            let latest = start.elapsed();
            if read(&shown) != expect {
                bail!(
                    "the view showed k = {:?}, expected {expect:?}",
                    read(&shown)
                );
            }
            Some(latest)
        }
        _ => None,
    };
    let mut doc = match &saved {
        Some(bytes) => Automerge::load(bytes)?,
        None => Automerge::new(),
    };
    let changes = tail.len();
    doc.apply_changes(tail)?;
    let document = start.elapsed();
    if read(&doc) != expect {
        bail!("late joiner saw k = {:?}, expected {expect:?}", read(&doc));
    }
    Ok(Joined {
        latest: latest.unwrap_or(document),
        document,
        welcome,
        snapshot_bytes: saved.map_or(0, |s| s.len()),
        view_bytes: view.map(|v| v.len()),
        tail: changes,
    })
}
