//! The SDK end to end: `set_state` on one native client → the value observed
//! by another through the relay, next to the forward-only baseline measured
//! the same way in the same run; the cost of one `set_state`; and document
//! size after many writes to one key.

use crate::cli::Args;
use crate::latency::Book;
use crate::server::{self, Kind};
use crate::{baseline_client, coinop_client};
use coinop::{Event, MemoryIdentityStore, Reliability, Room, RoomBuilder, StateTarget};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const WRITES: u64 = 2_000;
const PERIOD: Duration = Duration::from_millis(5);

/// Runs every SDK measurement.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let baseline_bin = args.baseline_bin()?;
    println!("\n## SDK: set_state → observed by another client, {WRITES} writes at 200/s");
    let base = baseline_latency(&baseline_bin).await?;
    let server = server::start_coinop(args)?;
    let url = format!("ws://{}", server.addr());
    let sdk = sdk_latency(&url).await?;
    println!("| path | p50 ms | p99 ms |\n|---|---|---|");
    println!(
        "| baseline relay, raw frames | {:.2} | {:.2} |",
        ms(&base, 0.5),
        ms(&base, 0.99)
    );
    println!(
        "| coinop SDK through the durable relay | {:.2} | {:.2} |",
        ms(&sdk, 0.5),
        ms(&sdk, 0.99)
    );
    cost_and_size(&url, args.changes as u64).await?;
    late_join(&url, args.changes as u64).await?;
    drop(server);
    Ok(())
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).unwrap_or_else(|e| panic!("histogram bounds: {e}"))
}

/// A new player in `room`, its driver spawned on the current runtime,
/// once joined and caught up (bounded: a late join may load a long room).
pub(crate) async fn join(url: &str, room: &str) -> anyhow::Result<Room> {
    let (room, driver) = RoomBuilder::new(url)
        .room(room)
        .identity_store(MemoryIdentityStore::default())
        .build()?;
    tokio::spawn(driver);
    tokio::time::timeout(Duration::from_secs(300), room.ready()).await??;
    Ok(room)
}

async fn sdk_latency(url: &str) -> anyhow::Result<Histogram<u64>> {
    let writer = join(url, "sdk-latency").await?;
    let reader = join(url, "sdk-latency").await?;
    let mut events = reader.events();
    let started = Instant::now();
    let write = async {
        let mut tick = tokio::time::interval(PERIOD);
        for i in 1..=WRITES {
            tick.tick().await;
            // The value carries its send time, in µs since `started`.
            let sent = started.elapsed().as_micros() as u64;
            writer.set_state("t", &(i, sent), Reliability::Reliable)?;
        }
        anyhow::Ok(())
    };
    let read = async {
        let mut h = histogram();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while h.len() < WRITES {
            let next = tokio::time::timeout_at(deadline, events.next()).await;
            let Ok(Some(event)) = next else { break };
            if let Event::StateChanged {
                target: StateTarget::Room,
                key,
                value: Some(v),
                ..
            } = event
                && key == "t"
                && let Some(sent) = v.get(1).and_then(|s| s.as_u64())
            {
                let now = started.elapsed().as_micros() as u64;
                let _ = h.record(now.saturating_sub(sent).max(1));
            }
        }
        h
    };
    let (written, h) = tokio::join!(write, read);
    written?;
    if h.len() < WRITES / 2 {
        anyhow::bail!("only {} of {WRITES} writes were observed", h.len());
    }
    writer.leave();
    reader.leave();
    Ok(h)
}

