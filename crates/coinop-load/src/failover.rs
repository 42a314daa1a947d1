//! Cluster failover: how long a player is out of its room when the room's
//! owner node dies (SIGKILL), over many runs.
//!
//! A throwaway PostgreSQL (the harness's) and three nodes. Each run a fresh
//! room is owned by node A (its first player joined there); a second player
//! is connected through node B (forwarded to A) and has a write acked. Then
//! A is killed, at a point of its lease's renewal cycle that moves from run
//! to run, and the player comes back through B as a client would: it
//! reconnects at once, and again every 100 ms, until welcomed; then it
//! writes once more. Measured from the SIGKILL to the welcome and to the
//! ack of that write. A is started again for the next run.

use crate::cli::Args;
use anyhow::{Context, bail};
use coinop_harness::{Client, Doc, Event, Postgres, RelayProcess, join_msg};
use coinop_protocol::{ClientMessage, RelayMessage};
use std::time::{Duration, Instant};

/// How many points of the renewal cycle the kills are spread over.
const PHASES: u32 = 7;

/// One run's times, from the SIGKILL.
struct Run {
    welcomed: Duration,
    acked: Duration,
}

/// Runs `args.runs` failovers and prints their median and max.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let bin = args.relay_bin()?;
    let lease = Duration::from_millis(args.lease_ms);
    let pg = Postgres::start().context("PostgreSQL is needed for the failover scenario")?;
    let node = || {
        RelayProcess::builder(&bin)
            .without_data_dir()
            .args(["--database-url", &pg.url()])
            .args(["--lease-ms", &args.lease_ms.to_string()])
            .env("RUST_LOG", "error")
            .start()
            .context("starting a cluster node")
    };
    let mut owner = node()?;
    let (via, _spare) = (node()?, node()?);
    let mut runs = Vec::new();
    for i in 0..args.runs {
        if i > 0 {
            owner.restart().context("restarting the owner node")?;
        }
        // Kills land at moments spread over a renewal interval (lease / 3),
        // so the time left on the lease varies as it would in production.
        let phase = lease / 3 * (i as u32 % PHASES) / PHASES;
        let run = one(&mut owner, &via, &format!("FAIL{i:03}"), phase, lease)
            .await
            .with_context(|| format!("run {i}"))?;
        eprintln!(
            "run {i}: welcomed {:?}, write acked {:?} after the SIGKILL",
            run.welcomed, run.acked
        );
        runs.push(run);
    }
    report(&runs, lease);
    Ok(())
}

/// One failover of room `room`: owned by `owner`, the player through `via`.
async fn one(
    owner: &mut RelayProcess,
    via: &RelayProcess,
    room: &str,
    phase: Duration,
    lease: Duration,
) -> anyhow::Result<Run> {
    let (_anchor, _) = Client::join(&owner.ws_url(), join_msg(room, "anchor")).await;
    let (mut player, _) = Client::join(&via.ws_url(), join_msg(room, "player")).await;
    let mut doc = Doc::new();
    if player
        .publish_unless_closed(1, vec![doc.change("before", 1)])
        .await
        .is_none()
    {
        bail!("the first write was not acked");
    }
    tokio::time::sleep(phase).await;
    let killed = Instant::now();
    owner.kill();
    // The forwarding node closes the player's connection when the owner's
    // goes away: wait for that close (bounded by the harness's wait).
    while let Some(Event::Frame(_)) = player.event_within(lease).await {}
    let bound = lease * 3 + Duration::from_secs(10);
    let mut player = back_in(&via.ws_url(), room, killed + bound).await?;
    let welcomed = killed.elapsed();
    let write = vec![doc.change("after", 2)];
    match player.publish_unless_closed(2, write).await {
        Some(Ok(_)) => Ok(Run {
            welcomed,
            acked: killed.elapsed(),
        }),
        other => bail!("the write after the failover was not acked: {other:?}"),
    }
}

/// Joins `room` through `url` again and again until welcomed (and caught
/// up), or fails at `deadline`.
async fn back_in(url: &str, room: &str, deadline: Instant) -> anyhow::Result<Client> {
    while Instant::now() < deadline {
        if let Ok(mut c) = Client::try_connect(url).await {
            c.send(&ClientMessage::Join(join_msg(room, "player"))).await;
            let left = deadline.saturating_duration_since(Instant::now());
            if let Some(Event::Frame(RelayMessage::Welcome(w))) = c.event_within(left).await {
                c.catch_up_after(w).await;
                return Ok(c);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("not back in {room} in time")
}

fn report(runs: &[Run], lease: Duration) {
    let stats = |f: &dyn Fn(&Run) -> Duration| {
        let mut v: Vec<Duration> = runs.iter().map(f).collect();
        v.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        (
            ms(v[v.len() / 2]),
            ms(v[0]),
            ms(v.last().copied().unwrap_or_default()),
        )
    };
    let (w_med, w_min, w_max) = stats(&|r| r.welcomed);
    let (a_med, a_min, a_max) = stats(&|r| r.acked);
    println!(
        "\n## failover: SIGKILL of a room's owner node, {} runs, lease {} ms",
        runs.len(),
        lease.as_millis()
    );
    println!("| from the SIGKILL to | median | min | max |\n|---|---|---|---|");
    println!(
        "| the player welcomed back (through another node) | {w_med:.0} ms | {w_min:.0} ms | {w_max:.0} ms |"
    );
    println!("| its next write acked | {a_med:.0} ms | {a_min:.0} ms | {a_max:.0} ms |");
}
