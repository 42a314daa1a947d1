//! History: what a reliable write and a received change cost in a fresh
//! room and in one with a long history behind it, measured the same way in
//! the same run (issue 14: a room with 100,000 changes behind it should
//! write and receive as cheaply as a fresh one).
//!
//! Per room: a builder makes the history (each write its own change, `{t,
//! seq}` objects over 32 keys, as the JS bench writes) and waits until all
//! of it is stored. Then a writer and a reader join (each loading that
//! history) on threads of their own, and the writer makes [`WRITES`] more
//! at [`RATE`] per second, as a game would: `set_state`, the driver commits
//! on its turn. A write's cost is the writer thread's CPU time from before
//! the first write until the last is acknowledged and applied to its
//! document (commits, sends, acks, batch applies), divided by their number;
//! a received change's is the reader thread's, from before the first to
//! after the last is applied to its document.

use crate::cli::Args;
use crate::sdk::join;
use crate::server;
use coinop::{Event, Reliability, Room};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;

/// Writes measured per room.
const WRITES: u64 = 2_000;
/// Their rate, per second.
const RATE: u64 = 200;
/// Keys written in turn.
const KEYS: u64 = 32;
/// The history is stored in steps of this many writes.
const STEP: u64 = 5_000;
/// The most any one wait may take.
const WAIT: Duration = Duration::from_secs(300);

/// What one room's measurement found.
struct Costs {
    history: u64,
    write_us: f64,
    receive_us: f64,
}

/// Runs the measurement on a fresh room and on one with `--history` changes.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let server = server::start_coinop(args)?;
    let url = format!("ws://{}", server.addr());
    println!(
        "\n## History: {WRITES} writes at {RATE}/s, in a fresh room and in one with {} changes behind it",
        args.history
    );
    let fresh = measure(&url, "history-fresh", 0).await?;
    let long = measure(&url, "history-long", args.history as u64).await?;
    println!("| room | changes before | write, writer CPU µs | received change, reader CPU µs |");
    println!("|---|---|---|---|");
    for c in [&fresh, &long] {
        println!(
            "| {} | {} | {:.1} | {:.1} |",
            if c.history == 0 { "fresh" } else { "long" },
            c.history,
            c.write_us,
            c.receive_us
        );
    }
    println!(
        "\nlong / fresh: write {:.2}x, received change {:.2}x",
        long.write_us / fresh.write_us,
        long.receive_us / fresh.receive_us
    );
    drop(server);
    Ok(())
}

/// One write of key `seq % KEYS`, committed as its own change at once.
fn write(room: &Room, seq: u64) -> anyhow::Result<()> {
    let value = json!({"t": seq, "seq": seq});
    room.set_state(&format!("k{}", seq % KEYS), &value, Reliability::Reliable)?;
    // Reading the document commits the buffered write (as the driver's
    // next turn would).
    room.read_doc(|_| ());
    Ok(())
}

async fn measure(url: &str, name: &str, history: u64) -> anyhow::Result<Costs> {
    let writer = join(url, name).await?;
    for start in (0..history).step_by(STEP as usize) {
        for seq in start..(start + STEP).min(history) {
            write(&writer, seq)?;
        }
        tokio::time::timeout(WAIT, writer.saved()).await??;
    }
    writer.leave();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let reader = {
        let (url, name) = (url.to_owned(), name.to_owned());
        std::thread::Builder::new()
            .name("history-reader".into())
            .spawn(move || read(&url, &name, ready_tx))?
    };
    tokio::time::timeout(WAIT, ready_rx).await??;
    let writer = {
        let (url, name) = (url.to_owned(), name.to_owned());
        std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || write_at_rate(&url, &name, history))?
    };
    let writer_ns = tokio::task::spawn_blocking(move || writer.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the writer thread panicked"))??;
    let reader_ns = tokio::task::spawn_blocking(move || reader.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
    Ok(Costs {
        history,
        write_us: writer_ns as f64 / 1e3 / WRITES as f64,
        receive_us: reader_ns as f64 / 1e3 / WRITES as f64,
    })
}

/// The writer: joins on this thread's own runtime, makes [`WRITES`] writes
/// at [`RATE`] per second (keys `seq % KEYS` from `first`), then "end", and
/// returns the thread's CPU time (ns) from the first write until all are
/// acknowledged and in its document.
fn write_at_rate(url: &str, name: &str, first: u64) -> anyhow::Result<u64> {
    this_thread()?.block_on(async {
        let room = join_loaded(url, name).await?;
        let before = thread_cpu_ns()?;
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
        for seq in first..first + WRITES {
            tick.tick().await;
            let value = json!({"t": seq, "seq": seq});
            room.set_state(&format!("k{}", seq % KEYS), &value, Reliability::Reliable)?;
        }
        room.set_state("end", &json!(first + WRITES), Reliability::Reliable)?;
        tokio::time::timeout(WAIT, room.saved()).await??;
        // Our writes wait to be applied in batches; reading the document
        // applies what is left.
        room.read_doc(|_| ());
        let spent = thread_cpu_ns()? - before;
        room.leave();
        Ok(spent)
    })
}

/// The reader: joins on this thread's own runtime, says when it is ready,
/// and returns the thread's CPU time (ns) spent receiving the writes.
fn read(url: &str, name: &str, ready: tokio::sync::oneshot::Sender<()>) -> anyhow::Result<u64> {
    this_thread()?.block_on(async {
        let room = join_loaded(url, name).await?;
        let mut events = room.events();
        let before = thread_cpu_ns()?;
        let _ = ready.send(());
        let end = tokio::time::timeout(WAIT, async {
            while let Some(event) = events.next().await {
                if let Event::StateChanged { key, .. } = event
                    && key == "end"
                {
                    return true;
                }
            }
            false
        })
        .await?;
        anyhow::ensure!(end, "the reader's events ended before the last write");
        // The received changes wait to be applied in batches; reading the
        // document applies what is left.
        room.read_doc(|_| ());
        let spent = thread_cpu_ns()? - before;
        room.leave();
        Ok(spent)
    })
}

/// A runtime on this thread alone, so that its CPU time is the room's.
fn this_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Joins `name`, with whatever loading its history left to apply applied.
async fn join_loaded(url: &str, name: &str) -> anyhow::Result<Room> {
    let room = join(url, name).await?;
    room.read_doc(|_| ());
    Ok(room)
}

/// This thread's CPU time so far, in ns (`/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let ns = stat
        .split_whitespace()
        .next()
        .ok_or_else(|| anyhow::anyhow!("empty schedstat"))?;
    Ok(ns.parse()?)
}
