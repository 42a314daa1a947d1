//! Identity, seats, host, presence and RPC against the real relay.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::{Relay, RelayConfig};
use std::time::Duration;
use support::*;

#[tokio::test]
async fn wrong_secret_is_refused() {
    let (relay, url, a) = relay_with_player(RelayConfig::for_tests(), "SECRET", "alice").await;
    drop(a);
    let mut j = join_msg("OTHER", "alice");
    j.secret = Secret::new(vec![0xAB; 16]).unwrap();
    let mut c = Client::connect(&url).await;
    c.send(&ClientMessage::Join(j)).await;
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::WRONG_SECRET), Some(1008))
    );
    // The right secret still works, in any room.
    Client::join(&url, join_msg("OTHER", "alice")).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn room_full_refuses_a_new_player_but_seated_ones_get_back_in() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let j = join_msg("FULL", "alice").with_max_players(2);
    let (a, joined) = Client::join(&url, j).await;
    assert_eq!(joined.welcome.max_players, 2);
    let (_b, _) = Client::join(&url, join_msg("FULL", "bob")).await;
    let mut c = Client::connect(&url).await;
    c.send(&ClientMessage::Join(join_msg("FULL", "carol")))
        .await;
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::ROOM_FULL), Some(1008))
    );
    drop(a);
    // alice's seat is in grace: she gets back in.
    let (_a2, joined) = Client::join(&url, join_msg("FULL", "alice")).await;
    assert_eq!(joined.welcome.players.len(), 2);
    relay.shutdown().await;
}

#[tokio::test]
async fn unreliable_values_forward_persist_for_late_joiners_and_clear_on_leave() {
    let (relay, url, mut a) = relay_with_player(RelayConfig::for_tests(), "PRES", "alice").await;
    let (mut b, _) = Client::join_seen_by(&url, join_msg("PRES", "bob"), &mut a).await;
    b.send(&ClientMessage::Unreliable {
        target: StateTarget::Player(pid("bob")),
        key: "cursor".into(),
        value: Bytes::from_static(b"1,2"),
    })
    .await;
    let got = a
        .recv_until(|m| matches!(m, RelayMessage::Unreliable(_)))
        .await;
    let RelayMessage::Unreliable(v) = got else {
        unreachable!()
    };
    assert_eq!(
        (v.sender.as_str(), v.key.as_str(), &v.value[..]),
        ("bob", "cursor", &b"1,2"[..])
    );
    let (_c, joined) = Client::join(&url, join_msg("PRES", "carol")).await;
    assert_eq!(joined.welcome.unreliable, vec![v]);
    b.send(&ClientMessage::Leave).await;
    let (_, close) = b.expect_fatal().await;
    assert_eq!(close, Some(1000));
    assert_eq!(
        a.recv_until(|m| matches!(m, RelayMessage::PlayerLeft { .. }))
            .await,
        RelayMessage::PlayerLeft { player: pid("bob") }
    );
    let (_d, joined) = Client::join(&url, join_msg("PRES", "dave")).await;
    assert!(joined.welcome.unreliable.is_empty());
    relay.shutdown().await;
}

#[tokio::test]
async fn grace_period_hides_reconnects_then_player_leaves() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let j = join_msg("GRACE", "alice").with_grace_period_ms(600);
    let (mut a, _) = Client::join(&url, j).await;
    let (b, _) = Client::join_seen_by(&url, join_msg("GRACE", "bob"), &mut a).await;
    drop(b);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (b2, joined) = Client::join(&url, join_msg("GRACE", "bob")).await;
    assert_eq!(joined.welcome.players.len(), 2);
    // No leave and no join were seen by alice.
    a.expect_silence(Duration::from_millis(300)).await;
    drop(b2);
    let left = a.recv().await;
    assert_eq!(left, RelayMessage::PlayerLeft { player: pid("bob") });
    relay.shutdown().await;
}

