//! Cluster mode: three relay processes on one PostgreSQL server (started by
//! the test; a missing PostgreSQL fails the test). Rooms have one owner
//! node at a time; the others forward their clients to it.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use support::*;

/// Lease time of the test nodes.
const LEASE_MS: u64 = 1500;

/// One node of a cluster on `url`.
fn node(url: &str) -> RelayProcess {
    RelayProcess::builder(relay_bin(env!("CARGO_BIN_EXE_coinop-relay")))
        .without_data_dir()
        .args(["--database-url", url, "--lease-ms", &LEASE_MS.to_string()])
        .args(["--grace-period-ms", "3000"])
        .env("RUST_LOG", "warn")
        .start()
        .expect("start a cluster node")
}

/// A PostgreSQL server and three nodes on it.
fn cluster() -> (Postgres, Vec<RelayProcess>) {
    let pg = Postgres::start().expect("PostgreSQL is needed for cluster mode's tests");
    let nodes = (0..3).map(|_| node(&pg.url())).collect();
    (pg, nodes)
}

/// Skips frames until one matches.
async fn expect(c: &mut Client, what: &str, pred: impl FnMut(&RelayMessage) -> bool) {
    let got = tokio::time::timeout(WAIT, c.recv_until(pred)).await;
    assert!(got.is_ok(), "{what}: not seen in time");
}

#[tokio::test]
async fn players_on_three_nodes_share_one_room() {
    let (_pg, nodes) = cluster();
    let (mut alice, joined) = Client::join(&nodes[0].ws_url(), join_msg("TRIO", "alice")).await;
    assert_eq!(joined.welcome.host, Some(pid("alice")));
    let (mut bob, joined) = Client::join(&nodes[1].ws_url(), join_msg("TRIO", "bob")).await;
    assert_eq!(
        joined.welcome.players.len(),
        2,
        "bob is seated beside alice"
    );
    let (mut carol, _) = Client::join(&nodes[2].ws_url(), join_msg("TRIO", "carol")).await;
    for c in [&mut alice, &mut bob] {
        expect(
            c,
            "carol joined",
            |m| matches!(m, RelayMessage::PlayerJoined(p) if p.id == pid("carol")),
        )
        .await;
    }

    // State: a write through any node reaches everyone, once.
    let mut doc = Doc::new();
    alice.publish(1, vec![doc.change("score", 1)]).await;
    for c in [&mut bob, &mut carol] {
        expect(c, "alice's change", |m| {
            matches!(m, RelayMessage::Changes { .. })
        })
        .await;
    }
    let mut bobs = Doc::new();
    let seq = bob.publish(1, vec![bobs.change("bob", 2)]).await;
    assert_eq!(seq, Seq(2));
    for c in [&mut alice, &mut carol] {
        expect(
            c,
            "bob's change",
            |m| matches!(m, RelayMessage::Changes { entries } if entries[0].seq == Seq(2)),
        )
        .await;
    }

    // Unreliable values.
    carol
        .send(&ClientMessage::Unreliable {
            target: StateTarget::Player(pid("carol")),
            key: "cursor".into(),
            value: Bytes::from_static(b"3,4"),
        })
        .await;
    for c in [&mut alice, &mut bob] {
        expect(c, "carol's cursor", |m| {
            matches!(m, RelayMessage::Unreliable(v) if v.sender == pid("carol") && v.key == "cursor")
        })
        .await;
    }

    // RPC to the host and its reply, across nodes.
    bob.send(&ClientMessage::Rpc {
        call: CallId(7),
        target: RpcTarget::Host,
        name: "roll".into(),
        payload: Bytes::new(),
        want_reply: true,
    })
    .await;
    expect(
        &mut alice,
        "bob's call",
        |m| matches!(m, RelayMessage::Rpc { call: CallId(7), from, .. } if *from == pid("bob")),
    )
    .await;
    alice
        .send(&ClientMessage::RpcReply {
            call: CallId(7),
            to: pid("bob"),
            outcome: RpcOutcome::Ok(Bytes::from_static(b"6")),
        })
        .await;
    expect(&mut bob, "alice's reply", |m| {
        matches!(m, RelayMessage::RpcReply { call: CallId(7), from, .. } if *from == pid("alice"))
    })
    .await;

    // Host transfer, then the new host (forwarded) kicks carol (forwarded).
    alice
        .send(&ClientMessage::TransferHost { to: pid("bob") })
        .await;
    for c in [&mut alice, &mut bob, &mut carol] {
        expect(
            c,
            "bob is host",
            |m| matches!(m, RelayMessage::HostChanged { host: Some(h) } if *h == pid("bob")),
        )
        .await;
    }
    bob.send(&ClientMessage::Kick {
        player: pid("carol"),
    })
    .await;
    assert_eq!(carol.expect_fatal().await.0, Some(ErrorCode::KICKED));
    expect(
        &mut alice,
        "carol left",
        |m| matches!(m, RelayMessage::PlayerLeft { player } if *player == pid("carol")),
    )
    .await;

    // Who holds what, and health.
    let expected = [
        (0, "coinop_leases_held", 1.0),
        (1, "coinop_leases_held", 0.0),
        (1, "coinop_forwarded_total", 1.0),
        (1, "coinop_forwarded_connections", 1.0),
    ];
    for (n, name, value) in expected {
        assert_eq!(
            metric(nodes[n].addr(), name).await,
            Some(value),
            "{name} of node {n}"
        );
    }
    for n in &nodes {
        assert_eq!(
            http_get(n.addr(), "/healthz", &[]).await,
            (200, "ok".into())
        );
    }
}