async fn baseline_latency(bin: &std::path::Path) -> anyhow::Result<Histogram<u64>> {
    let server = server::start(&Kind::Baseline, bin)?;
    let (mut sink, _) = baseline_client::join(&server.addr().to_string(), "sdk").await?;
    let (_, mut stream) = baseline_client::join(&server.addr().to_string(), "sdk").await?;
    let book = Book::new();
    book.start_measuring();
    let mut writer = coinop_client::Writer::new();
    let changes: Vec<_> = (0..WRITES).map(|_| writer.next_change()).collect();
    let send = async {
        let mut tick = tokio::time::interval(PERIOD);
        for change in changes {
            tick.tick().await;
            book.sent(&change);
            sink.send(Message::Binary(change)).await?;
        }
        anyhow::Ok(())
    };
    let receive = async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut got = 0;
        while got < WRITES {
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(Some(Ok(Message::Binary(bytes)))) => {
                    book.received(&bytes);
                    got += 1;
                }
                Ok(Some(Ok(_))) => {}
                _ => break,
            }
        }
    };
    let (sent, ()) = tokio::join!(send, receive);
    sent?;
    drop(server);
    Ok(book.histogram())
}

async fn cost_and_size(url: &str, writes: u64) -> anyhow::Result<()> {
    let room = join(url, "sdk-size").await?;
    // Warm up, then time the calls alone (the driver sends in the background).
    for i in 0..100u64 {
        room.set_state("k", &i, Reliability::Reliable)?;
    }
    // What a game loop pays: the calls of one turn are buffered and
    // committed as one change by the driver.
    let started = Instant::now();
    for i in 0..writes {
        room.set_state("k", &i, Reliability::Reliable)?;
    }
    let per_call = started.elapsed().as_secs_f64() * 1e6 / writes as f64;
    // A write that is its own change and is read back from the document
    // at once: set, then `read_doc`, which commits it and applies it to the
    // document (a game loop's writes are applied in batches instead; see
    // `--scenario history`). This also leaves the room with `writes`
    // changes for the late joiners.
    let started = Instant::now();
    for i in 0..writes {
        room.set_state("k", &i, Reliability::Reliable)?;
        room.read_doc(|_| ());
    }
    let per_change = started.elapsed().as_secs_f64() * 1e6 / writes as f64;
    tokio::time::timeout(Duration::from_secs(120), room.saved()).await??;
    let (changes_bytes, saved_bytes) = room.read_doc(|doc| {
        let log: usize = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().len())
            .sum();
        (log, doc.save().len())
    });
    println!("\n## SDK: cost and size, {writes} reliable writes to one key");
    println!("| measure | value |\n|---|---|");
    println!("| one set_state (reliable) in a loop, mean | {per_call:.1} µs |");
    println!(
        "| one set_state (reliable), then read_doc (its own change, applied at once), mean | {per_change:.1} µs |"
    );
    println!("| document as a log of changes | {changes_bytes} bytes |");
    println!("| document after compaction (automerge save) | {saved_bytes} bytes |");
    room.leave();
    Ok(())
}

/// SDK joiners into the room `cost_and_size` filled, 2.5 s apart: time
/// from building the room to `ready()` with the latest value readable.
async fn late_join(url: &str, writes: u64) -> anyhow::Result<()> {
    const JOINERS: usize = 5;
    // Let the relay compact the quiet room, as the raw late-join scenario does.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let mut times = Vec::with_capacity(JOINERS);
    for _ in 0..JOINERS {
        let started = Instant::now();
        let room = join(url, "sdk-size").await?;
        let value: Option<u64> = room.get_state("k");
        times.push(started.elapsed());
        if value != Some(writes - 1) {
            anyhow::bail!("SDK late joiner saw k = {value:?}, expected {}", writes - 1);
        }
        // Stay until the document is in and the profile stored, as a
        // player would: the next joiner then finds that write after the
        // snapshot, unless the relay folded it while the room was quiet.
        let held = room.read_doc(|doc| doc.get_changes(&[]).len());
        if held < writes as usize {
            anyhow::bail!("SDK late joiner's document holds {held} changes");
        }
        room.saved().await?;
        room.leave();
        tokio::time::sleep(Duration::from_millis(2_500)).await;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("\n## SDK: late join into that room, {JOINERS} joiners 2.5 s apart");
    println!("| measure | value |\n|---|---|");
    println!(
        "| build to ready() with the latest value, median | {:.2} ms |",
        ms(times[JOINERS / 2])
    );
    println!(
        "| build to ready() with the latest value, max | {:.2} ms |",
        ms(times[JOINERS - 1])
    );
    Ok(())
}
