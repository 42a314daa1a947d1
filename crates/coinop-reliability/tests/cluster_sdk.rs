//! The Rust SDK against a cluster: three relay nodes on a PostgreSQL server
//! the test starts (a missing PostgreSQL fails the test). SDK clients
//! connect through two nodes; the third owns the room and is SIGKILLed
//! while they write, or drained (SIGTERM).
#![allow(clippy::unwrap_used)]

mod support;

use coinop::{Event, Reliability};
use coinop_harness::{Client, Postgres, RelayProcess, join_msg, pid};
use coinop_protocol::ClientMessage;
use coinop_reliability::{SdkClient, converged, replicas_of, serial, within};
use std::time::{Duration, Instant};

/// One node of a cluster on `url`, whose leases last `lease_ms`.
fn node(url: &str, lease_ms: u64) -> RelayProcess {
    support::relay_under_test()
        .without_data_dir()
        .args(["--database-url", url, "--lease-ms", &lease_ms.to_string()])
        .args(["--grace-period-ms", "10000"])
        .env("RUST_LOG", "error")
        .start()
        .expect("start a cluster node")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_replicas_converge_across_nodes_and_an_owner_crash() {
    let _serial = serial().await;
    let pg = Postgres::start().expect("PostgreSQL is needed for cluster mode's tests");
    // A short lease: the crashed owner's room moves after it.
    let mut nodes: Vec<RelayProcess> = (0..3).map(|_| node(&pg.url(), 1500)).collect();
    // Node 0 owns the room: a raw player joined there first.
    let (anchor, _) = Client::join(&nodes[0].ws_url(), join_msg("SDKC", "anchor")).await;
    let mut clients = Vec::new();
    for i in 0..4 {
        let url = nodes[1 + i % 2].ws_url();
        clients.push((0, SdkClient::join(&url, "SDKC").await));
    }
    let write = |round: usize| {
        for (i, (_, c)) in clients.iter().enumerate() {
            let key = format!("c{i}-{round}");
            c.room
                .set_state(&key, &round, Reliability::Reliable)
                .unwrap();
        }
    };
    for round in 0..5 {
        write(round);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    nodes[0].kill();
    drop(anchor);
    let killed = Instant::now();
    for round in 5..10 {
        write(round);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = within(Duration::from_secs(30), || {
        let replicas = replicas_of(&clients, 0);
        converged(&replicas) && replicas[0].state_keys().len() == 4 * 10
    })
    .await;
    eprintln!(
        "cluster SDK: converged {took:?} after the last write, {:?} after the owner's SIGKILL",
        killed.elapsed()
    );
    let took = took.expect("replicas converge after the owner's crash");
    assert!(
        took < Duration::from_secs(10),
        "converged only after {took:?}"
    );
}

/// A drained owner (SIGTERM) moves the room with its seats: the SDK
/// players, connected through the two other nodes, reconnect and see no
/// one leave or join and the same host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_players_see_no_leave_or_join_when_the_owner_drains() {
    let _serial = serial().await;
    let pg = Postgres::start().expect("PostgreSQL is needed for cluster mode's tests");
    // A long lease: a drain hands the room over at once, so the lease
    // time is not waited for; a short one could run out while a loaded
    // machine starves the owner's heartbeat, and a room taken over after
    // its lease ran out has lost its seats (that is failover, tested above).
    let mut nodes: Vec<RelayProcess> = (0..3).map(|_| node(&pg.url(), 10_000)).collect();
    // Node 0 owns the room: a raw player joined there first, and leaves
    // once the SDK players are in.
    let (mut anchor, _) = Client::join(&nodes[0].ws_url(), join_msg("SDKD", "anchor")).await;
    let mut clients = Vec::new();
    for i in 0..4 {
        let url = nodes[1 + i % 2].ws_url();
        clients.push((0, SdkClient::join(&url, "SDKD").await));
    }
    anchor.send(&ClientMessage::Leave).await;
    // Its leave and the new host (frames the SDK applies one by one) seen
    // by all before the drain.
    let host = || clients[0].1.room.host();
    let settled = within(Duration::from_secs(10), || {
        let new_host = host().is_some_and(|h| h != pid("anchor"));
        new_host
            && clients
                .iter()
                .all(|(_, c)| c.room.players().len() == 4 && c.room.host() == host())
    })
    .await;
    settled.expect("the anchor's leave and the new host seen by all");
    let host = host();
    let mut events: Vec<_> = clients.iter().map(|(_, c)| c.room.events()).collect();
    // A subscription starts with who is there already.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for e in &mut events {
        e.drain();
    }

    assert!(nodes[0].terminate(Duration::from_secs(10)), "clean exit");
    for (i, (_, c)) in clients.iter().enumerate() {
        let key = format!("after-{i}");
        c.room.set_state(&key, &i, Reliability::Reliable).unwrap();
    }
    let took = within(Duration::from_secs(20), || {
        let replicas = replicas_of(&clients, 0);
        converged(&replicas) && replicas[0].state_keys().len() == 4
    })
    .await;
    eprintln!("cluster SDK: converged {took:?} after the owner's SIGTERM");
    took.expect("replicas converge after the drain");
    for (e, (_, c)) in events.iter_mut().zip(&clients) {
        for event in e.drain() {
            assert!(
                !matches!(
                    event,
                    Event::PlayerJoined(_) | Event::PlayerLeft(_) | Event::HostChanged(_)
                ),
                "{} saw {event:?} during the move",
                c.room.me()
            );
        }
        assert_eq!(c.room.host(), host, "the host stays");
    }
}
