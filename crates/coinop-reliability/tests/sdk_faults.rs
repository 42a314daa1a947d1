//! The SDK through a fault-injecting proxy, a slow consumer, and a
//! reconnect storm, against the relay binary.
#![allow(clippy::unwrap_used)]

mod support;

use coinop::Reliability;
use coinop_harness::{Client, FaultProxy, Faults, RelayProcess, big_change, join_msg, metric};
use coinop_protocol::{ClientMessage, ErrorCode};
use coinop_reliability::{LatencyProbe, Scale, SdkClient, converged, replicas_of, serial, within};
use std::time::{Duration, Instant};

const R: Reliability = Reliability::Reliable;

fn relay(extra: &[&str]) -> RelayProcess {
    support::start_relay(&["--grace-period-ms", "10000"], extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_converge_after_network_faults() {
    let _serial = serial().await;
    let relay = relay(&[]);
    let proxy = FaultProxy::start(relay.addr(), 42).await.unwrap();
    let url = format!("ws://{}", proxy.addr());
    let rooms = ["FAULT0", "FAULT1"];
    let mut clients = Vec::new();
    for i in 0..6 {
        clients.push((i % 2, SdkClient::join(&url, rooms[i % 2]).await));
    }
    let phases = [
        Faults {
            latency: Duration::from_millis(80),
            jitter: Duration::from_millis(40),
            ..Faults::default()
        },
        Faults {
            bandwidth: Some(8 * 1024),
            ..Faults::default()
        },
        Faults {
            chunk_bytes: Some(1),
            ..Faults::default()
        },
        Faults {
            latency: Duration::from_millis(20),
            jitter: Duration::from_millis(20),
            chunk_bytes: Some(7),
            ..Faults::default()
        },
    ];
    let mut writes = 0;
    for (p, faults) in phases.iter().enumerate() {
        proxy.set(faults.clone());
        for round in 0..5 {
            for (i, (_, c)) in clients.iter().enumerate() {
                let key = format!("c{i}-p{p}-{round}");
                c.room.set_state(&key, &round, R).unwrap();
                c.room
                    .set_state("shared", &format!("{i}-{p}-{round}"), R)
                    .unwrap();
                writes += 2;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
            // Random cuts: every other round, every connection drops.
            if round % 2 == 1 {
                proxy.cut_all();
            }
        }
    }
    proxy.set(Faults::default());
    let impairment_stopped = Instant::now();
    let took = within(Duration::from_secs(30), || {
        (0..2).all(|r| {
            let replicas = replicas_of(&clients, r);
            converged(&replicas) && replicas[0].state_keys().len() == 3 * 4 * 5 + 1
        })
    })
    .await;
    eprintln!(
        "faults: {writes} writes under latency/jitter, 8 KiB/s, 1-byte chunks and cuts; converged {took:?} after the impairment stopped ({:?} ago)",
        impairment_stopped.elapsed()
    );
    let took = took.expect("replicas converge");
    assert!(
        took < Duration::from_secs(5),
        "converged only after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_is_disconnected_and_others_do_not_notice() {
    let _serial = serial().await;
    // No compaction: the room's memory is its log, easy to account for.
    let relay = relay(&[
        "--reliable-per-sec",
        "1000",
        "--reliable-burst",
        "1000",
        "--compact-entries",
        "100000",
        "--compact-bytes",
        "1000000000",
        "--max-outbox-bytes",
        "4194304",
    ]);
    let url = relay.ws_url();
    let mut probe = LatencyProbe::start(&url, "CALM").await;
    let before = probe.measure(100, Duration::from_millis(2)).await;
    let idle_rss = relay.rss_kib().unwrap();
    // The slow one joins, then never reads again.
    let slow = coinop_reliability::raw_ws::upgrade_small(relay.addr()).await;
    let (mut slow, status) = slow.unwrap();
    assert_eq!(status, 101);
    let join = ClientMessage::Join(join_msg("SLOW", "sleepy")).encode();
    tokio::io::AsyncWriteExt::write_all(
        &mut slow,
        &coinop_reliability::raw_ws::frame(coinop_reliability::raw_ws::BINARY, true, &join),
    )
    .await
    .unwrap();
    let (mut writer, _) = Client::join(&url, join_msg("SLOW", "writer")).await;
    let started = Instant::now();
    let mut peak_rss = idle_rss;
    let mut during = coinop_reliability::Latencies::default();
    let mut left = false;
    let mut verdict = None;
    for i in 0..400u64 {
        let r = writer.try_publish(i, vec![big_change(128 * 1024, i)]).await;
        assert!(r.is_ok() || r == Err(ErrorCode::ROOM_TOO_LARGE), "{r:?}");
        if i % 2 == 0 {
            let m = probe.measure(2, Duration::ZERO).await;
            for q in [50.0, 100.0] {
                during.push(m.percentile(q));
            }
            peak_rss = peak_rss.max(relay.rss_kib().unwrap_or(0));
        }
        if verdict.is_none()
            && metric(relay.addr(), "coinop_fatal_closes_total")
                .await
                .is_some_and(|n| n >= 1.0)
        {
            verdict = Some(started.elapsed());
        }
        // Two probe connections and the writer remain once it is gone.
        let conns = metric(relay.addr(), "coinop_connections").await;
        if conns.is_some_and(|c| c <= 3.0) {
            left = true;
            break;
        }
        if started.elapsed() > Duration::from_secs(25) {
            break;
        }
    }
    let gone_after = started.elapsed();
    let published = writer_published(&mut writer).await;
    eprintln!(
        "slow consumer: SLOW_CONSUMER after {verdict:?}, socket gone={left} after {gone_after:?} and {published} changes of 128 KiB; rss idle={idle_rss}KiB peak={peak_rss}KiB; bystander before {before}, during {during}"
    );
    assert!(left, "the slow consumer was never disconnected");
    let verdict = verdict.expect("closed as SLOW_CONSUMER");
    // Its socket is gone within 10 s of its queue overflowing (the relay
    // gives a stuck writer 5 s to deliver the close frame).
    assert!(gone_after - verdict < Duration::from_secs(10));
    // The room's log (published × 128 KiB), plus the 4 MiB outbox cap and
    // the kernel's socket buffers, plus allocator slack.
    let budget = published * 128 * 2 + 48 * 1024;
    assert!(
        peak_rss - idle_rss < budget,
        "RSS grew by {} KiB",
        peak_rss - idle_rss
    );
    let allowed = before.p99().mul_f64(1.2) + Duration::from_millis(20);
    assert!(during.p99() <= allowed, "bystander p99 {:?}", during.p99());
}

/// How many changes the writer's room holds (its acked publishes).
async fn writer_published(writer: &mut Client) -> u64 {
    let r = writer.try_publish(1_000_000, vec![]).await;
    r.map_or(0, |seq| seq.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_storm_after_a_restart() {
    let _serial = serial().await;
    let n = Scale::from_env().pick(300, 1_000);
    let mut relay = relay(&["--max-players", "1000"]);
    let url = format!("ws://{}", relay.addr());
    let mut clients = Vec::with_capacity(n);
    // 20 players per room: every join is forwarded to the whole room.
    for i in 0..n {
        clients.push(SdkClient::start(&url, &format!("STORM{}", i / 20)));
    }
    let connected_now = |clients: &[SdkClient]| {
        clients
            .iter()
            .filter(|c| c.room.status() == coinop::Status::Connected)
            .count()
    };
    let all = within(Duration::from_secs(180), || connected_now(&clients) == n).await;
    let rss_before = relay.rss_kib().unwrap();
    eprintln!(
        "storm: {}/{n} clients connected in {all:?}",
        connected_now(&clients)
    );
    all.expect("every client connects");
    relay.kill();
    tokio::time::sleep(Duration::from_secs(5)).await;
    relay.restart().unwrap();
    let back = Instant::now();
    let mut connected = 0;
    while back.elapsed() < Duration::from_secs(30) {
        connected = connected_now(&clients);
        if connected == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_after = relay.rss_kib().unwrap_or(0);
    eprintln!(
        "storm: {connected}/{n} reconnected {:?} after the restart; relay RSS {rss_before} KiB before, {rss_after} KiB after",
        back.elapsed()
    );
    assert!(connected * 100 >= n * 99, "{connected} of {n} reconnected");
    assert!(rss_after < 4 * rss_before.max(32 * 1024));
}
