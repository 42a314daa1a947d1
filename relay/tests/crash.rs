//! Durability: SIGKILL the relay binary, restart it on the same data
//! directory, and find every acked change.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use std::time::Duration;
use support::*;

/// The relay binary on a data directory of its own, its log kept quiet.
fn relay() -> RelayProcess {
    RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .env("RUST_LOG", "warn")
        .start()
        .expect("start the relay binary")
}

#[tokio::test]
async fn every_acked_change_survives_sigkill() {
    let mut relay = relay();
    let url = relay.ws_url();
    let mut acked: Vec<(String, Bytes)> = Vec::new();
    let mut tasks = Vec::new();
    for p in ["p1", "p2", "p3", "p4"] {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let (mut c, joined) = Client::join(&url, join_msg("CRASH", p)).await;
            let mut doc = Doc::new();
            let mut mine = Vec::new();
            for i in 0..25u64 {
                let change = doc.change(p, i as i64);
                c.send(&ClientMessage::Publish {
                    client_ref: i,
                    changes: vec![change.clone()],
                })
                .await;
                mine.push(change);
            }
            // Collect acks for all 25.
            let mut acks = 0;
            while acks < 25 {
                if let RelayMessage::Ack { .. } = c.recv().await {
                    acks += 1;
                }
            }
            (p.to_owned(), mine, joined.welcome.epoch)
        }));
    }
    let mut epoch = None;
    for t in tasks {
        let (p, mine, e) = t.await.unwrap();
        epoch = Some(e);
        acked.extend(mine.into_iter().map(|c| (p.clone(), c)));
    }
    // SIGKILL: no shutdown code runs.
    relay.kill();
    relay.restart().expect("restart the relay");
    let url = relay.ws_url();
    let (_c, joined) = Client::join(&url, join_msg("CRASH", "auditor")).await;
    assert_eq!(joined.head, Seq(100));
    assert_eq!(
        Some(joined.welcome.epoch),
        epoch,
        "the room keeps its epoch"
    );
    let stored: std::collections::HashSet<&[u8]> =
        joined.entries.iter().map(|e| &e.change[..]).collect();
    for (p, change) in &acked {
        assert!(
            stored.contains(&change[..]),
            "an acked change of {p} is missing"
        );
    }
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully() {
    let mut relay = relay();
    let (mut c, _) = Client::join(&relay.ws_url(), join_msg("TERM", "alice")).await;
    let terminated = tokio::task::spawn_blocking(move || relay.terminate(Duration::from_secs(5)));
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::SHUTTING_DOWN), Some(1012))
    );
    // The process exits by itself, successfully, within a bounded time.
    assert!(
        terminated.await.unwrap(),
        "the relay did not exit cleanly after SIGTERM"
    );
}

#[test]
fn a_relay_whose_port_is_taken_is_not_mistaken_for_the_one_listening() {
    let first = relay();
    // The second binds the first's port and fails; connecting to the port
    // would still succeed (the first answers), so "started" must mean this
    // very process said it listens.
    let second = RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .port(first.addr().port())
        .env("RUST_LOG", "off")
        .start();
    let error = second.err().expect("the second relay must not start");
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse, "{error}");
}

#[test]
fn free_ports_are_never_handed_out_twice() {
    let ports: std::collections::HashSet<u16> = (0..200).map(|_| free_port().unwrap()).collect();
    assert_eq!(ports.len(), 200);
}