/// A client that vanishes without the WebSocket closing handshake (a
/// closed tab, a killed process) is a disconnect: its seat is released
/// after the grace period, and the relay does not count it as a client
/// error.
#[tokio::test]
async fn a_vanished_client_is_a_disconnect_not_an_error() {
    let (relay, url, mut a) = relay_with_player(RelayConfig::for_tests(), "GONE", "alice").await;
    let j = join_msg("GONE", "bob").with_grace_period_ms(100);
    let (b, _) = Client::join_seen_by(&url, j, &mut a).await;
    // Dropping the stream closes the TCP connection, no close frame.
    drop(b);
    let left = a
        .recv_until(|m| matches!(m, RelayMessage::PlayerLeft { .. }))
        .await;
    assert_eq!(left, RelayMessage::PlayerLeft { player: pid("bob") });
    let metrics = relay.metrics();
    assert_eq!(
        metrics
            .fatal_closes
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn replaced_connection_gets_fatal_replaced() {
    let (relay, url, mut a) = relay_with_player(RelayConfig::for_tests(), "REPL", "alice").await;
    let (_a2, joined) = Client::join(&url, join_msg("REPL", "alice")).await;
    assert_eq!(joined.welcome.players.len(), 1);
    assert_eq!(
        a.expect_fatal().await,
        (Some(ErrorCode::REPLACED), Some(1008))
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn host_is_earliest_seat_transfers_and_is_reelected() {
    let (relay, url, mut a) = relay_with_player(RelayConfig::for_tests(), "HOST", "alice").await;
    let (mut b, joined) = Client::join(&url, join_msg("HOST", "bob")).await;
    assert_eq!(joined.welcome.host, Some(pid("alice")));
    b.send(&ClientMessage::TransferHost { to: pid("bob") })
        .await;
    assert!(
        matches!(b.recv().await, RelayMessage::Error { code, fatal: false, .. } if code == ErrorCode::NOT_HOST)
    );
    a.send(&ClientMessage::TransferHost { to: pid("bob") })
        .await;
    let changed = RelayMessage::HostChanged {
        host: Some(pid("bob")),
    };
    assert_eq!(b.recv().await, changed);
    assert_eq!(
        a.recv_until(|m| matches!(m, RelayMessage::HostChanged { .. }))
            .await,
        changed
    );
    // Alice created the room: its owner, whom no host may kick.
    b.send(&ClientMessage::Kick {
        player: pid("alice"),
    })
    .await;
    assert!(
        matches!(b.recv().await, RelayMessage::Error { code, fatal: false, .. } if code == ErrorCode::NOT_OWNER)
    );
    a.send(&ClientMessage::Leave).await;
    assert_eq!(
        b.recv().await,
        RelayMessage::PlayerLeft {
            player: pid("alice")
        }
    );
    b.send(&ClientMessage::Leave).await;
    let (_c, joined) = Client::join(&url, join_msg("HOST", "carol")).await;
    assert_eq!(joined.welcome.host, Some(pid("carol")));
    relay.shutdown().await;
}

#[tokio::test]
async fn rpc_modes_and_reply() {
    let (relay, url, mut a) = relay_with_player(RelayConfig::for_tests(), "RPC", "alice").await;
    let (mut b, _) = Client::join_seen_by(&url, join_msg("RPC", "bob"), &mut a).await;
    let rpc = |call, target| ClientMessage::Rpc {
        call: CallId(call),
        target,
        name: "roll".into(),
        payload: Bytes::from_static(b"d6"),
        want_reply: true,
    };
    // Host: bob calls alice (the host), alice replies.
    b.send(&rpc(1, RpcTarget::Host)).await;
    let got = a.recv().await;
    assert!(
        matches!(&got, RelayMessage::Rpc { call: CallId(1), from, name, .. } if *from == pid("bob") && name == "roll")
    );
    a.send(&ClientMessage::RpcReply {
        call: CallId(1),
        to: pid("bob"),
        outcome: RpcOutcome::Ok(Bytes::from_static(b"4")),
    })
    .await;
    assert_eq!(
        b.recv().await,
        RelayMessage::RpcReply {
            call: CallId(1),
            from: pid("alice"),
            outcome: RpcOutcome::Ok(Bytes::from_static(b"4")),
        }
    );
    // All includes the caller; Others does not.
    a.send(&rpc(2, RpcTarget::All)).await;
    assert!(matches!(
        a.recv().await,
        RelayMessage::Rpc {
            call: CallId(2),
            ..
        }
    ));
    assert!(matches!(
        b.recv().await,
        RelayMessage::Rpc {
            call: CallId(2),
            ..
        }
    ));
    a.send(&rpc(3, RpcTarget::Others)).await;
    assert!(matches!(
        b.recv().await,
        RelayMessage::Rpc {
            call: CallId(3),
            ..
        }
    ));
    a.send(&rpc(4, RpcTarget::Player(pid("bob")))).await;
    assert!(matches!(
        b.recv().await,
        RelayMessage::Rpc {
            call: CallId(4),
            ..
        }
    ));
    // Nobody connected as zed: an error reply for the caller.
    a.send(&rpc(5, RpcTarget::Player(pid("zed")))).await;
    assert!(matches!(
        a.recv().await,
        RelayMessage::RpcReply {
            call: CallId(5),
            outcome: RpcOutcome::Err(_),
            ..
        }
    ));
    relay.shutdown().await;
}

#[tokio::test]
async fn concurrent_first_joins_share_one_room() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let url = relay.ws_url();
        tasks.push(tokio::spawn(async move {
            let (c, joined) = Client::join(&url, join_msg("RACE", &format!("p{i}"))).await;
            (c, joined.welcome.epoch)
        }));
    }
    let mut epochs = Vec::new();
    let mut clients = Vec::new();
    for t in tasks {
        let (c, epoch) = t.await.unwrap();
        epochs.push(epoch);
        clients.push(c);
    }
    epochs.dedup();
    assert_eq!(epochs.len(), 1, "one room, one epoch");
    let (_late, joined) = Client::join(&relay.ws_url(), join_msg("RACE", "late")).await;
    assert_eq!(joined.welcome.players.len(), 7);
    relay.shutdown().await;
}
