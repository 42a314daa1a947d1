//! Relay-wide limits and quarantined rooms.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::core::{RoomMeta, Snapshot};
use coinop_relay::storage::{SqliteStorage, Storage};
use coinop_relay::{Relay, RelayConfig};
use std::time::Duration;
use support::*;

#[tokio::test]
async fn too_many_rooms() {
    let config = RelayConfig {
        max_rooms: 1,
        ..RelayConfig::for_tests()
    };
    let (relay, _, _a) = relay_with_player(config, "ONE", "alice").await;
    let mut b = Client::connect(&relay.ws_url()).await;
    b.send(&ClientMessage::Join(join_msg("TWO", "bob"))).await;
    assert_eq!(b.expect_fatal().await.0, Some(ErrorCode::TOO_MANY_ROOMS));
    // Joining the existing room is still fine.
    Client::join(&relay.ws_url(), join_msg("ONE", "bob")).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn throttled_reliable_messages_are_delayed_not_dropped() {
    let config = RelayConfig {
        reliable_per_sec: 20,
        reliable_burst: 2,
        ..RelayConfig::for_tests()
    };
    let (relay, _, mut a) = relay_with_player(config, "RATE", "alice").await;
    for t in 0..8 {
        a.send(&ClientMessage::Ping { client_time: t }).await;
    }
    for t in 0..8 {
        assert!(
            matches!(a.recv().await, RelayMessage::Pong { client_time, .. } if client_time == t)
        );
    }
    relay.shutdown().await;
}

/// Storage commits so far, from `/metrics`.
async fn commits(relay: &Relay) -> u64 {
    let (_, text) = http_get(relay.local_addr(), "/metrics", &[]).await;
    text.lines()
        .find_map(|l| l.strip_prefix("coinop_storage_commit_seconds_count "))
        .and_then(|n| n.trim().parse().ok())
        .expect("a commit count")
}

/// A writer past its rate is read in batches, so that its changes reach
/// storage together: a few commits a second, not one per change in front
/// of every other room's appends.
#[tokio::test]
async fn a_throttled_writer_is_committed_in_batches() {
    let config = RelayConfig {
        reliable_per_sec: 100,
        reliable_burst: 5,
        rate_limit_patience: Duration::from_secs(30),
        ..RelayConfig::for_tests()
    };
    let (relay, _, mut a) = relay_with_player(config, "BATCH", "alice").await;
    let before = commits(&relay).await;
    let mut doc = Doc::new();
    const N: u64 = 105;
    for i in 1..=N {
        let changes = vec![doc.change("k", i as i64)];
        a.send(&ClientMessage::Publish {
            client_ref: i,
            changes,
        })
        .await;
    }
    let mut acked = Vec::new();
    while (acked.len() as u64) < N {
        if let RelayMessage::Ack { client_ref, .. } = a.recv().await {
            acked.push(client_ref);
        }
    }
    // Every change acked, in order: delayed, not dropped.
    assert_eq!(acked, (1..=N).collect::<Vec<_>>());
    // 100 past the burst at 100/s: 20 batches of 5 (50 ms worth), each
    // one or two commits (the first change's, then the rest together),
    // plus the burst's. Read one per token, it was one commit per change.
    let commits = commits(&relay).await - before;
    assert!(commits <= 60, "{commits} commits for {N} changes");
    relay.shutdown().await;
}

/// Two reliable messages a second after a burst of `burst`, closed after
/// 300 ms over the limit.
fn strict_rate_limit(burst: u32) -> RelayConfig {
    RelayConfig {
        reliable_per_sec: 2,
        reliable_burst: burst,
        rate_limit_patience: Duration::from_millis(300),
        ..RelayConfig::for_tests()
    }
}

/// Pings far over the budget until the relay closes `c` for it.
async fn flood_until_rate_limited(c: &mut Client) {
    for t in 0..20 {
        c.send(&ClientMessage::Ping { client_time: t }).await;
    }
    assert_eq!(
        c.expect_fatal().await,
        (Some(ErrorCode::RATE_LIMITED), Some(1008))
    );
}

#[tokio::test]
async fn sustained_flood_is_rate_limited() {
    let config = strict_rate_limit(2);
    let (relay, _, mut a) = relay_with_player(config, "FLOOD", "alice").await;
    flood_until_rate_limited(&mut a).await;
    relay.shutdown().await;
}

/// A client closed for flooding that reconnects at once is refused at the
/// join (its seat, roster and catch-up would cost the room) until the
/// cooldown has passed; then it finds its budget as it left it, refilled
/// at the configured rate, not a fresh burst. Another player is not affected.
#[tokio::test]
async fn a_reconnect_does_not_refill_the_budget() {
    let config = strict_rate_limit(3);
    let (relay, url, mut a) = relay_with_player(config, "AGAIN", "alice").await;
    flood_until_rate_limited(&mut a).await;
    let closed = std::time::Instant::now();
    let mut again = Client::connect(&url).await;
    again
        .send(&ClientMessage::Join(join_msg("AGAIN", "alice")))
        .await;
    match again.recv().await {
        RelayMessage::Error {
            code,
            fatal: true,
            message,
            ..
        } => {
            assert_eq!(code, ErrorCode::RATE_LIMITED);
            assert!(message.contains("join again in"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Bob's budget is his own.
    let (mut bob, _) = Client::join(&url, join_msg("AGAIN", "bob")).await;
    let mut doc = Doc::new();
    for i in 1..=3 {
        bob.publish(i, vec![doc.change("k", i as i64)]).await;
    }
    // After the cooldown Alice is served again, at her rate: her budget
    // refilled by 2 tokens a second since she left, not to the burst of 3.
    tokio::time::sleep(Duration::from_millis(1100).saturating_sub(closed.elapsed())).await;
    let (mut a, _) = Client::join(&url, join_msg("AGAIN", "alice")).await;
    let mut doc = Doc::new();
    let started = std::time::Instant::now();
    for i in 1..=3 {
        a.publish(i, vec![doc.change("k", i as i64)]).await;
    }
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "three acks in {:?}: a fresh burst",
        started.elapsed()
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn unreadable_room_is_quarantined_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let code = RoomCode::new("BROKEN").unwrap();
    {
        let mut store = SqliteStorage::open(dir.path()).unwrap();
        let meta = RoomMeta {
            code: code.clone(),
            epoch: 9,
            max_players: 4,
            grace_ms: 0,
            // Recent: a room untouched for the relay's TTL would expire.
            created_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64,
            owner: None,
            rules: Default::default(),
        };
        store.put_room_meta(&meta).unwrap();
        let junk = Snapshot {
            upto: Seq(3),
            doc: Bytes::from_static(b"not a document"),
            clock: None,
            view: None,
        };
        store.write_snapshot(&code, &junk).unwrap();
    }
    let config = sqlite_config(dir.path());
    let relay = Relay::start(config).await.unwrap();
    for _ in 0..2 {
        let mut c = Client::connect(&relay.ws_url()).await;
        c.send(&ClientMessage::Join(join_msg("BROKEN", "alice")))
            .await;
        assert_eq!(c.expect_fatal().await.0, Some(ErrorCode::ROOM_UNAVAILABLE));
    }
    let (_, metrics) = http_get(relay.local_addr(), "/metrics", &[]).await;
    assert!(
        metrics.contains("coinop_rooms_unavailable_total 1"),
        "{metrics}"
    );
    relay.shutdown().await;
    // The stored snapshot was left alone.
    let mut store = SqliteStorage::open(dir.path()).unwrap();
    assert_eq!(
        store.read_snapshot(&code).unwrap().unwrap().doc,
        Bytes::from_static(b"not a document")
    );
}
