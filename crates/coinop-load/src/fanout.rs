//! Fan-out: rooms of clients each sending reliable updates at a fixed rate.
//! Reports latency from send to every other member's receipt, delivered
//! updates per second, relay CPU per delivered update and relay RSS, for the
//! coinop relay and the baseline in the same run.

use crate::cli::Args;
use crate::latency::Book;
use crate::server::{self, Kind};
use crate::{baseline_client, coinop_client};
use coinop_protocol::{Bytes, RelayMessage};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// What one relay did under the load.
pub struct Outcome {
    name: &'static str,
    pub p50: Duration,
    pub p99: Duration,
    pub delivered_per_sec: f64,
    pub cpu_us_per_delivered: f64,
    rss_max: u64,
    /// The relay's group commits in the measured window and their total
    /// time (from its `/metrics`; zero for the baseline).
    pub commits: f64,
    pub commit_seconds: f64,
    /// The CPU time `other_cpu` (such as the database's) counted.
    pub other_cpu: Duration,
}

/// The CPU time of some other process(es) so far, measured over the same
/// window as the relay's (the database server's, in cluster mode).
pub type OtherCpu<'a> = &'a dyn Fn() -> Duration;

/// Runs the scenario against the baseline, then coinop, and prints both.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let baseline_bin = args.baseline_bin()?;
    let relay_bin = args.relay_bin()?;
    println!(
        "\n## fan-out: {} rooms x {} clients, {} updates/s each, {} s measured",
        args.rooms, args.clients_per_room, args.hz, args.seconds
    );
    let base = measure(
        args,
        "baseline (forward only)",
        &Kind::Baseline,
        &baseline_bin,
        None,
    )
    .await?;
    let storage = if args.memory {
        "coinop (memory)"
    } else {
        "coinop (durable, SQLite)"
    };
    let coin = measure(args, storage, &Kind::coinop(args), &relay_bin, None).await?;
    println!("| relay | p50 ms | p99 ms | delivered/s | relay CPU µs/delivered | relay RSS MiB |");
    println!("|---|---|---|---|---|---|");
    for o in [&base, &coin] {
        println!(
            "| {} | {:.2} | {:.2} | {:.0} | {:.2} | {:.1} |",
            o.name,
            o.p50.as_secs_f64() * 1e3,
            o.p99.as_secs_f64() * 1e3,
            o.delivered_per_sec,
            o.cpu_us_per_delivered,
            o.rss_max as f64 / (1024.0 * 1024.0)
        );
    }
    println!(
        "\nCPU per delivered update, coinop / baseline: {:.2}x",
        coin.cpu_us_per_delivered / base.cpu_us_per_delivered.max(f64::MIN_POSITIVE)
    );
    Ok(())
}

/// Runs the load against a fresh relay of `kind` and measures it.
pub async fn measure(
    args: &Args,
    name: &'static str,
    kind: &Kind,
    bin: &std::path::Path,
    other_cpu: Option<OtherCpu<'_>>,
) -> anyhow::Result<Outcome> {
    let server = server::start(kind, bin)?;
    let addr = server.addr().to_string();
    let book = Arc::new(Book::new());
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    let period = Duration::from_secs_f64(1.0 / args.hz);
    let coinop = !matches!(kind, Kind::Baseline);
    for room in 0..args.rooms {
        for member in 0..args.clients_per_room {
            let room_name = format!("load{room}");
            let player = format!("r{room}p{member}");
            // Spread the clients' ticks over the period.
            let phase =
                period.mul_f64(((room * args.clients_per_room + member) % 97) as f64 / 97.0);
            // Both relays take the same change bytes: framed in a publish
            // for coinop, bare for the baseline.
            let (sink, frame): (_, Framing) = if coinop {
                let (client, _) = coinop_client::join(&addr, &room_name, &player).await?;
                let (sink, stream) = client.ws.split();
                tasks.push(tokio::spawn(coinop_reader(stream, book.clone())));
                (sink, |w, c| w.publish(vec![c]))
            } else {
                let (sink, stream) = baseline_client::join(&addr, &room_name).await?;
                tasks.push(tokio::spawn(baseline_reader(stream, book.clone())));
                (sink, |_, c| Message::Binary(c))
            };
            tasks.push(tokio::spawn(writer(
                sink,
                book.clone(),
                period,
                phase,
                frame,
            )));
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let other = || other_cpu.map(|f| f()).unwrap_or_default();
    let commits_before = commits(&server, coinop).await;
    let (cpu_before, other_before) = (server.cpu_time().unwrap_or_default(), other());
    book.start_measuring();
    let mut rss_max = 0;
    let end = tokio::time::Instant::now() + Duration::from_secs(args.seconds);
    while tokio::time::Instant::now() < end {
        rss_max = rss_max.max(server::rss_bytes(&server));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    book.stop_measuring();
    let cpu = server
        .cpu_time()
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    let other_cpu = other().saturating_sub(other_before);
    let commits_after = commits(&server, coinop).await;
    for t in &tasks {
        t.abort();
    }
    drop(server);
    let delivered = book.delivered.load(Ordering::SeqCst);
    let (p50, p99) = book.percentiles();
    Ok(Outcome {
        name,
        p50,
        p99,
        delivered_per_sec: delivered as f64 / args.seconds as f64,
        cpu_us_per_delivered: cpu.as_secs_f64() * 1e6 / delivered.max(1) as f64,
        rss_max,
        commits: commits_after.0 - commits_before.0,
        commit_seconds: commits_after.1 - commits_before.1,
        other_cpu,
    })
}

/// The relay's group commits so far and their total time in seconds
/// (zeros for the baseline, which has no metrics).
async fn commits(server: &coinop_harness::RelayProcess, coinop: bool) -> (f64, f64) {
    if !coinop {
        return (0.0, 0.0);
    }
    let read = |name| coinop_harness::metric(server.addr(), name);
    let count = read("coinop_storage_commit_seconds_count").await;
    let sum = read("coinop_storage_commit_seconds_sum").await;
    (count.unwrap_or_default(), sum.unwrap_or_default())
}

/// How a writer frames a change for the relay under test.
type Framing = fn(&mut coinop_client::Writer, Bytes) -> Message;

/// Sends one update every `period` (after `phase`), framed by `frame`:
/// a coinop publish or the bare change for the baseline.
async fn writer<S>(mut sink: S, book: Arc<Book>, period: Duration, phase: Duration, frame: Framing)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let mut writer = coinop_client::Writer::new();
    tokio::time::sleep(phase).await;
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        let change = writer.next_change();
        book.sent(&change);
        let msg = frame(&mut writer, change);
        if sink.send(msg).await.is_err() {
            return;
        }
    }
}

async fn coinop_reader<S>(mut stream: S, book: Arc<Book>)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    while let Some(Ok(frame)) = stream.next().await {
        if let Message::Binary(bytes) = frame
            && let Ok(RelayMessage::Changes { entries }) = RelayMessage::decode(&bytes)
        {
            for entry in entries {
                book.received(&entry.change);
            }
        }
    }
}

async fn baseline_reader<S>(mut stream: S, book: Arc<Book>)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    while let Some(Ok(frame)) = stream.next().await {
        if let Message::Binary(bytes) = frame {
            book.received(&bytes);
        }
    }
}
