//! Idle connections: relay memory per open, joined, silent connection
//! (pinging only often enough to stay under the idle timeout).

use crate::cli::Args;
use crate::server::{self, Kind};
use crate::{baseline_client, coinop_client};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;

/// Opens the connections against both relays and prints memory per connection.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let relay_bin = args.relay_bin()?;
    let baseline_bin = args.baseline_bin()?;
    let n = args.idle_connections;
    println!("\n## idle: {n} connections, rooms of 4");
    println!("| relay | RSS before | RSS with connections | per connection |\n|---|---|---|---|");
    for (name, kind, bin) in [
        ("baseline (forward only)", Kind::Baseline, &baseline_bin),
        ("coinop (durable, SQLite)", Kind::coinop(args), &relay_bin),
    ] {
        let server = server::start(&kind, bin)?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = server::rss_bytes(&server);
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let room = format!("idle{}", i / 4);
            if matches!(kind, Kind::Baseline) {
                let (sink, stream) =
                    baseline_client::join(&server.addr().to_string(), &room).await?;
                tasks.push(tokio::spawn(async move {
                    let _sink = sink;
                    stream.for_each(|_| async {}).await;
                }));
            } else {
                let (client, _) =
                    coinop_client::join(&server.addr().to_string(), &room, &format!("idle{i}"))
                        .await?;
                let (mut sink, mut stream) = client.ws.split();
                tasks.push(tokio::spawn(async move {
                    let mut ping = tokio::time::interval(Duration::from_secs(10));
                    loop {
                        tokio::select! {
                            _ = ping.tick() => if sink.send(coinop_client::ping()).await.is_err() { return },
                            frame = stream.next() => if !matches!(frame, Some(Ok(_))) { return },
                        }
                    }
                }));
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = server::rss_bytes(&server);
        let per = after.saturating_sub(before) as f64 / n as f64 / 1024.0;
        println!(
            "| {name} | {:.1} MiB | {:.1} MiB | {per:.1} KiB |",
            before as f64 / 1048576.0,
            after as f64 / 1048576.0
        );
        for t in tasks {
            t.abort();
        }
        drop(server);
    }
    Ok(())
}
